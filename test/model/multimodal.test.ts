/**
 * The composed model: batches built from (instruction, report, ECG), the loss on the report
 * tokens only, and a few AdamW steps per alignment on the wasm backend with falling loss.
 */
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { ALIGNMENTS } from '../../lib/model/alignment.ts';
import { initBackend } from '../../lib/model/backend.ts';
import { buildBatch, disposeBatch, ecgBatch, encodeExample, encodePrompt } from '../../lib/model/batch.ts';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadParams } from '../../lib/config/params.ts';
import { formatPrompt } from '../../lib/data/prompt.ts';
import { generationOptionsFromParams, meitOptionsFromParams } from '../../lib/model/multimodal-params.ts';
import { MeitModel } from '../../lib/model/multimodal.ts';
import { InputError } from '../../lib/util/errors.ts';
import { initDecoderWeights } from '../../lib/model/decoder.ts';
import { AdamW } from '../../lib/train/adamw.ts';
import { Rng } from '../../lib/util/prng.ts';
import { REPORTS, examples, randomEcgs, randomiseAll, tinyModel, tinyTokenizer } from './multimodal-setup.ts';

before(async () => {
  // The training test is about the wasm backend's gradient kernels: no override from the environment.
  delete process.env.MEIT_BACKEND;
  await initBackend('wasm');
});

const tokenizer = tinyTokenizer();
const EOS = tokenizer.eosId!;

test('encodeExample: prompt + report + eos, the prompt length as the prompt alone encodes', () => {
  const { ids, promptLength } = encodeExample(tokenizer, 'Describe this ECG.', REPORTS[1]!);
  const parts = formatPrompt('Describe this ECG.', REPORTS[1]!, { eos: '</s>' });
  assert.equal(tokenizer.decode(ids), parts.prompt + parts.target);
  assert.equal(promptLength, tokenizer.encode(parts.prompt).length);
  assert.deepEqual(ids.slice(0, promptLength), encodePrompt(tokenizer, 'Describe this ECG.'));
  assert.equal(ids.at(-1), EOS);
});

test('encodeExample: truncation cuts the report (keepEos puts the eos back); no instruction starts with a start token', () => {
  const full = encodeExample(tokenizer, 'Describe this ECG.', REPORTS[2]!);
  const maxTokens = full.promptLength + 3;
  const cut = encodeExample(tokenizer, 'Describe this ECG.', REPORTS[2]!, { maxTokens });
  assert.deepEqual(cut.ids, full.ids.slice(0, maxTokens));
  assert.notEqual(cut.ids.at(-1), EOS);
  const kept = encodeExample(tokenizer, 'Describe this ECG.', REPORTS[2]!, { maxTokens, keepEos: true });
  assert.deepEqual(kept.ids, [...full.ids.slice(0, maxTokens - 1), EOS]);
  const plain = encodeExample(tokenizer, null, REPORTS[0]!);
  // This BPE adds no BOS: the eos starts the sequence, and the report follows it.
  assert.equal(plain.promptLength, 1);
  assert.equal(plain.ids[0], EOS);
  assert.equal(tokenizer.decode(plain.ids.slice(1)), `${REPORTS[0]}</s>`);
  assert.deepEqual(encodePrompt(tokenizer, null), [EOS]);
});

test('buildBatch: right padding, attention mask, and a loss mask on the positions that predict report tokens', () => {
  const batch = buildBatch(examples(3), tokenizer);
  const ids = batch.inputIds.arraySync();
  const attention = batch.attentionMask.arraySync();
  const loss = batch.lossMask.arraySync();
  assert.deepEqual(batch.ecg.shape, [3, 12, 200]);
  examples(3).forEach((example, b) => {
    const { ids: row, promptLength } = encodeExample(tokenizer, example.instruction, example.report);
    assert.deepEqual(ids[b]!.slice(0, row.length), row);
    assert.ok(ids[b]!.slice(row.length).every((id) => id === tokenizer.padId));
    assert.deepEqual(attention[b], row.map(() => 1).concat(Array(ids[b]!.length - row.length).fill(0)));
    const predicted = loss[b]!.flatMap((m, j) => (m === 1 ? [ids[b]![j + 1]!] : []));
    assert.equal(tokenizer.decode(predicted), `${example.report}</s>`);
    assert.equal(loss[b]!.indexOf(1), promptLength - 1);
  });
  assert.throws(() => ecgBatch([randomEcgs(1)[0]!, randomEcgs(1, 1, 100)[0]!]), /ECG 1/);
});

test('loss: mean cross-entropy over the masked positions, computed by hand from the logits', () => {
  const model = tinyModel(tokenizer);
  randomiseAll(model);
  const batch = buildBatch(examples(2), tokenizer);
  const logits = model.logits(batch).arraySync();
  const ids = batch.inputIds.arraySync();
  const mask = batch.lossMask.arraySync();
  let total = 0;
  let count = 0;
  ids.forEach((row, b) => {
    for (let j = 0; j + 1 < row.length; j++) {
      if (mask[b]![j] !== 1) continue;
      const z = logits[b]![j]!;
      const max = Math.max(...z);
      const logSum = max + Math.log(z.reduce((s, x) => s + Math.exp(x - max), 0));
      total += logSum - z[row[j + 1]!]!;
      count++;
    }
  });
  const loss = model.loss(batch).dataSync()[0]!;
  assert.ok(Math.abs(loss - total / count) < 1e-4, `${loss} vs ${total / count}`);
  // An empty mask counts nothing (and divides by 1, not 0).
  const noLoss = tf.zerosLike(batch.lossMask) as tf.Tensor2D;
  assert.ok(model.loss({ ...batch, lossMask: noLoss }).dataSync()[0] === 0);
  model.dispose();
  disposeBatch(batch);
});

