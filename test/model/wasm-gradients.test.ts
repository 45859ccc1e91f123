/**
 * Training on the wasm backend: every op the encoder and decoder backpropagate through must
 * give the same gradients on wasm as on the cpu backend (the reference), and a tiny model must
 * learn on wasm.
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../lib/model/backend.ts';
import { Rng } from '../../lib/util/prng.ts';

type Input = { shape: number[]; data: Float32Array };
type LossFn = (...xs: tf.Tensor[]) => tf.Scalar;

before(async () => {
  await initBackend('wasm'); // registers the wasm backend and the kernels the kit adds to it
});

function randomInput(rng: Rng, shape: number[], scale = 1): Input {
  const data = new Float32Array(shape.reduce((a, b) => a * b, 1));
  for (let i = 0; i < data.length; i++) data[i] = rng.normal(0, scale);
  return { shape, data };
}

/** Value and gradients of `loss` at `inputs`, computed on `backend`. */
async function gradientsOn(backend: string, loss: LossFn, inputs: Input[]): Promise<{ value: number; grads: Float32Array[] }> {
  await tf.setBackend(backend);
  const xs = inputs.map((x) => tf.tensor(x.data, x.shape));
  const { value, grads } = tf.valueAndGrads(loss)(xs);
  const out = { value: (await value.data())[0]!, grads: await Promise.all(grads.map(async (g) => (await g.data()) as Float32Array)) };
  tf.dispose([value, ...grads, ...xs]);
  return out;
}

/** Largest |a − b| relative to the largest |b|. */
function relativeError(a: Float32Array, b: Float32Array): number {
  assert.equal(a.length, b.length);
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < a.length; i++) {
    diff = Math.max(diff, Math.abs(a[i]! - b[i]!));
    scale = Math.max(scale, Math.abs(b[i]!));
  }
  return diff / Math.max(scale, 1e-12);
}

/**
 * The loss is Σ f(x)·w with a fixed random w, so that every output element gets its own
 * upstream gradient (a plain sum would hide transposition and indexing mistakes).
 */
function weighted(f: (...xs: tf.Tensor[]) => tf.Tensor, seed: string): LossFn {
  return (...xs) => {
    const y = f(...xs);
    const w = randomInput(new Rng(seed), y.shape);
    return tf.sum(tf.mul(y, tf.tensor(w.data, w.shape)));
  };
}

async function assertSameGradients(name: string, f: (...xs: tf.Tensor[]) => tf.Tensor, inputs: Input[], tolerance = 1e-4): Promise<void> {
  const loss = weighted(f, name);
  const cpu = await gradientsOn('cpu', loss, inputs);
  const wasm = await gradientsOn('wasm', loss, inputs);
  assert.ok(Math.abs(wasm.value - cpu.value) <= tolerance * Math.max(1, Math.abs(cpu.value)), `${name}: loss ${wasm.value} vs ${cpu.value}`);
  cpu.grads.forEach((g, i) => {
    assert.ok(g.some((v) => v !== 0), `${name}: gradient ${i} is identically zero on cpu (test would be vacuous)`);
    const err = relativeError(wasm.grads[i]!, g);
    assert.ok(err <= tolerance, `${name}: gradient ${i} differs, relative error ${err.toExponential(2)}`);
  });
}

const rng = new Rng('wasm-gradients');

test('gather (embedding lookup) with repeated ids', async () => {
  const ids = tf.tensor2d([[1, 3, 3, 0], [10, 1, 3, 7]], undefined, 'int32');
  await assertSameGradients('gather', (table) => tf.gather(table!, ids), [randomInput(rng, [11, 5])]);
});

for (const stride of [1, 2]) {
  for (const pad of ['same', 'valid'] as const) {
    test(`conv1d stride ${stride} padding ${pad}`, async () => {
      await assertSameGradients(`conv1d-${stride}-${pad}`, (x, w) => tf.conv1d(x as tf.Tensor3D, w as tf.Tensor3D, stride, pad), [
        randomInput(rng, [2, 17, 3]),
        randomInput(rng, [5, 3, 4]),
      ]);
    });
  }
}

test('conv2d with explicit PyTorch-style padding (the encoder convolution), stride 2', async () => {
  const pad: tf.backend_util.ExplicitPadding = [[0, 0], [0, 0], [3, 3], [0, 0]];
  await assertSameGradients('conv2d-explicit', (x, w) => tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, [1, 2], pad), [
    randomInput(rng, [2, 1, 20, 12]),
    randomInput(rng, [1, 7, 12, 6]),
  ]);
});

test('conv2d 3×3, stride 2, padding same (the registered filter gradient is general)', async () => {
  await assertSameGradients('conv2d-3x3', (x, w) => tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 2, 'same'), [randomInput(rng, [2, 5, 6, 3]), randomInput(rng, [3, 3, 3, 4])]);
});

