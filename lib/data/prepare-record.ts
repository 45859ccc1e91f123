/**
 * One record from WFDB files to a prepared signal: read, put the leads in the canonical
 * order, cut to the configured length, preprocess, zero-pad if short.
 *
 * This runs in the worker threads of `meit data prepare` (lib/data/prepare-worker.ts) and,
 * with `workers: 0`, in the main thread; it takes and returns plain data only.
 */
import { InputError } from '../util/errors.ts';
import { readHeader, readRecord, type WfdbHeader } from '../ecg/wfdb/index.ts';
import { preprocess, type PreprocessOptions } from '../ecg/preprocess/index.ts';
import { LEADS } from './shards.ts';

export interface RecordOptions {
  /** Length of every prepared signal, in seconds. */
  seconds: number;
  /** Preprocessing, including the target sampling rate `fs`. */
  preprocess: PreprocessOptions & { fs: number };
}

export interface PreparedSignal {
  /** 12 × samples values, lead after lead, canonical order. */
  signal: Float32Array;
  /** The record was shorter than `seconds` and was zero-padded. */
  padded: boolean;
  /** The record was longer than `seconds` and was cut. */
  cropped: boolean;
  /** A lead's samples do not sum to the header's checksum (known when the whole record was read). */
  checksumMismatch: boolean;
  /** Non-finite samples (NaN, ±inf) replaced by the preprocessing. */
  replacedNonFinite: number;
}

/** Samples per lead of a prepared signal. */
export function preparedSamples(options: RecordOptions): number {
  return Math.round(options.seconds * options.preprocess.fs);
}

export async function prepareRecord(recordPath: string, options: RecordOptions): Promise<PreparedSignal> {
  const headerFile = `${recordPath}.hea`;
  const header = await readHeader(recordPath);
  const order = canonicalOrder(header, headerFile);
  const wanted = Math.round(options.seconds * header.fs);
  // Read only what is kept; a header without a sample count means "all the file holds".
  const record = await readRecord(recordPath, header.nSamples > 0 ? { to: Math.min(header.nSamples, wanted) } : {});
  const available = record.header.nSamples;
  if (available === 0) throw new InputError('record has no samples', { file: headerFile, where: 'line 1' });

  const leads = order.map((i) => toMillivolts(record.physical[i]!.subarray(0, wanted), header.signals[i]!.units, headerFile, i));
  const out = withFile(headerFile, () => preprocess(leads, header.fs, options.preprocess));

  const samples = preparedSamples(options);
  const signal = new Float32Array(LEADS.length * samples);
  for (let lead = 0; lead < LEADS.length; lead++) {
    const src = out.leads[lead]!;
    signal.set(src.length > samples ? src.subarray(0, samples) : src, lead * samples);
  }
  return {
    signal,
    padded: out.leads[0]!.length < samples,
    cropped: available > wanted,
    checksumMismatch: record.checksumOk?.some((ok, i) => !ok && order.includes(i)) ?? false,
    replacedNonFinite: out.replacedNonFinite,
  };
}

/**
 * For each canonical lead, the index of the header signal with that name (case-insensitive:
 * PTB-XL writes "AVR", MIMIC-IV-ECG "aVR" and lists aVF before aVL). Extra signals are
 * ignored; a missing or repeated lead is an error.
 */
export function canonicalOrder(header: WfdbHeader, file: string): number[] {
  const byName = new Map<string, number>();
  header.signals.forEach((s, i) => {
    const name = s.description.trim().toLowerCase();
    if (byName.has(name)) throw new InputError(`lead ${s.description} appears twice`, { file, where: `signal ${i}` });
    byName.set(name, i);
  });
  return LEADS.map((lead) => {
    const i = byName.get(lead.toLowerCase());
    if (i === undefined) {
      const names = header.signals.map((s) => s.description).join(', ');
      throw new InputError(`no lead ${lead} among the ${header.signals.length} signals (${names || 'none'})`, { file });
    }
    if (header.signals[i]!.samplesPerFrame !== 1) {
      throw new InputError(`lead ${lead} has ${header.signals[i]!.samplesPerFrame} samples per frame; expected 1`, { file, where: `signal ${i}` });
    }
    return i;
  });
}

const MILLIVOLTS_PER_UNIT: Record<string, number> = { mv: 1, uv: 1e-3, 'μv': 1e-3, 'µv': 1e-3, v: 1e3, nv: 1e-6 };

/** Prepared signals are in millivolts before normalisation; records in other units are scaled. */
function toMillivolts(values: Float32Array, units: string, file: string, signal: number): Float32Array {
  const key = (units || 'mV').trim().toLowerCase();
  const factor = MILLIVOLTS_PER_UNIT[key];
  if (factor === undefined) throw new InputError(`units ${JSON.stringify(units)} are not a voltage`, { file, where: `signal ${signal}` });
  if (factor === 1) return values;
  const out = new Float32Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = values[i]! * factor;
  return out;
}

/** Names the record's header in input errors raised without a file (e.g. an unsupported rate). */
function withFile<T>(file: string, run: () => T): T {
  try {
    return run();
  } catch (err) {
    if (err instanceof InputError && !err.file) throw new InputError(err.message, { file, where: err.where, cause: err });
    throw err;
  }
}
