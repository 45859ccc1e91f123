/**
 * A Hugging Face config.json → DecoderConfig, for every family the kit supports. Reads both the
 * key spellings of the published checkpoints (rotary_pct, rotary_emb_base, rope_theta) and
 * those transformers ≥ 5 writes (rope_parameters). Settings the decoder does not implement
 * (rope scaling, GPT-2's per-layer score scaling, BLOOM's post-norm residual...) are refused
 * with an InputError rather than silently ignored.
 */
import { InputError } from '../util/errors.ts';
import { readJsonFile } from '../util/files.ts';
import { type AttentionKind, DecoderConfig, type DecoderConfigInit, FAMILIES, type Family, type MlpKind } from './config.ts';

type Json = Record<string, unknown>;

/** Reads and maps a config.json file. */
export function readHfConfig(file: string): DecoderConfig {
  const json = readJsonFile(file);
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new InputError('expected a JSON object', { file });
  return fromHfConfig(json as Json, file);
}

/** Maps a parsed config.json; `file` names the source in errors. */
export function fromHfConfig(hf: Json, file = 'config.json', name?: string): DecoderConfig {
  const c = new Reader(hf, file);
  const family = c.str('model_type') as Family;
  if (!FAMILIES.includes(family)) {
    throw new InputError(`unsupported model_type ${JSON.stringify(family)} (supported: ${FAMILIES.join(', ')})`, { file, where: 'model_type' });
  }
  const init = FAMILY_MAPS[family](c);
  try {
    return new DecoderConfig({ name: name ?? c.optStr('_name_or_path') ?? family, family, ...init });
  } catch (err) {
    if (err instanceof InputError) throw new InputError(err.message, { file });
    throw err;
  }
}

type FamilyFields = Omit<DecoderConfigInit, 'name' | 'family'>;

