/**
 * LoRA: the untrained adapter is the identity, targets follow the paper per family, A is
 * Kaiming-uniform, dropout is seeded and training-only, merged weights give the same logits,
 * and the frozen base stays out of the trainable set.
 */
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../lib/model/backend.ts';
import { forward, initDecoderWeights } from '../../lib/model/decoder.ts';
import { Lora, mergeLora, paperLoraTargets } from '../../lib/model/lora.ts';
import { presetConfig } from '../../lib/model/presets.ts';
import { Rng } from '../../lib/util/prng.ts';
import { randomiseAll, tinyModel, tinyTokenizer } from './multimodal-setup.ts';

before(async () => {
  await initBackend('wasm');
});

const SIZE = { layers: 2, hidden: 32, heads: 4, intermediate: 48, vocab: 50, max_positions: 64 };
const IDS = [
  [3, 9, 4, 1, 7, 22],
  [5, 5, 8, 2, 40, 11],
];

function maxAbsDiff(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]!);
}

test('paper targets: attention projections everywhere, plus the MLP on LLaMA/Mistral', () => {
  const gpt2 = paperLoraTargets(presetConfig('gpt2-medium', 'mini', SIZE));
  assert.deepEqual(gpt2.slice(0, 4), ['layers.0.attn.q', 'layers.0.attn.k', 'layers.0.attn.v', 'layers.0.attn.o']);
  assert.equal(gpt2.length, 8);
  const llama = paperLoraTargets(presetConfig('llama-2', 'mini', SIZE));
  assert.equal(llama.length, 14);
  assert.ok(llama.includes('layers.1.mlp.gate') && llama.includes('layers.1.mlp.down'));
  assert.equal(paperLoraTargets(presetConfig('mistral', 'mini', { ...SIZE, kv_heads: 2 })).length, 14);
  assert.ok(!paperLoraTargets(presetConfig('bloom', 'mini', SIZE)).some((t) => t.includes('mlp')));
});

test('A is Kaiming-uniform U(±1/√in), B is zero, and the untrained adapter leaves the logits unchanged', () => {
  const config = presetConfig('llama-2', 'mini', SIZE);
  const weights = initDecoderWeights(config, new Rng(1));
  const lora = new Lora(config, { r: 4, alpha: 8, dropout: 0.1 }, new Rng(2));
  const a = lora.weights.get('layers.0.mlp.down.lora_A')!.dataSync();
  const bound = 1 / Math.sqrt(SIZE.intermediate);
  assert.ok(a.every((x) => Math.abs(x) <= bound));
  assert.ok(Math.max(...a.map(Math.abs)) > 0.8 * bound, 'A spans its range');
  assert.ok(lora.weights.get('layers.0.attn.q.lora_B')!.dataSync().every((x) => x === 0));
  const ids = tf.tensor2d(IDS, undefined, 'int32');
  const base = forward({ config, weights }, ids).logits;
  const adapted = forward({ config, weights }, ids, { linearHook: lora.hook() }).logits;
  assert.equal(maxAbsDiff(base, adapted), 0);
});

test('merged weights give the logits of base + adapters (gpt-neox: fused qkv split into q, k, v)', () => {
  for (const name of ['llama-2', 'gpt-neox'] as const) {
    const config = presetConfig(name, 'mini', SIZE);
    const weights = initDecoderWeights(config, new Rng(1));
    const lora = new Lora(config, { r: 4, alpha: 8, dropout: 0 }, new Rng(2));
    const rng = new Rng(3);
    for (const v of lora.weights.values()) v.assign(tf.tensor(Float32Array.from({ length: v.size }, () => rng.normal(0, 0.2)), v.shape));
    const ids = tf.tensor2d(IDS, undefined, 'int32');
    const base = forward({ config, weights }, ids).logits;
    const adapted = forward({ config, weights }, ids, { linearHook: lora.hook() }).logits;
    const merged = forward({ config, weights: mergeLora(weights, lora) }, ids).logits;
    assert.ok(maxAbsDiff(base, adapted) > 1e-3, `${name}: the adapters change the logits`);
    assert.ok(maxAbsDiff(adapted, merged) < 1e-5, `${name}: merged ≈ unmerged (${maxAbsDiff(adapted, merged)})`);
  }
});

test('dropout is active only in training and reproducible from the rng', () => {
  const config = presetConfig('llama-2', 'mini', SIZE);
  const weights = initDecoderWeights(config, new Rng(1));
  const lora = new Lora(config, { r: 4, alpha: 8, dropout: 0.5 }, new Rng(2));
  const rng = new Rng(3);
  for (const v of lora.weights.values()) v.assign(tf.tensor(Float32Array.from({ length: v.size }, () => rng.normal(0, 0.2)), v.shape));
  const ids = tf.tensor2d(IDS, undefined, 'int32');
  const run = (call: Parameters<Lora['hook']>[0]) => forward({ config, weights }, ids, { linearHook: lora.hook(call) }).logits;
  assert.equal(maxAbsDiff(run({ training: true, rng: new Rng(9) }), run({ training: true, rng: new Rng(9) })), 0);
  assert.ok(maxAbsDiff(run({ training: true, rng: new Rng(9) }), run({ training: true, rng: new Rng(10) })) > 1e-4);
  assert.equal(maxAbsDiff(run({ training: false, rng: new Rng(9) }), run({})), 0);
  assert.ok(maxAbsDiff(run({ training: true, rng: new Rng(9) }), run({})) > 1e-4);
  assert.throws(() => run({ training: true }), /rng/);
});

test('LoRA fine-tuning freezes the decoder; full fine-tuning trains it and has no adapters', () => {
  const tokenizer = tinyTokenizer();
  const lora = tinyModel(tokenizer);
  const names = [...lora.trainableVariables().keys()];
  assert.ok(names.some((n) => n.startsWith('lora.')) && names.some((n) => n.startsWith('ecg_encoder.')));
  assert.ok(!names.some((n) => n.startsWith('decoder.')));
  assert.ok([...lora.decoder.weights.values()].every((w) => !w.trainable));
  assert.deepEqual(lora.config.lora, { r: 8, alpha: 16, dropout: 0.1 });
  const full = tinyModel(tokenizer, { finetune: 'full' });
  const fullNames = [...full.trainableVariables().keys()];
  assert.ok(fullNames.includes('decoder.layers.0.attn.q.weight'));
  assert.ok(!fullNames.some((n) => n.startsWith('lora.')));
  assert.equal(full.lora, null);
  lora.dispose();
  full.dispose();
});

test('MeitModel.mergedDecoderWeights folds the adapters in', () => {
  const tokenizer = tinyTokenizer();
  const model = tinyModel(tokenizer);
  randomiseAll(model);
  const ids = tf.tensor2d(IDS, undefined, 'int32');
  const withHook = forward(model.decoder, ids, { linearHook: model.lora!.hook() }).logits;
  const merged = forward({ config: model.decoder.config, weights: model.mergedDecoderWeights() }, ids).logits;
  assert.ok(maxAbsDiff(withHook, merged) < 1e-5);
  model.dispose();
});
