/**
 * The decoder's small building blocks on tfjs tensors: linear projections, norms, MLPs.
 *
 * Weights live in one flat Map keyed by kit-internal names ("layers.3.attn.q.weight"); a
 * projection named `name` reads `${name}.weight` ([in, out], so y = x·W) and, when present,
 * `${name}.bias`. Every projection goes through `Weights.linear`, which is where adapters
 * (LoRA) hook in without the decoder knowing about them.
 */
import * as tf from '@tensorflow/tfjs';
import type { MlpKind, NormKind } from './config.ts';

/**
 * Called after every projection with its kit name, input and output; returns the output to
 * use. LoRA adds its low-rank update here: `(name, x, y) => y + (x·A·B)·α/r`.
 */
export type LinearHook = (name: string, input: tf.Tensor, output: tf.Tensor) => tf.Tensor;

/** Read access to the weight map, with the linear hook applied to every projection. */
export class Weights {
  constructor(
    private readonly map: ReadonlyMap<string, tf.Tensor>,
    private readonly hook?: LinearHook,
  ) {}

  get(name: string): tf.Tensor {
    const w = this.map.get(name);
    if (!w) throw new Error(`decoder weight ${name} is missing`);
    return w;
  }

  has(name: string): boolean {
    return this.map.has(name);
  }

  /** x·W (+ b) over the last axis of x, for any leading shape. */
  linear(name: string, x: tf.Tensor): tf.Tensor {
    const w = this.get(`${name}.weight`) as tf.Tensor2D;
    const lead = x.shape.slice(0, -1);
    let y: tf.Tensor = tf.matMul(x.reshape([-1, w.shape[0]]), w);
    const bias = this.map.get(`${name}.bias`);
    if (bias) y = tf.add(y, bias);
    y = y.reshape([...lead, w.shape[1]]);
    return this.hook ? this.hook(name, x, y) : y;
  }
}

/** LayerNorm (biased variance, as torch) or RMSNorm (LLaMA: no mean, no bias) over the last axis. */
export function norm(weights: Weights, name: string, kind: NormKind, eps: number, x: tf.Tensor): tf.Tensor {
  const gain = weights.get(`${name}.weight`);
  if (kind === 'rmsnorm') {
    const meanSquare = tf.mean(tf.square(x), -1, true);
    return tf.mul(tf.mul(x, tf.rsqrt(tf.add(meanSquare, eps))), gain);
  }
  const { mean, variance } = tf.moments(x, -1, true);
  const normalized = tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, eps)));
  return tf.add(tf.mul(normalized, gain), weights.get(`${name}.bias`));
}

const SQRT_HALF = Math.SQRT1_2;
const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);

/** GELU with erf: x·Φ(x). */
export function gelu(x: tf.Tensor): tf.Tensor {
  return tf.mul(tf.mul(x, 0.5), tf.add(tf.erf(tf.mul(x, SQRT_HALF)), 1));
}

/** GELU's tanh approximation (GPT-2's "gelu_new", BLOOM's bloom_gelu). */
export function geluTanh(x: tf.Tensor): tf.Tensor {
  const inner = tf.mul(tf.add(x, tf.mul(tf.pow(x, 3), 0.044715)), SQRT_2_OVER_PI);
  return tf.mul(tf.mul(x, 0.5), tf.add(tf.tanh(inner), 1));
}

/** The feed-forward block: down(act(up(x))), or down(silu(gate(x)) · up(x)) for SwiGLU. */
export function mlp(weights: Weights, prefix: string, kind: MlpKind, x: tf.Tensor): tf.Tensor {
  const up = weights.linear(`${prefix}.up`, x);
  let hidden: tf.Tensor;
  switch (kind) {
    case 'gelu':
      hidden = gelu(up);
      break;
    case 'gelu_tanh':
      hidden = geluTanh(up);
      break;
    case 'relu':
      hidden = tf.relu(up);
      break;
    case 'swiglu': {
      const gate = weights.linear(`${prefix}.gate`, x);
      hidden = tf.mul(tf.mul(gate, tf.sigmoid(gate)), up);
      break;
    }
  }
  return weights.linear(`${prefix}.down`, hidden);
}
