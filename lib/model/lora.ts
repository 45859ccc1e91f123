/**
 * LoRA (Hu et al. 2021) on the decoder's projections, as PEFT does it:
 *
 *     y = x·W (+ b) + dropout(x)·A·B · α/r        A: [in, r]  B: [r, out]
 *
 * A starts Kaiming-uniform (PEFT: kaiming_uniform_(a=√5), i.e. U(±1/√in)) and B at zero, so an
 * untrained adapter leaves the base model exactly as it was. Dropout (on the adapter's input
 * only) runs in training, with masks drawn from a seeded stream, so a training step is
 * reproducible.
 *
 * Targets follow the official MEIT scripts: the attention projections of every family, plus
 * the MLP on LLaMA/Mistral. One difference: GPT-2 (c_attn), NeoX and BLOOM (query_key_value)
 * have one fused q/k/v projection, on which PEFT puts ONE adapter (A: [in, r], B: [r, 3·out]);
 * the kit's decoder keeps q, k and v apart and gives each its own adapter (three A's and three
 * B's: 3·r·(in + out) values instead of r·(in + 3·out)). The update space is the same shape per
 * projection but not shared across q/k/v; `mergeLora` folds either form into plain weights.
 *
 * The adapters hook in through the decoder's LinearHook, which sees every call of a projection,
 * so MEIT's ECG rows, which go through the same k/v projections, are adapted too (as in PEFT).
 */
import * as tf from '@tensorflow/tfjs';
import type { Rng } from '../util/prng.ts';
import type { DecoderConfig } from './config.ts';
import { parameterShapes } from './decoder.ts';
import type { LinearHook } from './layers.ts';

export interface LoraOptions {
  /** Rank r (paper: 64; the mini presets use 8). */
  r: number;
  /** Scale numerator α; the update is multiplied by α/r (paper: 128, i.e. α/r = 2). */
  alpha: number;
  /** Dropout probability on the adapter's input in training (paper: 0.1). */
  dropout: number;
  /** Projection names (kit names without ".weight"); default: the paper's targets for the family. */
  targets?: string[];
}

/** The projections the official code adapts, per family: attention, plus the MLP on LLaMA/Mistral. */
export function paperLoraTargets(config: DecoderConfig): string[] {
  const withMlp = config.family === 'llama' || config.family === 'mistral';
  const names = withMlp ? ['attn.q', 'attn.k', 'attn.v', 'attn.o', 'mlp.gate', 'mlp.up', 'mlp.down'] : ['attn.q', 'attn.k', 'attn.v', 'attn.o'];
  const shapes = parameterShapes(config);
  const targets: string[] = [];
  for (let i = 0; i < config.numLayers; i++) {
    for (const n of names) if (shapes.has(`layers.${i}.${n}.weight`)) targets.push(`layers.${i}.${n}`);
  }
  return targets;
}

/** Per-call settings: dropout is active only when training, and then needs a seeded stream. */
export interface LoraCallOptions {
  training?: boolean;
  rng?: Rng;
}

export class Lora {
  /** `${projection}.lora_A` [in, r] and `${projection}.lora_B` [r, out], by name. */
  readonly weights = new Map<string, tf.Variable>();
  readonly scale: number;
  private readonly targets: Set<string>;

  constructor(
    decoder: DecoderConfig,
    readonly options: LoraOptions,
    rng: Rng,
  ) {
    const { r, alpha, dropout } = options;
    if (!Number.isInteger(r) || r <= 0) throw new RangeError(`LoRA rank must be a positive integer, got ${r}`);
    if (!(alpha > 0)) throw new RangeError(`LoRA alpha must be positive, got ${alpha}`);
    if (!(dropout >= 0 && dropout < 1)) throw new RangeError(`LoRA dropout must be in [0, 1), got ${dropout}`);
    this.scale = alpha / r;
    const targets = options.targets ?? paperLoraTargets(decoder);
    const shapes = parameterShapes(decoder);
    for (const name of targets) {
      const shape = shapes.get(`${name}.weight`);
      if (!shape || shape.length !== 2) throw new RangeError(`LoRA target ${name} is not a projection of ${decoder.name}`);
      const [inDim, outDim] = shape as [number, number];
      const bound = 1 / Math.sqrt(inDim);
      const stream = rng.fork(name);
      const a = Float32Array.from({ length: inDim * r }, () => stream.uniform(-bound, bound));
      // (Inside tidy: tf.variable copies its initial tensor, which tidy then frees.)
      this.weights.set(`${name}.lora_A`, tf.tidy(() => tf.variable(tf.tensor2d(a, [inDim, r]))));
      this.weights.set(`${name}.lora_B`, tf.tidy(() => tf.variable(tf.zeros([r, outDim]))));
    }
    this.targets = new Set(targets);
  }

  /**
   * The LinearHook adding the adapters. In training with dropout > 0 every call draws a fresh
   * mask from `rng` (in call order, which a forward pass fixes), so the same rng state gives the
   * same masks.
   */
  hook(call: LoraCallOptions = {}): LinearHook {
    const dropout = call.training ? this.options.dropout : 0;
    if (dropout > 0 && !call.rng) throw new Error('LoRA dropout in training needs an rng');
    return (name, x, y) => {
      if (!this.targets.has(name)) return y;
      const a = this.weights.get(`${name}.lora_A`)! as tf.Tensor2D;
      const b = this.weights.get(`${name}.lora_B`)! as tf.Tensor2D;
      let input = x;
      if (dropout > 0) {
        // Inverted dropout; tfjs's seeded uniform stream, its seed taken from the kit's Rng.
        const keep = tf.less(tf.randomUniform(x.shape, 0, 1, 'float32', call.rng!.nextUint32()), 1 - dropout);
        input = tf.mul(x, tf.mul(keep.toFloat(), 1 / (1 - dropout)));
      }
      const lead = x.shape.slice(0, -1);
      const update = tf.matMul(tf.matMul(input.reshape([-1, a.shape[0]]), a), b).reshape([...lead, b.shape[1]]);
      return tf.add(y, tf.mul(update, this.scale));
    };
  }

  parameterCount(): number {
    let total = 0;
    for (const v of this.weights.values()) total += v.size;
    return total;
  }

  dispose(): void {
    tf.dispose([...this.weights.values()]);
  }
}

/**
 * The decoder weights with the adapters folded in, W' = W + A·B·α/r (new variables for the
 * adapted projections, which the caller disposes; the others are the same variables as in
 * `weights`). A decoder run on the
 * merged weights without the hook gives the logits of the base plus adapters.
 */
export function mergeLora(weights: ReadonlyMap<string, tf.Variable>, lora: Lora): Map<string, tf.Variable> {
  const merged = new Map<string, tf.Variable>(weights);
  for (const [key, a] of lora.weights) {
    if (!key.endsWith('.lora_A')) continue;
    const name = key.slice(0, -'.lora_A'.length);
    const base = weights.get(`${name}.weight`);
    if (!base) throw new Error(`mergeLora: the decoder has no ${name}.weight`);
    const b = lora.weights.get(`${name}.lora_B`)!;
    merged.set(`${name}.weight`, tf.tidy(() => tf.variable(tf.add(base, tf.mul(tf.matMul(a, b), lora.scale)))));
  }
  return merged;
}
