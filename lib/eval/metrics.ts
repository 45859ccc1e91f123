/** The names and shape of the caption metrics both modes report (DESIGN.md, `meit score`). */
export const CAPTION_METRICS = ['BLEU-1', 'BLEU-2', 'BLEU-3', 'BLEU-4', 'METEOR', 'ROUGE-L', 'CIDEr-D'] as const;
export type CaptionMetric = (typeof CAPTION_METRICS)[number];
export type CaptionScores = Record<CaptionMetric, number>;

/** Arithmetic mean (0 for no values), the np.mean of the reference scorers. */
export function mean(xs: readonly number[]): number {
  return xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0;
}
