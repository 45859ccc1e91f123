/**
 * The text the decoder is trained on and prompted with.
 *
 * MEIT format (official code, `encode_with_messages_format`):
 *
 *     "<|user|>\n" + instruction + "\n" + "<|assistant|>\n" + report + eos
 *
 * e.g. "<|user|>\nDescribe this ECG.\n<|assistant|>\nsinus rhythm. normal ecg</s>". The code
 * builds "…" + eos + "\n" and then strips the whole string, so nothing follows the eos; it
 * also strips the instruction and the report. `eos` is the tokenizer's end-of-sequence text
 * ("</s>" for LLaMA/Mistral/OPT/BLOOM-style vocabularies, "<|endoftext|>" for GPT-2/Neo/J/NeoX).
 * The role tags are plain text, not added special tokens: each backbone's tokenizer splits
 * them into ordinary pieces, which is why a literal "<|assistant|>" can survive decoding and
 * end up inside the official evaluation's predictions and references.
 *
 * Loss is computed on the report tokens only: `prompt` is everything up to and including
 * "<|assistant|>\n", `target` is report + eos, and the training text is prompt + target. The
 * official code masks as many tokens as the prompt alone tokenises to, so tokenise the two
 * parts separately (or check that the prompt's tokens are a prefix of the whole's).
 * Sequences are capped at MAX_SEQUENCE_TOKENS; greedy generation also stops after 128 new tokens.
 *
 * Ablation "without instruction tuning" (finetune_ecgllm_with_lora_mimic_without_IT.py): no
 * user turn and no role tags, the training text is the stripped report alone. That script also
 * dropped the eos; `formatPlain` keeps it by default so the model learns where a report ends,
 * and `{ eos: '' }` reproduces the script exactly.
 */
export const USER_TAG = '<|user|>';
export const ASSISTANT_TAG = '<|assistant|>';
export const DEFAULT_EOS = '</s>';
export const MAX_SEQUENCE_TOKENS = 128;

export interface PromptParts {
  /** What the model is conditioned on (no loss). */
  prompt: string;
  /** What the model learns to produce (loss); empty at inference time. */
  target: string;
}

export interface PromptOptions {
  /** The tokenizer's end-of-sequence text appended to the report (default "</s>"). */
  eos?: string;
}

/** MEIT prompt; without `report` (inference) the target is empty. */
export function formatPrompt(instruction: string, report?: string, options: PromptOptions = {}): PromptParts {
  return {
    prompt: `${USER_TAG}\n${instruction.trim()}\n${ASSISTANT_TAG}\n`,
    target: reportTarget(report, options),
  };
}

/** The no-instruction ablation: empty prompt, the report alone as target. */
export function formatPlain(report?: string, options: PromptOptions = {}): PromptParts {
  return { prompt: '', target: reportTarget(report, options) };
}

function reportTarget(report: string | undefined, options: PromptOptions): string {
  return report === undefined ? '' : report.trim() + (options.eos ?? DEFAULT_EOS);
}
