/** N-gram counting shared by BLEU and CIDEr-D. */

/** Joins an n-gram's words into one Map key (U+0001 cannot occur inside a token). */
const SEP = '\u0001';

/** Counts of the 1..maxN-grams of `words`: `counts[n - 1]` maps an n-gram key to its count. */
export type NgramCounts = Map<string, number>[];

export function ngramCounts(words: readonly string[], maxN: number): NgramCounts {
  const counts: NgramCounts = [];
  let keys = [...words]; // keys[i]: the n-gram starting at word i, grown by one word per order
  for (let n = 1; n <= maxN; n++) {
    if (n > 1) keys = keys.slice(0, -1).map((key, i) => key + SEP + words[i + n - 1]);
    const m = new Map<string, number>();
    for (const key of keys) m.set(key, (m.get(key) ?? 0) + 1);
    counts.push(m);
  }
  return counts;
}

/** A token list's length and 1..4-gram counts: what BLEU and CIDEr-D both work on. */
export interface Counted {
  length: number;
  counts: NgramCounts;
}

export function counted(words: readonly string[]): Counted {
  return { length: words.length, counts: ngramCounts(words, 4) };
}