const FAMILY_MAPS: Record<Family, (c: Reader) => FamilyFields> = {
  gpt2(c) {
    c.refuse('scale_attn_by_inverse_layer_idx', true, 'per-layer attention scaling is not implemented');
    const hidden = c.int('n_embd');
    return {
      vocabSize: c.int('vocab_size'), hiddenSize: hidden, numLayers: c.int('n_layer'), numHeads: c.int('n_head'),
      intermediateSize: c.optInt('n_inner') ?? 4 * hidden, maxPositions: c.int('n_positions'),
      norm: 'layernorm', normEps: c.optNum('layer_norm_epsilon') ?? 1e-5, position: 'learned', mlp: c.activation('activation_function', 'gelu_new'),
      qkvBias: true, attnOutBias: true, mlpBias: true, tiedEmbeddings: c.optBool('tie_word_embeddings') ?? true,
    };
  },
  gpt_neo(c) {
    const hidden = c.int('hidden_size');
    const layers = c.int('num_layers');
    return {
      vocabSize: c.int('vocab_size'), hiddenSize: hidden, numLayers: layers, numHeads: c.int('num_heads'),
      intermediateSize: c.optInt('intermediate_size') ?? 4 * hidden, maxPositions: c.int('max_position_embeddings'),
      norm: 'layernorm', normEps: c.optNum('layer_norm_epsilon') ?? 1e-5, position: 'learned', mlp: c.activation('activation_function', 'gelu_new'),
      scaleAttention: false, attentionLayers: neoAttentionLayers(c, layers), localWindow: c.optInt('window_size') ?? 256,
      attnOutBias: true, mlpBias: true, tiedEmbeddings: c.optBool('tie_word_embeddings') ?? true,
    };
  },
  gpt_neox(c) {
    const hidden = c.int('hidden_size');
    const heads = c.int('num_attention_heads');
    const rotaryPct = c.rope('partial_rotary_factor') ?? c.optNum('rotary_pct') ?? 1;
    const bias = c.optBool('attention_bias') ?? true;
    return {
      vocabSize: c.int('vocab_size'), hiddenSize: hidden, numLayers: c.int('num_hidden_layers'), numHeads: heads,
      intermediateSize: c.int('intermediate_size'), maxPositions: c.int('max_position_embeddings'),
      norm: 'layernorm', normEps: c.optNum('layer_norm_eps') ?? 1e-5, mlp: c.activation('hidden_act', 'gelu'),
      position: 'rotary', rotaryStyle: 'half', rotaryDim: Math.floor((hidden / heads) * rotaryPct),
      ropeTheta: c.rope('rope_theta') ?? c.optNum('rotary_emb_base') ?? c.optNum('rope_theta') ?? 10000,
      parallelResidual: c.optBool('use_parallel_residual') ?? true, qkvBias: bias, attnOutBias: bias, mlpBias: true,
      tiedEmbeddings: c.optBool('tie_word_embeddings') ?? false,
    };
  },
  gptj(c) {
    const hidden = c.int('n_embd');
    const heads = c.int('n_head');
    return {
      vocabSize: c.int('vocab_size'), hiddenSize: hidden, numLayers: c.int('n_layer'), numHeads: heads,
      intermediateSize: c.optInt('n_inner') ?? 4 * hidden, maxPositions: c.int('n_positions'),
      norm: 'layernorm', normEps: c.optNum('layer_norm_epsilon') ?? 1e-5, mlp: c.activation('activation_function', 'gelu_new'),
      position: 'rotary', rotaryStyle: 'interleaved', rotaryDim: c.optInt('rotary_dim') ?? hidden / heads, ropeTheta: 10000,
      parallelResidual: true, sharedLayerNorm: true, mlpBias: true, lmHeadBias: true, tiedEmbeddings: false,
    };
  },
  bloom(c) {
    c.refuse('apply_residual_connection_post_layernorm', true, 'the post-norm residual is not implemented');
    const hidden = c.optInt('hidden_size') ?? c.int('n_embed');
    return {
      vocabSize: c.int('vocab_size'), hiddenSize: hidden, numLayers: c.optInt('n_layer') ?? c.int('num_hidden_layers'),
      numHeads: c.optInt('n_head') ?? c.int('num_attention_heads'), intermediateSize: 4 * hidden,
      // ALiBi has no position table; seq_length is the training length.
      maxPositions: c.optInt('seq_length') ?? 2048,
      norm: 'layernorm', normEps: c.optNum('layer_norm_epsilon') ?? 1e-5, position: 'alibi', mlp: 'gelu_tanh', embeddingNorm: true,
      qkvBias: true, attnOutBias: true, mlpBias: true, tiedEmbeddings: c.optBool('tie_word_embeddings') ?? true,
    };
  },
  opt(c) {
    c.refuse('layer_norm_elementwise_affine', false, 'LayerNorm without gain and bias is not implemented');
    const normBefore = c.optBool('do_layer_norm_before') ?? true;
    const bias = c.optBool('enable_bias') ?? true;
    return {
      vocabSize: c.int('vocab_size'), hiddenSize: c.int('hidden_size'), numLayers: c.int('num_hidden_layers'), numHeads: c.int('num_attention_heads'),
      intermediateSize: c.int('ffn_dim'), maxPositions: c.int('max_position_embeddings'),
      norm: 'layernorm', normEps: 1e-5, position: 'learned', positionOffset: 2, mlp: c.activation('activation_function', 'relu'),
      normBefore, finalNorm: normBefore && !(c.optBool('_remove_final_layer_norm') ?? false), embedDim: c.optInt('word_embed_proj_dim'),
      qkvBias: bias, attnOutBias: bias, mlpBias: bias, tiedEmbeddings: c.optBool('tie_word_embeddings') ?? true,
    };
  },
  llama: llamaLike,
  mistral(c) {
    return { ...llamaLike(c), slidingWindow: c.optInt('sliding_window') ?? null };
  },
};

function llamaLike(c: Reader): FamilyFields {
  const ropeType = c.rope('rope_type');
  const scaling = c.json.rope_scaling;
  if ((scaling !== undefined && scaling !== null) || (ropeType !== undefined && ropeType !== 'default')) {
    throw new InputError('rope scaling is not implemented (rope_scaling / rope_type other than default)', { file: c.file, where: 'rope_scaling' });
  }
  if ((c.optStr('hidden_act') ?? 'silu') !== 'silu') throw new InputError('only silu (SwiGLU) MLPs are implemented', { file: c.file, where: 'hidden_act' });
  const attentionBias = c.optBool('attention_bias') ?? false;
  return {
    vocabSize: c.int('vocab_size'), hiddenSize: c.int('hidden_size'), numLayers: c.int('num_hidden_layers'), numHeads: c.int('num_attention_heads'),
    numKvHeads: c.optInt('num_key_value_heads'), headDim: c.optInt('head_dim'), intermediateSize: c.int('intermediate_size'),
    maxPositions: c.int('max_position_embeddings'), norm: 'rmsnorm', normEps: c.optNum('rms_norm_eps') ?? 1e-6,
    position: 'rotary', rotaryStyle: 'half', ropeTheta: c.rope('rope_theta') ?? c.optNum('rope_theta') ?? 10000, mlp: 'swiglu',
    qkvBias: attentionBias, attnOutBias: attentionBias, mlpBias: c.optBool('mlp_bias') ?? false,
    tiedEmbeddings: c.optBool('tie_word_embeddings') ?? false,
  };
}

