/**
 * METEOR in the manner of Meteor 1.5 (Denkowski & Lavie 2014), the METEOR of coco mode: what
 * pycocoevalcap obtains from `meteor-1.5.jar - - -stdio -l en -norm`.
 *
 * Per reference: normalise both sides (normalize.ts); find candidate matches stage by stage -
 * exact, stem, synonym (a pair is labelled with the first stage that matches it);
 * choose a one-to-one alignment by beam search (beam 40, as the jar) preferring, in order, more
 * matched words (ranked by what a partial alignment can still reach), fewer chunks, smaller
 * total position distance - a word whose only candidate nobody else wants is matched without
 * branching; then the statistics line of the
 * jar (lengths, function-word counts, per-stage content/function matches, chunks). The best
 * reference (by segment score) gives the segment's statistics. The corpus score is computed from
 * the *summed* statistics, as the jar's EVAL aggregate does, so statistics are what a bootstrap
 * resamples.
 *
 * Scoring (MeteorScorer.computeMetrics, read from the jar): with delta-weighted lengths
 * L = delta*(content words) + (1-delta)*(function words) and module weights w = 1, 0.6, 0.8, 0.6:
 * P = sum_s w_s (delta*content_s + (1-delta)*function_s) / L_test, R likewise over the reference;
 * Fmean = 1 / ((1-alpha)/P + alpha/R); frag = chunks / mean matched words, 0 for a perfect
 * one-chunk match; score = max(0, Fmean * (1 - gamma*frag^beta)), NaN -> 0;
 * alpha 0.85, beta 0.2, gamma 0.6, delta 0.75.
 *
 * Where this departs from the jar (on the fixtures: corpus METEOR 0.4995 vs the jar's 0.5016,
 * 286 of 300 segment statistics identical; the 14 others are 9 paraphrase and 5 synonym matches
 * of the jar; see test/eval/meteor.test.ts):
 * - stems come from the npm `stemmer` package (Porter's original algorithm); the jar uses the
 *   Snowball English stemmer;
 * - synonyms are "shares a WordNet 3.1 synset after NLTK-style base forms" (wordnet.ts); the jar
 *   uses its own synonym tables derived from WordNet 3.0 with their own morphology;
 * - no paraphrase stage (the jar's paraphrase-en table, weight 0.6, is not available as a
 *   package), so multi-word matches never occur;
 * - the alignment search ranks partial alignments with the jar's criteria but is a plain beam
 *   search, not the jar's exact search code.
 */
import { stemmer } from 'stemmer';
import { meteorNormalize } from './normalize.ts';
import { wordnet as loadWordNet, type WordNet } from './wordnet.ts';

const stems = new Map<string, string>();
/** Porter stem, memoised: report vocabularies are small and stemming dominates otherwise. */
function stem(word: string): string {
  let s = stems.get(word);
  if (s === undefined) stems.set(word, (s = stemmer(word)));
  return s;
}

export const METEOR15 = { alpha: 0.85, beta: 0.2, gamma: 0.6, delta: 0.75, weights: [1, 0.6, 0.8, 0.6], beam: 40 } as const;
const STAGES = 4; // exact, stem, synonym, paraphrase (the last always empty here)

/** Meteor 1.5's function/english.words (the jar's resource, one word per line). */
const FUNCTION_WORDS = new Set(
  ("the , . to of and a in that for \" is on 's it with was as said at he by be from have has are his but an this not i " +
    "will ’ they ) -rrb- ( -lrb- who their had we which were been more or s its would about new one after you : also up " +
    "when there than $ all out her people she year two - can if last first “ over other ” into some what so -- no time " +
    "years could ? 't — '").split(' '),
);

/**
 * One segment's statistics in the jar's order: testLength, referenceLength, testFunctionWords,
 * referenceFunctionWords, then per stage (exact, stem, synonym, paraphrase) test content matches,
 * reference content matches, test function matches, reference function matches, then chunks,
 * testWordMatches, referenceWordMatches. Sums of these are corpus statistics.
 */
export type MeteorStats = number[];
export const METEOR_STATS_LENGTH = 4 + 4 * STAGES + 3;

interface Candidate {
  j: number;
  stage: number;
}

/** A match in a partial alignment, linked to the previous one (alignments share prefixes). */
interface Link {
  i: number;
  j: number;
  stage: number;
  prev: Link | undefined;
}

