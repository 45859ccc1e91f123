/**
 * Hugging Face export (lib/model/hf-export.ts): the kit's tensor maps run backwards exactly (a
 * fixture loaded and exported gives back transformers' own tensors, bit for bit), a LoRA-merged
 * MEIT decoder survives export → loadHfCheckpoint with identical logits, transformers itself
 * loads the kit's exports (checked once by scripts/fixtures/hf_parity.py, recorded in the
 * fixtures), and `meit models export`.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../lib/model/backend.ts';
import { loadHfCheckpoint } from '../../lib/model/checkpoint-hf.ts';
import { type DecoderParams, forward } from '../../lib/model/decoder.ts';
import { exportHfCheckpoint, exportMergedHfModel } from '../../lib/model/hf-export.ts';
import { PARITY_TOLERANCE, listParityFixtures } from '../../lib/model/hf-parity.ts';
import { type StoredTensor, readSafetensors } from '../../lib/model/safetensors.ts';
import { runMeit } from '../helpers/cli.ts';
import { randomiseAll, tinyModel, tinyTokenizer, tinyTokenizerJson } from './multimodal-setup.ts';

const tmp = mkdtempSync(join(tmpdir(), 'meit-hf-export-'));
before(async () => {
  await initBackend('cpu');
});
after(() => rmSync(tmp, { recursive: true, force: true }));

/** Every tensor of a checkpoint directory, sharded or not. */
async function checkpointTensors(dir: string): Promise<Map<string, StoredTensor>> {
  const index = join(dir, 'model.safetensors.index.json');
  const files = existsSync(index)
    ? [...new Set(Object.values((JSON.parse(readFileSync(index, 'utf8')) as { weight_map: Record<string, string> }).weight_map))]
    : ['model.safetensors'];
  const all = new Map<string, StoredTensor>();
  for (const file of files) for (const [name, t] of await readSafetensors(join(dir, file))) all.set(name, t);
  return all;
}

function logitsOf(params: DecoderParams, ids: number[][]): tf.Tensor {
  return tf.tidy(() => forward(params, tf.tensor2d(ids, undefined, 'int32')).logits);
}

test('export inverts the load: every fixture gives back transformers\' tensor names, shapes and bits', async () => {
  for (const dir of listParityFixtures()) {
    const name = dir.split(/[\\/]/).pop()!;
    const out = join(tmp, name);
    const loaded = await loadHfCheckpoint(dir);
    await exportHfCheckpoint(loaded, out, join(dir, 'tokenizer.json'));
    tf.dispose([...loaded.weights.values()]);

    const [original, exported] = [await checkpointTensors(dir), await checkpointTensors(out)];
    assert.deepEqual([...exported.keys()].sort(), [...original.keys()].sort(), `${name}: tensor names`);
    for (const [tensor, { shape, data }] of original) {
      assert.deepEqual(exported.get(tensor)!.shape, shape, `${name}: ${tensor} shape`);
      assert.ok(Buffer.from(exported.get(tensor)!.data.buffer).equals(Buffer.from(data.buffer)), `${name}: ${tensor} differs`);
    }
    const reloaded = await loadHfCheckpoint(out);
    assert.deepEqual({ ...reloaded.config.toInit(), name: '' }, { ...loaded.config.toInit(), name: '' }, `${name}: config`);
    tf.dispose([...reloaded.weights.values()]);
    for (const file of ['tokenizer.json', 'tokenizer_config.json']) assert.equal(readFileSync(join(out, file), 'utf8'), readFileSync(join(dir, file), 'utf8'));
  }
});

test('transformers loaded the kit\'s export of every fixture: same logits, same token ids (recorded by hf_parity.py)', () => {
  for (const dir of listParityFixtures()) {
    const { kit_export: check } = JSON.parse(readFileSync(join(dir, 'reference.json'), 'utf8')) as {
      kit_export?: { transformers_max_abs_diff: number; same_token_ids: boolean };
    };
    assert.ok(check, `${dir}: no kit_export record`);
    assert.ok(check.transformers_max_abs_diff <= PARITY_TOLERANCE, `${dir}: max |Δlogit| ${check.transformers_max_abs_diff}`);
    assert.equal(check.same_token_ids, true, dir);
  }
});

test('a LoRA-merged MEIT decoder exports to HF and loads back with identical logits', async () => {
  const tokenizer = tinyTokenizer();
  const model = tinyModel(tokenizer, {}, 5);
  assert.ok(model.lora, 'the tiny model should train LoRA adapters');
  randomiseAll(model); // non-zero B: the adapters change the decoder
  const out = join(tmp, 'merged');
  await exportMergedHfModel(model, out, tinyTokenizerJson());

  const loaded = await loadHfCheckpoint(out);
  const merged = model.mergedDecoderWeights();
  const ids = [tokenizer.encode('sinus rhythm. normal ecg').slice(0, 12)];
  const [expected, base, ours] = [logitsOf({ config: model.decoder.config, weights: merged }, ids), logitsOf(model.decoder, ids), logitsOf(loaded, ids)];
  const maxDiff = (a: tf.Tensor, b: tf.Tensor) => tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]!);
  assert.equal(maxDiff(ours, expected), 0, 'the export changed the merged weights');
  assert.ok(maxDiff(ours, base) > 1e-3, 'the adapters were not folded in');
  assert.equal(JSON.parse(readFileSync(join(out, 'config.json'), 'utf8')).architectures[0], 'LlamaForCausalLM');
  assert.deepEqual((await loadHfCheckpoint(out)).config.vocabSize, tokenizer.vocabSize);
  tf.dispose([expected, base, ours, ...loaded.weights.values()]);
  for (const [name, w] of merged) if (model.decoder.weights.get(name) !== w) w.dispose();
  model.dispose();
});

test('meit models export: a trained model directory → HF directory; bad usage is a one-line error', async () => {
  const tokenizer = tinyTokenizer();
  const model = tinyModel(tokenizer, {}, 6);
  randomiseAll(model);
  const modelDir = join(tmp, 'kit-model');
  await model.save(modelDir, tinyTokenizerJson());
  model.dispose();
  const out = join(tmp, 'cli-export');
  const r = await runMeit(['models', 'export', '--model', modelDir, '--out', out]);
  assert.equal(r.code, 0, r.stderr);
  const loaded = await loadHfCheckpoint(out);
  assert.equal(loaded.config.family, 'llama');
  tf.dispose([...loaded.weights.values()]);
  assert.ok(existsSync(join(out, 'tokenizer.json')));

  const neither = await runMeit(['models', 'export', '--out', join(tmp, 'x')]);
  assert.equal(neither.code, 2);
  assert.match(neither.stderr, /^meit: error: .*exactly one of --model DIR and --hf DIR\n$/);
  const missing = await runMeit(['models', 'export', '--model', join(tmp, 'nowhere'), '--out', join(tmp, 'y')]);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /^meit: error: .*nowhere.*\n$/);
  assert.ok(!existsSync(join(tmp, 'y')), 'nothing written on error');
});
