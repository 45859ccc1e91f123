import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../lib/model/backend.ts';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type EcgEncoderConfig,
  createEcgEncoder,
  ecgEncoderConfig,
  ecgEncoderParameterCount,
  ecgEncoderState,
  ecgEncoderTensorSpecs,
  loadEcgEncoderState,
} from '../../lib/model/ecg-encoder.ts';
import { readSafetensors, writeSafetensors } from '../../lib/model/safetensors.ts';
import { InputError } from '../../lib/util/errors.ts';
import { Rng } from '../../lib/util/prng.ts';

before(async () => {
  await initBackend('wasm');
});

function signal(seed: string, shape: [number, number, number]): tf.Tensor3D {
  const rng = new Rng(seed);
  const values = new Float32Array(shape[0] * shape[1] * shape[2]);
  for (let i = 0; i < values.length; i++) values[i] = rng.normal();
  return tf.tensor3d(values, shape);
}

/**
 * Trainable parameters of the official ResNet1d + projector, counted layer by layer the way
 * PyTorch would (conv weights out·in·k, BN weight+bias, linear weight+bias).
 */
function officialParameterCount(outDim: number): number {
  const conv = (cin: number, cout: number, k: number) => cin * cout * k;
  const bn = (c: number) => 2 * c;
  let total = conv(12, 64, 7) + bn(64);
  let cin = 64;
  for (const [blocks, width] of [[3, 64], [4, 128], [6, 256], [3, 512]] as const) {
    for (let j = 0; j < blocks; j++) {
      total += conv(cin, width, 1) + bn(width) + conv(width, width, 3) + bn(width) + conv(width, 4 * width, 1) + bn(4 * width);
      if (j === 0) total += conv(cin, 4 * width, 1) + bn(4 * width); // every stage's first block changes shape
      cin = 4 * width;
    }
  }
  return total + (2048 * 2048 + 2048) + bn(2048) + (2048 * outDim + outDim) + bn(outDim);
}

test('ResNet-50 preset has the official architecture size (~20M)', () => {
  const config = ecgEncoderConfig('resnet50', 128);
  assert.equal(ecgEncoderParameterCount(config), officialParameterCount(128));
  const specs = ecgEncoderTensorSpecs(config);
  assert.ok(specs.has('ecg_encoder.layer4.2.conv3.weight'));
  assert.deepEqual(specs.get('ecg_encoder.conv1.weight')!.shape, [7, 12, 64]);
  assert.deepEqual(specs.get('proj_ecg.3.weight')!.shape, [2048, 128]);
  assert.equal(specs.get('proj_ecg.4.running_var')!.trainable, false);
});

test('created encoders hold exactly the specified tensors', () => {
  const config = ecgEncoderConfig('tiny', 8, { projectorBatchNorm: false, init: 'pytorch-default' });
  const encoder = createEcgEncoder(config, new Rng(0));
  try {
    const specs = ecgEncoderTensorSpecs(config);
    assert.equal(encoder.params.size + encoder.buffers.size, specs.size);
    for (const [name, spec] of specs) assert.deepEqual((spec.trainable ? encoder.params : encoder.buffers).get(name)!.shape, spec.shape, name);
    assert.equal(encoder.parameterCount(), ecgEncoderParameterCount(config));
    assert.ok(encoder.params.has('proj_ecg.2.weight') && !encoder.params.has('proj_ecg.1.weight'), 'GPT-NeoX projector: Linear, ReLU, Linear');
    const stem = Array.from(encoder.params.get('ecg_encoder.conv1.weight')!.dataSync());
    const bound = 1 / Math.sqrt(config.stemKernel * config.inChannels);
    assert.ok(stem.every((v) => Math.abs(v) <= bound) && Math.max(...stem) > 0.9 * bound, 'PyTorch default init: U(±1/√fan_in)');
  } finally {
    encoder.dispose();
  }
});

