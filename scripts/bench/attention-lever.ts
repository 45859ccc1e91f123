/**
 * Lever "fewer, larger kernels": a micro-benchmark of one attention layer with MEIT's ECG slot,
 * forward + backward, as lib/model/attention.ts does it today versus a proposed formulation of
 * the same math (checked equal to float32 rounding); and grouped-query attention, see below:
 *
 *   today     q, k, v: three matMuls on the text rows, two more (k, v) on the ECG row; the ECG
 *             slot's zero bias built and concatenated per layer; scores scaled after q·kᵀ.
 *   proposed  one matMul of [ECG row; text rows] with the concatenated [Wq | Wk | Wv] (the ECG
 *             row's query is dropped); the [T, 1 + T] bias built once per forward (no per-layer
 *             concat); the 1/√d scale applied to q ([T, D]) rather than to the scores ([T, S]).
 *
 * Single-head-group (MHA) and no rotary, as in the gpt2 family, to keep the proposal small.
 */
import * as tf from '@tensorflow/tfjs';
import { selfAttention } from '../../lib/model/attention.ts';
import { DecoderConfig } from '../../lib/model/config.ts';
import { Weights } from '../../lib/model/layers.ts';
import { Rng } from '../../lib/util/prng.ts';
import { median, round3 } from '../../lib/bench/stats.ts';

export interface AttentionLeverRequest {
  batch: number;
  seq: number;
  hidden: number;
  heads: number;
  reps: number;
}

export interface AttentionLeverResult {
  shape: string;
  currentMs: number;
  proposedMs: number;
  speedup: number;
  /** Max |Δ| between the two outputs: the proposal is the same function. */
  maxAbsDiff: number;
}

export function attentionVariants(r: AttentionLeverRequest): AttentionLeverResult {
  const { batch: b, seq: t, hidden: d, heads: h } = r;
  const headDim = d / h;
  const config = new DecoderConfig({
    name: 'attention-lever', family: 'gpt2', vocabSize: 16, hiddenSize: d, numLayers: 1, numHeads: h, intermediateSize: 4 * d,
    maxPositions: t, norm: 'layernorm', position: 'learned', mlp: 'gelu_tanh', qkvBias: true, attnOutBias: true,
  });
  const rng = new Rng('attention-lever');
  const random = (shape: number[], label: string) => {
    const stream = rng.fork(label);
    const size = shape.reduce((x, y) => x * y, 1);
    return tf.tensor(Float32Array.from({ length: size }, () => stream.normal(0, 0.1)), shape);
  };
  const vars = new Map<string, tf.Variable>();
  for (const p of ['q', 'k', 'v', 'o']) {
    vars.set(`layers.0.attn.${p}.weight`, tf.variable(random([d, d], `${p}.w`)));
    vars.set(`layers.0.attn.${p}.bias`, tf.variable(random([d], `${p}.b`)));
  }
  const x = random([b, t, d], 'x') as tf.Tensor3D;
  const ecg = random([b, 1, d], 'ecg') as tf.Tensor3D;
  // Causal bias over the text keys (what decoder.ts builds once per forward).
  const causal = tf.where(tf.linalg.bandPart(tf.ones([t, t]), -1, 0).cast('bool'), tf.scalar(0), tf.scalar(-1e9)).reshape([1, 1, t, t]) as tf.Tensor4D;
  // The proposal's bias: the ECG column (never masked) prepended once.
  const withEcg = tf.concat([tf.zeros([1, 1, t, 1]), causal], 3) as tf.Tensor4D;
  const w = (name: string) => vars.get(`layers.0.attn.${name}`)!;

  const current = () => selfAttention(new Weights(vars), config, 0, x, { scoreBias: causal, ecg }).output;
  const proposed = () => {
    const wqkv = tf.concat([w('q.weight'), w('k.weight'), w('v.weight')], 1);
    const bqkv = tf.concat([w('q.bias'), w('k.bias'), w('v.bias')]);
    const rows = tf.concat([ecg, x], 1);
    const qkv = tf.add(tf.matMul(rows.reshape([-1, d]), wqkv), bqkv).reshape([b, t + 1, 3 * d]);
    const [q, k, v] = tf.split(qkv, 3, 2);
    const heads = (y: tf.Tensor) => y.reshape([b, -1, h, headDim]).transpose([0, 2, 1, 3]);
    const queries = heads(q!.slice([0, 1, 0], [b, t, d]).mul(1 / Math.sqrt(headDim)));
    const probs = tf.softmax(tf.add(tf.matMul(queries, heads(k!), false, true), withEcg));
    const context = tf.matMul(probs, heads(v!)).transpose([0, 2, 1, 3]).reshape([b * t, d]);
    return tf.add(tf.matMul(context, w('o.weight')), w('o.bias')).reshape([b, t, d]);
  };

  const maxAbsDiff = tf.tidy(() => tf.max(tf.abs(tf.sub(current(), proposed()))).dataSync()[0]!);
  const trainable = [...vars.values()];
  const time = (f: () => tf.Tensor) => {
    const start = performance.now();
    const { value, grads } = tf.variableGrads(() => tf.sum(tf.square(f())) as tf.Scalar, trainable);
    value.dataSync();
    tf.dispose([value, ...Object.values(grads)]);
    return performance.now() - start;
  };
  const [c, p] = interleavedMedians(r.reps, () => time(current), () => time(proposed));
  tf.dispose([...vars.values(), x, ecg, causal, withEcg]);
  return { shape: `B${b} T${t} d${d} H${h} + 1 ECG slot`, currentMs: round3(c), proposedMs: round3(p), speedup: round3(c / p), maxAbsDiff };
}

