/**
 * How the ECG reaches the decoder: the four alignment methods the kit compares.
 *
 *   meit    (the paper) the encoder's d_h-vector, tiled over the heads to the hidden size, is
 *           an extra key/value slot in the attention of every (or each selected) layer, through
 *           that layer's own K/V projections: no new parameters, no position, never masked.
 *   prefix  (LLaVA-style) a trainable projector (LLaVA-1.5's Linear–GELU–Linear) maps each ECG
 *           vector to a token embedding placed before the text.
 *   xattn   (Flamingo-style) gated cross-attention blocks with their own weights, before every
 *           n-th decoder layer: x += tanh(g₁)·attn(LN(x), ecg), x += tanh(g₂)·ffw(LN(x)), the
 *           gates starting at 0 so the untrained model is the base model.
 *   none    text only: the control; the ECG is never looked at.
 *
 * Every method reads k "ECG slots": the encoder outputs k·d_h values, cut into k vectors of
 * d_h, each L2-normalised (with k = 1 that is exactly the encoder's own normalisation). The
 * conditioning of a batch is plain batch-major tensors (`EcgConditioning`), so that any ECG
 * batch can be paired with any text batch (the shuffled-ECG control) and rows can be repeated
 * for beam search (`selectRows`).
 */
import * as tf from '@tensorflow/tfjs';
import type { Rng } from '../util/prng.ts';
import type { DecoderConfig } from './config.ts';
import type { ForwardOptions } from './decoder.ts';
import { Weights, gelu, norm } from './layers.ts';

export const ALIGNMENTS = ['meit', 'prefix', 'xattn', 'none'] as const;
export type AlignmentKind = (typeof ALIGNMENTS)[number];

export interface AlignmentConfig {
  kind: AlignmentKind;
  /** ECG vectors per example (k); default 1, as in the paper. */
  ecgSlots: number;
  /** meit: the layers that receive the ECG slots; default all. */
  ecgLayers?: number[];
  /** xattn: a cross-attention block before every n-th layer (0, n, 2n, ...); default 1. */
  xattnEvery?: number;
}

/** The ECG side of one batch, in decoder units; each tensor is [B, k, hidden]. */
export interface EcgConditioning {
  /** meit: the rows that go through each layer's K/V projections. */
  ecg?: tf.Tensor3D;
  /** prefix: embeddings placed before the tokens. */
  prefixEmbeddings?: tf.Tensor3D;
  /** xattn: the tokens the cross-attention blocks attend to. */
  ecgTokens?: tf.Tensor3D;
}

/** The LayerNorm epsilon of the cross-attention blocks (Flamingo uses torch's default). */
const XATTN_NORM_EPS = 1e-5;
/** Flamingo's feed-forward width multiplier. */
const XATTN_FF_MULT = 4;

export class Alignment {
  /** The method's own trainable weights (prefix projector, cross-attention blocks), by name. */
  readonly params = new Map<string, tf.Variable>();
  readonly ecgSlots: number;
  readonly xattnLayers: ReadonlySet<number>;

