/**
 * Corpus BLEU-1..4 exactly as pycocoevalcap's Bleu(4) / BleuScorer computes it: clipped n-gram
 * matches against the per-n-gram maximum over the references, the "closest" reference length
 * (ties go to the shorter reference), and its smoothing constants: 1e-15 added to the matches
 * ("tiny") and 1e-9 to the guesses ("small"), so that an empty candidate still scores 0, not NaN.
 *
 * BLEU is a ratio of corpus sums, so the per-example statistics below are all a bootstrap needs:
 * `bleuFromStats` over any resample of them is that resample's corpus BLEU.
 */
import type { Counted } from './ngrams.ts';

export const BLEU_MAX_N = 4;

/** What one candidate contributes to the corpus sums. */
export interface BleuStats {
  /** Candidate length in tokens. */
  testLen: number;
  /** The reference length closest to testLen (the shorter one on a tie). */
  refLen: number;
  /** Candidate n-grams, n = 1..4: max(0, testLen - n + 1). */
  guess: number[];
  /** Clipped n-gram matches, n = 1..4. */
  correct: number[];
}

export function bleuStats(candidate: Counted, references: readonly Counted[]): BleuStats {
  const maxRef: Map<string, number>[] = Array.from({ length: BLEU_MAX_N }, () => new Map());
  for (const ref of references) {
    ref.counts.forEach((counts, k) => {
      for (const [gram, c] of counts) if (c > (maxRef[k]!.get(gram) ?? 0)) maxRef[k]!.set(gram, c);
    });
  }
  const testLen = candidate.length;
  let refLen = references[0]!.length;
  for (const ref of references) {
    const d = Math.abs(ref.length - testLen);
    const best = Math.abs(refLen - testLen);
    if (d < best || (d === best && ref.length < refLen)) refLen = ref.length;
  }
  const correct = candidate.counts.map((counts, k) => {
    let sum = 0;
    for (const [gram, c] of counts) sum += Math.min(maxRef[k]!.get(gram) ?? 0, c);
    return sum;
  });
  const guess = Array.from({ length: BLEU_MAX_N }, (_, k) => Math.max(0, testLen - k));
  return { testLen, refLen, guess, correct };
}

const TINY = 1e-15;
const SMALL = 1e-9;

/** Corpus BLEU-1..4 from per-example statistics. */
export function bleuFromStats(stats: readonly BleuStats[]): number[] {
  let testLen = 0;
  let refLen = 0;
  const guess = new Array<number>(BLEU_MAX_N).fill(0);
  const correct = new Array<number>(BLEU_MAX_N).fill(0);
  for (const s of stats) {
    testLen += s.testLen;
    refLen += s.refLen;
    for (let k = 0; k < BLEU_MAX_N; k++) {
      guess[k] += s.guess[k]!;
      correct[k] += s.correct[k]!;
    }
  }
  const bleus: number[] = [];
  let product = 1;
  for (let k = 0; k < BLEU_MAX_N; k++) {
    product *= (correct[k]! + TINY) / (guess[k]! + SMALL);
    bleus.push(product ** (1 / (k + 1)));
  }
  const ratio = (testLen + TINY) / (refLen + SMALL);
  if (ratio < 1) {
    const brevity = Math.exp(1 - 1 / ratio);
    for (let k = 0; k < BLEU_MAX_N; k++) bleus[k]! *= brevity;
  }
  return bleus;
}
