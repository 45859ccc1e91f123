/**
 * CIDEr-D exactly as pycocoevalcap's Cider / CiderScorer (which, despite the name, is CIDEr-D):
 * TF-IDF vectors of 1..4-grams, IDF = log(N) - log(max(1, df)) with N = number of examples and
 * df counted over the references of the evaluated set, cosine similarity with the candidate's
 * weights clipped to the reference's, a Gaussian length penalty (sigma 6), averaged over
 * references and n, times 10.
 *
 * Details of that code kept on purpose, since the numbers must match it:
 * - the "length" fed to the penalty counts the *bigrams* of a sentence (its `if n == 1` tests
 *   the 0-based n-gram order), not its words;
 * - df counts an n-gram once per example however many of its references contain it, and N is
 *   the number of examples, not of reference sentences.
 *
 * CIDEr-D is not a ratio of sums (the IDF depends on the whole set), so a bootstrap recomputes
 * it per resample; `ciderD` takes the document frequencies as an option for exactly that reason
 * (and for meit mode, see meit-mode.ts).
 */
import type { NgramCounts } from './ngrams.ts';

export const CIDER_N = 4;
export const CIDER_SIGMA = 6;

/** Document frequency per n-gram order (`df[n - 1]`); an order with no map counts 0 everywhere. */
export type DocumentFrequency = readonly ReadonlyMap<string, number>[];

/** Document frequency of each n-gram over the reference sets (one count per example). */
export function ciderDocumentFrequency(references: readonly (readonly NgramCounts[])[]): Map<string, number>[] {
  const df = Array.from({ length: CIDER_N }, () => new Map<string, number>());
  for (const refs of references) {
    df.forEach((m, k) => {
      const seen = new Set<string>();
      for (const counts of refs) for (const gram of counts[k]!.keys()) seen.add(gram);
      for (const gram of seen) m.set(gram, (m.get(gram) ?? 0) + 1);
    });
  }
  return df;
}

interface Vector {
  weights: Map<string, number>[];
  norms: number[];
  /** pycocoevalcap's "length": the number of bigrams. */
  length: number;
}

function toVector(counts: NgramCounts, df: DocumentFrequency, logN: number): Vector {
  const weights: Map<string, number>[] = [];
  const norms: number[] = [];
  counts.forEach((m, k) => {
    const w = new Map<string, number>();
    const dfk = df[k];
    let sq = 0;
    for (const [gram, tf] of m) {
      const x = tf * (logN - Math.log(Math.max(1, dfk?.get(gram) ?? 0)));
      w.set(gram, x);
      sq += x * x;
    }
    weights.push(w);
    norms.push(Math.sqrt(sq));
  });
  let length = 0;
  for (const tf of counts[1]?.values() ?? []) length += tf;
  return { weights, norms, length };
}

function similarity(hyp: Vector, ref: Vector, sigma: number): number[] {
  const delta = hyp.length - ref.length;
  const penalty = Math.E ** (-(delta ** 2) / (2 * sigma ** 2));
  return hyp.weights.map((w, k) => {
    let val = 0;
    const refW = ref.weights[k]!;
    for (const [gram, x] of w) {
      const r = refW.get(gram) ?? 0;
      val += Math.min(x, r) * r;
    }
    if (hyp.norms[k] !== 0 && ref.norms[k] !== 0) val /= hyp.norms[k]! * ref.norms[k]!;
    return val * penalty;
  });
}

export interface CiderOptions {
  sigma?: number;
  /**
   * Document frequencies to use instead of those of `references` (as ciderDocumentFrequency
   * makes them). An empty list makes every log(df) term 0.
   */
  documentFrequency?: DocumentFrequency;
}

/**
 * Per-example CIDEr-D scores of `candidates` against `references`, both as 1..4-gram counts
 * (ngramCounts(tokens, 4)); their mean is the corpus score.
 */
export function ciderD(
  candidates: readonly NgramCounts[],
  refCounts: readonly (readonly NgramCounts[])[],
  options: CiderOptions = {},
): number[] {
  const sigma = options.sigma ?? CIDER_SIGMA;
  const df = options.documentFrequency ?? ciderDocumentFrequency(refCounts);
  const logN = Math.log(candidates.length);
  return candidates.map((cand, i) => {
    const hyp = toVector(cand, df, logN);
    const total = new Array<number>(CIDER_N).fill(0);
    for (const counts of refCounts[i]!) {
      similarity(hyp, toVector(counts, df, logN), sigma).forEach((v, k) => (total[k]! += v));
    }
    const mean = total.reduce((a, b) => a + b, 0) / CIDER_N;
    return (mean / refCounts[i]!.length) * 10;
  });
}
