/**
 * The instruction bank: what the user turn of the prompt asks for.
 *
 * The paper samples one of 256 instruction paraphrases per ECG–report pair but never published
 * the list; the official code instead uses ONE fixed instruction per dataset. The kit offers
 * both (params.yaml `prepare.instruction`):
 *   - 'bank': 64 hand-written paraphrases, fixed lists (not random) split 48 for training and
 *     16 held out for validation/test, so evaluation also measures whether the model follows
 *     instructions it never saw rather than a memorised string. They vary the verb, register
 *     and length, and avoid any dataset-specific wording.
 *   - 'fixed': the official code's instruction for the source dataset (OFFICIAL_INSTRUCTIONS).
 */
import type { Rng } from '../util/prng.ts';
import type { Split } from './splits.ts';

export const TRAIN_INSTRUCTIONS: readonly string[] = [
  'Generate a report for this ECG.',
  'Describe the findings of this 12-lead electrocardiogram.',
  'Write the interpretation of this ECG.',
  'What does this ECG show?',
  'Provide a diagnostic report for the electrocardiogram.',
  'Summarize the key findings in this ECG recording.',
  'Interpret this 12-lead ECG and report your findings.',
  'Please write a clinical report for this electrocardiogram.',
  'Read this ECG and describe what you see.',
  'Give a concise interpretation of this tracing.',
  'Produce the ECG report.',
  'Report the rhythm and any abnormalities in this ECG.',
  'As a cardiologist, how would you report this ECG?',
  'Can you interpret this electrocardiogram for me?',
  'Describe this ECG.',
  'Write a brief report of this 12-lead ECG.',
  'What are the findings on this electrocardiogram?',
  'Analyse this ECG and write a report.',
  'Provide an interpretation of the ECG signal.',
  'Draft the report that would accompany this ECG.',
  'Explain what this electrocardiogram shows.',
  'List the findings of this ECG in report form.',
  'Generate a clinical interpretation of this ECG recording.',
  'How would you describe this 12-lead ECG?',
  'Give me the report for this ECG.',
  'Assess this electrocardiogram and summarize the findings.',
  'Please interpret the following ECG.',
  "Write up this ECG as you would in a patient's chart.",
  'Characterize the rhythm, conduction and morphology seen in this ECG.',
  'Describe the electrocardiographic findings.',
  'Provide a short ECG interpretation.',
  'What is your reading of this ECG?',
  'Compose a report describing this electrocardiogram.',
  'Report on this ECG.',
  'Review this 12-lead tracing and state your findings.',
  'Summarize this electrocardiogram in a few sentences.',
  'Interpret the ECG.',
  'Generate the diagnostic statement for this ECG.',
  'Tell me what you find on this ECG.',
  'Describe the abnormalities, if any, in this electrocardiogram.',
  'Create an ECG report for this recording.',
  'Give a structured interpretation of this ECG.',
  'What would the ECG report say for this recording?',
  'Examine this electrocardiogram and describe it.',
  'Write the findings for this 12-lead ECG recording.',
  'Provide your interpretation of this electrocardiogram in report style.',
  'Summarise the ECG.',
  'Please describe the ECG findings in plain clinical language.',
];

export const HELDOUT_INSTRUCTIONS: readonly string[] = [
  'Offer an interpretation of this electrocardiogram.',
  'What findings would you document for this ECG?',
  'Kindly prepare a report for the ECG shown.',
  'Put this 12-lead ECG into words as a clinical report.',
  'Read the tracing and report.',
  'Document your interpretation of this ECG.',
  'Outline what this electrocardiogram reveals.',
  'How would you interpret this ECG recording?',
  'Describe the cardiac rhythm and any other findings in this ECG.',
  'Formulate the ECG report.',
  'Write a diagnostic summary of this ECG.',
  'Could you describe what this electrocardiogram shows?',
  'State the ECG findings.',
  'Translate this ECG into a written interpretation.',
  'Produce an interpretation for the 12-lead recording.',
  'Render your ECG reading as a report.',
];

/**
 * The official code's fixed instructions, as the model saw them: the code writes
 * `"<|user|>\n" + prompt.strip() + "\n"`, so the trailing space of its string literals
 * ("...embeddings: ") is gone. Found in copies of the official training scripts
 * (`encode_with_messages_format` in finetune_ecgllm_with_lora_ptbxl.py of SUSTechBruce/ECG_LLMs,
 * the first author's repository, and finetune_ecgllm_with_lora_mimic.py of
 * thisisakanta/ECG_LLM, a copy of the official code); AIoT-MLSys-Lab/MEIT itself, as indexed,
 * does not contain the training script. Both speak of "embeddings" because the ECG enters
 * the model as an embedding, not as text.
 */
export const OFFICIAL_INSTRUCTIONS = {
  ptbxl: 'generate a description of the ECG embeddings:',
  mimic: 'Given the ECG signal embeddings, please help me generate an accurate description for this ECG signal embeddings:',
} as const;

export type InstructionSource = keyof typeof OFFICIAL_INSTRUCTIONS;

export const INSTRUCTION_POLICIES = ['bank', 'fixed'] as const;
export type InstructionPolicy = (typeof INSTRUCTION_POLICIES)[number];

/**
 * The instruction of one example. 'bank' draws uniformly from the training list for the
 * train split and from the held-out list for val/test (pass a per-record fork of a seeded Rng
 * so the choice is reproducible); 'fixed' returns the official instruction of `source` and
 * draws nothing.
 */
export function instructionFor(policy: InstructionPolicy, source: InstructionSource, split: Split, rng: Rng): string {
  if (policy === 'fixed') return OFFICIAL_INSTRUCTIONS[source];
  return rng.pick(split === 'train' ? TRAIN_INSTRUCTIONS : HELDOUT_INSTRUCTIONS);
}