/** GPT-Neo lists the per-layer kinds as attention_layers, or run-length as attention_types [[kinds, repeat]]. */
function neoAttentionLayers(c: Reader, layers: number): AttentionKind[] {
  const explicit = c.json.attention_layers;
  let kinds: unknown[] = [];
  if (Array.isArray(explicit)) kinds = explicit;
  else if (Array.isArray(c.json.attention_types)) {
    for (const entry of c.json.attention_types as unknown[]) {
      if (!Array.isArray(entry) || !Array.isArray(entry[0]) || typeof entry[1] !== 'number') {
        throw new InputError('attention_types must be a list of [[kinds...], repeat]', { file: c.file, where: 'attention_types' });
      }
      for (let r = 0; r < entry[1]; r++) kinds.push(...(entry[0] as unknown[]));
    }
  } else return Array<AttentionKind>(layers).fill('global');
  if (kinds.length !== layers || !kinds.every((k) => k === 'global' || k === 'local')) {
    throw new InputError(`attention layers must be ${layers} of "global"/"local"`, { file: c.file, where: 'attention_layers' });
  }
  return kinds as AttentionKind[];
}

const ACTIVATIONS: Record<string, MlpKind> = {
  gelu: 'gelu',
  gelu_new: 'gelu_tanh',
  gelu_fast: 'gelu_tanh',
  gelu_pytorch_tanh: 'gelu_tanh',
  relu: 'relu',
};

/** Typed, error-naming access to config.json fields. */
class Reader {
  constructor(
    readonly json: Json,
    readonly file: string,
  ) {}

  private fail(key: string, expected: string): never {
    throw new InputError(`${key} must be ${expected}, got ${JSON.stringify(this.json[key])}`, { file: this.file, where: key });
  }

  str(key: string): string {
    const v = this.json[key];
    if (v === undefined) throw new InputError(`missing key ${key}`, { file: this.file });
    return typeof v === 'string' ? v : this.fail(key, 'a string');
  }

  optStr(key: string): string | undefined {
    const v = this.json[key];
    return v === undefined || v === null || v === '' ? undefined : typeof v === 'string' ? v : this.fail(key, 'a string');
  }

  int(key: string): number {
    const v = this.optInt(key);
    if (v === undefined) throw new InputError(`missing key ${key}`, { file: this.file });
    return v;
  }

  optInt(key: string): number | undefined {
    const v = this.json[key];
    if (v === undefined || v === null) return undefined;
    return typeof v === 'number' && Number.isSafeInteger(v) && v > 0 ? v : this.fail(key, 'a positive integer');
  }

  optNum(key: string): number | undefined {
    const v = this.json[key];
    if (v === undefined || v === null) return undefined;
    return typeof v === 'number' && Number.isFinite(v) ? v : this.fail(key, 'a number');
  }

  optBool(key: string): boolean | undefined {
    const v = this.json[key];
    if (v === undefined || v === null) return undefined;
    return typeof v === 'boolean' ? v : this.fail(key, 'true or false');
  }

  /** A field of transformers ≥ 5's rope_parameters. */
  rope(key: 'rope_theta' | 'partial_rotary_factor'): number | undefined;
  rope(key: 'rope_type'): string | undefined;
  rope(key: string): number | string | undefined {
    const params = this.json.rope_parameters;
    if (params === undefined || params === null) return undefined;
    if (typeof params !== 'object' || Array.isArray(params)) this.fail('rope_parameters', 'an object');
    const v = (params as Json)[key];
    return typeof v === 'number' || typeof v === 'string' ? v : undefined;
  }

  activation(key: string, fallback: string): MlpKind {
    const name = this.optStr(key) ?? fallback;
    const kind = ACTIVATIONS[name];
    if (!kind) throw new InputError(`unsupported activation ${JSON.stringify(name)} (supported: ${Object.keys(ACTIVATIONS).join(', ')})`, { file: this.file, where: key });
    return kind;
  }

  /** Refuses a setting the decoder does not implement. */
  refuse(key: string, value: unknown, why: string): void {
    if (this.json[key] === value) throw new InputError(`${key}=${JSON.stringify(value)}: ${why}`, { file: this.file, where: key });
  }
}
