/**
 * Export of a kit decoder as a Hugging Face checkpoint directory, the inverse of
 * checkpoint-hf.ts:
 *
 *   config.json           toHfConfig: the family's config (what hf-config.ts reads back)
 *   model.safetensors     F32 tensors under HF names and layouts (hf-names.ts `toHfTensors`)
 *   tokenizer.json        (+ tokenizer_config.json) when a tokenizer is given
 *
 * so that `AutoModelForCausalLM.from_pretrained(dir)` and loadHfCheckpoint(dir) both read it
 * (scripts/fixtures/hf_parity.py checks the former on every parity fixture). A trained MEIT
 * model exports its decoder with the LoRA adapters folded in; the ECG encoder and the ECG
 * key/value slot have no counterpart in transformers and are not part of the export.
 */
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import type * as tf from '@tensorflow/tfjs';
import { buildDirAtomic, writeJsonAtomic } from '../util/atomic.ts';
import { InputError } from '../util/errors.ts';
import type { DecoderConfig } from './config.ts';
import { fromHfConfig } from './hf-config.ts';
import { toHfTensors } from './hf-names.ts';
import { type MeitModel, disposeMerged } from './multimodal.ts';
import { writeSafetensors } from './safetensors.ts';
import { writeTokenizerFiles } from './tokenizer.ts';

type HfConfig = Record<string, unknown>;

/** The activation names HF spells for the kit's MLP kinds (SwiGLU is implied by the llama family). */
const ACTIVATION = { gelu: 'gelu', gelu_tanh: 'gelu_new', relu: 'relu', swiglu: 'silu' } as const;

/**
 * DecoderConfig → Hugging Face config.json: the inverse of hf-config.ts, so that transformers
 * builds exactly the architecture the kit runs (same sizes, norms, positions, windows, biases,
 * tying; the benchmark's PyTorch side relies on it too). The result is checked by mapping it
 * back through fromHfConfig: a config the HF family cannot express is refused instead of
 * approximated.
 */
export function toHfConfig(c: DecoderConfig): HfConfig {
  const act = ACTIVATION[c.mlp];
  const common = { model_type: c.family, vocab_size: c.vocabSize, tie_word_embeddings: c.tiedEmbeddings };
  let hf: HfConfig;
  switch (c.family) {
    case 'gpt2':
      hf = { ...common, n_embd: c.hiddenSize, n_layer: c.numLayers, n_head: c.numHeads, n_inner: c.intermediateSize, n_positions: c.maxPositions, activation_function: act, layer_norm_epsilon: c.normEps };
      break;
    case 'gpt_neo':
      hf = {
        ...common, hidden_size: c.hiddenSize, num_layers: c.numLayers, num_heads: c.numHeads, intermediate_size: c.intermediateSize,
        max_position_embeddings: c.maxPositions, activation_function: act, layer_norm_epsilon: c.normEps, window_size: c.localWindow || 256,
        // GPTNeoConfig derives attention_layers from attention_types and checks the count.
        attention_types: c.attentionLayers.map((kind) => [[kind], 1]),
      };
      break;
    case 'gpt_neox':
      hf = {
        ...common, hidden_size: c.hiddenSize, num_hidden_layers: c.numLayers, num_attention_heads: c.numHeads, intermediate_size: c.intermediateSize,
        max_position_embeddings: c.maxPositions, hidden_act: act, layer_norm_eps: c.normEps, use_parallel_residual: c.parallelResidual,
        attention_bias: c.qkvBias, rope_parameters: { rope_type: 'default', rope_theta: c.ropeTheta, partial_rotary_factor: c.rotaryDim / c.headDim },
      };
      break;
    case 'gptj':
      hf = { ...common, n_embd: c.hiddenSize, n_layer: c.numLayers, n_head: c.numHeads, n_inner: c.intermediateSize, n_positions: c.maxPositions, rotary_dim: c.rotaryDim, activation_function: act, layer_norm_epsilon: c.normEps };
      break;
    case 'bloom':
      hf = { ...common, hidden_size: c.hiddenSize, n_layer: c.numLayers, n_head: c.numHeads, seq_length: c.maxPositions, layer_norm_epsilon: c.normEps };
      break;
    case 'opt':
      hf = {
        ...common, hidden_size: c.hiddenSize, num_hidden_layers: c.numLayers, num_attention_heads: c.numHeads, ffn_dim: c.intermediateSize,
        max_position_embeddings: c.maxPositions, word_embed_proj_dim: c.embedDim, do_layer_norm_before: c.normBefore, activation_function: act, enable_bias: c.qkvBias,
      };
      break;
    case 'llama':
    case 'mistral':
      hf = {
        ...common, hidden_size: c.hiddenSize, num_hidden_layers: c.numLayers, num_attention_heads: c.numHeads, num_key_value_heads: c.numKvHeads,
        head_dim: c.headDim, intermediate_size: c.intermediateSize, max_position_embeddings: c.maxPositions, rms_norm_eps: c.normEps,
        hidden_act: act, rope_theta: c.ropeTheta, attention_bias: c.qkvBias, mlp_bias: c.mlpBias,
        ...(c.family === 'mistral' ? { sliding_window: c.slidingWindow } : {}),
      };
      break;
  }
  const back = fromHfConfig(hf, 'exported config.json', c.name).toInit();
  const wanted = c.toInit();
  const differing = Object.keys(wanted).filter((k) => !isDeepStrictEqual(back[k as keyof typeof back], wanted[k as keyof typeof wanted]));
  if (differing.length > 0) throw new InputError(`${c.name}: a ${c.family} config.json cannot express ${differing.join(', ')}`);
  return hf;
}