test('conv2d 1×1, stride 1 (the pointwise fast path, as in bottleneck blocks)', async () => {
  await assertSameGradients('conv2d-1x1', (x, w) => tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 1, 'valid'), [randomInput(rng, [2, 1, 7, 5]), randomInput(rng, [1, 1, 5, 3])]);
});

test('unsortedSegmentSum on wasm equals cpu (out-of-range ids dropped, int32 values too)', async () => {
  const ids = [3, 0, 3, -1, 5, 1];
  const results: number[][] = [];
  for (const backend of ['cpu', 'wasm']) {
    await tf.setBackend(backend);
    const floats = tf.unsortedSegmentSum(tf.tensor2d(Array.from({ length: 12 }, (_, i) => i * 0.5), [6, 2]), tf.tensor1d(ids, 'int32'), 5);
    const ints = tf.unsortedSegmentSum(tf.tensor1d([1, 2, 3, 4, 5, 6], 'int32'), tf.tensor1d(ids, 'int32'), 5);
    results.push([...floats.dataSync(), ...ints.dataSync()]);
  }
  assert.deepEqual(results[1], results[0]);
});

test('batch norm with batch statistics (moments + batchNorm)', async () => {
  await assertSameGradients('batchnorm', (x, gamma, beta) => {
    const { mean, variance } = tf.moments(x!, [0, 1, 2]);
    return tf.batchNorm(x!, mean, variance, beta as tf.Tensor1D, gamma as tf.Tensor1D, 1e-5);
  }, [randomInput(rng, [3, 1, 8, 4]), randomInput(rng, [4]), randomInput(rng, [4])]);
});

test('layer norm', async () => {
  await assertSameGradients('layernorm', (x, gamma, beta) => {
    const { mean, variance } = tf.moments(x!, -1, true);
    return tf.add(tf.mul(tf.mul(tf.sub(x!, mean), tf.rsqrt(tf.add(variance, 1e-5))), gamma!), beta!);
  }, [randomInput(rng, [2, 3, 6]), randomInput(rng, [6]), randomInput(rng, [6])]);
});

test('RMS norm', async () => {
  await assertSameGradients('rmsnorm', (x, gamma) => tf.mul(tf.mul(x!, tf.rsqrt(tf.add(tf.mean(tf.square(x!), -1, true), 1e-6))), gamma!), [
    randomInput(rng, [2, 3, 6]),
    randomInput(rng, [6]),
  ]);
});

test('softmax cross-entropy (tf.losses and log-softmax + one-hot)', async () => {
  const labels = tf.oneHot(tf.tensor1d([2, 0, 4, 4], 'int32'), 5);
  await assertSameGradients('xent-losses', (logits) => tf.losses.softmaxCrossEntropy(labels, logits!).reshape([1]), [randomInput(rng, [4, 5], 3)]);
  await assertSameGradients('xent-manual', (logits) => tf.neg(tf.sum(tf.mul(tf.logSoftmax(logits!), labels), -1)), [randomInput(rng, [4, 5], 3)]);
});

for (const [transposeA, transposeB] of [[false, false], [true, false], [false, true], [true, true]] as const) {
  test(`matMul and batched matMul, transposeA=${transposeA} transposeB=${transposeB}`, async () => {
    const [m, k, n] = [3, 4, 5];
    const a2 = transposeA ? [k, m] : [m, k];
    const b2 = transposeB ? [n, k] : [k, n];
    await assertSameGradients(`matmul-${transposeA}-${transposeB}`, (a, b) => tf.matMul(a!, b!, transposeA, transposeB), [randomInput(rng, a2), randomInput(rng, b2)]);
    await assertSameGradients(`bmm-${transposeA}-${transposeB}`, (a, b) => tf.matMul(a!, b!, transposeA, transposeB), [
      randomInput(rng, [2, 3, ...a2]),
      randomInput(rng, [2, 3, ...b2]),
    ]);
  });
}

