/**
 * Kit model directories: save → load gives identical logits and generations (encoder running
 * statistics included), the tokenizer travels along, and a damaged directory is an InputError
 * naming the file and the tensor, with nothing loaded half-way.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../lib/model/backend.ts';
import { buildBatch, encodePrompt } from '../../lib/model/batch.ts';
import { loadModel, saveMergedModel } from '../../lib/model/checkpoint.ts';
import { MeitModel } from '../../lib/model/multimodal.ts';
import { readSafetensors, writeSafetensors } from '../../lib/model/safetensors.ts';
import { loadTokenizer } from '../../lib/model/tokenizer.ts';
import { InputError } from '../../lib/util/errors.ts';
import { Rng } from '../../lib/util/prng.ts';
import { examples, randomiseAll, tinyModel, tinyTokenizer, tinyTokenizerJson } from './multimodal-setup.ts';

let root: string;
before(async () => {
  await initBackend('wasm');
  root = await mkdtemp(join(tmpdir(), 'meit-checkpoint-'));
});
after(async () => {
  await rm(root, { recursive: true, force: true });
});

const tokenizer = tinyTokenizer();

/** A model whose every tensor differs from a fresh one: random weights and one training-mode pass. */
function trainedModel(alignment: 'meit' | 'xattn' | 'prefix' | 'none' = 'meit'): MeitModel {
  const model = tinyModel(tokenizer, { alignment }, 5);
  randomiseAll(model);
  if (model.encoder) tf.dispose(model.loss(buildBatch(examples(4, 11), tokenizer), { training: true, rng: new Rng(1) }));
  return model;
}

function maxAbsDiff(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]!);
}

test('save → load: same config, same tensors, identical logits and generations; the tokenizer travels along', async () => {
  for (const alignment of ['meit', 'xattn'] as const) {
    const model = trainedModel(alignment);
    const dir = join(root, `model-${alignment}`);
    await model.save(dir, tinyTokenizerJson());
    const loaded = await MeitModel.load(dir);
    assert.deepEqual(loaded.config, JSON.parse(JSON.stringify(model.config)));
    const batch = buildBatch(examples(3), tokenizer);
    assert.equal(maxAbsDiff(model.logits(batch), loaded.logits(batch)), 0);
    const prompts = [encodePrompt(tokenizer, 'Describe this ECG.')];
    const ecg = batch.ecg.slice([0, 0, 0], [1, 12, 200]) as tf.Tensor3D;
    assert.deepEqual(loaded.generate(ecg, prompts, { eosId: tokenizer.eosId, maxNewTokens: 8 }), model.generate(ecg, prompts, { eosId: tokenizer.eosId, maxNewTokens: 8 }));
    if (alignment === 'meit') {
      const runningMean = 'ecg_encoder.bn1.running_mean';
      assert.ok(model.variables().get(runningMean)!.dataSync().some((x) => x !== 0), 'the running statistics moved');
      assert.deepEqual(loaded.variables().get(runningMean)!.dataSync(), model.variables().get(runningMean)!.dataSync());
    }
    const reloadedTokenizer = await loadTokenizer(dir);
    assert.deepEqual(reloadedTokenizer.encode('sinus rhythm</s>'), tokenizer.encode('sinus rhythm</s>'));
    model.dispose();
    loaded.dispose();
  }
});

test('save copies a tokenizer.json given by path, and replaces an existing directory whole', async () => {
  const source = join(root, 'tokenizer.json');
  await writeFile(source, JSON.stringify(tinyTokenizerJson()));
  const dir = join(root, 'model-path');
  const first = trainedModel('none');
  await first.save(dir, source);
  const second = trainedModel('prefix');
  await second.save(dir, source);
  assert.equal((await loadModel(dir)).alignment.kind, 'prefix');
  assert.equal(await readFile(join(dir, 'tokenizer.json'), 'utf8'), await readFile(source, 'utf8'));
  await assert.rejects(second.save(join(root, 'no-tokenizer'), join(root, 'missing.json')), (err: unknown) => err instanceof InputError && /missing\.json/.test(err.file ?? ''));
  await assert.rejects(readFile(join(root, 'no-tokenizer', 'config.json')), /ENOENT/);
  first.dispose();
  second.dispose();
});

test('a damaged directory is an InputError naming the file and the tensor', async () => {
  const model = trainedModel();
  const dir = join(root, 'damaged');
  await model.save(dir, tinyTokenizerJson());
  const weightsFile = join(dir, 'model.safetensors');
  const configFile = join(dir, 'config.json');
  const original = await readSafetensors(weightsFile);
  const originalConfig = await readFile(configFile, 'utf8');
  const expectError = async (pattern: RegExp, file: string) =>
    assert.rejects(loadModel(dir), (err: unknown) => err instanceof InputError && pattern.test(err.message) && err.file === file);

  const missing = new Map(original);
  missing.delete('lora.layers.1.attn.v.lora_B');
  await writeSafetensors(weightsFile, missing);
  await expectError(/tensor lora\.layers\.1\.attn\.v\.lora_B is missing/, weightsFile);

  const reshaped = new Map(original);
  const up = original.get('decoder.layers.0.mlp.up.weight')!;
  reshaped.set('decoder.layers.0.mlp.up.weight', { ...up, shape: [...up.shape].reverse() });
  await writeSafetensors(weightsFile, reshaped);
  await expectError(/tensor decoder\.layers\.0\.mlp\.up\.weight has shape \[64, 32\], expected \[32, 64\]/, weightsFile);

  await writeSafetensors(weightsFile, new Map([...original, ['extra.weight', { dtype: 'F32', shape: [1], data: new Float32Array(1) }]]));
  await expectError(/unexpected tensor extra\.weight/, weightsFile);

  await writeSafetensors(weightsFile, original);
  const config = JSON.parse(originalConfig);
  config.model.lora.r = 4;
  await writeFile(configFile, JSON.stringify(config));
  await expectError(/lora_A has shape \[32, 8\], expected \[32, 4\]/, weightsFile);

  config.model.alignment.kind = 'telepathy';
  await writeFile(configFile, JSON.stringify(config));
  await expectError(/invalid model config: unknown alignment/, configFile);

  await writeFile(configFile, '{"format": "meit-kit-model", "version": 1');
  await expectError(/invalid JSON/, configFile);
  await writeFile(configFile, '{"format": "something-else"}');
  await expectError(/not a meit-kit model directory/, configFile);
  await assert.rejects(loadModel(join(root, 'nowhere')), (err: unknown) => err instanceof InputError && /no such file/.test(err.message));
  model.dispose();
});

test('saveMergedModel: LoRA folded into the decoder, loaded as a fully fine-tuned model with the same logits', async () => {
  const model = trainedModel();
  const dir = join(root, 'merged');
  await saveMergedModel(model, dir, tinyTokenizerJson());
  const merged = await loadModel(dir);
  assert.equal(merged.config.finetune, 'full');
  assert.equal(merged.lora, null);
  assert.ok(![...merged.variables().keys()].some((n) => n.startsWith('lora.')));
  const batch = buildBatch(examples(3), tokenizer);
  const difference = maxAbsDiff(model.logits(batch), merged.logits(batch));
  assert.ok(difference < 1e-5, `max |Δlogit| ${difference}`);
  const name = 'layers.1.attn.v.weight';
  assert.ok(maxAbsDiff(model.decoder.weights.get(name)!, merged.decoder.weights.get(name)!) > 1e-3, 'the adapters were folded in');
  model.dispose();
  merged.dispose();
});
