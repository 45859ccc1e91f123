import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { logWithoutTimings, runWeights, temp, tinyDataset, tinyParams, trainTiny } from './trainer-setup.ts';

test('two runs with the same params and seed give byte-identical weights and logs; another seed does not', async () => {
  const dir = temp('determinism');
  const data = await tinyDataset(dir);
  // Gradient accumulation, LoRA dropout and clipping all in play.
  const params = tinyParams(dir, ['grad_accum: 2', 'clip_norm: 0.5', 'epochs: 3', 'max_steps: 5']);
  const a = await trainTiny(data, join(dir, 'a'), params);
  const b = await trainTiny(data, join(dir, 'b'), params);
  const c = await trainTiny(data, join(dir, 'c'), params, { seed: 1 });
  assert.equal(a.steps, 5, '3 epochs of 2 steps, capped at max_steps 5');
  const weights = (run: string) => runWeights(join(dir, run));
  assert.ok(weights('a').equals(weights('b')), 'same seed: identical model.safetensors');
  assert.ok(!weights('a').equals(weights('c')), 'another seed: different weights');
  // Everything but the timings is the same in the logs.
  assert.deepEqual(logWithoutTimings(join(dir, 'a')), logWithoutTimings(join(dir, 'b')));
  assert.equal(a.trainLoss, b.trainLoss);
});
