/**
 * Signal perturbations for the robustness experiment: small typed objects, applied in order,
 * seeded through the kit's Rng. The caller's arrays are never mutated.
 *
 * Units. The physical noise models (baseline wander, powerline, muscle, electrode motion)
 * take amplitudes in mV and belong on signals in mV, i.e. before normalisation
 * (`perturbationDomain` says so). MEIT's partial white noise belongs on the min–max
 * normalised record, as in the official code. Gaussian-at-SNR, lead dropout and amplitude
 * scaling are relative and work on either.
 *
 * The paper's robustness figure labels its x axis "SNR" with values 0.95/0.90/0.85/0.80; they
 * are 1 − maxProportion of the partial white noise below, not signal-to-noise ratios.
 * `meitPaperAxis` gives that number for plots that must match the paper; labels say what the
 * perturbation is.
 */
import { InputError } from '../util/errors.ts';
import type { Rng } from '../util/prng.ts';
import {
  amplitudeScaling,
  baselineWander,
  electrodeMotion,
  gaussianAtSnr,
  leadDropout,
  meitPartialNoise,
  muscleNoise,
  powerline,
} from './perturb/models.ts';

export type Perturbation =
  /** Official MEIT robustness noise: σ ~ U(0, maxSigma = 0.1) on ≤ maxProportion of the samples, same on all leads. */
  | { kind: 'meit-partial-noise'; maxProportion: number; maxSigma?: number }
  /** White Gaussian noise, per lead, at this SNR against the lead's variance. */
  | { kind: 'gaussian'; snrDb: number }
  /** Sum of 0.05–0.5 Hz sinusoids, at most amplitudeMv. */
  | { kind: 'baseline-wander'; amplitudeMv: number }
  /** Mains tone (50 or 60 Hz) of amplitudeMv plus its third harmonic at a fifth. */
  | { kind: 'powerline'; freq: number; amplitudeMv: number }
  /** 20–150 Hz noise bursts of rmsMv RMS. */
  | { kind: 'muscle'; rmsMv: number }
  /** Synthetic electrode motion: decaying baseline jumps up to amplitudeMv. */
  | { kind: 'electrode-motion'; amplitudeMv: number }
  /** This many leads set to flat zero. */
  | { kind: 'lead-dropout'; leads: number }
  /** Per-lead gain uniform in ±maxDb decibels. */
  | { kind: 'amplitude-scaling'; maxDb: number };

export type PerturbationKind = Perturbation['kind'];

export const PERTURBATION_KINDS = [
  'meit-partial-noise',
  'gaussian',
  'baseline-wander',
  'powerline',
  'muscle',
  'electrode-motion',
  'lead-dropout',
  'amplitude-scaling',
] as const satisfies readonly PerturbationKind[];

/** The official code's upper bound on the partial noise's standard deviation. */
export const MEIT_MAX_SIGMA = 0.1;

/**
 * Applies `perturbations` in order to a copy of `leads` (sampled at `fs` Hz) and returns it.
 * Randomness is drawn from `rng`, which advances: fork it per record (`rng.fork(recordId)`)
 * so that a record's perturbation does not depend on which records came before it.
 */
export function applyPerturbations(
  leads: readonly Float32Array[],
  fs: number,
  perturbations: readonly Perturbation[],
  rng: Rng,
): Float32Array[] {
  const out = leads.map((lead) => lead.slice());
  for (const p of perturbations) {
    checkPerturbation(p, out.length);
    applyInPlace(out, fs, p, rng);
  }
  return out;
}

function applyInPlace(leads: Float32Array[], fs: number, p: Perturbation, rng: Rng): void {
  switch (p.kind) {
    case 'meit-partial-noise':
      return meitPartialNoise(leads, p.maxProportion, p.maxSigma ?? MEIT_MAX_SIGMA, rng);
    case 'gaussian':
      return gaussianAtSnr(leads, p.snrDb, rng);
    case 'baseline-wander':
      return baselineWander(leads, fs, p.amplitudeMv, rng);
    case 'powerline':
      if (p.freq > fs / 2) {
        throw new InputError(`powerline at ${p.freq} Hz cannot exist in a signal sampled at ${fs} Hz (Nyquist ${fs / 2} Hz)`);
      }
      return powerline(leads, fs, p.freq, p.amplitudeMv, rng);
    case 'muscle':
      // The band's upper edge is 0.45·fs; it must clear the 20 Hz lower edge.
      if (0.45 * fs <= 20) throw new InputError(`muscle noise (20 Hz and up) needs a sampling rate above 44.4 Hz, got ${fs} Hz`);
      return muscleNoise(leads, fs, p.rmsMv, rng);
    case 'electrode-motion':
      return electrodeMotion(leads, fs, p.amplitudeMv, rng);
    case 'lead-dropout':
      return leadDropout(leads, p.leads, rng);
    case 'amplitude-scaling':
      return amplitudeScaling(leads, p.maxDb, rng);
  }
}

/** A short human label for plots and tables, e.g. "partial white noise ≤ 15% of the signal". */
export function perturbationLabel(p: Perturbation): string {
  switch (p.kind) {
    case 'meit-partial-noise':
      return `partial white noise ≤ ${trim(p.maxProportion * 100)}% of the signal`;
    case 'gaussian':
      return `Gaussian noise at ${trim(p.snrDb)} dB SNR`;
    case 'baseline-wander':
      return `baseline wander ≤ ${trim(p.amplitudeMv)} mV`;
    case 'powerline':
      return `${trim(p.freq)} Hz powerline, ${trim(p.amplitudeMv)} mV`;
    case 'muscle':
      return `muscle noise bursts, ${trim(p.rmsMv)} mV RMS`;
    case 'electrode-motion':
      return `electrode motion (synthetic), ≤ ${trim(p.amplitudeMv)} mV`;
    case 'lead-dropout':
      return `${p.leads} lead${p.leads === 1 ? '' : 's'} dropped`;
    case 'amplitude-scaling':
      return `lead gains within ±${trim(p.maxDb)} dB`;
  }
}

