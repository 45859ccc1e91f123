/**
 * Entry points of the caption metrics: `scoreCaptions` for the corpus scores, `prepareCaptions`
 * for the per-example statistics behind them (what a bootstrap resamples).
 *
 *   coco  pycocoevalcap's standard: PTB tokens, corpus BLEU / Meteor 1.5 / ROUGE-L / CIDEr-D
 *         (coco.ts). Independent of the order of the examples.
 *   meit  what the official MEIT code computed: batches of 32 in order, scores averaged over
 *         batches, NLTK METEOR, "<|assistant|>" left in (meit-mode.ts). Depends on the order.
 */
import { cocoExample, cocoScores, type CocoExample } from './coco.ts';
import { MEIT_BATCH_SIZE, meitExample, meitScores, type MeitExample } from './meit-mode.ts';
import type { CaptionScores } from './metrics.ts';
import { InputError } from '../util/errors.ts';

export type ScoreMode = 'coco' | 'meit';
export const SCORE_MODES: readonly ScoreMode[] = ['coco', 'meit'];

export interface ScoreOptions {
  mode: ScoreMode;
  /** meit mode: pairs per batch (default 32, as the official test loader). */
  batchSize?: number;
  /** meit mode: prepend "<|assistant|>\n" to predictions and references (default true). */
  assistantPrefix?: boolean;
}

export type Predictions = ReadonlyMap<string, string> | Readonly<Record<string, string>>;
export type References = ReadonlyMap<string, readonly string[]> | Readonly<Record<string, readonly string[]>>;

export interface PreparedCaptions {
  mode: ScoreMode;
  /** Example ids in scoring order (the order of `references`). */
  ids: string[];
  /** Per-example statistics (CocoExample in coco mode, MeitExample in meit mode). */
  examples: readonly CocoExample[] | readonly MeitExample[];
  /**
   * Corpus scores over the examples at `indices` (default: all, in order). Indices may repeat,
   * so a bootstrap passes a resample: `prepared.score(resampledIndices)`.
   */
  score(indices?: readonly number[]): CaptionScores;
}

function entries<T>(x: ReadonlyMap<string, T> | Readonly<Record<string, T>>): [string, T][] {
  return x instanceof Map ? [...x.entries()] : Object.entries(x);
}

/** Pairs predictions with references; ids must match exactly. */
function pair(predictions: Predictions, references: References): [string, string, readonly string[]][] {
  const preds = new Map(entries(predictions));
  const refs = entries(references);
  const missing = refs.filter(([id]) => !preds.has(id)).map(([id]) => id);
  const refIds = new Set(refs.map(([id]) => id));
  const extra = [...preds.keys()].filter((id) => !refIds.has(id));
  if (missing.length || extra.length) {
    const parts = [];
    if (missing.length) parts.push(`${missing.length} reference id(s) without a prediction (first: ${JSON.stringify(missing[0])})`);
    if (extra.length) parts.push(`${extra.length} prediction id(s) without references (first: ${JSON.stringify(extra[0])})`);
    throw new InputError(`predictions and references must have the same ids: ${parts.join('; ')}`);
  }
  if (refs.length === 0) throw new InputError('nothing to score: no references');
  return refs.map(([id, r]) => {
    const p = preds.get(id);
    if (typeof p !== 'string') throw new InputError(`prediction of ${JSON.stringify(id)} must be a string`);
    if (!Array.isArray(r) || r.length === 0 || r.some((x) => typeof x !== 'string')) {
      throw new InputError(`references of ${JSON.stringify(id)} must be a non-empty list of strings`);
    }
    return [id, p, r];
  });
}

export function prepareCaptions(predictions: Predictions, references: References, options: ScoreOptions): PreparedCaptions {
  const pairs = pair(predictions, references);
  const ids = pairs.map(([id]) => id);
  const pick = <T>(xs: readonly T[], indices?: readonly number[]) => (indices ? indices.map((i) => xs[i]!) : xs);
  if (options.mode === 'coco') {
    const examples = pairs.map(([id, p, r]) => cocoExample(id, p, r));
    return { mode: 'coco', ids, examples, score: (indices) => cocoScores(pick(examples, indices)) };
  }
  if (options.mode === 'meit') {
    const batchSize = options.batchSize ?? MEIT_BATCH_SIZE;
    if (!Number.isInteger(batchSize) || batchSize < 1) throw new InputError(`batch size must be a positive integer, got ${batchSize}`);
    const prefix = options.assistantPrefix ?? true;
    const examples = pairs.map(([id, p, r]) => meitExample(id, p, r, prefix));
    return { mode: 'meit', ids, examples, score: (indices) => meitScores(pick(examples, indices), batchSize) };
  }
  throw new InputError(`unknown scoring mode ${JSON.stringify(options.mode)}; expected coco or meit`);
}

/** Corpus-level BLEU-1..4, METEOR, ROUGE-L and CIDEr-D of `predictions` against `references`. */
export function scoreCaptions(predictions: Predictions, references: References, options: ScoreOptions): CaptionScores {
  return prepareCaptions(predictions, references, options).score();
}
