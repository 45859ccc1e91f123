/**
 * Causal multi-head self-attention with grouped-query heads, rotary positions, a per-layer
 * score bias (padding, causality, windows, ALiBi — built once per forward in decoder.ts), a
 * key/value cache, and MEIT's ECG slots.
 *
 * MEIT (arXiv 2403.04945): the ECG embedding goes through this layer's own K and V projections
 * and is prepended as extra key/value slots. The slots carry no position (no RoPE; their ALiBi
 * bias and mask bias are zero), are visible to every query (padding and windows never hide
 * them), add no gate and no parameters. The ECG rows enter k/v directly, WITHOUT the layer's
 * input norm: the official code calls k_proj/v_proj on the ECG embedding as it comes from the
 * encoder (which ends with an L2 normalisation of its own), and we follow it. Going through the
 * same `linear` call as the text keys means LoRA on k/v adapts the ECG path too.
 */
import * as tf from '@tensorflow/tfjs';
import type { DecoderConfig } from './config.ts';
import type { Weights } from './layers.ts';
import { type RotaryAngles, applyRotary } from './positions.ts';

/** One layer's cached keys and values, [B, kvHeads, S, headDim], plus its ECG slots once computed. */
export interface LayerCache {
  keys: tf.Tensor4D;
  values: tf.Tensor4D;
  ecgKeys?: tf.Tensor4D;
  ecgValues?: tf.Tensor4D;
}

export interface AttentionInputs {
  /** The tokens' rotary angles (rotary configs only). */
  rotary?: RotaryAngles;
  /** Additive score bias [B, H or 1, T, S] over the S = past + T text keys (0 or a large negative; ALiBi). */
  scoreBias: tf.Tensor4D;
  /** ECG rows [B, k, hidden] for this layer, when MEIT alignment applies here. */
  ecg?: tf.Tensor3D;
  cache?: LayerCache;
}

/** [B, T, heads·D] → [B, T, heads, D] */
function splitHeads(x: tf.Tensor, heads: number, headDim: number): tf.Tensor4D {
  const [b, t] = x.shape as [number, number];
  return x.reshape([b, t, heads, headDim]) as tf.Tensor4D;
}

/** [B, T, heads, D] → [B, heads, T, D] (and back: the permutation is its own inverse) */
function swapTimeAndHeads(x: tf.Tensor4D): tf.Tensor4D {
  return x.transpose([0, 2, 1, 3]);
}

/**
 * Attention of grouped-query heads without copying the keys and values: query head h reads kv
 * head ⌊h/groups⌋, so the queries [B, heads, T, D] regroup, by a reshape alone, into
 * [B, kvHeads, groups·T, D], and one batched matMul per kv head serves its whole group.
 * `scores` gives [B, heads, T, S] back; `mix` takes probabilities in that shape.
 */
function groupedHeads(kvHeads: number, groups: number) {
  // [B, kvHeads·groups, T, X] ↔ [B, kvHeads, groups·T, X]: the same memory, read two ways.
  const regroup = (x: tf.Tensor4D) => x.reshape([x.shape[0], kvHeads, -1, x.shape[3]]) as tf.Tensor4D;
  const ungroup = (x: tf.Tensor4D, t: number) => x.reshape([x.shape[0], kvHeads * groups, t, x.shape[3]]) as tf.Tensor4D;
  return {
    scores: (q: tf.Tensor4D, keys: tf.Tensor4D) => ungroup(tf.matMul(regroup(q), keys, false, true), q.shape[2]),
    mix: (probs: tf.Tensor4D, values: tf.Tensor4D) => ungroup(tf.matMul(regroup(probs), values), probs.shape[2]),
  };
}

export function selfAttention(
  weights: Weights,
  config: DecoderConfig,
  layer: number,
  x: tf.Tensor3D,
  inputs: AttentionInputs,
): { output: tf.Tensor3D; cache: LayerCache } {
  const { numHeads, numKvHeads, headDim } = config;
  const [b, t] = x.shape;
  const prefix = `layers.${layer}.attn`;
  let q = splitHeads(weights.linear(`${prefix}.q`, x), numHeads, headDim);
  let k = splitHeads(weights.linear(`${prefix}.k`, x), numKvHeads, headDim);
  const v = splitHeads(weights.linear(`${prefix}.v`, x), numKvHeads, headDim);
  if (inputs.rotary) {
    q = applyRotary(q, inputs.rotary, config.rotaryDim, config.rotaryStyle);
    k = applyRotary(k, inputs.rotary, config.rotaryDim, config.rotaryStyle);
  }
  // [B, heads, T, D] from here on; append to the cache along T.
  let keys = swapTimeAndHeads(k);
  let values = swapTimeAndHeads(v);
  if (inputs.cache) {
    keys = tf.concat([inputs.cache.keys, keys], 2);
    values = tf.concat([inputs.cache.values, values], 2);
  }
  const cache: LayerCache = { keys, values };

  let bias = inputs.scoreBias;
  // The ECG slots are projected once, on the first call, and then read from the cache.
  // (Cloned so that disposing the previous cache leaves this one intact.)
  let ecgKeys = inputs.cache?.ecgKeys?.clone();
  let ecgValues = inputs.cache?.ecgValues?.clone();
  if (!ecgKeys && inputs.ecg) {
    ecgKeys = swapTimeAndHeads(splitHeads(weights.linear(`${prefix}.k`, inputs.ecg), numKvHeads, headDim));
    ecgValues = swapTimeAndHeads(splitHeads(weights.linear(`${prefix}.v`, inputs.ecg), numKvHeads, headDim));
  }
  let allKeys = keys;
  let allValues = values;
  if (ecgKeys && ecgValues) {
    cache.ecgKeys = ecgKeys;
    cache.ecgValues = ecgValues;
    allKeys = tf.concat([ecgKeys, keys], 2);
    allValues = tf.concat([ecgValues, values], 2);
    // Zero bias: the ECG slots are never masked and have no ALiBi distance.
    bias = tf.concat([tf.zeros([bias.shape[0], bias.shape[1], t, ecgKeys.shape[2]]), bias], 3) as tf.Tensor4D;
  }

  const heads = groupedHeads(numKvHeads, numHeads / numKvHeads);
  let scores = heads.scores(swapTimeAndHeads(q), allKeys);
  if (config.scaleAttention) scores = tf.mul(scores, 1 / Math.sqrt(headDim));
  const probs = tf.softmax(tf.add(scores, bias)) as tf.Tensor4D;
  const context = swapTimeAndHeads(heads.mix(probs, allValues)).reshape([b, t, numHeads * headDim]);
  return { output: weights.linear(`${prefix}.o`, context) as tf.Tensor3D, cache };
}