interface Beam {
  /** Per reference word, 1 once matched (plain arrays: small typed arrays cost more to copy). */
  used: number[];
  /** Per hypothesis word, how many of its candidates are still unused. */
  free: number[];
  /** Hypothesis words not yet decided that still have a free candidate. */
  open: number;
  last: Link | undefined;
  count: number;
  chunks: number;
  distance: number;
  /** count + open: the most matches this partial alignment can reach. */
  potential: number;
}

/** The jar's preference: more matched words, then fewer chunks, then less distance. */
function better(a: Beam, b: Beam): number {
  return b.potential - a.potential || a.chunks - b.chunks || a.distance - b.distance;
}

/** Positions of each key in `keys`. */
function positions(keys: readonly string[]): Map<string, number[]> {
  const out = new Map<string, number[]>();
  keys.forEach((k, j) => {
    const list = out.get(k);
    if (list) list.push(j);
    else out.set(k, [j]);
  });
  return out;
}

/** Candidate matches per hypothesis word, by reference position; each pair is labelled with the first stage that matches it. */
function candidates(hyp: readonly string[], ref: readonly string[], wn: WordNet): Candidate[][] {
  const exact = positions(ref);
  const stemmed = positions(ref.map(stem));
  const bySynset = new Map<string, number[]>();
  ref.forEach((w, j) => {
    for (const key of wn.synsetKeys(w)) {
      const list = bySynset.get(key);
      if (list) list.push(j);
      else bySynset.set(key, [j]);
    }
  });
  return hyp.map((h) => {
    const stageOf = new Map<number, number>();
    const add = (js: readonly number[] | undefined, stage: number) => {
      for (const j of js ?? []) if (!stageOf.has(j)) stageOf.set(j, stage);
    };
    add(exact.get(h), 0);
    add(stemmed.get(stem(h)), 1);
    for (const key of wn.synsetKeys(h)) add(bySynset.get(key), 2);
    return [...stageOf].sort((a, b) => a[0] - b[0]).map(([j, stage]) => ({ j, stage }));
  });
}

/** The alignment: [hyp, ref, stage] matches sorted by hypothesis position. */
function align(hyp: readonly string[], ref: readonly string[], wn: WordNet): [number, number, number][] {
  const cands = candidates(hyp, ref, wn);
  const wantedBy: number[][] = ref.map(() => []); // reference position -> hypothesis words wanting it
  cands.forEach((c, k) => c.forEach(({ j }) => wantedBy[j]!.push(k)));
  // A word with one candidate that no other word wants is matched without search.
  const onlyChoice = (c: Candidate[]) => c.length === 1 && wantedBy[c[0]!.j]!.length === 1;
  if (cands.every((c) => c.length === 0 || onlyChoice(c))) {
    return cands.flatMap((c, i) => c.map(({ j, stage }) => [i, j, stage] as [number, number, number]));
  }

  const free = cands.map((c) => c.length);
  const open = free.reduce((n, f) => n + (f > 0 ? 1 : 0), 0);
  /** `b` with hypothesis word i matched to c.j; `open` counts the undecided words after i. */
  const extend = (b: Beam, i: number, { j, stage }: Candidate, open: number): Beam => {
    const used = b.used.slice();
    used[j] = 1;
    const free = b.free.slice();
    for (const k of wantedBy[j]!) if (--free[k]! === 0 && k > i) open--;
    const continues = b.last !== undefined && b.last.i === i - 1 && b.last.j === j - 1;
    return {
      used,
      free,
      open,
      last: { i, j, stage, prev: b.last },
      count: b.count + 1,
      chunks: b.chunks + (continues ? 0 : 1),
      distance: b.distance + Math.abs(i / hyp.length - j / ref.length),
      potential: b.count + 1 + open,
    };
  };
  let beams: Beam[] = [{ used: new Array<number>(ref.length).fill(0), free, open, last: undefined, count: 0, chunks: 0, distance: 0, potential: open }];
  for (let i = 0; i < hyp.length; i++) {
    const options = cands[i]!;
    if (options.length === 0) continue;
    const forced = onlyChoice(options);
    const next: Beam[] = [];
    for (const b of beams) {
      if (forced) {
        // Taking a reference word nobody else wants is never worse, so do not branch.
        next.push(extend(b, i, options[0]!, b.open - 1));
        continue;
      }
      const base = b.open - (b.free[i]! > 0 ? 1 : 0); // word i is decided now
      next.push({ ...b, open: base, potential: b.count + base });
      for (const c of options) if (!b.used[c.j]) next.push(extend(b, i, c, base));
    }
    beams = forced ? next : next.sort(better).slice(0, METEOR15.beam);
  }
  const matches: [number, number, number][] = [];
  for (let l = beams.sort(better)[0]!.last; l; l = l.prev) matches.unshift([l.i, l.j, l.stage]);
  return matches;
}

