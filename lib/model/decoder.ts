/**
 * The one configurable decoder (nanoGPT/LitGPT style): every backbone family is this forward
 * pass with different switches from its DecoderConfig.
 *
 *   tokens ─► embedding (+ learned positions) (+ embedding norm)
 *          ─► N × block: [cross-attention hook] → attention (rotary / ALiBi inside) and MLP,
 *                        pre-norm or post-norm, sequential or parallel residual
 *          ─► final norm ─► LM head ─► logits
 *
 * Weights are tf.Variables in one flat Map keyed by kit-internal names (see parameterShapes),
 * so that LoRA, optimizers and safetensors can walk them; hf-names.ts maps Hugging Face tensor
 * names onto these.
 *
 * Alignments with an ECG (lib/model alignment methods build on these options):
 * - `ecg` (MEIT): extra key/value slots in the selected layers' attention (attention.ts);
 * - `prefixEmbeddings` (LLaVA-style): rows placed before the token embeddings; they take
 *   positions 0..P−1, the text shifts by P, and their logits are dropped from the output;
 * - `crossAttention` (Flamingo-style): a hook called on the hidden state before each layer,
 *   where a gated cross-attention block (with its own weights) can be added.
 */
import * as tf from '@tensorflow/tfjs';
import { InputError } from '../util/errors.ts';
import type { Rng } from '../util/prng.ts';
import type { DecoderConfig } from './config.ts';
import { type AttentionInputs, type LayerCache, selfAttention } from './attention.ts';
import { type LinearHook, Weights, mlp, norm } from './layers.ts';
import { alibiBias, rotaryAngles } from './positions.ts';

export interface DecoderParams {
  config: DecoderConfig;
  /** Kit name → weight; linear weights are [in, out]. */
  weights: Map<string, tf.Variable>;
}

/** Per-layer keys/values of the tokens seen so far and their padding mask [B, S] (1 = real). */
export interface KvCache {
  layers: LayerCache[];
  mask: tf.Tensor2D;
}

export interface ForwardOptions {
  /** [B, T] of 1 (token) / 0 (padding), left or right padding; default all 1. */
  attentionMask?: tf.Tensor2D;
  /** MEIT: ECG rows [B, k, hidden] (already tiled over heads to hiddenSize by the caller). */
  ecg?: tf.Tensor3D;
  /** Layers that receive the ECG slots; default all. */
  ecgLayers?: number[];
  /** LLaVA-style rows [B, P, hidden] before the token embeddings (first call only when caching). */
  prefixEmbeddings?: tf.Tensor3D;
  /** Flamingo-style hook: maps the hidden state [B, T, hidden] entering layer `layer`. */
  crossAttention?: (layer: number, hidden: tf.Tensor3D) => tf.Tensor3D;
  /** The cache returned by the previous call: the new tokens continue that sequence. */
  cache?: KvCache;
  /** Return a cache for incremental decoding (implied by `cache`). */
  useCache?: boolean;
  /** Adapter hook on every projection (LoRA). */
  linearHook?: LinearHook;
}

export interface DecoderOutput {
  /** [B, T, vocab] for the input tokens (prefix rows excluded). */
  logits: tf.Tensor3D;
  cache?: KvCache;
}

/** The shape of every weight, by kit name; the single source for init, counts and checkpoint maps. */
export function parameterShapes(config: DecoderConfig): Map<string, number[]> {
  const { hiddenSize: d, embedDim: e, vocabSize: v, intermediateSize: ff } = config;
  const shapes = new Map<string, number[]>();
  const addNorm = (name: string) => {
    shapes.set(`${name}.weight`, [d]);
    if (config.norm === 'layernorm') shapes.set(`${name}.bias`, [d]);
  };
  const addLinear = (name: string, inDim: number, outDim: number, bias: boolean) => {
    shapes.set(`${name}.weight`, [inDim, outDim]);
    if (bias) shapes.set(`${name}.bias`, [outDim]);
  };
  shapes.set('embed.tokens.weight', [v, e]);
  if (config.position === 'learned') shapes.set('embed.positions.weight', [config.maxPositions + config.positionOffset, d]);
  if (e !== d) addLinear('embed.project_in', e, d, false);
  if (config.embeddingNorm) addNorm('embed.norm');
  const qDim = config.numHeads * config.headDim;
  const kvDim = config.numKvHeads * config.headDim;
  for (let i = 0; i < config.numLayers; i++) {
    const p = `layers.${i}`;
    addNorm(`${p}.attn_norm`);
    if (!config.sharedLayerNorm) addNorm(`${p}.mlp_norm`);
    addLinear(`${p}.attn.q`, d, qDim, config.qkvBias);
    addLinear(`${p}.attn.k`, d, kvDim, config.qkvBias);
    addLinear(`${p}.attn.v`, d, kvDim, config.qkvBias);
    addLinear(`${p}.attn.o`, qDim, d, config.attnOutBias);
    addLinear(`${p}.mlp.up`, d, ff, config.mlpBias);
    if (config.mlp === 'swiglu') addLinear(`${p}.mlp.gate`, d, ff, config.mlpBias);
    addLinear(`${p}.mlp.down`, ff, d, config.mlpBias);
  }
  if (config.finalNorm) addNorm('final_norm');
  if (e !== d) addLinear('embed.project_out', d, e, false);
  if (!config.tiedEmbeddings) addLinear('lm_head', e, v, config.lmHeadBias);
  return shapes;
}

