/**
 * DecoderConfig: every switch that tells the nine (+1) backbone families apart, in one class
 * (LitGPT's `Config`). The decoder reads nothing else; presets.ts fills it for the named
 * backbones and hf-config.ts from a Hugging Face config.json.
 */
import { InputError } from '../util/errors.ts';

export const FAMILIES = ['gpt2', 'gpt_neo', 'gpt_neox', 'gptj', 'bloom', 'opt', 'llama', 'mistral'] as const;
/** The Hugging Face `model_type` of the architecture; picks the checkpoint tensor-name map. */
export type Family = (typeof FAMILIES)[number];

export type NormKind = 'layernorm' | 'rmsnorm';
/** learned: a position-embedding table; rotary: RoPE on q and k; alibi: a per-head linear score bias. */
export type PositionKind = 'learned' | 'rotary' | 'alibi';
/** half: rotate the two halves of the rotary dims (NeoX, LLaMA); interleaved: rotate pairs (GPT-J). */
export type RotaryStyle = 'half' | 'interleaved';
/** gelu: exact (erf); gelu_tanh: the tanh approximation ("gelu_new"); swiglu: silu(gate)·up. */
export type MlpKind = 'gelu' | 'gelu_tanh' | 'relu' | 'swiglu';
/** global: causal over the whole sequence; local: causal within `windowSize` tokens. */
export type AttentionKind = 'global' | 'local';

/** The fields a preset or an HF config must give; everything else has a default. */
export interface DecoderConfigInit {
  name: string;
  family: Family;
  vocabSize: number;
  hiddenSize: number;
  numLayers: number;
  numHeads: number;
  /** Key/value heads (grouped-query attention); default numHeads. */
  numKvHeads?: number;
  /** Default hiddenSize / numHeads. */
  headDim?: number;
  intermediateSize: number;
  maxPositions: number;
  norm: NormKind;
  normEps?: number;
  position: PositionKind;
  /** Learned positions: row of position 0 in the table (OPT keeps 2 unused rows). */
  positionOffset?: number;
  rotaryStyle?: RotaryStyle;
  /** Rotary dims per head (partial rotary: rotary_pct · headDim, GPT-J's rotary_dim); default headDim. */
  rotaryDim?: number;
  ropeTheta?: number;
  mlp: MlpKind;
  /** Parallel residual: x + attn(norm1(x)) + mlp(norm2(x)) (GPT-J, NeoX); else sequential. */
  parallelResidual?: boolean;
  /** Parallel residual with one norm for both branches (GPT-J). */
  sharedLayerNorm?: boolean;
  /** Norm before each block (pre-norm, everyone) or after the residual add (OPT-350m). */
  normBefore?: boolean;
  /** Per-layer attention kind (GPT-Neo's attention_layers); default all global. */
  attentionLayers?: AttentionKind[];
  /** Window of 'local' layers (GPT-Neo window_size). */
  localWindow?: number;
  /** Window of every layer (Mistral sliding_window); null: none. */
  slidingWindow?: number | null;
  /** Scale scores by 1/sqrt(headDim); GPT-Neo does not. */
  scaleAttention?: boolean;
  /** Biases on the q/k/v, attention output, MLP and LM-head projections. */
  qkvBias?: boolean;
  attnOutBias?: boolean;
  mlpBias?: boolean;
  lmHeadBias?: boolean;
  /** The LM head reuses the token embedding matrix. */
  tiedEmbeddings?: boolean;
  /** LayerNorm right after the token embedding (BLOOM's word_embeddings_layernorm). */
  embeddingNorm?: boolean;
  /** Norm after the last layer; OPT without normBefore has none. */
  finalNorm?: boolean;
  /** Width of the token embedding when it differs from hiddenSize (OPT word_embed_proj_dim): project_in/out. */
  embedDim?: number;
}

export class DecoderConfig {
  readonly name: string;
  readonly family: Family;
  readonly vocabSize: number;
  readonly hiddenSize: number;
  readonly numLayers: number;
  readonly numHeads: number;
  readonly numKvHeads: number;
  readonly headDim: number;
  readonly intermediateSize: number;
  readonly maxPositions: number;
  readonly norm: NormKind;
  readonly normEps: number;
  readonly position: PositionKind;
  readonly positionOffset: number;
  readonly rotaryStyle: RotaryStyle;
  readonly rotaryDim: number;
  readonly ropeTheta: number;
  readonly mlp: MlpKind;
  readonly parallelResidual: boolean;
  readonly sharedLayerNorm: boolean;
  readonly normBefore: boolean;
  readonly attentionLayers: readonly AttentionKind[];
  readonly localWindow: number;
  readonly slidingWindow: number | null;
  readonly scaleAttention: boolean;
  readonly qkvBias: boolean;
  readonly attnOutBias: boolean;
  readonly mlpBias: boolean;
  readonly lmHeadBias: boolean;
  readonly tiedEmbeddings: boolean;
  readonly embeddingNorm: boolean;
  readonly finalNorm: boolean;
  readonly embedDim: number;

