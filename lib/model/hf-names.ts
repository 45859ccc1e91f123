/**
 * Hugging Face tensor names → the decoder's kit names, one map per family.
 *
 * Each family's map says, for every kit weight, which HF tensor it comes from and how:
 * - `linear`: torch nn.Linear stores [out, in]; the kit stores [in, out], so transpose;
 * - `conv1d`: GPT-2's Conv1D already stores [in, out];
 * - `fusedQkv`: one tensor holding q, k and v — GPT-2's c_attn side by side ([in, 3·out]),
 *   NeoX's and BLOOM's query_key_value interleaved per head ([heads, 3, headDim] rows).
 * Tied LM heads read the token embedding. Shapes come from the kit's parameterShapes, so a
 * tensor of the wrong shape, a missing one or an unexpected one is an InputError naming it.
 *
 * The same maps run backwards for export (`toHfTensors`): each step has an inverse, so there is
 * one description of each family's layout, not two that could drift apart.
 */
import { InputError } from '../util/errors.ts';
import type { DecoderConfig, Family } from './config.ts';
import { parameterShapes } from './decoder.ts';

export interface HfTensor {
  shape: number[];
  data: Float32Array;
  /** The file it was read from (for errors). */
  file: string;
}

/** Buffers some checkpoints carry that are not weights (causal masks, rotary caches). */
const BUFFERS = [/\.attn\.bias$/, /\.attn\.masked_bias$/, /\.attention\.bias$/, /\.attention\.masked_bias$/, /rotary_emb\.inv_freq$/];

/** The module prefix a family's base model adds; some published checkpoints omit it. */
const BASE_PREFIX: Record<Family, string> = {
  gpt2: 'transformer.',
  gpt_neo: 'transformer.',
  gptj: 'transformer.',
  bloom: 'transformer.',
  gpt_neox: 'gpt_neox.',
  opt: 'model.decoder.',
  llama: 'model.',
  mistral: 'model.',
};

/**
 * Maps a checkpoint's tensors onto kit weights (data in kit layout). `describe` names the
 * checkpoint in errors about missing tensors.
 */
export function mapHfTensors(config: DecoderConfig, tensors: ReadonlyMap<string, HfTensor>, describe: string): Map<string, Float32Array> {
  const mapper = new Mapper(config, tensors, describe);
  FAMILY_MAPS[config.family](mapper, config);
  if (config.tiedEmbeddings) mapper.ignore('lm_head.weight');
  mapper.checkAllUsed();
  return mapper.out;
}

/**
 * Kit weights → HF tensors, the inverse of mapHfTensors: HF names (with the base-model prefix),
 * HF layouts (transposed linears, fused q/k/v), no tied LM head (transformers re-ties it).
 */
export function toHfTensors(config: DecoderConfig, weights: ReadonlyMap<string, Float32Array>): Map<string, { shape: number[]; data: Float32Array }> {
  const exporter = new Exporter(config, weights);
  FAMILY_MAPS[config.family](exporter, config);
  exporter.checkAllUsed();
  return exporter.out;
}

/** The steps a family map is made of; Mapper runs them HF → kit, Exporter kit → HF. */
interface TensorMap {
  table(kit: string, hf: string): void;
  norm(kit: string, hf: string): void;
  linear(kit: string, hf: string): void;
  conv1d(kit: string, hf: string): void;
  fusedQkv(kit: string, hf: string, layout: 'side-by-side' | 'per-head'): void;
}

type FamilyMap = (m: TensorMap, config: DecoderConfig) => void;

function forLayers(config: DecoderConfig, body: (kit: string, i: number) => void): void {
  for (let i = 0; i < config.numLayers; i++) body(`layers.${i}`, i);
}

