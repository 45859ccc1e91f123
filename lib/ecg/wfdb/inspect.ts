/** A WFDB record's header as a report (for `meit data inspect`), with its checksums verified. */
import { MAX_DECODED_SAMPLES, readRecord } from './record.ts';

export interface SignalReport {
  index: number;
  name: string;
  file: string;
  format: number;
  samplesPerFrame: number;
  skew: number;
  byteOffset: number;
  gain: number;
  baseline: number;
  units: string;
  adcResolution: number;
  adcZero: number;
  initialValue: number;
  checksum: number;
  blockSize: number;
  /** null when the record is too large to verify in one read. */
  checksumOk: boolean | null;
  initialValueOk: boolean | null;
}

export interface RecordReport {
  record: string;
  fs: number;
  nSamples: number;
  nSignals: number;
  durationSeconds: number;
  baseTime: string | null;
  baseDate: string | null;
  counterFreq: number | null;
  baseCounter: number | null;
  comments: string[];
  signals: SignalReport[];
}

export async function inspectRecord(recordPath: string): Promise<RecordReport> {
  // An empty read checks every signal file against the header (and learns the length when
  // the header omits it) even when the record is too large to verify.
  const { header } = await readRecord(recordPath, { from: 0, to: 0 });
  const frameSamples = header.signals.reduce((n, s) => n + s.samplesPerFrame, 0);
  let verdicts: { checksumOk?: boolean[]; initialValueOk?: boolean[] } = {};
  if (header.nSamples * frameSamples <= MAX_DECODED_SAMPLES) {
    verdicts = await readRecord(recordPath);
  }
  return {
    record: header.recordName,
    fs: header.fs,
    nSamples: header.nSamples,
    nSignals: header.nSignals,
    durationSeconds: header.nSamples / header.fs,
    baseTime: header.baseTime ?? null,
    baseDate: header.baseDate ?? null,
    counterFreq: header.counterFreq ?? null,
    baseCounter: header.baseCounter ?? null,
    comments: header.comments,
    signals: header.signals.map((s, i) => ({
      index: i,
      name: s.description,
      file: s.fileName,
      format: s.format,
      samplesPerFrame: s.samplesPerFrame,
      skew: s.skew,
      byteOffset: s.byteOffset,
      gain: s.adcGain,
      baseline: s.baseline,
      units: s.units,
      adcResolution: s.adcResolution,
      adcZero: s.adcZero,
      initialValue: s.initialValue,
      checksum: s.checksum,
      blockSize: s.blockSize,
      checksumOk: verdicts.checksumOk?.[i] ?? null,
      initialValueOk: verdicts.initialValueOk?.[i] ?? null,
    })),
  };
}

/** The report as a readable table. */
export function formatInspection(report: RecordReport): string {
  const when = [report.baseTime, report.baseDate].filter(Boolean).join(' ');
  const lines = [
    `record ${report.record}: ${report.nSignals} signals, ${report.nSamples} samples at ${report.fs} Hz (${report.durationSeconds} s)${when ? `, starting ${when}` : ''}`,
  ];
  if (report.counterFreq !== null) lines.push(`counter frequency ${report.counterFreq} Hz, base counter ${report.baseCounter ?? 0}`);
  const verdict = (ok: boolean | null) => (ok === null ? 'not verified' : ok ? 'ok' : 'MISMATCH');
  const rows = [
    ['#', 'name', 'file', 'format', 'gain', 'baseline', 'units', 'adc res', 'adc zero', 'checksum', 'initial value'],
    ...report.signals.map((s) => [
      String(s.index),
      s.name,
      s.file,
      `${s.format}${s.samplesPerFrame > 1 ? `x${s.samplesPerFrame}` : ''}${s.skew ? `:${s.skew}` : ''}${s.byteOffset ? `+${s.byteOffset}` : ''}`,
      String(s.gain),
      String(s.baseline),
      s.units,
      String(s.adcResolution),
      String(s.adcZero),
      `${s.checksum} ${verdict(s.checksumOk)}`,
      `${s.initialValue} ${verdict(s.initialValueOk)}`,
    ]),
  ];
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  for (const r of rows) lines.push(r.map((cell, c) => cell.padEnd(widths[c]!)).join('  ').trimEnd());
  for (const c of report.comments) lines.push(`# ${c}`);
  return lines.join('\n') + '\n';
}