/** The jar's statistics line for one hypothesis against one reference (token lists after -norm). */
export function meteorStats(hyp: readonly string[], ref: readonly string[], wn: WordNet = loadWordNet()): MeteorStats {
  const stats = new Array<number>(METEOR_STATS_LENGTH).fill(0);
  stats[0] = hyp.length;
  stats[1] = ref.length;
  stats[2] = hyp.filter((w) => FUNCTION_WORDS.has(w)).length;
  stats[3] = ref.filter((w) => FUNCTION_WORDS.has(w)).length;
  const matches = align(hyp, ref, wn);
  for (const [i, j, stage] of matches) {
    const base = 4 + 4 * stage;
    stats[base + (FUNCTION_WORDS.has(hyp[i]!) ? 2 : 0)]! += 1;
    stats[base + 1 + (FUNCTION_WORDS.has(ref[j]!) ? 2 : 0)]! += 1;
  }
  let chunks = 0;
  matches.forEach(([i, j], k) => {
    const prev = matches[k - 1];
    if (!prev || i !== prev[0] + 1 || j !== prev[1] + 1) chunks++;
  });
  stats[METEOR_STATS_LENGTH - 3] = chunks;
  stats[METEOR_STATS_LENGTH - 2] = matches.length;
  stats[METEOR_STATS_LENGTH - 1] = matches.length;
  return stats;
}

/** MeteorScorer.computeMetrics on (possibly summed) statistics. */
export function meteorFromStats(stats: readonly number[]): number {
  const { alpha, beta, gamma, delta, weights } = METEOR15;
  const [testLen, refLen, testFn, refFn] = stats as [number, number, number, number];
  let testWeighted = 0;
  let refWeighted = 0;
  for (let s = 0; s < STAGES; s++) {
    const [tc, rc, tf, rf] = stats.slice(4 + 4 * s, 8 + 4 * s) as [number, number, number, number];
    testWeighted += weights[s]! * (delta * tc + (1 - delta) * tf);
    refWeighted += weights[s]! * (delta * rc + (1 - delta) * rf);
  }
  const [chunks, testWordMatches, refWordMatches] = stats.slice(METEOR_STATS_LENGTH - 3) as [number, number, number];
  const precision = testWeighted / (delta * (testLen - testFn) + (1 - delta) * testFn);
  const recall = refWeighted / (delta * (refLen - refFn) + (1 - delta) * refFn);
  const fMean = 1 / ((1 - alpha) / precision + alpha / recall);
  const frag = isPerfect(stats) ? 0 : chunks / ((testWordMatches + refWordMatches) / 2);
  const score = fMean * (1 - gamma * frag ** beta);
  return Number.isNaN(score) ? 0 : Math.max(0, score);
}

/** One segment against its references: the best reference's statistics (the jar's SCORE line). */
export function meteorSegment(hypothesis: string, references: readonly string[], wn: WordNet = loadWordNet()): MeteorStats {
  const hyp = meteorNormalize(hypothesis);
  let best: MeteorStats | undefined;
  let bestScore = -1;
  for (const r of references) {
    const stats = meteorStats(hyp, meteorNormalize(r), wn);
    const score = meteorFromStats(stats);
    if (score > bestScore) [best, bestScore] = [stats, score];
  }
  return best!;
}

/** A perfect match: every word on both sides matched, in one chunk. */
function isPerfect(stats: readonly number[]): boolean {
  let test = 0;
  let ref = 0;
  for (let s = 0; s < STAGES; s++) {
    test += stats[4 + 4 * s]! + stats[6 + 4 * s]!;
    ref += stats[5 + 4 * s]! + stats[7 + 4 * s]!;
  }
  return test === stats[0] && ref === stats[1] && stats[METEOR_STATS_LENGTH - 3] === 1;
}

/**
 * Sums of segment statistics, as the jar's EVAL aggregate (MeteorStats.addStats) forms them:
 * everything is added except the chunk of a perfectly matched segment.
 */
export function sumMeteorStats(all: readonly MeteorStats[]): MeteorStats {
  const total = new Array<number>(METEOR_STATS_LENGTH).fill(0);
  for (const s of all) {
    const perfect = isPerfect(s);
    s.forEach((x, k) => {
      if (!(perfect && k === METEOR_STATS_LENGTH - 3)) total[k]! += x;
    });
  }
  return total;
}
