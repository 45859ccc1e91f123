/**
 * Position encodings that act inside attention: rotary embeddings (RoPE) on queries and keys,
 * and ALiBi's per-head linear bias on the scores. (Learned position tables are a plain
 * embedding lookup in decoder.ts.)
 */
import * as tf from '@tensorflow/tfjs';
import type { RotaryStyle } from './config.ts';

/** The rotary angles' inverse frequencies θ^(−2i/d), i < d/2. */
function inverseFrequencies(rotaryDim: number, theta: number): Float32Array {
  const out = new Float32Array(rotaryDim / 2);
  for (let i = 0; i < out.length; i++) out[i] = 1 / theta ** ((2 * i) / rotaryDim);
  return out;
}

/** The rotary cos and sin of every token, [B, T, 1, rotaryDim/2], shared by every layer's q and k. */
export interface RotaryAngles {
  cos: tf.Tensor4D;
  sin: tf.Tensor4D;
}

/** Angles position·θ^(−2i/d) for token positions [B, T] int32; computed once per forward. */
export function rotaryAngles(positions: tf.Tensor2D, rotaryDim: number, theta: number): RotaryAngles {
  const [b, t] = positions.shape;
  const half = rotaryDim / 2;
  const angles = tf.mul(positions.toFloat().reshape([b, t, 1, 1]), tf.tensor1d(inverseFrequencies(rotaryDim, theta)).reshape([1, 1, 1, half]));
  return { cos: tf.cos(angles) as tf.Tensor4D, sin: tf.sin(angles) as tf.Tensor4D };
}

/**
 * Rotates the first `rotaryDim` features of every head of x [B, T, H, D] by its token's angles;
 * the remaining D − rotaryDim features pass unchanged (partial rotary: NeoX, GPT-J).
 * `half` pairs feature i with i + rotaryDim/2 (NeoX, LLaMA); `interleaved` pairs 2i with 2i+1
 * (GPT-J).
 */
export function applyRotary(x: tf.Tensor4D, { cos, sin }: RotaryAngles, rotaryDim: number, style: RotaryStyle): tf.Tensor4D {
  const [b, t, h, d] = x.shape;
  const half = rotaryDim / 2;
  const rotary = rotaryDim === d ? x : x.slice([0, 0, 0, 0], [b, t, h, rotaryDim]);
  let rotated: tf.Tensor;
  if (style === 'half') {
    const [x1, x2] = tf.split(rotary, 2, -1) as [tf.Tensor, tf.Tensor];
    rotated = tf.concat([tf.sub(tf.mul(x1, cos), tf.mul(x2, sin)), tf.add(tf.mul(x2, cos), tf.mul(x1, sin))], -1);
  } else {
    const pairs = rotary.reshape([b, t, h, half, 2]);
    const [even, odd] = tf.unstack(pairs, 4) as [tf.Tensor, tf.Tensor];
    rotated = tf.stack([tf.sub(tf.mul(even, cos), tf.mul(odd, sin)), tf.add(tf.mul(odd, cos), tf.mul(even, sin))], -1).reshape([b, t, h, rotaryDim]);
  }
  if (rotaryDim === d) return rotated as tf.Tensor4D;
  return tf.concat([rotated, x.slice([0, 0, 0, rotaryDim], [b, t, h, d - rotaryDim])], -1) as tf.Tensor4D;
}

/**
 * ALiBi slopes, one per head (Press et al.; BLOOM's build_alibi_tensor): a geometric sequence
 * 2^(−8i/n) for the largest power of two n ≤ heads, then the odd terms of the 2n sequence.
 */
export function alibiSlopes(numHeads: number): Float32Array {
  const closest = 2 ** Math.floor(Math.log2(numHeads));
  const base = 2 ** -(2 ** -(Math.log2(closest) - 3));
  const slopes: number[] = [];
  for (let i = 1; i <= closest; i++) slopes.push(base ** i);
  if (closest !== numHeads) {
    const extraBase = 2 ** -(2 ** -(Math.log2(2 * closest) - 3));
    const remaining = Math.min(closest, numHeads - closest);
    for (let i = 1; i < 2 * remaining; i += 2) slopes.push(extraBase ** i);
  }
  return Float32Array.from(slopes);
}

/**
 * ALiBi score bias [B, H, T, S]: −slope_h · (query position − key position), with positions
 * counting real tokens only (as Hugging Face's BLOOM does through cumsum(mask)), so padding
 * between a prefix and the text does not stretch the distances. BLOOM adds slope·key position
 * instead, which differs by a constant per query row and so gives the same softmax; the
 * relative form keeps the bias of a key at distance 0 at zero, which is what the
 * position-free ECG slots get (see attention.ts).
 */
export function alibiBias(numHeads: number, queryPositions: tf.Tensor2D, keyPositions: tf.Tensor2D): tf.Tensor4D {
  const distance = tf.sub(queryPositions.expandDims(2), keyPositions.expandDims(1)).toFloat(); // [B, T, S]
  const slopes = tf.tensor1d(alibiSlopes(numHeads)).reshape([1, numHeads, 1, 1]);
  return tf.neg(tf.mul(slopes, distance.expandDims(1))) as tf.Tensor4D;
}