test('same seed, same weights; another seed, other weights; Kaiming-normal scale', () => {
  const config = ecgEncoderConfig('tiny', 8);
  const [a, b, c] = [0, 0, 1].map((seed) => createEcgEncoder(config, new Rng(seed)));
  try {
    for (const [name, v] of a!.params) assert.deepEqual(v.dataSync(), b!.params.get(name)!.dataSync(), name);
    assert.notDeepEqual(a!.params.get('ecg_encoder.conv1.weight')!.dataSync(), c!.params.get('ecg_encoder.conv1.weight')!.dataSync());
    const stem = Array.from(a!.params.get('ecg_encoder.conv1.weight')!.dataSync());
    const sd = Math.sqrt(stem.reduce((s, v) => s + v * v, 0) / stem.length);
    const expected = Math.sqrt(2 / (config.stemWidth * config.stemKernel));
    assert.ok(Math.abs(sd / expected - 1) < 0.1, `stem weight sd ${sd}, expected ≈ ${expected}`);
  } finally {
    [a, b, c].forEach((e) => e!.dispose());
  }
});

test('output is [batch, outDim] with unit L2 norm; wrong input shapes are refused', () => {
  const encoder = createEcgEncoder(ecgEncoderConfig('tiny', 16), new Rng(1));
  try {
    const y = encoder.apply(signal('x', [3, 12, 100]), false);
    assert.deepEqual(y.shape, [3, 16]);
    for (const n of tf.norm(y, 'euclidean', 1).dataSync()) assert.ok(Math.abs(n - 1) < 1e-5);
    assert.throws(() => encoder.apply(signal('x', [3, 8, 100]), false), /expected \[batch, 12, samples\]/);
  } finally {
    encoder.dispose();
  }
});

test('batch norm: running statistics follow PyTorch (momentum 0.1, unbiased variance)', () => {
  // Stem only: one 1-tap convolution with weight 2 on one lead, then the projector.
  const config: EcgEncoderConfig = { ...ecgEncoderConfig('tiny', 2), inChannels: 1, layers: [], widths: [], stemWidth: 1, stemKernel: 1, stemStride: 1, projectorHidden: 3 };
  const encoder = createEcgEncoder(config, new Rng(2));
  try {
    encoder.params.get('ecg_encoder.conv1.weight')!.assign(tf.tensor3d([[[2]]]));
    const samples = [1, 2, 3, 4, 6, 8];
    encoder.apply(tf.tensor3d(samples, [2, 1, 3]), true);
    const conv = samples.map((v) => 2 * v);
    const mean = conv.reduce((a, b) => a + b) / conv.length;
    const unbiased = conv.reduce((a, b) => a + (b - mean) ** 2, 0) / (conv.length - 1);
    assert.ok(Math.abs(encoder.buffers.get('ecg_encoder.bn1.running_mean')!.dataSync()[0]! - 0.1 * mean) < 1e-5);
    assert.ok(Math.abs(encoder.buffers.get('ecg_encoder.bn1.running_var')!.dataSync()[0]! - (0.9 + 0.1 * unbiased)) < 1e-4);
  } finally {
    encoder.dispose();
  }
});

test('evaluation uses running statistics (rows independent of the batch); training uses the batch', () => {
  const encoder = createEcgEncoder(ecgEncoderConfig('tiny', 8), new Rng(3));
  try {
    const x = signal('batch', [4, 12, 64]);
    const firstTwo = tf.slice(x, [0, 0, 0], [2, 12, 64]);
    const row = (y: tf.Tensor) => Array.from(tf.slice(y, [0, 0], [1, 8]).dataSync());
    const evalFull = row(encoder.apply(x, false));
    const evalPart = row(encoder.apply(firstTwo, false));
    evalFull.forEach((v, i) => assert.ok(Math.abs(v - evalPart[i]!) < 1e-5));
    const trainFull = row(encoder.apply(x, true));
    const trainPart = row(encoder.apply(firstTwo, true));
    assert.ok(trainFull.some((v, i) => Math.abs(v - trainPart[i]!) > 1e-3));
    assert.throws(() => encoder.apply(signal('one', [1, 12, 64]), true), /more than one value per channel/);
  } finally {
    encoder.dispose();
  }
});

const SMALL_CONFIGS: [string, EcgEncoderConfig][] = [
  ['tiny (basic blocks)', ecgEncoderConfig('tiny', 8)],
  ['small bottleneck', ecgEncoderConfig('resnet50', 8, { layers: [1, 1], widths: [4, 8], stemWidth: 8, projectorHidden: 16 })],
];