const FAMILY_MAPS: Record<Family, FamilyMap> = {
  gpt2(m, config) {
    m.table('embed.tokens', 'transformer.wte');
    m.table('embed.positions', 'transformer.wpe');
    forLayers(config, (kit, i) => {
      const hf = `transformer.h.${i}`;
      m.norm(`${kit}.attn_norm`, `${hf}.ln_1`);
      m.fusedQkv(`${kit}.attn`, `${hf}.attn.c_attn`, 'side-by-side');
      m.conv1d(`${kit}.attn.o`, `${hf}.attn.c_proj`);
      m.norm(`${kit}.mlp_norm`, `${hf}.ln_2`);
      m.conv1d(`${kit}.mlp.up`, `${hf}.mlp.c_fc`);
      m.conv1d(`${kit}.mlp.down`, `${hf}.mlp.c_proj`);
    });
    m.norm('final_norm', 'transformer.ln_f');
  },
  gpt_neo(m, config) {
    m.table('embed.tokens', 'transformer.wte');
    m.table('embed.positions', 'transformer.wpe');
    forLayers(config, (kit, i) => {
      const hf = `transformer.h.${i}`;
      m.norm(`${kit}.attn_norm`, `${hf}.ln_1`);
      for (const p of ['q', 'k', 'v'] as const) m.linear(`${kit}.attn.${p}`, `${hf}.attn.attention.${p}_proj`);
      m.linear(`${kit}.attn.o`, `${hf}.attn.attention.out_proj`);
      m.norm(`${kit}.mlp_norm`, `${hf}.ln_2`);
      m.linear(`${kit}.mlp.up`, `${hf}.mlp.c_fc`);
      m.linear(`${kit}.mlp.down`, `${hf}.mlp.c_proj`);
    });
    m.norm('final_norm', 'transformer.ln_f');
  },
  gpt_neox(m, config) {
    m.table('embed.tokens', 'gpt_neox.embed_in');
    forLayers(config, (kit, i) => {
      const hf = `gpt_neox.layers.${i}`;
      m.norm(`${kit}.attn_norm`, `${hf}.input_layernorm`);
      m.fusedQkv(`${kit}.attn`, `${hf}.attention.query_key_value`, 'per-head');
      m.linear(`${kit}.attn.o`, `${hf}.attention.dense`);
      m.norm(`${kit}.mlp_norm`, `${hf}.post_attention_layernorm`);
      m.linear(`${kit}.mlp.up`, `${hf}.mlp.dense_h_to_4h`);
      m.linear(`${kit}.mlp.down`, `${hf}.mlp.dense_4h_to_h`);
    });
    m.norm('final_norm', 'gpt_neox.final_layer_norm');
    m.linear('lm_head', 'embed_out');
  },
  gptj(m, config) {
    m.table('embed.tokens', 'transformer.wte');
    forLayers(config, (kit, i) => {
      const hf = `transformer.h.${i}`;
      m.norm(`${kit}.attn_norm`, `${hf}.ln_1`);
      for (const p of ['q', 'k', 'v'] as const) m.linear(`${kit}.attn.${p}`, `${hf}.attn.${p}_proj`);
      m.linear(`${kit}.attn.o`, `${hf}.attn.out_proj`);
      m.linear(`${kit}.mlp.up`, `${hf}.mlp.fc_in`);
      m.linear(`${kit}.mlp.down`, `${hf}.mlp.fc_out`);
    });
    m.norm('final_norm', 'transformer.ln_f');
    m.linear('lm_head', 'lm_head');
  },
  bloom(m, config) {
    m.table('embed.tokens', 'transformer.word_embeddings');
    m.norm('embed.norm', 'transformer.word_embeddings_layernorm');
    forLayers(config, (kit, i) => {
      const hf = `transformer.h.${i}`;
      m.norm(`${kit}.attn_norm`, `${hf}.input_layernorm`);
      m.fusedQkv(`${kit}.attn`, `${hf}.self_attention.query_key_value`, 'per-head');
      m.linear(`${kit}.attn.o`, `${hf}.self_attention.dense`);
      m.norm(`${kit}.mlp_norm`, `${hf}.post_attention_layernorm`);
      m.linear(`${kit}.mlp.up`, `${hf}.mlp.dense_h_to_4h`);
      m.linear(`${kit}.mlp.down`, `${hf}.mlp.dense_4h_to_h`);
    });
    m.norm('final_norm', 'transformer.ln_f');
  },
  opt(m, config) {
    m.table('embed.tokens', 'model.decoder.embed_tokens');
    m.table('embed.positions', 'model.decoder.embed_positions');
    if (config.embedDim !== config.hiddenSize) {
      m.linear('embed.project_in', 'model.decoder.project_in');
      m.linear('embed.project_out', 'model.decoder.project_out');
    }
    forLayers(config, (kit, i) => {
      const hf = `model.decoder.layers.${i}`;
      m.norm(`${kit}.attn_norm`, `${hf}.self_attn_layer_norm`);
      for (const p of ['q', 'k', 'v'] as const) m.linear(`${kit}.attn.${p}`, `${hf}.self_attn.${p}_proj`);
      m.linear(`${kit}.attn.o`, `${hf}.self_attn.out_proj`);
      m.norm(`${kit}.mlp_norm`, `${hf}.final_layer_norm`);
      m.linear(`${kit}.mlp.up`, `${hf}.fc1`);
      m.linear(`${kit}.mlp.down`, `${hf}.fc2`);
    });
    if (config.finalNorm) m.norm('final_norm', 'model.decoder.final_layer_norm');
  },
  llama: llamaLike,
  mistral: llamaLike,
};

