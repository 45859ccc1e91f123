/**
 * Which findings a synthetic record has: about 40% normal ECGs (as in PTB-XL), the rest a
 * rhythm plus findings drawn with realistic prevalence, with incompatible combinations
 * excluded (no PR interval without P waves, no fascicular block inside a left bundle branch
 * block, not both bundle branch blocks, ...) and a few common co-occurrences (LVH strain).
 */
import type { Rng } from '../../util/prng.ts';
import { findingByCode } from '../findings.ts';

export interface EcgFindings {
  /** PTB-XL SCP codes, diagnostic first, then form, then rhythm. */
  codes: string[];
  /** PTB-XL heart_axis label: '' (normal), 'LAD' or 'RAD'. */
  heartAxis: '' | 'LAD' | 'RAD';
}

export interface Prevalence {
  /** Probability that a record is a normal ECG. */
  normal: number;
  /** Rhythm weights of normal ECGs. */
  normalRhythm: Record<string, number>;
  /** Rhythm weights of abnormal ECGs. */
  abnormalRhythm: Record<string, number>;
  /** Independent probabilities of each finding in an abnormal ECG (LAD / RAD: heart_axis). */
  findings: Record<string, number>;
}

export const DEFAULT_PREVALENCE: Prevalence = {
  normal: 0.4,
  normalRhythm: { SR: 0.86, SBRAD: 0.09, STACH: 0.05 },
  abnormalRhythm: { SR: 0.68, AFIB: 0.12, SBRAD: 0.07, STACH: 0.08, AFLT: 0.05 },
  findings: {
    IMI: 0.12, ASMI: 0.09, AMI: 0.03, LVH: 0.12, CLBBB: 0.06, CRBBB: 0.08, LAFB: 0.09, '1AVB': 0.08,
    STD_: 0.12, STE_: 0.05, INVT: 0.07, LNGQT: 0.05, LVOLT: 0.05, PVC: 0.09, PAC: 0.06, LAD: 0.08, RAD: 0.04,
  },
};

const NO_P_WAVES = ['AFIB', 'AFLT'];

/** A code is left out when any of these is already present (checked in the order of `findings`). */
const EXCLUDES: Record<string, readonly string[]> = {
  '1AVB': NO_P_WAVES,
  PAC: NO_P_WAVES,
  // A left bundle branch block hides infarction, hypertrophy and primary ST-T changes.
  IMI: ['CLBBB'],
  ASMI: ['CLBBB'],
  AMI: ['CLBBB', 'ASMI'],
  LVH: ['CLBBB'],
  CRBBB: ['CLBBB'],
  LAFB: ['CLBBB'],
  STD_: ['CLBBB'],
  STE_: ['CLBBB'],
  INVT: ['CLBBB'],
  LVOLT: ['LVH'],
  RAD: ['LAFB', 'LAD'],
  LAD: ['LAFB', 'RAD'],
};

/** Thick-walled left ventricles often repolarise abnormally ("strain"). */
const STRAIN = 0.4;

export function sampleFindings(rng: Rng, prevalence: Prevalence = DEFAULT_PREVALENCE): EcgFindings {
  if (rng.bernoulli(prevalence.normal)) return { codes: ['NORM', pickWeighted(prevalence.normalRhythm, rng)], heartAxis: '' };
  const rhythm = pickWeighted(prevalence.abnormalRhythm, rng);
  const chosen = new Set<string>([rhythm]);
  const add = (code: string) => {
    if (!(EXCLUDES[code] ?? []).some((c) => chosen.has(c))) chosen.add(code);
  };
  for (const [code, p] of Object.entries(prevalence.findings)) if (rng.bernoulli(p)) add(code);
  // An abnormal ECG with a plain sinus rhythm needs at least one abnormal finding.
  if (chosen.size === 1 && rhythm === 'SR') add(pickWeighted(prevalence.findings, rng));
  if (chosen.has('LVH') && rng.bernoulli(STRAIN)) {
    add('STD_');
    add('INVT');
  }
  const heartAxis = chosen.has('LAFB') || chosen.has('LAD') ? 'LAD' : chosen.has('RAD') ? 'RAD' : '';
  chosen.delete('LAD');
  chosen.delete('RAD');
  return { codes: orderCodes([...chosen]), heartAxis };
}

const KIND_ORDER = { diagnostic: 0, form: 1, rhythm: 2 } as const;

/** Diagnostic statements first, then form, then rhythm (as PTB-XL lists them); stable otherwise. */
export function orderCodes(codes: readonly string[]): string[] {
  const rank = (c: string) => KIND_ORDER[findingByCode(c)?.kind ?? 'form'];
  return [...codes].sort((a, b) => rank(a) - rank(b));
}

function pickWeighted(weights: Record<string, number>, rng: Rng): string {
  const keys = Object.keys(weights);
  return keys[rng.weighted(keys.map((k) => weights[k]!))]!;
}