for (const [label, config] of SMALL_CONFIGS) test(`forward and gradients agree between wasm and cpu: ${label}`, async () => {
  const results: { y: Float32Array; grads: Map<string, Float32Array> }[] = [];
  for (const backend of ['cpu', 'wasm']) {
    await tf.setBackend(backend);
    const encoder = createEcgEncoder(config, new Rng(4));
    const x = signal('grad', [2, 12, 48]);
    const weights = tf.tensor2d(Array.from({ length: 16 }, (_, i) => Math.sin(i)), [2, 8]);
    const { value, grads } = tf.variableGrads(() => tf.sum(tf.mul(encoder.apply(x, true), weights)) as tf.Scalar, [...encoder.params.values()]);
    const byName = new Map([...encoder.params].map(([name, v]) => [name, grads[v.name]!.dataSync() as Float32Array]));
    results.push({ y: value.dataSync() as Float32Array, grads: byName });
    encoder.dispose();
  }
  const [cpu, wasm] = results;
  assert.ok(Math.abs(cpu!.y[0]! - wasm!.y[0]!) < 1e-4);
  const maxAbs = (a: Float32Array) => a.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
  const overall = Math.max(...[...cpu!.grads.values()].map(maxAbs));
  // A batch norm (with batch statistics) cancels the bias before it: zero gradient up to round-off.
  const beforeBatchNorm = new Set(['proj_ecg.0.bias', 'proj_ecg.3.bias']);
  for (const [name, g] of cpu!.grads) {
    const other = wasm!.grads.get(name)!;
    if (beforeBatchNorm.has(name)) {
      assert.ok(maxAbs(g) < 1e-5 * overall && maxAbs(other) < 1e-5 * overall, `${name} should have no gradient`);
      continue;
    }
    const diff = maxAbs(g.map((v, i) => v - other[i]!));
    assert.ok(diff / maxAbs(g) < 1e-3, `${name}: relative difference ${diff / maxAbs(g)}`);
  }
  await tf.setBackend('wasm');
});

test('the encoder learns on wasm: a few Adam steps reduce a regression loss', async () => {
  await tf.setBackend('wasm');
  const encoder = createEcgEncoder(ecgEncoderConfig('tiny', 4), new Rng(5));
  try {
    const x = signal('fit', [6, 12, 32]);
    const target = tf.tensor2d([[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1], [1, 0, 0, 0], [0, 1, 0, 0]]);
    const optimizer = tf.train.adam(0.01);
    const losses: number[] = [];
    for (let step = 0; step < 10; step++) {
      const loss = optimizer.minimize(() => tf.losses.meanSquaredError(target, encoder.apply(x, true)) as tf.Scalar, true, [...encoder.params.values()])!;
      losses.push(loss.dataSync()[0]!);
      loss.dispose();
    }
    assert.ok(losses.at(-1)! < 0.7 * losses[0]!, `loss did not fall: ${losses.map((l) => l.toFixed(4)).join(' ')}`);
    optimizer.dispose();
  } finally {
    encoder.dispose();
  }
});

test('state round trip through safetensors restores the same outputs', async () => {
  const config = ecgEncoderConfig('tiny', 8);
  const trained = createEcgEncoder(config, new Rng(6));
  const fresh = createEcgEncoder(config, new Rng(7));
  const dir = await mkdtemp(join(tmpdir(), 'meit-enc-'));
  try {
    const x = signal('state', [3, 12, 40]);
    trained.apply(x, true); // moves the running statistics away from their initial values
    const file = join(dir, 'encoder.safetensors');
    await writeSafetensors(file, ecgEncoderState(trained));
    const state = await readSafetensors(file);
    loadEcgEncoderState(fresh, state, file);
    assert.deepEqual(fresh.apply(x, false).dataSync(), trained.apply(x, false).dataSync());
    const partial = new Map(state);
    partial.delete('ecg_encoder.bn1.running_var');
    assert.throws(() => loadEcgEncoderState(fresh, partial, file), (err: unknown) => err instanceof InputError && err.file === file && /bn1.running_var is missing/.test(err.message));
    const wrongShape = new Map(state).set('proj_ecg.3.weight', { dtype: 'F32', shape: [8, 128], data: new Float32Array(1024) });
    assert.throws(() => loadEcgEncoderState(fresh, wrongShape, file), /has shape \[8, 128\], expected \[128, 8\]/);
  } finally {
    trained.dispose();
    fresh.dispose();
    await rm(dir, { recursive: true, force: true });
  }
});