// Further ops of the decoder (GELU variants, RoPE, masks, attention) and the encoder (pooling).
const elementwise: [string, (x: tf.Tensor) => tf.Tensor][] = [
  ['gelu (exact, erf)', (x) => tf.mul(tf.mul(x, 0.5), tf.add(1, tf.erf(tf.mul(x, Math.SQRT1_2))))],
  ['gelu (tanh)', (x) => tf.mul(tf.mul(x, 0.5), tf.add(1, tf.tanh(tf.mul(Math.sqrt(2 / Math.PI), tf.add(x, tf.mul(0.044715, tf.pow(x, 3)))))))],
  ['silu', (x) => tf.mul(x, tf.sigmoid(x))],
  ['relu', (x) => tf.relu(x)],
  ['softplus, exp, log', (x) => tf.log(tf.add(tf.exp(x), tf.softplus(x)))],
  ['sin, cos (rotary)', (x) => tf.add(tf.mul(x, tf.cos(x)), tf.sin(x))],
  ['sqrt, abs, clip', (x) => tf.add(tf.sqrt(tf.add(tf.abs(x), 1)), tf.clipByValue(x, -0.5, 0.5))],
  ['cumsum', (x) => tf.cumsum(x, 1)],
  ['softmax', (x) => tf.softmax(x)],
  ['max, mean reductions', (x) => tf.add(tf.max(x, -1), tf.mean(x, -1))],
  ['where (masking)', (x) => tf.where(tf.tensor2d([1, 0, 0, 1, 1, 0], [1, 6]).cast('bool').tile([3, 1]), x, tf.mul(x, -3))],
  ['slice, concat, split, tile, transpose, reverse, pad', (x) => {
    const [a, b] = tf.split(x, [2, 4], 1);
    return tf.concat([tf.tile(tf.slice(a!, [0, 0], [3, 1]), [1, 3]), tf.transpose(tf.reverse(b!, 1)).reshape([3, 4]), tf.pad(a!, [[0, 0], [1, 0]])], 1);
  }],
  ['stack, unstack, expandDims, squeeze', (x) => tf.stack(tf.unstack(tf.expandDims(x, 0).squeeze([0])).reverse())],
  ['maximum, minimum, squaredDifference, div', (x) => tf.add(tf.maximum(x, 0.2), tf.div(tf.squaredDifference(tf.minimum(x, 0.3), 0.1), 2))],
];
for (const [name, f] of elementwise) {
  test(`op gradients: ${name}`, async () => {
    await assertSameGradients(name, f, [randomInput(rng, [3, 6])]);
  });
}

for (const [stride, pad] of [[1, 'same'], [2, 'same'], [2, 'valid']] as const) {
  test(`op gradients: maxPool, avgPool with several channels, stride ${stride}, padding ${pad}`, async () => {
    await assertSameGradients(`maxpool-${stride}-${pad}`, (x) => tf.maxPool(x as tf.Tensor4D, [1, 3], [1, stride], pad), [randomInput(rng, [2, 1, 9, 3])]);
    await assertSameGradients(`maxpool2d-${stride}-${pad}`, (x) => tf.maxPool(x as tf.Tensor4D, [2, 3], stride, pad), [randomInput(rng, [2, 4, 5, 3])]);
    await assertSameGradients(`avgpool-${stride}-${pad}`, (x) => tf.avgPool(x as tf.Tensor4D, [1, 3], [1, stride], pad), [randomInput(rng, [2, 1, 9, 3])]);
  });
}

test('op gradients: causal attention (bandPart mask, batched matMul, softmax)', async () => {
  await assertSameGradients('attention', (q, k, v) => {
    const scores = tf.div(tf.matMul(q!, k!, false, true), 2);
    const mask = tf.linalg.bandPart(tf.ones([4, 4]), -1, 0);
    const masked = tf.where(tf.cast(mask, 'bool'), scores, tf.fill(scores.shape, -1e9));
    return tf.matMul(tf.softmax(masked), v!);
  }, [randomInput(rng, [2, 4, 4]), randomInput(rng, [2, 4, 4]), randomInput(rng, [2, 4, 4])]);
});

test('a tiny conv + embedding model trains on wasm: the loss falls', async () => {
  await tf.setBackend('wasm');
  const init = new Rng('tiny-model');
  const variable = (shape: number[], scale: number) => tf.variable(tf.tensor(randomInput(init, shape, scale).data, shape));
  const embedding = variable([7, 4], 0.5);
  const filter = variable([3, 4, 8], 0.3);
  const head = variable([8, 7], 0.3);
  const ids = tf.tensor2d([[1, 2, 3, 4, 5, 6], [6, 5, 4, 3, 2, 1]], undefined, 'int32');
  const targets = tf.oneHot(tf.tensor1d([2, 5], 'int32'), 7);
  const lossFn = () => {
    const h = tf.relu(tf.conv1d(tf.gather(embedding, ids) as tf.Tensor3D, filter as tf.Tensor3D, 2, 'same'));
    return tf.losses.softmaxCrossEntropy(targets, tf.matMul(tf.mean(h, 1), head)) as tf.Scalar;
  };
  const optimizer = tf.train.adam(0.05);
  const losses: number[] = [];
  for (let step = 0; step < 12; step++) {
    const loss = optimizer.minimize(lossFn, true, [embedding, filter, head])!;
    losses.push((await loss.data())[0]!);
    loss.dispose();
  }
  assert.ok(losses.every(Number.isFinite));
  assert.ok(losses.at(-1)! < 0.5 * losses[0]!, `loss did not fall: ${losses.map((l) => l.toFixed(3)).join(' ')}`);
  tf.dispose([embedding, filter, head, ids, targets]);
  optimizer.dispose();
});