/** Number of parameters (a tied LM head counted once), computed from the config alone. */
export function countParameters(config: DecoderConfig): number {
  let total = 0;
  for (const shape of parameterShapes(config).values()) total += shape.reduce((a, b) => a * b, 1);
  return total;
}

/** Fresh weights: N(0, 0.02) matrices and embeddings, unit norm gains, zero biases. */
export function initDecoderWeights(config: DecoderConfig, rng: Rng): Map<string, tf.Variable> {
  const weights = new Map<string, tf.Variable>();
  for (const [name, shape] of parameterShapes(config)) {
    const size = shape.reduce((a, b) => a * b, 1);
    const data = new Float32Array(size);
    const isNormGain = /norm\.weight$/.test(name);
    if (isNormGain) data.fill(1);
    else if (name.endsWith('.weight')) {
      const stream = rng.fork(name);
      for (let i = 0; i < size; i++) data[i] = stream.normal(0, 0.02);
    }
    // Unnamed: tfjs variable names are global, and several models may live side by side.
    weights.set(name, tf.tidy(() => tf.variable(tf.tensor(data, shape))));
  }
  return weights;
}

/** The additive mask as a large negative rather than −∞, so that an all-padding row gives no NaN. */
const MASKED = -1e9;

/**
 * Score bias [B, 1 or H, T, S] for queries at slots past..past+T−1 over key slots 0..S−1:
 * 0 where the key is a real token, not in the future and inside the window; MASKED elsewhere;
 * plus ALiBi's distance bias when the config uses it.
 */
function scoreBias(config: DecoderConfig, keyMask: tf.Tensor2D, keyPositions: tf.Tensor2D, past: number, window: number | null): tf.Tensor4D {
  const [b, s] = keyMask.shape;
  const queryIndex = tf.range(past, s, 1, 'int32');
  const keyIndex = tf.range(0, s, 1, 'int32');
  const distance = tf.sub(queryIndex.reshape([-1, 1]), keyIndex.reshape([1, -1]));
  let allowed = tf.greaterEqual(distance, 0);
  if (window !== null) allowed = tf.logicalAnd(allowed, tf.less(distance, window));
  allowed = tf.logicalAnd(allowed.expandDims(0), tf.greater(keyMask, 0).expandDims(1));
  const bias = tf.where(allowed, tf.scalar(0), tf.scalar(MASKED)).expandDims(1) as tf.Tensor4D;
  if (config.position !== 'alibi') return bias;
  const queryPositions = keyPositions.slice([0, past], [b, s - past]) as tf.Tensor2D;
  return tf.add(bias, alibiBias(config.numHeads, queryPositions, keyPositions)) as tf.Tensor4D;
}

/** One transformer layer: attention and MLP with the family's norm placement and residual wiring. */
function block(
  weights: Weights,
  config: DecoderConfig,
  layer: number,
  x: tf.Tensor3D,
  attentionInputs: AttentionInputs,
): { hidden: tf.Tensor3D; cache: LayerCache } {
  const p = `layers.${layer}`;
  const layerNorm = (name: string, input: tf.Tensor) => norm(weights, `${p}.${name}`, config.norm, config.normEps, input) as tf.Tensor3D;
  if (!config.normBefore) {
    // Post-norm (OPT-350m): normalise after each residual add.
    const attention = selfAttention(weights, config, layer, x, attentionInputs);
    const h = layerNorm('attn_norm', tf.add(x, attention.output));
    return { hidden: layerNorm('mlp_norm', tf.add(h, mlp(weights, `${p}.mlp`, config.mlp, h))), cache: attention.cache };
  }
  const attentionIn = layerNorm('attn_norm', x);
  const attention = selfAttention(weights, config, layer, attentionIn, attentionInputs);
  if (config.parallelResidual) {
    const mlpIn = config.sharedLayerNorm ? attentionIn : layerNorm('mlp_norm', x);
    const mlpOut = mlp(weights, `${p}.mlp`, config.mlp, mlpIn);
    return { hidden: tf.add(tf.add(x, attention.output), mlpOut), cache: attention.cache };
  }
  const h = tf.add(x, attention.output) as tf.Tensor3D;
  return { hidden: tf.add(h, mlp(weights, `${p}.mlp`, config.mlp, layerNorm('mlp_norm', h))), cache: attention.cache };
}

