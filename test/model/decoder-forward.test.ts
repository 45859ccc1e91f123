/**
 * The decoder's forward pass on every mini preset: KV-cache decoding equals full recomputation,
 * causality, padding, MEIT's ECG slots, the LLaVA-style prefix and the hooks.
 */
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../lib/model/backend.ts';
import type { DecoderConfig } from '../../lib/model/config.ts';
import { type DecoderParams, type ForwardOptions, type KvCache, disposeCache, forward, initDecoderWeights } from '../../lib/model/decoder.ts';
import { PRESET_NAMES, type PresetName, presetConfig } from '../../lib/model/presets.ts';
import { InputError } from '../../lib/util/errors.ts';
import { Rng } from '../../lib/util/prng.ts';

before(async () => {
  await initBackend('cpu');
});

const VOCAB = 40;
const T = 9;

/**
 * A mini preset with a small vocabulary, windows shorter than the test sequence, and weights
 * larger than the init's (σ 0.3) so that every path visibly moves the logits.
 */
function model(name: PresetName, seed = 1): DecoderParams {
  const config = presetConfig(name, 'mini', { vocab: VOCAB, window: 3, layers: 2 });
  const weights = initDecoderWeights(config, new Rng(seed));
  const rng = new Rng(seed + 100);
  for (const [key, w] of weights) {
    const noise = Float32Array.from({ length: w.size }, () => rng.normal(0, 1));
    const values = /norm\.weight$/.test(key) ? noise.map((x) => 1 + 0.1 * x) : noise.map((x) => 0.3 * x);
    w.assign(tf.tensor(values, w.shape));
  }
  return { config, weights };
}

function ids(rows: number[][]): tf.Tensor2D {
  return tf.tensor2d(rows, undefined, 'int32');
}

function randomTokens(rng: Rng, b: number, t: number): number[][] {
  return Array.from({ length: b }, () => Array.from({ length: t }, () => rng.int(1, VOCAB)));
}

function ecgRows(config: DecoderConfig, b: number, slots: number, seed: number): tf.Tensor3D {
  const rng = new Rng(seed);
  return tf.tensor3d(Float32Array.from({ length: b * slots * config.hiddenSize }, () => rng.normal(0, 1)), [b, slots, config.hiddenSize]);
}

function logitsOf(params: DecoderParams, tokens: number[][], options: ForwardOptions = {}): number[][][] {
  const input = ids(tokens);
  const { logits } = forward(params, input, options);
  const out = logits.arraySync() as number[][][];
  tf.dispose([input, logits]);
  return out;
}

function maxDiff(a: number[][], b: number[][]): number {
  let m = 0;
  a.forEach((row, i) => row.forEach((x, j) => (m = Math.max(m, Math.abs(x - b[i]![j]!)))));
  return m;
}

function dispose(params: DecoderParams): void {
  tf.dispose([...params.weights.values()]);
}

for (const name of PRESET_NAMES) {
  test(`${name}: KV-cache decoding equals full recomputation (left padding, ECG in the cache)`, () => {
    const params = model(name);
    const tensorsBefore = tf.memory().numTensors;
    const tokens = randomTokens(new Rng(7), 2, T);
    const maskRows = [Array(T).fill(1), [0, 0, ...Array(T - 2).fill(1)]];
    const mask = tf.tensor2d(maskRows);
    const ecg = ecgRows(params.config, 2, 2, 11);
    const full = logitsOf(params, tokens, { attentionMask: mask, ecg });

    const prefill = 4;
    /** One decoding call on columns [from, to); keeps only the returned cache. */
    const step = (from: number, to: number, options: ForwardOptions) => {
      const input = ids(tokens.map((r) => r.slice(from, to)));
      const stepMask = mask.slice([0, from], [2, to - from]);
      const out = forward(params, input, { ...options, attentionMask: stepMask });
      const last = (out.logits.arraySync() as number[][][]).map((r) => r[to - from - 1]!);
      tf.dispose([input, stepMask, out.logits]);
      return { last, cache: out.cache! };
    };
    const first = step(0, prefill, { ecg, useCache: true });
    let cache: KvCache = first.cache;
    const steps: number[][][] = [first.last];
    for (let t = prefill; t < T; t++) {
      const next = step(t, t + 1, { cache });
      disposeCache(cache);
      cache = next.cache;
      steps.push(next.last);
    }
    disposeCache(cache);
    steps.forEach((rows, s) => {
      const t = prefill - 1 + s;
      assert.ok(maxDiff(rows, full.map((r) => r[t]!)) < 1e-5, `${name}, position ${t}`);
    });
    tf.dispose([mask, ecg]);
    assert.equal(tf.memory().numTensors, tensorsBefore, 'forward or the cache leaked tensors');
    dispose(params);
  });

  test(`${name}: future tokens never change past logits; left padding changes nothing`, () => {
    const params = model(name);
    const rng = new Rng(3);
    const tokens = randomTokens(rng, 1, T);
    const ecg = ecgRows(params.config, 1, 1, 5);
    const base = logitsOf(params, tokens, { ecg })[0]!;
    const changed = [tokens[0]!.map((x, t) => (t >= 5 ? (x % (VOCAB - 1)) + 1 : x))];
    const other = logitsOf(params, changed, { ecg })[0]!;
    assert.ok(maxDiff(base.slice(0, 5), other.slice(0, 5)) <= 1e-6, 'past logits moved');
    assert.ok(maxDiff(base.slice(5), other.slice(5)) > 1e-3, 'the change did not reach the future logits');

    // The same tokens behind 3 pads: positions come from the mask, the ECG stays visible.
    const padded = logitsOf(params, [[0, 0, 0, ...tokens[0]!]], { ecg, attentionMask: tf.tensor2d([[0, 0, 0, ...Array(T).fill(1)]]) })[0]!;
    assert.ok(maxDiff(padded.slice(3), base) < 1e-5, 'left padding changed the logits');
    ecg.dispose();
    dispose(params);
  });
}

