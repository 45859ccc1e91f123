import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { AdamW, clipByGlobalNorm } from '../../lib/train/adamw.ts';
import { learningRate } from '../../lib/train/schedule.ts';
import { bucketedBatches } from '../../lib/train/batching.ts';
import { Rng } from '../../lib/util/prng.ts';

await tf.setBackend('cpu');

test('linear schedule: warmup then decay to zero, as transformers does', () => {
  const o = { kind: 'linear' as const, peak: 2e-5, totalSteps: 100, warmupFraction: 0.03 };
  assert.equal(learningRate(0, o), 0);
  // warmup = ceil(100 × 0.03) = 3; after it transformers' factor is (total − step) / (total − warmup).
  assert.ok(Math.abs(learningRate(2, o) - 2e-5 * (2 / 3)) < 1e-12);
  assert.ok(Math.abs(learningRate(3, o) - 2e-5) < 1e-12);
  assert.ok(Math.abs(learningRate(50, o) - 2e-5 * (50 / 97)) < 1e-12);
  assert.equal(learningRate(100, o), 0);
  const c = { ...o, kind: 'cosine' as const };
  assert.ok(Math.abs(learningRate(3 + 97 / 2, c) - 1e-5) < 1e-9);
});

test('AdamW matches a scalar transcription of torch.optim.AdamW', () => {
  const opt = new AdamW({ weightDecay: 0.1 });
  const w = tf.variable(tf.tensor1d([0.5, -1.5]));
  const params = new Map([['w', w]]);
  // Scalar reference, written from PyTorch's documented algorithm.
  const ref = [0.5, -1.5].map((p) => ({ p, m: 0, v: 0 }));
  const rng = new Rng(3);
  for (let t = 1; t <= 5; t++) {
    const g = [rng.normal(), rng.normal()];
    const lr = 0.01 * t;
    opt.apply(params, new Map([['w', tf.tensor1d(g)]]), lr);
    ref.forEach((r, i) => {
      r.p *= 1 - lr * 0.1;
      r.m = 0.9 * r.m + 0.1 * g[i]!;
      r.v = 0.999 * r.v + 0.001 * g[i]! ** 2;
      const denom = Math.sqrt(r.v) / Math.sqrt(1 - 0.999 ** t) + 1e-8;
      r.p -= (lr / (1 - 0.9 ** t)) * (r.m / denom);
    });
  }
  const got = w.dataSync();
  ref.forEach((r, i) => assert.ok(Math.abs(got[i]! - r.p) < 1e-6, `param ${i}: ${got[i]} vs ${r.p}`));
});

test('AdamW state export/import continues identically', () => {
  const make = () => new Map([['w', tf.variable(tf.tensor1d([1, 2, 3]))]]);
  const a = make(), b = make();
  const oa = new AdamW(), ob = new AdamW();
  const g = () => new Map([['w', tf.tensor1d([0.3, -0.2, 0.1])]]);
  oa.apply(a, g(), 0.1);
  ob.apply(b, g(), 0.1);
  const saved = ob.exportState();
  const restored = new AdamW();
  restored.importState(saved, b);
  oa.apply(a, g(), 0.1);
  restored.apply(b, g(), 0.1);
  assert.deepEqual(Array.from(a.get('w')!.dataSync()), Array.from(b.get('w')!.dataSync()));
});

test('global-norm clipping scales to maxNorm and leaves small gradients alone', () => {
  const grads = new Map([['a', tf.tensor1d([3, 0])], ['b', tf.tensor1d([0, 4])]]);
  const { norm, grads: clipped } = clipByGlobalNorm(grads, 1);
  assert.ok(Math.abs(norm - 5) < 1e-6);
  const total = Math.hypot(...clipped.get('a')!.dataSync(), ...clipped.get('b')!.dataSync());
  assert.ok(Math.abs(total - 1) < 1e-5);
  const small = clipByGlobalNorm(grads, 10).grads;
  assert.deepEqual(Array.from(small.get('b')!.dataSync()), [0, 4]);
});

test('bucketed batches cover every example once, group similar lengths, and are deterministic', () => {
  const lengths = Array.from({ length: 103 }, (_, i) => (i * 37) % 90);
  const batches = bucketedBatches(lengths, 8, new Rng(1), 4);
  assert.deepEqual(batches.flat().sort((a, b) => a - b), lengths.map((_, i) => i));
  assert.deepEqual(batches, bucketedBatches(lengths, 8, new Rng(1), 4));
  const spread = batches.map((b) => Math.max(...b.map((i) => lengths[i]!)) - Math.min(...b.map((i) => lengths[i]!)));
  const meanSpread = spread.reduce((s, x) => s + x, 0) / spread.length;
  assert.ok(meanSpread < 30, `mean length spread inside a batch ${meanSpread}`);
});