for (const alignment of ALIGNMENTS) {
  test(`${alignment}: 10 AdamW steps on the wasm backend lower the loss of a fixed batch`, () => {
    assert.equal(tf.getBackend(), 'wasm');
    const model = tinyModel(tokenizer, { alignment });
    const batch = buildBatch(examples(4), tokenizer);
    const variables = model.trainableVariables();
    const optimizer = new AdamW();
    const losses: number[] = [];
    for (let step = 0; step < 10; step++) {
      const { value, grads } = tf.variableGrads(() => model.loss(batch, { training: true, rng: new Rng(step) }), [...variables.values()]);
      losses.push(value.dataSync()[0]!);
      optimizer.apply(variables, new Map([...variables].map(([name, v]) => [name, grads[v.name]!])), 1e-2);
      tf.dispose([value, ...Object.values(grads)]);
    }
    assert.ok(losses.every(Number.isFinite));
    assert.ok(losses[9]! < losses[0]! - 0.1, `loss ${losses[0]} → ${losses[9]}`);
    assert.ok(losses[9]! < Math.min(...losses.slice(0, 5)), 'the loss keeps falling');
    optimizer.dispose();
    model.dispose();
    disposeBatch(batch);
  });
}

test('embedEcg: [B, d_h] unit vectors; none has no encoder', () => {
  const model = tinyModel(tokenizer);
  const embedding = model.embedEcg(ecgBatch(randomEcgs(3)));
  assert.deepEqual(embedding.shape, [3, model.decoder.config.headDim]);
  for (const n of tf.norm(embedding, 'euclidean', 1).dataSync()) assert.ok(Math.abs(n - 1) < 1e-5);
  assert.throws(() => tinyModel(tokenizer, { alignment: 'none' }).embedEcg(ecgBatch(randomEcgs(1))), /no ECG encoder/);
  model.dispose();
});

test('create: vocabulary from the tokenizer, paper LoRA defaults by size, counts', () => {
  const model = tinyModel(tokenizer);
  assert.equal(model.decoder.config.vocabSize, tokenizer.vocabSize);
  assert.equal(model.config.encoder!.outDim, model.decoder.config.headDim);
  const { trainable, total } = model.parameterCounts();
  assert.ok(trainable > 0 && trainable < total);
  assert.throws(() => tinyModel(tokenizer, { alignment: 'bogus' as never }), /unknown alignment/);
  // Pretrained decoder weights are used as given (and frozen), and must fit the config.
  const pretrained = initDecoderWeights(model.decoder.config, new Rng(42));
  const reused = tinyModel(tokenizer, { decoder: model.decoder.config, decoderWeights: pretrained });
  assert.equal(reused.decoder.weights.get('embed.tokens.weight'), pretrained.get('embed.tokens.weight'));
  assert.ok([...pretrained.values()].every((w) => !w.trainable));
  pretrained.delete('final_norm.weight');
  assert.throws(() => tinyModel(tokenizer, { decoder: model.decoder.config, decoderWeights: pretrained }), /final_norm\.weight is missing/);
  model.dispose();
});

test('params.yaml: the meit and generation sections (all keys optional), bad values name the file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'meit-params-'));
  const file = join(dir, 'params.yaml');
  const write = (text: string) => {
    writeFileSync(file, text);
    return loadParams(file, 'quick');
  };
  try {
    const defaults = meitOptionsFromParams(write('models: {mini: {llama-2: {layers: 3}}}\n'), 'llama-2', { vocabSize: tokenizer.vocabSize });
    assert.equal(defaults.alignment, 'meit');
    assert.equal(defaults.decoder!.numLayers, 3);
    assert.deepEqual(defaults.lora, { r: 8, alpha: 16, dropout: 0.1 });
    assert.equal(generationOptionsFromParams(write('{}\n'), EOS).maxNewTokens, 128);
    const p = write(
      'meit: {alignment: xattn, ecg_slots: 2, xattn_every: 2, encoder: tiny, lora: {r: 4, alpha: 8, dropout: 0}}\n' +
        'generation: {strategy: beam, num_beams: 3}\nprofiles: {quick: {meit: {ecg_layers: [1]}}}\n',
    );
    const options = meitOptionsFromParams(p, 'gpt-neox', { vocabSize: tokenizer.vocabSize });
    assert.deepEqual([options.alignment, options.ecgSlots, options.xattnEvery, options.ecgLayers], ['xattn', 2, 2, [1]]);
    const model = MeitModel.create(options, new Rng(1));
    assert.equal(model.config.lora!.r, 4);
    assert.equal(model.config.encoder!.outDim, 2 * model.decoder.config.headDim);
    model.dispose();
    assert.equal(meitOptionsFromParams(p, 'gpt-neox', { alignment: 'none' }).alignment, 'none');
    assert.deepEqual([generationOptionsFromParams(p, EOS).strategy, generationOptionsFromParams(p, EOS).numBeams], ['beam', 3]);
    for (const bad of ['meit: {alignment: telepathy}', 'meit: {ecg_layers: [0, 7]}', 'meit: {lora: {dropout: 1}}', 'meit: {ecg_slots: 0}']) {
      assert.throws(() => meitOptionsFromParams(write(bad + '\n'), 'llama-2'), (err: unknown) => err instanceof InputError && err.file === file, bad);
    }
    assert.throws(() => generationOptionsFromParams(write('generation: {top_p: 0}\n'), EOS), InputError);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