/**
 * Writes `decoder` (kit weight names, any tf tensors) as a Hugging Face checkpoint directory,
 * atomically. `tokenizer`: the path of a tokenizer.json (its tokenizer_config.json sibling is
 * copied too) or the parsed tokenizer.json object.
 */
export async function exportHfCheckpoint(
  decoder: { config: DecoderConfig; weights: ReadonlyMap<string, tf.Tensor> },
  dir: string,
  tokenizer?: string | object,
): Promise<void> {
  const hfConfig = { ...toHfConfig(decoder.config), architectures: [ARCHITECTURE[decoder.config.family]], torch_dtype: 'float32' };
  const data = new Map<string, Float32Array>();
  for (const [name, w] of decoder.weights) data.set(name, (await w.data()) as Float32Array);
  const tensors = toHfTensors(decoder.config, data);
  await buildDirAtomic(dir, async (tmp) => {
    await writeJsonAtomic(join(tmp, 'config.json'), hfConfig);
    // transformers refuses safetensors files whose metadata does not say which framework wrote them.
    await writeSafetensors(join(tmp, 'model.safetensors'), tensors, { format: 'pt' });
    if (tokenizer !== undefined) await writeTokenizerFiles(tmp, tokenizer);
  });
}

/** A MEIT model's decoder with its LoRA adapters folded in (W + A·B·α/r), as an HF checkpoint. */
export async function exportMergedHfModel(model: MeitModel, dir: string, tokenizer?: string | object): Promise<void> {
  const merged = model.mergedDecoderWeights();
  try {
    await exportHfCheckpoint({ config: model.decoder.config, weights: merged }, dir, tokenizer);
  } finally {
    disposeMerged(model, merged);
  }
}

/** The transformers class config.json names for each family. */
const ARCHITECTURE: Record<DecoderConfig['family'], string> = {
  gpt2: 'GPT2LMHeadModel',
  gpt_neo: 'GPTNeoForCausalLM',
  gpt_neox: 'GPTNeoXForCausalLM',
  gptj: 'GPTJForCausalLM',
  bloom: 'BloomForCausalLM',
  opt: 'OPTForCausalLM',
  llama: 'LlamaForCausalLM',
  mistral: 'MistralForCausalLM',
};
