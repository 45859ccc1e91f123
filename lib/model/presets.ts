/**
 * The backbones of the paper (and LLaMA-3 from its ACL version) as DecoderConfigs, each at two
 * sizes: `real`, the numbers of the published Hugging Face config.json, and `mini`, the same
 * architecture shrunk to run on a laptop CPU (params.yaml `models.mini.<name>` overrides the
 * mini sizes; `models.vocab_size` sets the mini vocabulary to the kit's BPE).
 */
import type { LoadedParams } from '../config/params.ts';
import { isObject } from '../config/params.ts';
import { InputError } from '../util/errors.ts';
import { type AttentionKind, DecoderConfig, type DecoderConfigInit } from './config.ts';

export const PRESET_NAMES = ['gpt2-medium', 'gpt2-large', 'gpt-neo', 'gpt-neox', 'gpt-j', 'bloom', 'opt', 'llama-2', 'mistral', 'llama-3'] as const;
export type PresetName = (typeof PRESET_NAMES)[number];
export type PresetSize = 'real' | 'mini';

/** A mini size, keyed as in params.yaml. */
export interface MiniSize {
  layers: number;
  hidden: number;
  heads: number;
  /** Key/value heads (grouped-query families); default heads. */
  kv_heads?: number;
  intermediate: number;
  vocab: number;
  max_positions: number;
  /** Local (GPT-Neo) or sliding (Mistral) attention window, for the families that have one. */
  window?: number;
}

const MINI_KEYS = ['layers', 'hidden', 'heads', 'kv_heads', 'intermediate', 'vocab', 'max_positions', 'window'] as const;

/** The kit's default mini vocabulary: the size of its small shared BPE. */
export const MINI_VOCAB = 1024;

interface Preset {
  /** The checkpoint the real size follows. */
  source: string;
  real: DecoderConfigInit;
  mini: MiniSize;
}

const GPT2 = {
  family: 'gpt2', norm: 'layernorm', position: 'learned', mlp: 'gelu_tanh', maxPositions: 1024, vocabSize: 50257,
  qkvBias: true, attnOutBias: true, mlpBias: true, tiedEmbeddings: true,
} as const;

const LLAMA = {
  family: 'llama', norm: 'rmsnorm', position: 'rotary', rotaryStyle: 'half', mlp: 'swiglu', hiddenSize: 4096, numLayers: 32, numHeads: 32,
} as const;

