/**
 * Train / validation / test splits.
 *
 * PTB-XL ships its own: `strat_fold` 1–10 (stratified by label, patients never straddle
 * folds); the recommended use is folds 1–8 train, 9 validation, 10 test.
 *
 * MIMIC-IV-ECG has none; MEIT drew a random 90/9/1 split of the records without a seed, so a
 * patient's ECGs could land on both sides. The kit splits whole subjects instead, seeded, so
 * that no subject is in two splits and the same seed gives the same split.
 */
import type { Rng } from '../util/prng.ts';

export const SPLITS = ['train', 'val', 'test'] as const;
export type Split = (typeof SPLITS)[number];

export interface SplitFractions {
  train: number;
  val: number;
  test: number;
}

/** PTB-XL's recommended split of its stratified folds. */
export function ptbxlSplit(strat_fold: number): Split {
  return strat_fold === 10 ? 'test' : strat_fold === 9 ? 'val' : 'train';
}

/** Throws a RangeError unless the fractions are non-negative and sum to 1. */
export function checkFractions(f: SplitFractions): void {
  const values = SPLITS.map((s) => f[s]);
  if (values.some((v) => !(v >= 0)) || Math.abs(values.reduce((a, b) => a + b, 0) - 1) > 1e-9) {
    throw new RangeError(`split fractions must be non-negative and sum to 1, got ${JSON.stringify(f)}`);
  }
}

/**
 * Assigns whole groups (subjects) to splits so that the share of *records* in each split
 * approaches `fractions`. `groupSizes` maps each group to its number of records.
 *
 * The groups are sorted first, so the result depends on the set of groups and the seed,
 * not on the order in which the table listed them; then shuffled and dealt in order, each to
 * the split whose share of the records [0, train·N), [train·N, (train+val)·N), [.., N) holds
 * the group's midpoint — so each boundary is off by at most half a group.
 */
export function groupedSplit<K extends string | number>(
  groupSizes: ReadonlyMap<K, number>,
  fractions: SplitFractions,
  rng: Rng,
): Map<K, Split> {
  checkFractions(fractions);
  const groups = [...groupSizes.keys()].sort(compareKeys);
  rng.shuffle(groups);
  let total = 0;
  for (const n of groupSizes.values()) total += n;
  const trainEnd = fractions.train * total;
  const valEnd = (fractions.train + fractions.val) * total;
  const out = new Map<K, Split>();
  let dealt = 0;
  for (const g of groups) {
    const size = groupSizes.get(g)!;
    const middle = dealt + size / 2;
    out.set(g, middle < trainEnd ? 'train' : middle < valEnd ? 'val' : 'test');
    dealt += size;
  }
  return out;
}

function compareKeys(a: string | number, b: string | number): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  return String(a) < String(b) ? -1 : String(a) > String(b) ? 1 : 0;
}
