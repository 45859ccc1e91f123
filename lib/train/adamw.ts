/**
 * AdamW with decoupled weight decay, step for step as PyTorch's torch.optim.AdamW
 * (the official MEIT code's optimizer): p ← p·(1 − lr·λ), then the Adam update with bias
 * correction. The moments are tf.Variables keyed like the parameters, so that checkpoints can
 * save and restore them exactly (`exportState` / `importState`).
 */
import * as tf from '@tensorflow/tfjs';

export interface AdamWOptions {
  beta1?: number;
  beta2?: number;
  eps?: number;
  weightDecay?: number;
}

export interface AdamWState {
  step: number;
  moments: Map<string, { m: Float32Array; v: Float32Array }>;
}

export class AdamW {
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
  readonly weightDecay: number;
  step = 0;
  private readonly m = new Map<string, tf.Variable>();
  private readonly v = new Map<string, tf.Variable>();

  constructor(options: AdamWOptions = {}) {
    this.beta1 = options.beta1 ?? 0.9;
    this.beta2 = options.beta2 ?? 0.999;
    this.eps = options.eps ?? 1e-8;
    this.weightDecay = options.weightDecay ?? 0;
  }

  /** Applies one update to `params` from `grads` (same keys) with learning rate `lr`. */
  apply(params: Map<string, tf.Variable>, grads: Map<string, tf.Tensor>, lr: number): void {
    this.step += 1;
    const bc1 = 1 - this.beta1 ** this.step;
    const bc2 = 1 - this.beta2 ** this.step;
    tf.tidy(() => {
      for (const [name, grad] of grads) {
        const p = params.get(name);
        if (!p) throw new Error(`AdamW: gradient for unknown parameter ${name}`);
        const m = this.moment(this.m, name, p);
        const v = this.moment(this.v, name, p);
        m.assign(m.mul(this.beta1).add(grad.mul(1 - this.beta1)));
        v.assign(v.mul(this.beta2).add(grad.square().mul(1 - this.beta2)));
        const decayed = this.weightDecay === 0 ? p : p.mul(1 - lr * this.weightDecay);
        const denom = v.sqrt().div(Math.sqrt(bc2)).add(this.eps);
        p.assign(decayed.sub(m.div(denom).mul(lr / bc1)));
      }
    });
  }

  private moment(store: Map<string, tf.Variable>, name: string, like: tf.Variable): tf.Variable {
    let x = store.get(name);
    if (!x) {
      x = tf.variable(tf.zerosLike(like), false);
      store.set(name, x);
    }
    return x;
  }

  exportState(): AdamWState {
    const moments = new Map<string, { m: Float32Array; v: Float32Array }>();
    for (const [name, m] of [...this.m].sort(([a], [b]) => (a < b ? -1 : 1))) {
      moments.set(name, { m: m.dataSync() as Float32Array, v: this.v.get(name)!.dataSync() as Float32Array });
    }
    return { step: this.step, moments };
  }

  importState(state: AdamWState, params: Map<string, tf.Variable>): void {
    this.dispose();
    this.step = state.step;
    for (const [name, { m, v }] of state.moments) {
      const p = params.get(name);
      if (!p) throw new Error(`AdamW state for unknown parameter ${name}`);
      this.m.set(name, tf.variable(tf.tensor(m, p.shape), false));
      this.v.set(name, tf.variable(tf.tensor(v, p.shape), false));
    }
  }

  dispose(): void {
    for (const x of [...this.m.values(), ...this.v.values()]) x.dispose();
    this.m.clear();
    this.v.clear();
  }
}

/**
 * Scales gradients so that their global L2 norm is at most `maxNorm` (PyTorch's
 * clip_grad_norm_: factor maxNorm / (norm + 1e-6), capped at 1). Returns the norm before
 * clipping and the clipped gradients (new tensors; the caller disposes the old ones).
 */
export function clipByGlobalNorm(grads: Map<string, tf.Tensor>, maxNorm: number): { norm: number; grads: Map<string, tf.Tensor> } {
  const norm = tf.tidy(() => {
    const squares = [...grads.values()].map((g) => g.square().sum());
    return tf.addN(squares).sqrt().dataSync()[0]!;
  });
  const factor = Math.min(1, maxNorm / (norm + 1e-6));
  const out = new Map<string, tf.Tensor>();
  for (const [name, g] of grads) out.set(name, factor === 1 ? g.clone() : tf.tidy(() => g.mul(factor)));
  return { norm, grads: out };
}