const PRESETS: Record<PresetName, Preset> = {
  'gpt2-medium': {
    source: 'openai-community/gpt2-medium',
    real: { ...GPT2, name: 'gpt2-medium', hiddenSize: 1024, numLayers: 24, numHeads: 16, intermediateSize: 4096 },
    mini: { layers: 2, hidden: 64, heads: 4, intermediate: 256, vocab: MINI_VOCAB, max_positions: 256 },
  },
  'gpt2-large': {
    source: 'openai-community/gpt2-large',
    real: { ...GPT2, name: 'gpt2-large', hiddenSize: 1280, numLayers: 36, numHeads: 20, intermediateSize: 5120 },
    mini: { layers: 3, hidden: 96, heads: 4, intermediate: 384, vocab: MINI_VOCAB, max_positions: 256 },
  },
  'gpt-neo': {
    source: 'EleutherAI/gpt-neo-2.7B',
    real: {
      name: 'gpt-neo', family: 'gpt_neo', vocabSize: 50257, hiddenSize: 2560, numLayers: 32, numHeads: 20, intermediateSize: 10240,
      maxPositions: 2048, norm: 'layernorm', position: 'learned', mlp: 'gelu_tanh', scaleAttention: false,
      attentionLayers: alternate(32), localWindow: 256, attnOutBias: true, mlpBias: true, tiedEmbeddings: true,
    },
    mini: { layers: 2, hidden: 64, heads: 4, intermediate: 256, vocab: MINI_VOCAB, max_positions: 256, window: 32 },
  },
  'gpt-neox': {
    source: 'EleutherAI/gpt-neox-20b',
    real: {
      name: 'gpt-neox', family: 'gpt_neox', vocabSize: 50432, hiddenSize: 6144, numLayers: 44, numHeads: 64, intermediateSize: 24576,
      maxPositions: 2048, norm: 'layernorm', position: 'rotary', rotaryStyle: 'half', rotaryDim: 24, ropeTheta: 10000, mlp: 'gelu',
      parallelResidual: true, qkvBias: true, attnOutBias: true, mlpBias: true,
    },
    mini: { layers: 2, hidden: 64, heads: 4, intermediate: 256, vocab: MINI_VOCAB, max_positions: 256 },
  },
  'gpt-j': {
    source: 'EleutherAI/gpt-j-6b',
    real: {
      name: 'gpt-j', family: 'gptj', vocabSize: 50400, hiddenSize: 4096, numLayers: 28, numHeads: 16, intermediateSize: 16384,
      maxPositions: 2048, norm: 'layernorm', position: 'rotary', rotaryStyle: 'interleaved', rotaryDim: 64, mlp: 'gelu_tanh',
      parallelResidual: true, sharedLayerNorm: true, mlpBias: true, lmHeadBias: true,
    },
    mini: { layers: 2, hidden: 64, heads: 4, intermediate: 256, vocab: MINI_VOCAB, max_positions: 256 },
  },
  bloom: {
    source: 'bigscience/bloom-7b1',
    real: {
      name: 'bloom', family: 'bloom', vocabSize: 250880, hiddenSize: 4096, numLayers: 30, numHeads: 32, intermediateSize: 16384,
      maxPositions: 2048, norm: 'layernorm', position: 'alibi', mlp: 'gelu_tanh', embeddingNorm: true,
      qkvBias: true, attnOutBias: true, mlpBias: true, tiedEmbeddings: true,
    },
    mini: { layers: 2, hidden: 64, heads: 4, intermediate: 256, vocab: MINI_VOCAB, max_positions: 256 },
  },
  opt: {
    source: 'facebook/opt-6.7b',
    real: {
      name: 'opt', family: 'opt', vocabSize: 50272, hiddenSize: 4096, numLayers: 32, numHeads: 32, intermediateSize: 16384,
      maxPositions: 2048, norm: 'layernorm', position: 'learned', positionOffset: 2, mlp: 'relu',
      qkvBias: true, attnOutBias: true, mlpBias: true, tiedEmbeddings: true,
    },
    mini: { layers: 2, hidden: 64, heads: 4, intermediate: 256, vocab: MINI_VOCAB, max_positions: 256 },
  },
  'llama-2': {
    source: 'meta-llama/Llama-2-7b-hf',
    real: { ...LLAMA, name: 'llama-2', vocabSize: 32000, intermediateSize: 11008, maxPositions: 4096, ropeTheta: 10000 },
    mini: { layers: 2, hidden: 64, heads: 4, intermediate: 176, vocab: MINI_VOCAB, max_positions: 256 },
  },
  mistral: {
    source: 'mistralai/Mistral-7B-v0.1',
    real: {
      ...LLAMA, name: 'mistral', family: 'mistral', vocabSize: 32000, numKvHeads: 8, intermediateSize: 14336, maxPositions: 32768,
      ropeTheta: 10000, slidingWindow: 4096,
    },
    mini: { layers: 2, hidden: 64, heads: 4, kv_heads: 2, intermediate: 224, vocab: MINI_VOCAB, max_positions: 256, window: 64 },
  },
  'llama-3': {
    source: 'meta-llama/Meta-Llama-3-8B',
    real: { ...LLAMA, name: 'llama-3', vocabSize: 128256, numKvHeads: 8, intermediateSize: 14336, maxPositions: 8192, ropeTheta: 500000 },
    mini: { layers: 2, hidden: 64, heads: 4, kv_heads: 2, intermediate: 224, vocab: MINI_VOCAB, max_positions: 256 },
  },
};

