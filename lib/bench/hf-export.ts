/**
 * DecoderConfig → Hugging Face config.json: the inverse of lib/model/hf-config.ts, so that the
 * benchmark's PyTorch side builds exactly the architecture the kit runs (same sizes, norms,
 * positions, windows, biases, tying). The result is checked by mapping it back through
 * fromHfConfig: a config the HF family cannot express is refused instead of approximated.
 */
import { isDeepStrictEqual } from 'node:util';
import { InputError } from '../util/errors.ts';
import type { DecoderConfig } from '../model/config.ts';
import { fromHfConfig } from '../model/hf-config.ts';

type HfConfig = Record<string, unknown>;

/** The activation names HF spells for the kit's MLP kinds (SwiGLU is implied by the llama family). */
const ACTIVATION = { gelu: 'gelu', gelu_tanh: 'gelu_new', relu: 'relu', swiglu: 'silu' } as const;

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
