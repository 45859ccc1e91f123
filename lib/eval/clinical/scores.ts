/**
 * Clinical-efficacy scores: how well the findings of generated reports match the reference
 * findings, as multi-label classification over SCP statement codes.
 *
 * Each example is reduced once to its true positives, false positives and false negatives per
 * code (`labelExample`); every score is recomputed from those counts over any list of example
 * indices, repeats allowed, which is what a bootstrap resamples (lib/eval/bootstrap.ts).
 *
 *   micro P / R / F1   pooled counts over all codes: P = Σtp / Σ(tp+fp), R = Σtp / Σ(tp+fn).
 *   macro P / R / F1   unweighted mean over the codes present in the references of the scored
 *                      examples (support > 0), of each code's P, R and F1 (macro-F1 is the mean
 *                      of per-code F1, as scikit-learn). Codes absent from the references are
 *                      left out of the macro means (their F1 is undefined, and counting them as
 *                      0 would reward a vocabulary's size); their false positives still lower
 *                      micro precision.
 *   exact match        fraction of examples whose predicted set equals the reference set.
 * A ratio with a zero denominator is 0 (scikit-learn's zero_division=0); the exception is an
 * example with no reference codes and no predicted codes, which is an exact match.
 */
import { findingByCode } from '../../ecg/findings.ts';

/** One example's label comparison. Code lists are sorted and without duplicates; `predicted` is tp ∪ fp. */
export interface LabelExample {
  predicted: readonly string[];
  reference: readonly string[];
  tp: readonly string[];
  fp: readonly string[];
  fn: readonly string[];
}

export const CLINICAL_SCORE_NAMES = [
  'CE-micro-P',
  'CE-micro-R',
  'CE-micro-F1',
  'CE-macro-P',
  'CE-macro-R',
  'CE-macro-F1',
  'CE-exact',
] as const;
export type ClinicalScores = Record<(typeof CLINICAL_SCORE_NAMES)[number], number>;

export interface CodeScore {
  /** Examples whose references carry the code (tp + fn). */
  support: number;
  tp: number;
  fp: number;
  fn: number;
  precision: number;
  recall: number;
  f1: number;
}

/**
 * Compares predicted findings with reference codes. A prediction is a code or a group of
 * alternative codes (labelGroups: "prolonged pr interval" is LPR and/or 1AVB, as PTB-XL's coders
 * use either or both): the group's codes in the reference are true positives and the others are
 * ignored; a group with none in the reference is one false positive, on its first code.
 */
export function labelExample(predicted: Iterable<string | readonly string[]>, reference: Iterable<string>): LabelExample {
  const r = [...new Set(reference)].sort();
  const inRef = new Set(r);
  const tp = new Set<string>();
  const fp = new Set<string>();
  for (const p of predicted) {
    const group = typeof p === 'string' ? [p] : p;
    const hits = group.filter((c) => inRef.has(c));
    if (hits.length) hits.forEach((c) => tp.add(c));
    else if (group.length) fp.add(group[0]!);
  }
  for (const c of tp) fp.delete(c);
  return {
    predicted: [...new Set([...tp, ...fp])].sort(),
    reference: r,
    tp: [...tp].sort(),
    fp: [...fp].sort(),
    fn: r.filter((c) => !tp.has(c)),
  };
}

const ratio = (a: number, b: number) => (b > 0 ? a / b : 0);
const harmonic = (p: number, r: number) => (p + r > 0 ? (2 * p * r) / (p + r) : 0);

function* selected<T>(xs: readonly T[], indices?: ArrayLike<number>): Generator<T> {
  const n = indices ? indices.length : xs.length;
  for (let k = 0; k < n; k++) yield xs[indices ? indices[k]! : k]!;
}

/** Per-code counts and scores over the examples at `indices` (default: all), codes sorted. */
export function perCodeScores(examples: readonly LabelExample[], indices?: ArrayLike<number>): Record<string, CodeScore> {
  const counts = new Map<string, { tp: number; fp: number; fn: number }>();
  const get = (code: string) => {
    let c = counts.get(code);
    if (!c) counts.set(code, (c = { tp: 0, fp: 0, fn: 0 }));
    return c;
  };
  for (const e of selected(examples, indices)) {
    for (const code of e.tp) get(code).tp++;
    for (const code of e.fp) get(code).fp++;
    for (const code of e.fn) get(code).fn++;
  }
  const out: Record<string, CodeScore> = {};
  for (const code of [...counts.keys()].sort()) {
    const { tp, fp, fn } = counts.get(code)!;
    const precision = ratio(tp, tp + fp);
    const recall = ratio(tp, tp + fn);
    out[code] = { support: tp + fn, tp, fp, fn, precision, recall, f1: harmonic(precision, recall) };
  }
  return out;
}

/** Micro and macro precision / recall / F1 and exact match over the examples at `indices`. */
export function clinicalScores(examples: readonly LabelExample[], indices?: ArrayLike<number>): ClinicalScores {
  let tp = 0;
  let fp = 0;
  let fn = 0;
  let exact = 0;
  let n = 0;
  for (const e of selected(examples, indices)) {
    tp += e.tp.length;
    fp += e.fp.length;
    fn += e.fn.length;
    if (e.fp.length === 0 && e.fn.length === 0) exact++;
    n++;
  }
  const supported = Object.values(perCodeScores(examples, indices)).filter((c) => c.support > 0);
  const mean = (f: (c: CodeScore) => number) => ratio(supported.reduce((s, c) => s + f(c), 0), supported.length);
  const microP = ratio(tp, tp + fp);
  const microR = ratio(tp, tp + fn);
  return {
    'CE-micro-P': microP,
    'CE-micro-R': microR,
    'CE-micro-F1': harmonic(microP, microR),
    'CE-macro-P': mean((c) => c.precision),
    'CE-macro-R': mean((c) => c.recall),
    'CE-macro-F1': mean((c) => c.f1),
    'CE-exact': ratio(exact, n),
  };
}

/**
 * Reference codes from a dataset's labels (code → likelihood, as PTB-XL's scp_codes). Every
 * code is a statement of the record: PTB-XL gives rhythm and form statements likelihood 0, so
 * "likelihood > 0" would drop every SR. `minLikelihood` drops hedged diagnostic statements
 * (likelihood in (0, minLikelihood)); 0-likelihood statements are always kept.
 */
export function referenceCodes(labels: Readonly<Record<string, number>>, minLikelihood = 0): string[] {
  return Object.entries(labels)
    .filter(([, likelihood]) => likelihood === 0 || likelihood >= minLikelihood)
    .map(([code]) => code)
    .sort();
}

/** The diagnostic superclasses (NORM, MI, STTC, CD, HYP) of a code set; other codes drop out. */
export function superclassCodes(codes: Iterable<string>): string[] {
  const out = new Set<string>();
  for (const code of codes) {
    const s = findingByCode(code)?.superclass;
    if (s) out.add(s);
  }
  return [...out].sort();
}