test('MEIT: the ECG rows go through the selected layers\' own k/v projections, unnormalised', () => {
  const params = model('llama-2');
  const ecg = ecgRows(params.config, 2, 3, 1);
  const seen: string[] = [];
  const ecgValues = ecg.arraySync();
  const hook = (name: string, input: tf.Tensor, output: tf.Tensor) => {
    if (input.shape[1] === 3) {
      seen.push(name);
      assert.deepEqual(input.arraySync(), ecgValues, `${name} got a transformed ECG`);
    }
    return output;
  };
  const tokens = randomTokens(new Rng(1), 2, 6);
  logitsOf(params, tokens, { ecg, ecgLayers: [1], linearHook: hook });
  assert.deepEqual(seen, ['layers.1.attn.k', 'layers.1.attn.v']);

  const none = logitsOf(params, tokens);
  assert.equal(maxDiff(logitsOf(params, tokens, { ecg, ecgLayers: [] }).flat(), none.flat()), 0);
  ecg.dispose();
  dispose(params);
});

test('MEIT: the ECG slots are visible to every query, beyond windows and after left padding', () => {
  for (const name of ['mistral', 'gpt-neo', 'bloom', 'gpt-j'] as const) {
    const params = model(name);
    const tokens = randomTokens(new Rng(2), 2, T);
    const mask = tf.tensor2d([Array(T).fill(1), [0, 0, 0, ...Array(T - 3).fill(1)]]);
    const without = logitsOf(params, tokens, { attentionMask: mask });
    const withEcg = logitsOf(params, tokens, { attentionMask: mask, ecg: ecgRows(params.config, 2, 1, 9) });
    for (let b = 0; b < 2; b++) {
      for (let t = b === 0 ? 0 : 3; t < T; t++) {
        assert.ok(maxDiff([without[b]![t]!], [withEcg[b]![t]!]) > 1e-4, `${name}: row ${b}, position ${t} does not see the ECG`);
      }
    }
    mask.dispose();
    dispose(params);
  }
});

test('prefix embeddings act as the tokens they stand for (positions shift by the prefix)', () => {
  for (const name of ['gpt2-medium', 'llama-2', 'bloom', 'opt'] as const) {
    const params = model(name);
    const tokens = randomTokens(new Rng(4), 2, 7);
    const full = logitsOf(params, tokens);
    const prefix = tf.gather(params.weights.get('embed.tokens.weight')!, ids(tokens.map((r) => r.slice(0, 3)))) as tf.Tensor3D;
    const viaPrefix = logitsOf(params, tokens.map((r) => r.slice(3)), { prefixEmbeddings: prefix });
    for (let b = 0; b < 2; b++) assert.ok(maxDiff(viaPrefix[b]!, full[b]!.slice(3)) < 1e-5, name);
    prefix.dispose();
    dispose(params);
  }
});

test('a prefix followed by left padding gives each row the logits it has alone (ALiBi counts tokens, not slots)', () => {
  for (const name of ['bloom', 'llama-2', 'gpt2-medium'] as const) {
    const params = model(name);
    const rng = new Rng(5);
    const prefix = tf.tensor3d(Float32Array.from({ length: 2 * 2 * params.config.hiddenSize }, () => rng.normal(0, 1)), [2, 2, params.config.hiddenSize]);
    const long = randomTokens(rng, 1, 6)[0]!;
    const short = randomTokens(rng, 1, 4)[0]!;
    // Row 1 is left-padded: [prefix][pad pad][short], as batched generation lays it out.
    const batched = logitsOf(params, [long, [0, 0, ...short]], { prefixEmbeddings: prefix, attentionMask: tf.tensor2d([[1, 1, 1, 1, 1, 1], [0, 0, 1, 1, 1, 1]]) });
    const alone = logitsOf(params, [short], { prefixEmbeddings: prefix.slice([1, 0, 0], [1, 2, -1]) as tf.Tensor3D });
    assert.ok(maxDiff(batched[1]!.slice(2), alone[0]!) < 1e-4, name);
    prefix.dispose();
    dispose(params);
  }
});

test('the cross-attention hook sees each layer\'s hidden state and can change it', () => {
  const params = model('gpt-neox');
  const tokens = randomTokens(new Rng(5), 2, 5);
  const calls: [number, number[]][] = [];
  const identity = logitsOf(params, tokens, { crossAttention: (layer, h) => (calls.push([layer, h.shape]), h) });
  assert.deepEqual(calls, [[0, [2, 5, 64]], [1, [2, 5, 64]]]);
  assert.equal(maxDiff(identity.flat(), logitsOf(params, tokens).flat()), 0);
  const shifted = logitsOf(params, tokens, { crossAttention: (layer, h) => (layer === 1 ? (tf.mul(h, 1.5) as tf.Tensor3D) : h) });
  assert.ok(maxDiff(shifted.flat(), identity.flat()) > 1e-3);
  dispose(params);
});

test('learned positions refuse sequences longer than their table', () => {
  const params = model('gpt2-medium');
  const tooLong = [Array.from({ length: params.config.maxPositions + 1 }, () => 1)];
  assert.throws(() => logitsOf(params, tooLong), (e: unknown) => e instanceof InputError && /exceeds the 256 learned positions/.test(e.message));
  dispose(params);
});
