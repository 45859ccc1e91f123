/**
 * ROUGE-L as pycocoevalcap's Rouge: the longest common subsequence with each reference, the best
 * precision and the best recall taken separately over the references (possibly from different
 * references), then the F-measure with beta = 1.2. The corpus score is the mean over examples.
 */
export const ROUGE_BETA = 1.2;

/** Length of the longest common subsequence (one rolling row: O(|a|·|b|) time, O(|b|) memory). */
export function lcsLength(a: readonly string[], b: readonly string[]): number {
  const row = new Array<number>(b.length + 1).fill(0);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = 0;
    for (let j = 1; j <= b.length; j++) {
      const up = row[j]!;
      row[j] = a[i - 1] === b[j - 1] ? diagonal + 1 : Math.max(up, row[j - 1]!);
      diagonal = up;
    }
  }
  return row[b.length]!;
}

/** Sentence ROUGE-L of `candidate` against `references` (token lists, none empty). */
export function rougeL(candidate: readonly string[], references: readonly (readonly string[])[]): number {
  let precision = 0;
  let recall = 0;
  for (const ref of references) {
    const lcs = lcsLength(ref, candidate);
    precision = Math.max(precision, lcs / candidate.length);
    recall = Math.max(recall, lcs / ref.length);
  }
  if (precision === 0 || recall === 0) return 0;
  return ((1 + ROUGE_BETA ** 2) * precision * recall) / (recall + ROUGE_BETA ** 2 * precision);
}
