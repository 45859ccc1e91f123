/**
 * Length-bucketed batches: examples of similar token length go together so that little of
 * each batch is padding. Deterministic for a given Rng: examples are shuffled, cut into
 * pools of `poolBatches` batches, sorted by length inside each pool, batched, and the batches
 * shuffled again (the scheme of fairseq/torchtext bucket iterators).
 */
import type { Rng } from '../util/prng.ts';

export function bucketedBatches(lengths: readonly number[], batchSize: number, rng: Rng, poolBatches = 50): number[][] {
  if (batchSize < 1) throw new RangeError('batchSize must be >= 1');
  const order = rng.shuffle(lengths.map((_, i) => i));
  const batches: number[][] = [];
  const pool = batchSize * poolBatches;
  for (let start = 0; start < order.length; start += pool) {
    // Stable sort by length: ties keep the shuffled order, so the result depends only on rng.
    const chunk = order.slice(start, start + pool).sort((a, b) => lengths[a]! - lengths[b]!);
    for (let i = 0; i < chunk.length; i += batchSize) batches.push(chunk.slice(i, i + batchSize));
  }
  return rng.shuffle(batches);
}
