/**
 * Signal preprocessing of one record: plain `Float32Array` per lead in, the same out.
 *
 * Steps, in this order:
 *   1. non-finite samples replaced (non-finite.ts),
 *   2. band-pass, 3. notch: zero-phase IIR at the source rate (filters.ts),
 *   4. resampling to the target rate (resample.ts),
 *   5. amplitude normalisation (normalize.ts).
 * Why this order: a single NaN spreads over a whole lead through an IIR filter and over the
 * kernel width through the resampler, so it must go first. Filters run at the source rate
 * because their cut-offs (a 150 Hz band edge, 60 Hz mains) may lie above the target Nyquist,
 * and the resampler's anti-aliasing would otherwise have to do their job. Normalisation goes
 * last so its guarantees hold for what the model sees: min–max output is exactly within
 * [0, 1] (resampling ringing would push values past it) and z-scores are exact.
 *
 * The paper's own pipelines, for reference: MIMIC — no filter, no resampling, 'minmax-global',
 * NaN→0 ('zero-record' reproduces the official code's effect exactly); PTB-XL — raw mV ('none').
 */
import { InputError } from '../../util/errors.ts';
import { butterworthBandpass, iirNotch, sosFiltfilt, type Sos } from './filters.ts';
import { NON_FINITE_MODES, replaceNonFinite, type NonFiniteMode } from './non-finite.ts';
import { NORMALIZATIONS, normalize, type Normalization } from './normalize.ts';
import { resample } from './resample.ts';

export { NON_FINITE_MODES, type NonFiniteMode } from './non-finite.ts';
export { NORMALIZATIONS, type Normalization } from './normalize.ts';
export { resample } from './resample.ts';
export { butterworthBandpass, iirNotch, sosFiltfilt, type Sos } from './filters.ts';

export interface BandpassOptions {
  low: number;
  high: number;
  /** Butterworth prototype order (default 4: 8 poles after the band-pass transform). */
  order?: number;
}

export interface NotchOptions {
  /** Mains frequency, 50 or 60 Hz usually. */
  freq: number;
  /** Quality factor: −3 dB width is freq/q (default 30). */
  q?: number;
}

export interface PreprocessOptions {
  /** Target sampling rate in Hz; omitted or null keeps the source rate. */
  fs?: number | null;
  bandpass?: BandpassOptions | null;
  notch?: NotchOptions | null;
  normalize: Normalization;
  nonFinite: NonFiniteMode;
}

export interface Preprocessed {
  leads: Float32Array[];
  fs: number;
  /** How many NaN/±Infinity samples the input had (all were replaced per `nonFinite`). */
  replacedNonFinite: number;
}

export const DEFAULT_BANDPASS_ORDER = 4;
export const DEFAULT_NOTCH_Q = 30;

/** Filter designs depend only on (options, fs): records of a dataset share them. */
const designs = new Map<string, Sos>();

/** Preprocesses one record. Never mutates its input; always returns new arrays. */
export function preprocess(leads: readonly Float32Array[], fs: number, options: PreprocessOptions): Preprocessed {
  const n = leads[0]?.length ?? 0;
  if (leads.some((lead) => lead.length !== n)) {
    throw new InputError(`leads differ in length (${leads.map((lead) => lead.length).join(', ')} samples)`);
  }
  if (!(fs > 0)) throw new InputError(`sampling rate must be positive, got ${fs} Hz`);
  const targetFs = options.fs ?? fs;

  const cleaned = replaceNonFinite(leads, options.nonFinite);
  let signal = cleaned.leads;
  for (const sos of filterChain(options, fs)) signal = signal.map((lead) => sosFiltfilt(sos, lead));
  if (targetFs !== fs) signal = signal.map((lead) => resample(lead, fs, targetFs));
  return { leads: normalize(signal, options.normalize), fs: targetFs, replacedNonFinite: cleaned.replaced };
}

function filterChain(options: PreprocessOptions, fs: number): Sos[] {
  const chain: Sos[] = [];
  if (options.bandpass) {
    const { low, high, order = DEFAULT_BANDPASS_ORDER } = options.bandpass;
    chain.push(cachedDesign(`bandpass/${order}/${low}/${high}/${fs}`, () => butterworthBandpass(order, low, high, fs)));
  }
  if (options.notch) {
    const { freq, q = DEFAULT_NOTCH_Q } = options.notch;
    chain.push(cachedDesign(`notch/${freq}/${q}/${fs}`, () => iirNotch(freq, q, fs)));
  }
  return chain;
}