  constructor(
    readonly config: AlignmentConfig,
    readonly decoder: DecoderConfig,
    rng: Rng,
  ) {
    const { kind, ecgSlots } = config;
    if (!(ALIGNMENTS as readonly string[]).includes(kind)) throw new RangeError(`unknown alignment ${JSON.stringify(kind)}; expected ${ALIGNMENTS.join(', ')}`);
    if (!Number.isInteger(ecgSlots) || ecgSlots < 1) throw new RangeError(`ecgSlots must be a positive integer, got ${ecgSlots}`);
    this.ecgSlots = ecgSlots;
    const { hiddenSize: d, numHeads, headDim, numLayers } = decoder;
    if (kind === 'meit') {
      // The tiled vector enters the K/V projections, whose input is the hidden size.
      if (numHeads * headDim !== d) throw new RangeError(`meit alignment needs numHeads·headDim = hiddenSize (${numHeads}·${headDim} ≠ ${d})`);
      for (const layer of config.ecgLayers ?? []) {
        if (!Number.isInteger(layer) || layer < 0 || layer >= numLayers) throw new RangeError(`ecgLayers: ${layer} is not a layer of ${decoder.name} (0..${numLayers - 1})`);
      }
      if (config.ecgLayers && config.ecgLayers.length === 0) throw new RangeError('ecgLayers is empty: use alignment none for no ECG');
    }
    const every = config.xattnEvery ?? 1;
    if (!Number.isInteger(every) || every < 1) throw new RangeError(`xattnEvery must be a positive integer, got ${every}`);
    this.xattnLayers = new Set(kind === 'xattn' ? Array.from({ length: numLayers }, (_, i) => i).filter((i) => i % every === 0) : []);

    // (tf.variable copies its initial tensor; inside tidy the original is freed.)
    const add = (name: string, init: () => tf.Tensor) => this.params.set(name, tf.tidy(() => tf.variable(init())));
    const linear = (name: string, inDim: number, outDim: number, bias: boolean) => {
      const stream = rng.fork(name);
      const w = Float32Array.from({ length: inDim * outDim }, () => stream.normal(0, 0.02));
      add(`${name}.weight`, () => tf.tensor2d(w, [inDim, outDim]));
      if (bias) add(`${name}.bias`, () => tf.zeros([outDim]));
    };
    const layerNorm = (name: string) => {
      add(`${name}.weight`, () => tf.ones([d]));
      add(`${name}.bias`, () => tf.zeros([d]));
    };
    if (kind === 'prefix') {
      linear('prefix.0', headDim, d, true);
      linear('prefix.2', d, d, true);
    }
    if (kind === 'xattn') {
      linear('xattn.ecg_in', headDim, d, true);
      for (const i of this.xattnLayers) {
        const p = `xattn.${i}`;
        layerNorm(`${p}.attn_norm`);
        for (const proj of ['q', 'k', 'v', 'o']) linear(`${p}.attn.${proj}`, d, d, false);
        add(`${p}.attn_gate`, () => tf.zeros([1]));
        layerNorm(`${p}.ff_norm`);
        linear(`${p}.ff.up`, d, XATTN_FF_MULT * d, false);
        linear(`${p}.ff.down`, XATTN_FF_MULT * d, d, false);
        add(`${p}.ff_gate`, () => tf.zeros([1]));
      }
    }
  }

  get kind(): AlignmentKind {
    return this.config.kind;
  }

  /** Whether the method reads the ECG at all (every method but none). */
  get usesEcg(): boolean {
    return this.kind !== 'none';
  }

  /** The encoder output size this alignment expects: k·d_h. */
  get encoderOutDim(): number {
    return this.ecgSlots * this.decoder.headDim;
  }

  /** The conditioning for encoder features [B, k·d_h]. */
  condition(features: tf.Tensor2D): EcgConditioning {
    if (this.kind === 'none') return {};
    return tf.tidy(() => {
      const { hiddenSize: d, numHeads, headDim } = this.decoder;
      const [b] = features.shape;
      const slots = features.reshape([b, this.ecgSlots, headDim]);
      // Each slot on the unit sphere (the encoder normalised the concatenation as a whole).
      const unit = tf.div(slots, tf.maximum(tf.norm(slots, 'euclidean', -1, true), 1e-12)) as tf.Tensor3D;
      const weights = new Weights(this.params);
      switch (this.kind) {
        case 'meit':
          // The official code repeats the d_h vector once per head: [v, v, ..., v].
          return { ecg: tf.tile(unit, [1, 1, numHeads]) as tf.Tensor3D };
        case 'prefix':
          return { prefixEmbeddings: weights.linear('prefix.2', gelu(weights.linear('prefix.0', unit))) as tf.Tensor3D };
        case 'xattn':
          return { ecgTokens: weights.linear('xattn.ecg_in', unit).reshape([b, this.ecgSlots, d]) as tf.Tensor3D };
      }
    }) as EcgConditioning;
  }

