/**
 * The four alignment methods: what each feeds the decoder, that the ECG matters exactly where
 * it should (and not at all under none), that untrained gates leave the base model alone, and
 * that any ECG batch (a shuffled one) can be paired with the text.
 */
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { type AlignmentKind, selectRows } from '../../lib/model/alignment.ts';
import { initBackend } from '../../lib/model/backend.ts';
import { buildBatch, ecgBatch } from '../../lib/model/batch.ts';
import { forward } from '../../lib/model/decoder.ts';
import type { MeitModel } from '../../lib/model/multimodal.ts';
import { examples, randomEcgs, randomiseAll, tinyModel, tinyTokenizer } from './multimodal-setup.ts';

before(async () => {
  await initBackend('wasm');
});

const tokenizer = tinyTokenizer();

function maxAbsDiff(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]!);
}

/** Logits of the same text batch under two ECG batches. */
function logitsFor(model: MeitModel, ecgSeeds: [number, number]) {
  const batch = buildBatch(examples(3), tokenizer);
  const [a, b] = ecgSeeds.map((seed) => ecgBatch(randomEcgs(3, seed)));
  return [model.logits({ ...batch, ecg: a }), model.logits({ ...batch, ecg: b })] as const;
}

test('meit: the d_h vector is tiled over the heads, one slot per ECG by default, unit norm per slot', () => {
  const model = tinyModel(tokenizer, { alignment: 'meit' });
  const { numHeads, headDim, hiddenSize } = model.decoder.config;
  const ecg = ecgBatch(randomEcgs(2));
  const features = model.embedEcg(ecg).arraySync();
  const rows = model.condition(ecg).ecg!.arraySync();
  assert.equal(rows[0]!.length, 1);
  assert.equal(rows[0]![0]!.length, hiddenSize);
  for (let b = 0; b < 2; b++) {
    for (let h = 0; h < numHeads; h++) {
      for (let j = 0; j < headDim; j++) assert.ok(Math.abs(rows[b]![0]![h * headDim + j]! - features[b]![j]!) < 1e-6);
    }
  }
  const twoSlots = tinyModel(tokenizer, { alignment: 'meit', ecgSlots: 2 });
  assert.equal(twoSlots.embedEcg(ecg).shape[1], 2 * headDim);
  const slots = twoSlots.condition(ecg).ecg!;
  assert.deepEqual(slots.shape, [2, 2, hiddenSize]);
  const norms = tf.norm(slots.slice([0, 0, 0], [2, 2, headDim]), 'euclidean', -1).dataSync();
  for (const n of norms) assert.ok(Math.abs(n - 1) < 1e-5);
  model.dispose();
  twoSlots.dispose();
});

test('meit: ecgLayers restricts the ECG to the chosen layers', () => {
  const all = tinyModel(tokenizer, { alignment: 'meit' });
  const last = tinyModel(tokenizer, { alignment: 'meit', ecgLayers: [1] });
  randomiseAll(all);
  randomiseAll(last);
  const batch = buildBatch(examples(2), tokenizer);
  const conditioning = all.condition(batch.ecg);
  // The same weights (same seeds): only the layers reached by the ECG differ.
  const run = (ecgLayers?: number[]) => forward(all.decoder, batch.inputIds, { attentionMask: batch.attentionMask, ecg: conditioning.ecg, ecgLayers, linearHook: all.lora!.hook() }).logits;
  const viaModel = last.logits(batch);
  assert.ok(maxAbsDiff(viaModel, run([1])) < 1e-5, 'the model passes ecgLayers through');
  assert.ok(maxAbsDiff(run([1]), run()) > 1e-4, 'layer 0 without the ECG changes the result');
  assert.ok(maxAbsDiff(run([0, 1]), run()) < 1e-6);
  assert.throws(() => tinyModel(tokenizer, { alignment: 'meit', ecgLayers: [2] }), /not a layer/);
  assert.throws(() => tinyModel(tokenizer, { alignment: 'meit', ecgLayers: [] }), /empty/);
  all.dispose();
  last.dispose();
});

for (const kind of ['meit', 'prefix', 'xattn'] as AlignmentKind[]) {
  test(`${kind}: the logits depend on the ECG`, () => {
    const model = tinyModel(tokenizer, { alignment: kind });
    randomiseAll(model);
    const [a, b] = logitsFor(model, [1, 2]);
    assert.deepEqual(a.shape.slice(0, 2), buildBatch(examples(3), tokenizer).inputIds.shape, 'one row of logits per token (no prefix rows)');
    assert.ok(maxAbsDiff(a, b) > 1e-4);
    model.dispose();
  });
}

test('none: no encoder, and the ECG is ignored', () => {
  const model = tinyModel(tokenizer, { alignment: 'none' });
  randomiseAll(model);
  assert.equal(model.encoder, null);
  assert.equal(model.config.encoder, null);
  assert.ok(![...model.trainableVariables().keys()].some((n) => n.startsWith('ecg_encoder.') || n.startsWith('align.')));
  const [a, b] = logitsFor(model, [1, 2]);
  assert.equal(maxAbsDiff(a, b), 0);
  model.dispose();
});

test('xattn: blocks before every n-th layer, gates at 0 leave the base decoder unchanged', () => {
  const model = tinyModel(tokenizer, { alignment: 'xattn' });
  const batch = buildBatch(examples(2), tokenizer);
  const base = forward(model.decoder, batch.inputIds, { attentionMask: batch.attentionMask, linearHook: model.lora!.hook() }).logits;
  assert.ok(maxAbsDiff(model.logits(batch), base) < 1e-6);
  assert.deepEqual([...model.alignment.xattnLayers], [0, 1]);
  const sparse = tinyModel(tokenizer, { alignment: 'xattn', xattnEvery: 2 });
  assert.deepEqual([...sparse.alignment.xattnLayers], [0]);
  assert.ok([...sparse.trainableVariables().keys()].includes('align.xattn.0.attn_gate'));
  assert.ok(![...sparse.trainableVariables().keys()].some((n) => n.startsWith('align.xattn.1.')));
  model.dispose();
  sparse.dispose();
});

test('prefix: a trainable projector, P = ecgSlots embeddings before the text', () => {
  const model = tinyModel(tokenizer, { alignment: 'prefix', ecgSlots: 3 });
  const conditioning = model.condition(ecgBatch(randomEcgs(2)));
  assert.deepEqual(conditioning.prefixEmbeddings!.shape, [2, 3, model.decoder.config.hiddenSize]);
  assert.ok([...model.trainableVariables().keys()].includes('align.prefix.0.weight'));
  model.dispose();
});

test('shuffled-ECG control: permuting the ECG batch permutes the conditioning rows', () => {
  const model = tinyModel(tokenizer, { alignment: 'meit' });
  const ecgs = randomEcgs(3);
  const permutation = [2, 0, 1];
  const original = model.condition(ecgBatch(ecgs));
  const shuffled = model.condition(ecgBatch(permutation.map((i) => ecgs[i]!)));
  assert.ok(maxAbsDiff(shuffled.ecg!, selectRows(original, permutation).ecg!) < 1e-6);
  model.dispose();
});