/** Up to three decimals, no trailing zeros: 15, 12.5, 0.025. */
function trim(x: number): string {
  return String(Number(x.toFixed(3)));
}

/**
 * Graded severities of one kind, mildest first, for robustness curves. MEIT's are the
 * paper's four; the others span clean-ish to clinically unreadable.
 */
export function perturbationLevels(kind: PerturbationKind): Perturbation[] {
  switch (kind) {
    case 'meit-partial-noise':
      return [0.05, 0.1, 0.15, 0.2].map((maxProportion) => ({ kind, maxProportion }));
    case 'gaussian':
      return [24, 18, 12, 6, 0].map((snrDb) => ({ kind, snrDb }));
    case 'baseline-wander':
      return [0.1, 0.25, 0.5, 1, 2].map((amplitudeMv) => ({ kind, amplitudeMv }));
    case 'powerline':
      return [0.02, 0.05, 0.1, 0.2, 0.5].map((amplitudeMv) => ({ kind, freq: 50, amplitudeMv }));
    case 'muscle':
      return [0.01, 0.025, 0.05, 0.1, 0.2].map((rmsMv) => ({ kind, rmsMv }));
    case 'electrode-motion':
      return [0.1, 0.25, 0.5, 1, 2].map((amplitudeMv) => ({ kind, amplitudeMv }));
    case 'lead-dropout':
      return [1, 2, 3, 6, 9].map((leads) => ({ kind, leads }));
    case 'amplitude-scaling':
      return [1, 2, 3, 6, 10].map((maxDb) => ({ kind, maxDb }));
  }
}

/** Where a perturbation makes physical sense: on mV signals, on normalised ones, or either. */
export function perturbationDomain(p: Perturbation): 'mV' | 'normalized' | 'any' {
  switch (p.kind) {
    case 'meit-partial-noise':
      return 'normalized';
    case 'baseline-wander':
    case 'powerline':
    case 'muscle':
    case 'electrode-motion':
      return 'mV';
    default:
      return 'any';
  }
}

/** The number the paper plots as "SNR" for MEIT's partial noise: 1 − maxProportion. */
export function meitPaperAxis(p: { maxProportion: number }): number {
  return Number((1 - p.maxProportion).toFixed(6));
}

/** Field name → check, per kind (every field listed; optional ones marked). */
const FIELDS: { [K in PerturbationKind]: Record<string, { check: (v: number) => boolean; expected: string; optional?: true }> } = {
  'meit-partial-noise': {
    maxProportion: { check: (v) => v > 0 && v <= 1, expected: 'a number in (0, 1]' },
    maxSigma: { check: (v) => v >= 0, expected: 'a non-negative number', optional: true },
  },
  gaussian: { snrDb: { check: () => true, expected: 'a number (dB)' } },
  'baseline-wander': { amplitudeMv: { check: (v) => v >= 0, expected: 'a non-negative number (mV)' } },
  powerline: {
    freq: { check: (v) => v > 0, expected: 'a positive number (Hz)' },
    amplitudeMv: { check: (v) => v >= 0, expected: 'a non-negative number (mV)' },
  },
  muscle: { rmsMv: { check: (v) => v >= 0, expected: 'a non-negative number (mV)' } },
  'electrode-motion': { amplitudeMv: { check: (v) => v >= 0, expected: 'a non-negative number (mV)' } },
  'lead-dropout': { leads: { check: (v) => Number.isInteger(v) && v >= 0, expected: 'a non-negative integer' } },
  'amplitude-scaling': { maxDb: { check: (v) => v >= 0, expected: 'a non-negative number (dB)' } },
};

/**
 * Checks a perturbation from a params file (or any untyped source) and returns it typed;
 * problems are InputErrors naming `file` and `key`.
 */
export function parsePerturbation(raw: unknown, file?: string, key = 'perturbation'): Perturbation {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new InputError(`${key} must be a mapping with a kind, got ${JSON.stringify(raw)}`, { file });
  }
  const record = raw as Record<string, unknown>;
  const kind = record.kind;
  if (!PERTURBATION_KINDS.includes(kind as PerturbationKind)) {
    throw new InputError(`${key}.kind must be one of ${PERTURBATION_KINDS.join(' | ')}, got ${JSON.stringify(kind)}`, { file });
  }
  const fields = FIELDS[kind as PerturbationKind];
  for (const name of Object.keys(record)) {
    if (name !== 'kind' && !(name in fields)) {
      throw new InputError(`${key}.${name}: unknown field for ${kind} (known: ${Object.keys(fields).join(', ')})`, { file });
    }
  }
  for (const [name, spec] of Object.entries(fields)) {
    const value = record[name];
    if (value === undefined && spec.optional) continue;
    if (typeof value !== 'number' || !Number.isFinite(value) || !spec.check(value)) {
      throw new InputError(`${key}.${name} must be ${spec.expected}, got ${JSON.stringify(value)}`, { file });
    }
  }
  return record as unknown as Perturbation;
}

/** The same checks for perturbations built in code, plus the ones that need the record. */
function checkPerturbation(p: Perturbation, leadCount: number): void {
  parsePerturbation(p);
  if (p.kind === 'lead-dropout' && p.leads > leadCount) {
    throw new InputError(`cannot drop ${p.leads} leads of a ${leadCount}-lead record`);
  }
}
