import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bootstrapCI, bootstrapCIs, meanSd } from '../../lib/eval/bootstrap.ts';
import { Rng } from '../../lib/util/prng.ts';

/** The mean of `xs` over a resample. */
const meanOf = (xs: Float64Array) => (indices: Uint32Array) => {
  let s = 0;
  for (let k = 0; k < indices.length; k++) s += xs[indices[k]!]!;
  return s / indices.length;
};

function sample(n: number, seed: string): Float64Array {
  const rng = new Rng(seed);
  return Float64Array.from({ length: n }, () => rng.normal());
}

test('the interval of a mean contains the estimate and is close to the normal-theory interval', () => {
  const xs = sample(400, 'ci');
  const ci = bootstrapCI(xs.length, meanOf(xs), { rng: new Rng(1) });
  const m = meanSd([...xs]);
  assert.ok(Math.abs(ci.estimate - m.mean) < 1e-12);
  assert.ok(ci.low < ci.estimate && ci.estimate < ci.high, JSON.stringify(ci));
  // ±1.96 standard errors; the bootstrap agrees within 15% on the width for n = 400.
  const normalWidth = (2 * 1.96 * m.sd) / Math.sqrt(xs.length);
  assert.ok(Math.abs(ci.high - ci.low - normalWidth) / normalWidth < 0.15, `${ci.high - ci.low} vs ${normalWidth}`);
  assert.equal(ci.level, 0.95);
  assert.equal(ci.resamples, 1000);
});

test('the width shrinks about as 1/sqrt(n)', () => {
  const width = (n: number) => {
    const xs = sample(n, `width-${n}`);
    const ci = bootstrapCI(n, meanOf(xs), { rng: new Rng(n), resamples: 500 });
    return ci.high - ci.low;
  };
  const ratio = width(100) / width(1600); // sqrt(16) = 4 in theory
  assert.ok(ratio > 3 && ratio < 5.3, `ratio ${ratio}`);
});

test('deterministic for a seed, different for another', () => {
  const xs = sample(200, 'det');
  const a = bootstrapCI(xs.length, meanOf(xs), { rng: new Rng(7), resamples: 300 });
  const b = bootstrapCI(xs.length, meanOf(xs), { rng: new Rng(7), resamples: 300 });
  const c = bootstrapCI(xs.length, meanOf(xs), { rng: new Rng(8), resamples: 300 });
  assert.deepEqual(a, b);
  assert.notDeepEqual(a, c);
});

test('an all-equal sample gives a zero-width interval', () => {
  const xs = new Float64Array(50).fill(0.25);
  const ci = bootstrapCI(xs.length, meanOf(xs), { rng: new Rng(3), resamples: 200 });
  assert.deepEqual([ci.low, ci.estimate, ci.high], [0.25, 0.25, 0.25]);
});

test('several metrics share the resamples; the level sets the quantiles; non-finite values are skipped', () => {
  const xs = sample(300, 'multi');
  const cis = bootstrapCIs(xs.length, (idx) => ({ mean: meanOf(xs)(idx), twice: 2 * meanOf(xs)(idx), never: NaN }), {
    rng: new Rng(11),
    resamples: 400,
  });
  assert.ok(Math.abs(cis.twice.low - 2 * cis.mean.low) < 1e-12 && Math.abs(cis.twice.high - 2 * cis.mean.high) < 1e-12);
  assert.ok(Number.isNaN(cis.never.low) && Number.isNaN(cis.never.high));
  const narrow = bootstrapCI(xs.length, meanOf(xs), { rng: new Rng(11), resamples: 400, level: 0.5 });
  assert.ok(narrow.low > cis.mean.low && narrow.high < cis.mean.high);
  assert.throws(() => bootstrapCI(0, () => 0, { rng: new Rng(1) }), RangeError);
  assert.throws(() => bootstrapCI(5, () => 0, { rng: new Rng(1), level: 1 }), RangeError);
});

test('meanSd: sample standard deviation; one value has sd 0', () => {
  assert.deepEqual(meanSd([2, 4, 4, 4, 5, 5, 7, 9]), { mean: 5, sd: Math.sqrt(32 / 7), n: 8 });
  assert.deepEqual(meanSd([0.3]), { mean: 0.3, sd: 0, n: 1 });
  assert.throws(() => meanSd([]), RangeError);
});