function cachedDesign(key: string, design: () => Sos): Sos {
  let sos = designs.get(key);
  if (!sos) {
    sos = design();
    designs.set(key, sos);
  }
  return sos;
}

/**
 * A stable, plain-JSON description of the preprocessing for dataset manifests: defaults filled
 * in, fixed key order, the methods named. `version` changes whenever an algorithm changes its
 * output, so manifests (and their hashes) tell old and new preparations apart.
 */
export function describePreprocess(options: PreprocessOptions) {
  const bandpass = options.bandpass
    ? {
        design: 'butterworth',
        order: options.bandpass.order ?? DEFAULT_BANDPASS_ORDER,
        lowHz: options.bandpass.low,
        highHz: options.bandpass.high,
        application: 'zero-phase forward-backward, second-order sections, odd extension (scipy.signal.sosfiltfilt)',
      }
    : null;
  const notch = options.notch
    ? {
        design: 'iir-notch (scipy.signal.iirnotch)',
        freqHz: options.notch.freq,
        q: options.notch.q ?? DEFAULT_NOTCH_Q,
        application: 'zero-phase forward-backward, odd extension (scipy.signal.filtfilt)',
      }
    : null;
  const resampling =
    options.fs == null
      ? null
      : {
          fsHz: options.fs,
          method: 'polyphase FIR, Kaiser(beta=5) windowed sinc, 20*max(up,down)+1 taps (scipy.signal.resample_poly)',
          length: 'round(n * to / from)',
        };
  return {
    version: 1,
    order: ['nonFinite', 'bandpass', 'notch', 'resample', 'normalize'],
    nonFinite: options.nonFinite,
    bandpass,
    notch,
    resample: resampling,
    normalize: options.normalize,
  };
}

export type PreprocessDescription = ReturnType<typeof describePreprocess>;

/**
 * Checks a params subtree (e.g. `prepare.preprocess` of params.yaml) and returns typed
 * options; every problem is an InputError naming the file and the key. `key` is the subtree's
 * path, used in messages.
 */
export function parsePreprocessOptions(raw: unknown, file?: string, key = 'preprocess'): PreprocessOptions {
  const fail = (path: string, expected: string, got: unknown): never => {
    throw new InputError(`${key}${path} must be ${expected}, got ${JSON.stringify(got)}`, { file });
  };
  if (!isRecord(raw)) return fail('', 'a mapping', raw);
  const known = ['fs', 'bandpass', 'notch', 'normalize', 'nonFinite'];
  for (const name of Object.keys(raw)) {
    if (!known.includes(name)) throw new InputError(`${key}.${name}: unknown key (known: ${known.join(', ')})`, { file });
  }
  const positive = (path: string, value: unknown): number =>
    typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : fail(path, 'a positive number', value);
  const oneOf = <T extends string>(path: string, value: unknown, choices: readonly T[]): T =>
    choices.includes(value as T) ? (value as T) : fail(path, `one of ${choices.join(' | ')}`, value);

  const options: PreprocessOptions = {
    normalize: oneOf('.normalize', raw.normalize, NORMALIZATIONS),
    nonFinite: oneOf('.nonFinite', raw.nonFinite, NON_FINITE_MODES),
  };
  if (raw.fs != null) {
    options.fs = Number.isInteger(raw.fs) && (raw.fs as number) > 0 ? (raw.fs as number) : fail('.fs', 'a positive integer (Hz) or null', raw.fs);
  }
  if (raw.bandpass != null) {
    const b = raw.bandpass;
    if (!isRecord(b)) return fail('.bandpass', 'a mapping {low, high, order} or null', b);
    options.bandpass = { low: positive('.bandpass.low', b.low), high: positive('.bandpass.high', b.high) };
    if (options.bandpass.low >= options.bandpass.high) fail('.bandpass', 'low < high', b);
    if (b.order != null) {
      options.bandpass.order = Number.isInteger(b.order) && (b.order as number) >= 1 ? (b.order as number) : fail('.bandpass.order', 'a positive integer', b.order);
    }
  }
  if (raw.notch != null) {
    const c = raw.notch;
    if (!isRecord(c)) return fail('.notch', 'a mapping {freq, q} or null', c);
    options.notch = { freq: positive('.notch.freq', c.freq) };
    if (c.q != null) options.notch.q = positive('.notch.q', c.q);
  }
  return options;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
