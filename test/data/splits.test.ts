import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkFractions, groupedSplit, ptbxlSplit, type Split } from '../../lib/data/splits.ts';
import { Rng } from '../../lib/util/prng.ts';

test('PTB-XL: folds 1-8 train, 9 val, 10 test', () => {
  assert.deepEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10].map(ptbxlSplit), [...Array(8).fill('train'), 'val', 'test']);
});

/** 3000 subjects with 1-6 records each. */
function subjects(seed: number): Map<number, number> {
  const rng = new Rng(seed);
  const m = new Map<number, number>();
  for (let s = 0; s < 3000; s++) m.set(10_000_000 + s * 7, rng.int(1, 7));
  return m;
}

test('grouped split: record fractions close to the target, whole subjects', () => {
  const sizes = subjects(1);
  const split = groupedSplit(sizes, { train: 0.8, val: 0.1, test: 0.1 }, new Rng(5));
  assert.equal(split.size, sizes.size);
  const records: Record<Split, number> = { train: 0, val: 0, test: 0 };
  let total = 0;
  for (const [s, n] of sizes) {
    records[split.get(s)!] += n;
    total += n;
  }
  // Each boundary is off by at most half a subject (≤ 3 records).
  assert.ok(Math.abs(records.train - 0.8 * total) <= 3, JSON.stringify(records));
  assert.ok(Math.abs(records.val - 0.1 * total) <= 6, JSON.stringify(records));
  assert.equal(records.train + records.val + records.test, total);
});

test('grouped split: seeded, and independent of the order the subjects were listed in', () => {
  const sizes = subjects(2);
  const reversed = new Map([...sizes].reverse());
  const f = { train: 0.9, val: 0.09, test: 0.01 };
  const a = groupedSplit(sizes, f, new Rng(3));
  const b = groupedSplit(reversed, f, new Rng(3));
  const c = groupedSplit(sizes, f, new Rng(4));
  assert.deepEqual([...a].sort(), [...b].sort());
  assert.notDeepEqual([...a].sort(), [...c].sort());
  assert.ok([...a.values()].includes('test'));
});

test('fractions must be non-negative and sum to 1', () => {
  assert.throws(() => checkFractions({ train: 0.9, val: 0.09, test: 0.02 }), RangeError);
  assert.throws(() => checkFractions({ train: 1.1, val: -0.1, test: 0 }), RangeError);
  checkFractions({ train: 1, val: 0, test: 0 });
});
