/** WFDB records (PhysioNet's waveform format): headers, signal formats, reading and writing. */
export type { WfdbHeader, WfdbSignalSpec } from './header.ts';
export { FIELD, MAX_SIGNALS, format16Header, formatHeader, parseHeader } from './header.ts';
export type { SampleFormat } from './formats.ts';
export { FLAC_FORMATS, SUPPORTED_FORMATS, bytesForSamples, sampleFormat } from './formats.ts';
export type { WfdbRecord } from './record.ts';
export { MAX_DECODED_SAMPLES, checksum16, digitize, frameValues, physicalValue, readHeader, readRecord, resolveRecordInside, writeRecord } from './record.ts';
export type { RecordReport, SignalReport } from './inspect.ts';
export { formatInspection, inspectRecord } from './inspect.ts';