  /**
   * The decoder options carrying a conditioning. `first`: the call that starts a sequence (the
   * prefix goes in only then; the ECG slots are cached by the decoder after it).
   */
  forwardOptions(conditioning: EcgConditioning, first: boolean): Pick<ForwardOptions, 'ecg' | 'ecgLayers' | 'prefixEmbeddings' | 'crossAttention'> {
    switch (this.kind) {
      case 'none':
        return {};
      case 'meit':
        return { ecg: need(conditioning.ecg, 'ecg'), ecgLayers: this.config.ecgLayers };
      case 'prefix':
        return first ? { prefixEmbeddings: need(conditioning.prefixEmbeddings, 'prefixEmbeddings') } : {};
      case 'xattn': {
        const tokens = need(conditioning.ecgTokens, 'ecgTokens');
        return { crossAttention: (layer, hidden) => (this.xattnLayers.has(layer) ? this.crossAttentionBlock(layer, hidden, tokens) : hidden) };
      }
    }
  }

  /** Flamingo's GatedCrossAttentionDense: text queries, ECG keys/values, tanh gates. */
  private crossAttentionBlock(layer: number, x: tf.Tensor3D, ecgTokens: tf.Tensor3D): tf.Tensor3D {
    const weights = new Weights(this.params);
    const p = `xattn.${layer}`;
    const { numHeads, hiddenSize: d } = this.decoder;
    const headDim = d / numHeads;
    const [b, t] = x.shape;
    const s = ecgTokens.shape[1];
    const heads = (y: tf.Tensor, length: number) => y.reshape([b, length, numHeads, headDim]).transpose([0, 2, 1, 3]);
    const q = heads(weights.linear(`${p}.attn.q`, norm(weights, `${p}.attn_norm`, 'layernorm', XATTN_NORM_EPS, x)), t);
    const k = heads(weights.linear(`${p}.attn.k`, ecgTokens), s);
    const v = heads(weights.linear(`${p}.attn.v`, ecgTokens), s);
    const probs = tf.softmax(tf.mul(tf.matMul(q, k, false, true), 1 / Math.sqrt(headDim)));
    const context = tf.matMul(probs, v).transpose([0, 2, 1, 3]).reshape([b, t, d]);
    const attended = weights.linear(`${p}.attn.o`, context);
    let h = tf.add(x, tf.mul(tf.tanh(weights.get(`${p}.attn_gate`)), attended));
    const ff = weights.linear(`${p}.ff.down`, gelu(weights.linear(`${p}.ff.up`, norm(weights, `${p}.ff_norm`, 'layernorm', XATTN_NORM_EPS, h))));
    h = tf.add(h, tf.mul(tf.tanh(weights.get(`${p}.ff_gate`)), ff));
    return h as tf.Tensor3D;
  }

  parameterCount(): number {
    let total = 0;
    for (const v of this.params.values()) total += v.size;
    return total;
  }

  dispose(): void {
    tf.dispose([...this.params.values()]);
  }
}

function need<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`alignment: the conditioning has no ${what}`);
  return value;
}

/** The conditioning of batch rows `rows` (in that order, repeats allowed): beam expansion, reordering. */
export function selectRows(conditioning: EcgConditioning, rows: number[]): EcgConditioning {
  return tf.tidy(() => {
    const index = tf.tensor1d(rows, 'int32');
    const out: EcgConditioning = {};
    for (const key of ['ecg', 'prefixEmbeddings', 'ecgTokens'] as const) {
      const t = conditioning[key];
      if (t) out[key] = tf.gather(t, index) as tf.Tensor3D;
    }
    return out as tf.TensorContainer;
  }) as EcgConditioning;
}

export function disposeConditioning(conditioning: EcgConditioning): void {
  tf.dispose(Object.values(conditioning) as tf.Tensor[]);
}