export interface GroupedQueryLeverRequest {
  batch: number;
  /** Text keys already in the cache when the step's one new token arrives. */
  past: number;
  hidden: number;
  heads: number;
  kvHeads: number;
  reps: number;
}

export interface GroupedQueryLeverResult {
  shape: string;
  /** One decoding step's attention layer (cache of `past` keys + 1 new token). */
  gatherMs: number;
  regroupMs: number;
  speedup: number;
  maxAbsDiff: number;
}

/**
 * Lever "a faster formulation of an op": grouped-query attention (Mistral, LLaMA-3) as one
 * decoding step of lib/model/attention.ts does it (the queries regrouped by a reshape so that
 * each kv head serves its group in one matMul) versus the formulation it replaced (every kv
 * head copied `heads/kvHeads` times with a gather, then plain multi-head attention).
 */
export function groupedQueryVariants(r: GroupedQueryLeverRequest): GroupedQueryLeverResult {
  const { batch: b, past, hidden: d, heads: h, kvHeads } = r;
  const headDim = d / h;
  const groups = h / kvHeads;
  const config = new DecoderConfig({
    name: 'gqa-lever', family: 'mistral', vocabSize: 16, hiddenSize: d, numLayers: 1, numHeads: h, numKvHeads: kvHeads, intermediateSize: 4 * d,
    maxPositions: past + 1, norm: 'rmsnorm', position: 'rotary', mlp: 'swiglu', qkvBias: false, attnOutBias: false,
  });
  const rng = new Rng('gqa-lever');
  const random = (shape: number[], label: string) => {
    const stream = rng.fork(label);
    const size = shape.reduce((x, y) => x * y, 1);
    return tf.tensor(Float32Array.from({ length: size }, () => stream.normal(0, 0.1)), shape);
  };
  const vars = new Map<string, tf.Variable>([
    ['layers.0.attn.q.weight', tf.variable(random([d, d], 'q'))],
    ['layers.0.attn.k.weight', tf.variable(random([d, kvHeads * headDim], 'k'))],
    ['layers.0.attn.v.weight', tf.variable(random([d, kvHeads * headDim], 'v'))],
    ['layers.0.attn.o.weight', tf.variable(random([d, d], 'o'))],
  ]);
  const x = random([b, 1, d], 'x') as tf.Tensor3D;
  const cache = { keys: random([b, kvHeads, past, headDim], 'keys') as tf.Tensor4D, values: random([b, kvHeads, past, headDim], 'values') as tf.Tensor4D };
  const bias = tf.zeros([1, 1, 1, past + 1]) as tf.Tensor4D;
  const w = (name: string) => vars.get(`layers.0.attn.${name}.weight`)!;

  const regroup = () => selfAttention(new Weights(vars), config, 0, x, { scoreBias: bias, cache }).output;
  const gather = () => {
    const heads = (y: tf.Tensor, n: number) => y.reshape([b, 1, n, headDim]).transpose([0, 2, 1, 3]) as tf.Tensor4D;
    const repeat = (y: tf.Tensor4D) => tf.gather(y, tf.tensor1d(Int32Array.from({ length: h }, (_, i) => Math.floor(i / groups)), 'int32'), 1);
    const q = heads(tf.matMul(x.reshape([b, d]), w('q')), h);
    const keys = tf.concat([cache.keys, heads(tf.matMul(x.reshape([b, d]), w('k')), kvHeads)], 2) as tf.Tensor4D;
    const values = tf.concat([cache.values, heads(tf.matMul(x.reshape([b, d]), w('v')), kvHeads)], 2) as tf.Tensor4D;
    const probs = tf.softmax(tf.add(tf.mul(tf.matMul(q, repeat(keys), false, true), 1 / Math.sqrt(headDim)), bias));
    const context = tf.matMul(probs, repeat(values)).transpose([0, 2, 1, 3]).reshape([b, d]);
    return tf.matMul(context, w('o')).reshape([b, 1, d]);
  };

  const maxAbsDiff = tf.tidy(() => tf.max(tf.abs(tf.sub(regroup(), gather()))).dataSync()[0]!);
  const time = (f: () => tf.Tensor) => {
    const start = performance.now();
    tf.tidy(() => f().dataSync());
    return performance.now() - start;
  };
  const [g, p] = interleavedMedians(r.reps, () => time(gather), () => time(regroup));
  tf.dispose([...vars.values(), x, cache.keys, cache.values, bias]);
  return { shape: `B${b}, 1 new token over ${past} cached keys, d${d} H${h} kv${kvHeads}`, gatherMs: round3(g), regroupMs: round3(p), speedup: round3(g / p), maxAbsDiff };
}

/** Median ms of two timed variants over `reps` alternating rounds, after one warm-up call of each (kernel compilation, first allocations). */
function interleavedMedians(reps: number, first: () => number, second: () => number): [number, number] {
  first();
  second();
  const a: number[] = [];
  const b: number[] = [];
  for (let i = 0; i < reps; i++) {
    a.push(first());
    b.push(second());
  }
  return [median(a), median(b)];
}
