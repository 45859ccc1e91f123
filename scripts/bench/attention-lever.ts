/**
 * Lever "fewer, larger kernels": a micro-benchmark of one attention layer with MEIT's ECG slot,
 * forward + backward, as lib/model/attention.ts does it today versus a proposed formulation of
 * the same math (checked equal to float32 rounding):
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
  const positions = tf.tile(tf.range(0, t, 1, 'int32').expandDims(0), [b, 1]) as tf.Tensor2D;
  // Causal bias over the text keys (what decoder.ts builds once per forward).
  const causal = tf.where(tf.linalg.bandPart(tf.ones([t, t]), -1, 0).cast('bool'), tf.scalar(0), tf.scalar(-1e9)).reshape([1, 1, t, t]) as tf.Tensor4D;
  // The proposal's bias: the ECG column (never masked) prepended once.
  const withEcg = tf.concat([tf.zeros([1, 1, t, 1]), causal], 3) as tf.Tensor4D;
  const w = (name: string) => vars.get(`layers.0.attn.${name}`)!;

  const current = () => selfAttention(new Weights(vars), config, 0, x, { positions, scoreBias: causal, ecg }).output;
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
  time(current); // warm-up: kernel compilation and first allocations
  time(proposed);
  const currentMs: number[] = [];
  const proposedMs: number[] = [];
  for (let i = 0; i < r.reps; i++) {
    currentMs.push(time(current));
    proposedMs.push(time(proposed));
  }
  tf.dispose([...vars.values(), x, ecg, positions, causal, withEcg]);
  const c = median(currentMs);
  const p = median(proposedMs);
  return { shape: `B${b} T${t} d${d} H${h} + 1 ECG slot`, currentMs: round3(c), proposedMs: round3(p), speedup: round3(c / p), maxAbsDiff };
}