/** GPT-Neo's attention_types [[["global", "local"], n/2]]. */
function alternate(layers: number): AttentionKind[] {
  return Array.from({ length: layers }, (_, i) => (i % 2 === 0 ? 'global' : 'local'));
}

export function isPresetName(name: string): name is PresetName {
  return (PRESET_NAMES as readonly string[]).includes(name);
}

/** The Hugging Face checkpoint a preset's real size follows. */
export function presetSource(name: PresetName): string {
  return PRESETS[name].source;
}

/** The mini size of a preset, with `overrides` (from params.yaml) applied. */
export function miniSize(name: PresetName, overrides: Partial<MiniSize> = {}): MiniSize {
  return { ...PRESETS[name].mini, ...overrides };
}

/**
 * A preset's config. The mini size keeps the family's switches and scales the rest: rotary
 * dims keep their fraction of the head, the local/global pattern repeats, windows shrink.
 */
export function presetConfig(name: PresetName, size: PresetSize = 'mini', overrides: Partial<MiniSize> = {}): DecoderConfig {
  const real = new DecoderConfig(PRESETS[name].real);
  if (size === 'real') return real;
  const mini = miniSize(name, overrides);
  const headDim = mini.hidden / mini.heads;
  if (!Number.isInteger(headDim)) throw new InputError(`models.mini.${name}: hidden ${mini.hidden} is not a multiple of heads ${mini.heads}`);
  const rotaryDim = 2 * Math.max(1, Math.round(((real.rotaryDim / real.headDim) * headDim) / 2));
  return real.with({
    numLayers: mini.layers,
    hiddenSize: mini.hidden,
    embedDim: mini.hidden,
    numHeads: mini.heads,
    numKvHeads: mini.kv_heads ?? (real.numKvHeads === real.numHeads ? mini.heads : Math.max(1, mini.heads / (real.numHeads / real.numKvHeads))),
    headDim,
    rotaryDim,
    intermediateSize: mini.intermediate,
    vocabSize: mini.vocab,
    maxPositions: mini.max_positions,
    attentionLayers: Array.from({ length: mini.layers }, (_, i) => real.attentionLayers[i % real.attentionLayers.length]!),
    localWindow: real.attentionLayers.includes('local') ? (mini.window ?? real.localWindow) : 0,
    slidingWindow: real.slidingWindow === null ? null : (mini.window ?? real.slidingWindow),
  });
}

/**
 * The mini config of `name` under params.yaml: `models.vocab_size` (all presets) and
 * `models.mini.<name>` (any MiniSize keys) override the defaults above. Both are optional.
 */
export function presetFromParams(p: LoadedParams, name: PresetName): DecoderConfig {
  const models = p.values.models;
  if (models === undefined) return presetConfig(name, 'mini');
  if (!isObject(models)) throw new InputError('models must be a mapping', { file: p.file });
  const overrides: Partial<MiniSize> = {};
  if (models.vocab_size !== undefined) overrides.vocab = positiveInt(models.vocab_size, 'models.vocab_size', p.file);
  const mini = isObject(models.mini) ? models.mini[name] : undefined;
  if (mini !== undefined) {
    if (!isObject(mini)) throw new InputError(`models.mini.${name} must be a mapping`, { file: p.file });
    for (const [key, value] of Object.entries(mini)) {
      if (!(MINI_KEYS as readonly string[]).includes(key)) {
        throw new InputError(`models.mini.${name}.${key} is not a size key (known: ${MINI_KEYS.join(', ')})`, { file: p.file });
      }
      overrides[key as keyof MiniSize] = positiveInt(value, `models.mini.${name}.${key}`, p.file);
    }
  }
  try {
    return presetConfig(name, 'mini', overrides);
  } catch (err) {
    if (err instanceof InputError && !err.file) throw new InputError(err.message, { file: p.file });
    throw err;
  }
}

function positiveInt(value: unknown, key: string, file: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value <= 0) {
    throw new InputError(`${key} must be a positive integer, got ${JSON.stringify(value)}`, { file });
  }
  return value;
}
