/** Decoder configs: presets at real and mini size, parameter counts, HF config.json mapping. */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { loadParams } from '../../lib/config/params.ts';
import { DecoderConfig } from '../../lib/model/config.ts';
import { countParameters } from '../../lib/model/decoder.ts';
import { fromHfConfig, readHfConfig } from '../../lib/model/hf-config.ts';
import { PARITY_FIXTURES_DIR, listParityFixtures } from '../../lib/model/hf-parity.ts';
import { PRESET_NAMES, type PresetName, presetConfig, presetFromParams } from '../../lib/model/presets.ts';
import { InputError } from '../../lib/util/errors.ts';

const tmp = mkdtempSync(join(tmpdir(), 'meit-decoder-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

/** The parameter totals the published checkpoints report (transformers' num_parameters()). */
const PUBLISHED_TOTALS: Record<PresetName, number> = {
  'gpt2-medium': 354_823_168,
  'gpt2-large': 774_030_080,
  'gpt-neo': 2_651_307_520,
  'gpt-neox': 20_554_567_680,
  'gpt-j': 6_050_882_784,
  bloom: 7_069_016_064,
  opt: 6_658_473_984,
  'llama-2': 6_738_415_616,
  mistral: 7_241_732_096,
  'llama-3': 8_030_261_248,
};

test('real-size presets have the published parameter counts (within 1%)', () => {
  for (const name of PRESET_NAMES) {
    const count = countParameters(presetConfig(name, 'real'));
    const relative = Math.abs(count - PUBLISHED_TOTALS[name]) / PUBLISHED_TOTALS[name];
    assert.ok(relative < 0.01, `${name}: ${count} vs ${PUBLISHED_TOTALS[name]}`);
  }
});

/** The switches that make a family what it is (sizes aside). */
const ARCHITECTURE_KEYS = [
  'family', 'norm', 'position', 'positionOffset', 'rotaryStyle', 'mlp', 'parallelResidual', 'sharedLayerNorm', 'normBefore',
  'scaleAttention', 'qkvBias', 'attnOutBias', 'mlpBias', 'lmHeadBias', 'tiedEmbeddings', 'embeddingNorm', 'finalNorm',
] as const;

function architecture(c: DecoderConfig) {
  return Object.fromEntries(ARCHITECTURE_KEYS.map((k) => [k, c[k]]));
}

test('mini presets keep their family architecture at a CPU size', () => {
  for (const name of PRESET_NAMES) {
    const real = presetConfig(name, 'real');
    const mini = presetConfig(name, 'mini');
    assert.deepEqual(architecture(mini), architecture(real), name);
    assert.ok(mini.hiddenSize >= 64 && mini.hiddenSize <= 128 && mini.numLayers >= 2 && mini.numLayers <= 4, name);
    assert.ok(mini.maxPositions >= 192, name);
    assert.equal(mini.rotaryDim / mini.headDim, real.rotaryDim / real.headDim, `${name}: rotary fraction`);
    assert.equal(mini.numKvHeads < mini.numHeads, real.numKvHeads < real.numHeads, `${name}: grouped-query heads`);
  }
  // Windows shorter than the 128-token prompt, so that they matter at mini size too.
  assert.deepEqual(presetConfig('gpt-neo').attentionLayers, ['global', 'local']);
  assert.ok(presetConfig('gpt-neo').localWindow < 128);
  assert.ok(presetConfig('mistral').slidingWindow! < 128);
  assert.equal(presetConfig('llama-3').ropeTheta, 500000);
  assert.equal(presetConfig('gpt-j').rotaryDim, 4); // 64 of 256 at real size, 4 of 16 at mini size
});

test('params.yaml overrides the mini sizes and names bad keys', () => {
  const file = join(tmp, 'params.yaml');
  writeFileSync(file, 'models:\n  vocab_size: 2000\n  mini:\n    mistral: {layers: 3, hidden: 96, heads: 6, kv_heads: 3, window: 16}\n');
  const mistral = presetFromParams(loadParams(file), 'mistral');
  assert.equal(mistral.numLayers, 3);
  assert.equal(mistral.hiddenSize, 96);
  assert.equal(mistral.numKvHeads, 3);
  assert.equal(mistral.slidingWindow, 16);
  assert.equal(mistral.vocabSize, 2000);
  assert.equal(presetFromParams(loadParams(file), 'gpt2-medium').vocabSize, 2000);

  writeFileSync(file, 'models:\n  mini:\n    bloom: {layer: 3}\n');
  assert.throws(() => presetFromParams(loadParams(file), 'bloom'), (e: unknown) => e instanceof InputError && e.file === file && /models\.mini\.bloom\.layer/.test(e.message));
  writeFileSync(file, 'models:\n  mini:\n    bloom: {hidden: 65}\n');
  assert.throws(() => presetFromParams(loadParams(file), 'bloom'), (e: unknown) => e instanceof InputError && e.file === file);
});

test('each fixture config.json (transformers 5 spelling) maps onto its preset architecture', () => {
  for (const dir of listParityFixtures()) {
    const fixture = dir.split(/[\\/]/).pop()!;
    if (fixture === 'opt-350m') continue; // OPT-350m's post-norm variant is not the opt-6.7b preset
    const { preset } = JSON.parse(readFileSync(join(dir, 'reference.json'), 'utf8')) as { preset: PresetName };
    assert.deepEqual(architecture(readHfConfig(join(dir, 'config.json'))), architecture(presetConfig(preset, 'real')), fixture);
  }
  const neox = readHfConfig(join(PARITY_FIXTURES_DIR, 'gpt-neox', 'config.json'));
  assert.equal(neox.rotaryDim, 4); // partial_rotary_factor 0.5 of head 8
  const opt350 = readHfConfig(join(PARITY_FIXTURES_DIR, 'opt-350m', 'config.json'));
  assert.equal(opt350.embedDim, 16);
  assert.equal(opt350.normBefore, false);
  assert.equal(opt350.finalNorm, false);
});

test('published config.json files (older key spellings) map to the preset sizes', () => {
  const published: Record<string, [PresetName, Record<string, unknown>]> = {
    'gpt-neox-20b': ['gpt-neox', {
      model_type: 'gpt_neox', vocab_size: 50432, hidden_size: 6144, num_hidden_layers: 44, num_attention_heads: 64,
      intermediate_size: 24576, max_position_embeddings: 2048, rotary_pct: 0.25, rotary_emb_base: 10000, hidden_act: 'gelu',
      layer_norm_eps: 1e-5, use_parallel_residual: true, tie_word_embeddings: false,
    }],
    'gpt-neo-2.7B': ['gpt-neo', {
      model_type: 'gpt_neo', vocab_size: 50257, hidden_size: 2560, num_layers: 32, num_heads: 20, intermediate_size: null,
      max_position_embeddings: 2048, attention_types: [[['global', 'local'], 16]], window_size: 256, activation_function: 'gelu_new',
    }],
    'bloom-7b1': ['bloom', { model_type: 'bloom', vocab_size: 250880, hidden_size: 4096, n_layer: 30, n_head: 32, layer_norm_epsilon: 1e-5 }],
    'Mistral-7B-v0.1': ['mistral', {
      model_type: 'mistral', vocab_size: 32000, hidden_size: 4096, intermediate_size: 14336, num_hidden_layers: 32,
      num_attention_heads: 32, num_key_value_heads: 8, max_position_embeddings: 32768, rms_norm_eps: 1e-5, rope_theta: 10000.0,
      sliding_window: 4096, hidden_act: 'silu', tie_word_embeddings: false,
    }],
    'Meta-Llama-3-8B': ['llama-3', {
      model_type: 'llama', vocab_size: 128256, hidden_size: 4096, intermediate_size: 14336, num_hidden_layers: 32,
      num_attention_heads: 32, num_key_value_heads: 8, max_position_embeddings: 8192, rms_norm_eps: 1e-5, rope_theta: 500000.0,
      rope_scaling: null, hidden_act: 'silu',
    }],
  };
  for (const [source, [preset, json]] of Object.entries(published)) {
    const mapped = fromHfConfig(json, source);
    const expected = presetConfig(preset, 'real');
    assert.equal(countParameters(mapped), countParameters(expected), source);
    assert.deepEqual({ ...mapped, name: '' }, { ...expected, name: '' }, source);
  }
});

test('config.json errors name the file', () => {
  const file = join(tmp, 'config.json');
  writeFileSync(file, JSON.stringify({ model_type: 'falcon', hidden_size: 64 }));
  assert.throws(() => readHfConfig(file), (e: unknown) => e instanceof InputError && e.file === file && /unsupported model_type "falcon"/.test(e.message));
  writeFileSync(file, JSON.stringify({ model_type: 'llama', vocab_size: 10, hidden_size: 8, num_hidden_layers: 1, num_attention_heads: 2, intermediate_size: 8, max_position_embeddings: 8, rope_scaling: { rope_type: 'llama3', factor: 8 } }));
  assert.throws(() => readHfConfig(file), (e: unknown) => e instanceof InputError && e.file === file && /rope scaling/.test(e.message));
  writeFileSync(file, JSON.stringify({ model_type: 'gpt2', vocab_size: 10, n_embd: 8, n_layer: 1, n_head: 3, n_positions: 8 }));
  assert.throws(() => readHfConfig(file), (e: unknown) => e instanceof InputError && e.file === file);
  writeFileSync(file, '{"model_type": ');
  assert.throws(() => readHfConfig(file), (e: unknown) => e instanceof InputError && e.file === file && /JSON/.test(e.message));
  assert.throws(() => readHfConfig(join(tmp, 'absent.json')), (e: unknown) => e instanceof InputError && /no such file/.test(e.message));
});