  constructor(init: DecoderConfigInit) {
    this.name = init.name;
    this.family = init.family;
    this.vocabSize = init.vocabSize;
    this.hiddenSize = init.hiddenSize;
    this.numLayers = init.numLayers;
    this.numHeads = init.numHeads;
    this.numKvHeads = init.numKvHeads ?? init.numHeads;
    this.headDim = init.headDim ?? Math.floor(init.hiddenSize / init.numHeads);
    this.intermediateSize = init.intermediateSize;
    this.maxPositions = init.maxPositions;
    this.norm = init.norm;
    this.normEps = init.normEps ?? 1e-5;
    this.position = init.position;
    this.positionOffset = init.positionOffset ?? 0;
    this.rotaryStyle = init.rotaryStyle ?? 'half';
    this.rotaryDim = init.rotaryDim ?? this.headDim;
    this.ropeTheta = init.ropeTheta ?? 10000;
    this.mlp = init.mlp;
    this.parallelResidual = init.parallelResidual ?? false;
    this.sharedLayerNorm = init.sharedLayerNorm ?? false;
    this.normBefore = init.normBefore ?? true;
    this.attentionLayers = init.attentionLayers ?? Array<AttentionKind>(init.numLayers).fill('global');
    this.localWindow = init.localWindow ?? 0;
    this.slidingWindow = init.slidingWindow ?? null;
    this.scaleAttention = init.scaleAttention ?? true;
    this.qkvBias = init.qkvBias ?? false;
    this.attnOutBias = init.attnOutBias ?? false;
    this.mlpBias = init.mlpBias ?? false;
    this.lmHeadBias = init.lmHeadBias ?? false;
    this.tiedEmbeddings = init.tiedEmbeddings ?? false;
    this.embeddingNorm = init.embeddingNorm ?? false;
    this.finalNorm = init.finalNorm ?? true;
    this.embedDim = init.embedDim ?? init.hiddenSize;
    this.validate();
    if (init.headDim === undefined && init.hiddenSize % init.numHeads !== 0) {
      throw new InputError(`model config ${this.name}: hiddenSize ${init.hiddenSize} is not a multiple of numHeads ${init.numHeads}`);
    }
  }

  /** A copy with some fields replaced (a mini size of a preset, a vocabulary swap). */
  with(changes: Partial<DecoderConfigInit>): DecoderConfig {
    return new DecoderConfig({ ...this.toInit(), ...changes });
  }

  toInit(): DecoderConfigInit {
    return { ...this, attentionLayers: [...this.attentionLayers] };
  }

  /** The attention window of layer `i` in tokens (a key is visible when 0 ≤ i_q − i_k < window), or null. */
  windowOf(layer: number): number | null {
    if (this.attentionLayers[layer] === 'local') return this.localWindow;
    return this.slidingWindow;
  }

  private validate(): void {
    const bad = (message: string) => new InputError(`model config ${this.name}: ${message}`);
    const positive = ['vocabSize', 'hiddenSize', 'numLayers', 'numHeads', 'numKvHeads', 'headDim', 'intermediateSize', 'maxPositions'] as const;
    for (const key of positive) {
      if (!Number.isSafeInteger(this[key]) || this[key] <= 0) throw bad(`${key} must be a positive integer, got ${this[key]}`);
    }
    if (!FAMILIES.includes(this.family)) throw bad(`unknown family ${this.family}`);
    if (this.numHeads % this.numKvHeads !== 0) throw bad(`numHeads ${this.numHeads} is not a multiple of numKvHeads ${this.numKvHeads}`);
    if (this.position === 'rotary' && (this.rotaryDim % 2 !== 0 || this.rotaryDim <= 0 || this.rotaryDim > this.headDim)) {
      throw bad(`rotaryDim ${this.rotaryDim} must be even and in (0, headDim=${this.headDim}]`);
    }
    if (this.attentionLayers.length !== this.numLayers) throw bad(`attentionLayers has ${this.attentionLayers.length} entries for ${this.numLayers} layers`);
    if (this.attentionLayers.includes('local') && !(this.localWindow > 0)) throw bad('local attention layers need localWindow > 0');
    if (this.slidingWindow !== null && !(this.slidingWindow > 0)) throw bad(`slidingWindow must be positive, got ${this.slidingWindow}`);
    if (this.sharedLayerNorm && !this.parallelResidual) throw bad('sharedLayerNorm needs parallelResidual');
    if (this.tiedEmbeddings && this.lmHeadBias) throw bad('a tied LM head has no bias');
  }
}
