/**
 * From a run's flat metrics.json to the scores the tables and figures show. The paper's
 * metric names (BLEU-1, ..., CIDEr-D) carry the kit's meit-mode scores — the official
 * evaluation, the one the paper's numbers come from — so that tables set them side by side;
 * the standard pycocoevalcap scores follow as "<metric> (coco)", with their bootstrap
 * intervals, and the clinical scores as "Clinical micro-F1" / "Clinical macro-F1".
 */
import type { Score } from '../report/tables.ts';

export const CAPTION_METRICS = ['BLEU-1', 'BLEU-2', 'BLEU-3', 'BLEU-4', 'METEOR', 'ROUGE-L', 'CIDEr-D'] as const;
export const CLINICAL_METRICS = { 'Clinical micro-F1': 'clinical/micro_f1', 'Clinical macro-F1': 'clinical/macro_f1' } as const;

/** The value of `key` (under `prefix`, e.g. "no-ecg/") with its interval when the run has one. */
export function score(metrics: Record<string, number>, key: string, prefix = ''): Score | undefined {
  const value = metrics[prefix + key];
  if (value === undefined) return undefined;
  const lo = metrics[`${prefix}${key}_ci_low`];
  const hi = metrics[`${prefix}${key}_ci_high`];
  return lo === undefined || hi === undefined ? value : { value, lo, hi };
}

/** Every score of one run (or of one of its controls, with `prefix`), in table order. */
export function tableScores(metrics: Record<string, number>, prefix = ''): Record<string, Score> {
  const out: Record<string, Score> = {};
  const put = (name: string, s: Score | undefined) => {
    if (s !== undefined) out[name] = s;
  };
  for (const m of CAPTION_METRICS) put(m, score(metrics, `meit/${m}`, prefix));
  for (const [name, key] of Object.entries(CLINICAL_METRICS)) put(name, score(metrics, key, prefix));
  for (const m of CAPTION_METRICS) put(`${m} (coco)`, score(metrics, `coco/${m}`, prefix));
  return out;
}

/** The value of a score, whether or not it has an interval. */
export function valueOf(s: Score): number {
  return typeof s === 'number' ? s : s.value;
}