/** Logits [B, T, vocab] for token ids [B, T] (int32); see ForwardOptions for masks, ECG and cache. */
export function forward(params: DecoderParams, inputIds: tf.Tensor2D, options: ForwardOptions = {}): DecoderOutput {
  // tidy frees every intermediate and keeps the tensors of the returned object.
  return tf.tidy(() => forwardPass(params, inputIds, options) as unknown as tf.TensorContainer) as unknown as DecoderOutput;
}

function forwardPass(params: DecoderParams, inputIds: tf.Tensor2D, options: ForwardOptions): DecoderOutput {
  const { config } = params;
  const weights = new Weights(params.weights, options.linearHook);
  const [b, t] = inputIds.shape;

  // Embeddings (and the LLaVA-style prefix) → h [B, N, hidden], N = P + T.
  let h = tf.gather(weights.get('embed.tokens.weight'), inputIds.toInt()) as tf.Tensor3D;
  if (config.embedDim !== config.hiddenSize) h = weights.linear('embed.project_in', h) as tf.Tensor3D;
  let mask = options.attentionMask ? options.attentionMask.toFloat() : tf.ones([b, t]);
  const prefixLength = options.prefixEmbeddings?.shape[1] ?? 0;
  if (options.prefixEmbeddings) {
    h = tf.concat([options.prefixEmbeddings, h], 1);
    mask = tf.concat([tf.ones([b, prefixLength]), mask], 1);
  }
  const n = h.shape[1];
  const past = options.cache?.mask.shape[1] ?? 0;
  if (config.position === 'learned' && past + n > config.maxPositions) {
    // A learned table has no row for later positions (tfjs's gather would silently read zeros).
    throw new InputError(`${config.name}: sequence of ${past + n} tokens exceeds the ${config.maxPositions} learned positions`);
  }
  const keyMask = (options.cache ? tf.concat([options.cache.mask, mask], 1) : mask) as tf.Tensor2D;

  // A token's position counts the real tokens before it, so left padding does not shift it.
  const keyPositions = tf.maximum(tf.sub(tf.cumsum(keyMask, 1), 1), 0).toInt() as tf.Tensor2D;
  const positions = keyPositions.slice([0, past], [b, n]) as tf.Tensor2D;
  if (config.position === 'learned') {
    h = tf.add(h, tf.gather(weights.get('embed.positions.weight'), tf.add(positions, tf.scalar(config.positionOffset, 'int32'))));
  }
  if (config.embeddingNorm) h = norm(weights, 'embed.norm', config.norm, config.normEps, h) as tf.Tensor3D;

  const rotary = config.position === 'rotary' ? rotaryAngles(positions, config.rotaryDim, config.ropeTheta) : undefined;
  const biasByWindow = new Map<number | null, tf.Tensor4D>();
  const ecgLayers = new Set(options.ecgLayers ?? Array.from({ length: config.numLayers }, (_, i) => i));
  const layerCaches: LayerCache[] = [];
  for (let i = 0; i < config.numLayers; i++) {
    if (options.crossAttention) h = options.crossAttention(i, h);
    const window = config.windowOf(i);
    if (!biasByWindow.has(window)) biasByWindow.set(window, scoreBias(config, keyMask, keyPositions, past, window));
    const out = block(weights, config, i, h, {
      rotary,
      scoreBias: biasByWindow.get(window)!,
      ecg: ecgLayers.has(i) ? options.ecg : undefined,
      cache: options.cache?.layers[i],
    });
    h = out.hidden;
    layerCaches.push(out.cache);
  }

  if (config.finalNorm) h = norm(weights, 'final_norm', config.norm, config.normEps, h) as tf.Tensor3D;
  if (config.embedDim !== config.hiddenSize) h = weights.linear('embed.project_out', h) as tf.Tensor3D;
  if (prefixLength > 0) h = h.slice([0, prefixLength, 0], [b, t, config.embedDim]);
  const logits = (
    config.tiedEmbeddings
      ? tf.matMul(h.reshape([b * t, config.embedDim]), weights.get('embed.tokens.weight'), false, true).reshape([b, t, config.vocabSize])
      : weights.linear('lm_head', h)
  ) as tf.Tensor3D;
  const wantCache = options.useCache || options.cache !== undefined;
  return wantCache ? { logits, cache: { layers: layerCaches, mask: keyMask } } : { logits };
}

/** Frees the tensors of a cache returned by `forward`. */
export function disposeCache(cache: KvCache): void {
  tf.dispose([cache.mask, ...cache.layers.flatMap((l) => [l.keys, l.values, l.ecgKeys, l.ecgValues].filter((x) => x !== undefined))]);
}