function llamaLike(m: TensorMap, config: DecoderConfig): void {
  m.table('embed.tokens', 'model.embed_tokens');
  forLayers(config, (kit, i) => {
    const hf = `model.layers.${i}`;
    m.norm(`${kit}.attn_norm`, `${hf}.input_layernorm`);
    for (const p of ['q', 'k', 'v', 'o'] as const) m.linear(`${kit}.attn.${p}`, `${hf}.self_attn.${p}_proj`);
    m.norm(`${kit}.mlp_norm`, `${hf}.post_attention_layernorm`);
    for (const p of ['gate', 'up', 'down'] as const) m.linear(`${kit}.mlp.${p}`, `${hf}.mlp.${p}_proj`);
  });
  m.norm('final_norm', 'model.norm');
  if (!config.tiedEmbeddings) m.linear('lm_head', 'lm_head');
}

/** [rows, cols] → [cols, rows] */
function transpose(data: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(data.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = data[r * cols + c]!;
  return out;
}

class Mapper implements TensorMap {
  readonly out = new Map<string, Float32Array>();
  private readonly used = new Set<string>();
  private readonly shapes: Map<string, number[]>;
  private readonly prefix: string;

  constructor(
    private readonly config: DecoderConfig,
    private readonly tensors: ReadonlyMap<string, HfTensor>,
    private readonly describe: string,
  ) {
    this.shapes = parameterShapes(config);
    this.prefix = BASE_PREFIX[config.family];
  }

  /** The HF tensor `name` (or the name without the base-model prefix), checked against `shape`. */
  private take(name: string, shape: number[]): Float32Array {
    const bare = name.startsWith(this.prefix) ? name.slice(this.prefix.length) : undefined;
    const key = this.tensors.has(name) ? name : bare !== undefined && this.tensors.has(bare) ? bare : undefined;
    if (key === undefined) throw new InputError(`missing tensor ${name} (${this.config.family} checkpoint)`, { file: this.describe });
    const tensor = this.tensors.get(key)!;
    if (tensor.shape.length !== shape.length || tensor.shape.some((d, i) => d !== shape[i])) {
      throw new InputError(`tensor ${key} has shape [${tensor.shape.join(', ')}], expected [${shape.join(', ')}] for this config.json`, { file: tensor.file });
    }
    this.used.add(key);
    return tensor.data;
  }

  private shape(kit: string): number[] {
    const shape = this.shapes.get(kit);
    if (!shape) throw new Error(`hf-names: kit weight ${kit} does not exist in ${this.config.name}`);
    return shape;
  }

  private set(kit: string, data: Float32Array): void {
    this.shape(kit);
    this.out.set(kit, data);
  }

  private bias(kit: string, hf: string): void {
    if (this.shapes.has(`${kit}.bias`)) this.set(`${kit}.bias`, this.take(`${hf}.bias`, this.shape(`${kit}.bias`)));
  }

  table(kit: string, hf: string): void {
    this.set(`${kit}.weight`, this.take(`${hf}.weight`, this.shape(`${kit}.weight`)));
  }

  norm(kit: string, hf: string): void {
    this.table(kit, hf);
    this.bias(kit, hf);
  }

  linear(kit: string, hf: string): void {
    const [inDim, outDim] = this.shape(`${kit}.weight`) as [number, number];
    this.set(`${kit}.weight`, transpose(this.take(`${hf}.weight`, [outDim, inDim]), outDim, inDim));
    this.bias(kit, hf);
  }

  conv1d(kit: string, hf: string): void {
    this.table(kit, hf);
    this.bias(kit, hf);
  }

  /**
   * Splits a fused q/k/v projection into the kit's attn.q, attn.k, attn.v (equal head counts).
   * side-by-side: GPT-2's Conv1D [in, 3·d] = [Wq | Wk | Wv];
   * per-head: nn.Linear rows [heads, 3, headDim] (NeoX, BLOOM), bias alike.
   */
  fusedQkv(kit: string, hf: string, layout: 'side-by-side' | 'per-head'): void {
    const [inDim, d] = this.shape(`${kit}.q.weight`) as [number, number];
    const { numHeads: heads, headDim } = this.config;
    const hasBias = this.shapes.has(`${kit}.q.bias`);
    const parts = ['q', 'k', 'v'] as const;
    if (layout === 'side-by-side') {
      const w = this.take(`${hf}.weight`, [inDim, 3 * d]);
      const b = hasBias ? this.take(`${hf}.bias`, [3 * d]) : undefined;
      parts.forEach((p, j) => {
        const out = new Float32Array(inDim * d);
        for (let r = 0; r < inDim; r++) out.set(w.subarray(r * 3 * d + j * d, r * 3 * d + (j + 1) * d), r * d);
        this.set(`${kit}.${p}.weight`, out);
        if (b) this.set(`${kit}.${p}.bias`, b.slice(j * d, (j + 1) * d));
      });
      return;
    }
    const w = this.take(`${hf}.weight`, [3 * d, inDim]);
    const b = hasBias ? this.take(`${hf}.bias`, [3 * d]) : undefined;
    parts.forEach((p, j) => {
      // Gather this part's rows head by head ([d, in], nn.Linear layout), then transpose.
      const rows = new Float32Array(d * inDim);
      const bias = new Float32Array(d);
      for (let h = 0; h < heads; h++) {
        const from = (h * 3 + j) * headDim;
        rows.set(w.subarray(from * inDim, (from + headDim) * inDim), h * headDim * inDim);
        if (b) bias.set(b.subarray(from, from + headDim), h * headDim);
      }
      this.set(`${kit}.${p}.weight`, transpose(rows, d, inDim));
      if (b) this.set(`${kit}.${p}.bias`, bias);
    });
  }

  /** Accepts a tensor the kit does not need (a tied head saved anyway). */
  ignore(name: string): void {
    if (this.tensors.has(name)) this.used.add(name);
  }

  checkAllUsed(): void {
    for (const [name, tensor] of this.tensors) {
      if (this.used.has(name) || BUFFERS.some((re) => re.test(name))) continue;
      throw new InputError(`unexpected tensor ${name} for a ${this.config.family} model of this config.json`, { file: tensor.file });
    }
    for (const kit of this.shapes.keys()) {
      if (!this.out.has(kit)) throw new Error(`hf-names: the ${this.config.family} map does not fill ${kit}`);
    }
  }
}

class Exporter implements TensorMap {
  readonly out = new Map<string, { shape: number[]; data: Float32Array }>();
  private readonly used = new Set<string>();
  private readonly shapes: Map<string, number[]>;

  constructor(
    private readonly config: DecoderConfig,
    private readonly weights: ReadonlyMap<string, Float32Array>,
  ) {
    this.shapes = parameterShapes(config);
  }

  /** A kit weight with its shape, checked. */
  private get(kit: string): [Float32Array, number[]] {
    const shape = this.shapes.get(kit);
    if (!shape) throw new Error(`hf-names: kit weight ${kit} does not exist in ${this.config.name}`);
    const data = this.weights.get(kit);
    const size = shape.reduce((a, b) => a * b, 1);
    if (!data || data.length !== size) throw new Error(`hf-names: kit weight ${kit} is ${data ? `${data.length} values, expected ${size}` : 'missing'}`);
    this.used.add(kit);
    return [data, shape];
  }

  private put(hf: string, shape: number[], data: Float32Array): void {
    this.out.set(hf, { shape, data });
  }

  private bias(kit: string, hf: string): void {
    if (!this.shapes.has(`${kit}.bias`)) return;
    const [data, shape] = this.get(`${kit}.bias`);
    this.put(`${hf}.bias`, shape, data);
  }

  table(kit: string, hf: string): void {
    const [data, shape] = this.get(`${kit}.weight`);
    this.put(`${hf}.weight`, shape, data);
  }

  norm(kit: string, hf: string): void {
    this.table(kit, hf);
    this.bias(kit, hf);
  }

  linear(kit: string, hf: string): void {
    const [data, [inDim, outDim]] = this.get(`${kit}.weight`) as [Float32Array, [number, number]];
    this.put(`${hf}.weight`, [outDim, inDim], transpose(data, inDim, outDim));
    this.bias(kit, hf);
  }

  conv1d(kit: string, hf: string): void {
    this.norm(kit, hf);
  }

  /** Fuses attn.q, attn.k, attn.v into one tensor, in the layouts Mapper.fusedQkv splits. */
  fusedQkv(kit: string, hf: string, layout: 'side-by-side' | 'per-head'): void {
    const parts = (['q', 'k', 'v'] as const).map((p) => this.get(`${kit}.${p}.weight`)[0]);
    const [inDim, d] = this.shapes.get(`${kit}.q.weight`) as [number, number];
    const biases = this.shapes.has(`${kit}.q.bias`) ? (['q', 'k', 'v'] as const).map((p) => this.get(`${kit}.${p}.bias`)[0]) : undefined;
    const bias = new Float32Array(3 * d);
    if (layout === 'side-by-side') {
      const w = new Float32Array(inDim * 3 * d);
      parts.forEach((part, j) => {
        for (let r = 0; r < inDim; r++) w.set(part.subarray(r * d, (r + 1) * d), r * 3 * d + j * d);
        if (biases) bias.set(biases[j]!, j * d);
      });
      this.put(`${hf}.weight`, [inDim, 3 * d], w);
    } else {
      const { numHeads: heads, headDim } = this.config;
      const w = new Float32Array(3 * d * inDim);
      parts.forEach((part, j) => {
        const rows = transpose(part, inDim, d); // [d, in], nn.Linear layout
        for (let h = 0; h < heads; h++) {
          const to = (h * 3 + j) * headDim;
          w.set(rows.subarray(h * headDim * inDim, (h + 1) * headDim * inDim), to * inDim);
          if (biases) bias.set(biases[j]!.subarray(h * headDim, (h + 1) * headDim), to);
        }
      });
      this.put(`${hf}.weight`, [3 * d, inDim], w);
    }
    if (biases) this.put(`${hf}.bias`, [3 * d], bias);
  }

  checkAllUsed(): void {
    for (const kit of this.shapes.keys()) {
      if (!this.used.has(kit)) throw new Error(`hf-names: the ${this.config.family} map does not export ${kit}`);
    }
  }
}
