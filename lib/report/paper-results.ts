/**
 * MEIT's published numbers, transcribed from /work/shared/paper-results.md, each with its source.
 *
 * Sources: [CODE] is a plotting script of the official repository (AIoT-MLSys-Lab/MEIT at
 * commit 468b888, draw_figures/); [SECONDARY] is a note quoting the ACL Findings 2025 tables or
 * the wizwand summary page (the paper body itself could not be read). Where both exist they
 * agree exactly. Numbers that were not found are absent — never zero.
 *
 * All of them were scored the official code's way (per-batch averages, NLTK METEOR, batch IDF
 * for CIDEr-D): compare them with the kit's `meit` scoring mode, not `coco`.
 */
import type { PresetName } from '../model/presets.ts';

export const PAPER_REPOSITORY = 'AIoT-MLSys-Lab/MEIT@468b888';

export interface PaperSource {
  tag: 'CODE' | 'SECONDARY';
  /** [CODE]: file in the official repository; [SECONDARY]: who quotes the number. */
  ref: string;
}

export const SOURCES = {
  itAblation: { tag: 'CODE', ref: 'draw_figures/plot_IT_ablation.py' },
  zeroShot: { tag: 'CODE', ref: 'draw_figures/plot_zeroshot.py' },
  scaling: { tag: 'CODE', ref: 'draw_figures/plot_scaling_test.py' },
  robustness: { tag: 'CODE', ref: 'draw_figures/plot_robutness*.py' },
  note: { tag: 'SECONDARY', ref: 'paper note quoting the ACL Findings 2025 tables' },
  wizwand: { tag: 'SECONDARY', ref: 'https://www.wizwand.com/paper/68fa79ef1e209131cea80147' },
} as const satisfies Record<string, PaperSource>;

export const PAPER_METRICS = [
  'BLEU-1', 'BLEU-2', 'BLEU-3', 'BLEU-4', 'METEOR', 'ROUGE-L', 'CIDEr-D', 'BERTScore-P', 'BERTScore-R', 'BERTScore-F1',
] as const;
export type PaperMetric = (typeof PAPER_METRICS)[number];

export interface PaperNumber {
  value: number;
  source: PaperSource;
}

export type PaperScores = Partial<Record<PaperMetric, PaperNumber>>;

/** Tags every number of `values` with `source` (spread several calls for a mixed-source row). */
function from(source: PaperSource, values: Partial<Record<PaperMetric, number>>): PaperScores {
  return Object.fromEntries(Object.entries(values).map(([metric, value]) => [metric, { value, source }]));
}

export type PaperDataset = 'mimic' | 'ptbxl';

export interface PaperModel {
  /** The paper's name for the model. */
  name: string;
  size: string;
  /** The kit's preset with the same architecture. */
  preset: PresetName;
}

export const PAPER_MODELS = [
  { name: 'GPT2-Medium', size: '345M', preset: 'gpt2-medium' },
  { name: 'GPT2-Large', size: '774M', preset: 'gpt2-large' },
  { name: 'GPT-Neo', size: '2.7B', preset: 'gpt-neo' },
  { name: 'GPT-J', size: '6B', preset: 'gpt-j' },
  { name: 'BLOOM', size: '7B', preset: 'bloom' },
  { name: 'OPT', size: '6.7B', preset: 'opt' },
  { name: 'LLaMA-1', size: '7B', preset: 'llama-2' },
  { name: 'Mistral', size: '7B', preset: 'mistral' },
  { name: 'Mistral-Instruct', size: '7B', preset: 'mistral' },
  { name: 'LLaMA-2-Instruct', size: '7B', preset: 'llama-2' },
  { name: 'LLaMA-3-Instruct', size: '8B', preset: 'llama-3' },
] as const satisfies readonly PaperModel[];
export type PaperModelName = (typeof PAPER_MODELS)[number]['name'];

/**
 * The paper model a kit backbone is compared with. The base models win over instruct ones where
 * the paper has both: they are the ones that appear in every experiment (zero-shot, robustness,
 * ablations). LLaMA-1 has the architecture of the kit's llama-2 preset. No GPT-NeoX number
 * was found.
 */
export const PAPER_COUNTERPART: Readonly<Record<PresetName, PaperModelName | null>> = {
  'gpt2-medium': 'GPT2-Medium',
  'gpt2-large': 'GPT2-Large',
  'gpt-neo': 'GPT-Neo',
  'gpt-neox': null,
  'gpt-j': 'GPT-J',
  bloom: 'BLOOM',
  opt: 'OPT',
  'llama-2': 'LLaMA-1',
  mistral: 'Mistral',
  'llama-3': 'LLaMA-3-Instruct',
};

export interface PaperMainRow {
  model: PaperModelName;
  dataset: PaperDataset;
  scores: PaperScores;
}

const { itAblation, zeroShot, scaling, robustness, note, wizwand } = SOURCES;

/** The main report-generation table (paper §6.1 MIMIC-IV-ECG, §6.2 PTB-XL); partial. */
export const PAPER_MAIN: readonly PaperMainRow[] = [
  { model: 'GPT2-Medium', dataset: 'mimic', scores: from(note, { 'BLEU-4': 0.425, METEOR: 0.551, 'ROUGE-L': 0.523, 'CIDEr-D': 3.7 }) },
  {
    model: 'GPT2-Large',
    dataset: 'mimic',
    scores: from(note, { 'BLEU-4': 0.476, METEOR: 0.595, 'ROUGE-L': 0.571, 'CIDEr-D': 4.21, 'BERTScore-P': 0.657, 'BERTScore-R': 0.574, 'BERTScore-F1': 0.613 }),
  },
  { model: 'GPT-Neo', dataset: 'mimic', scores: from(note, { 'BLEU-4': 0.489, METEOR: 0.727, 'ROUGE-L': 0.689, 'CIDEr-D': 4.81 }) },
  { model: 'GPT-J', dataset: 'mimic', scores: from(note, { 'BLEU-4': 0.542, METEOR: 0.756, 'ROUGE-L': 0.721, 'CIDEr-D': 5.23 }) },
  {
    model: 'BLOOM',
    dataset: 'mimic',
    scores: from(itAblation, { 'BLEU-1': 0.669, 'BLEU-2': 0.624, 'BLEU-3': 0.591, 'BLEU-4': 0.55, METEOR: 0.758, 'ROUGE-L': 0.725, 'BERTScore-F1': 0.708 }),
  },
  {
    model: 'OPT',
    dataset: 'mimic',
    scores: from(itAblation, { 'BLEU-1': 0.673, 'BLEU-2': 0.616, 'BLEU-3': 0.598, 'BLEU-4': 0.532, METEOR: 0.755, 'ROUGE-L': 0.732, 'BERTScore-F1': 0.689 }),
  },
  {
    model: 'LLaMA-1',
    dataset: 'mimic',
    scores: {
      ...from(itAblation, { 'BLEU-1': 0.685, 'BLEU-2': 0.648, 'BLEU-3': 0.615 }),
      ...from(note, { 'BLEU-4': 0.543, METEOR: 0.761, 'ROUGE-L': 0.724, 'CIDEr-D': 5.26, 'BERTScore-P': 0.752, 'BERTScore-R': 0.697, 'BERTScore-F1': 0.723 }),
    },
  },
  {
    model: 'Mistral',
    dataset: 'mimic',
    scores: from(itAblation, { 'BLEU-1': 0.697, 'BLEU-2': 0.659, 'BLEU-3': 0.611, 'BLEU-4': 0.571, METEOR: 0.763, 'ROUGE-L': 0.74, 'BERTScore-F1': 0.746 }),
  },
  {
    model: 'Mistral-Instruct',
    dataset: 'mimic',
    scores: from(note, { 'BLEU-4': 0.576, METEOR: 0.768, 'ROUGE-L': 0.751, 'CIDEr-D': 5.62, 'BERTScore-P': 0.773, 'BERTScore-R': 0.722, 'BERTScore-F1': 0.747 }),
  },
  {
    model: 'LLaMA-2-Instruct',
    dataset: 'mimic',
    scores: { ...from(note, { 'BLEU-4': 0.581, METEOR: 0.775, 'ROUGE-L': 0.745, 'CIDEr-D': 5.55 }), ...from(scaling, { 'BERTScore-F1': 0.744 }) },
  },
  {
    model: 'LLaMA-3-Instruct',
    dataset: 'mimic',
    scores: {
      ...from(wizwand, { 'BLEU-1': 0.733 }),
      ...from(note, { 'BLEU-4': 0.61, METEOR: 0.799, 'ROUGE-L': 0.773, 'CIDEr-D': 5.78, 'BERTScore-P': 0.798, 'BERTScore-R': 0.745, 'BERTScore-F1': 0.771 }),
    },
  },
  { model: 'BLOOM', dataset: 'ptbxl', scores: from(zeroShot, { 'BLEU-4': 0.415, METEOR: 0.665, 'ROUGE-L': 0.58, 'CIDEr-D': 3.8 }) },
  { model: 'OPT', dataset: 'ptbxl', scores: from(zeroShot, { 'BLEU-4': 0.43, METEOR: 0.678, 'ROUGE-L': 0.588, 'CIDEr-D': 3.97 }) },
  {
    model: 'LLaMA-1',
    dataset: 'ptbxl',
    scores: {
      ...from(zeroShot, { 'BLEU-4': 0.421, METEOR: 0.673, 'ROUGE-L': 0.591, 'CIDEr-D': 3.98 }),
      ...from(note, { 'BERTScore-P': 0.725, 'BERTScore-R': 0.657, 'BERTScore-F1': 0.689 }),
    },
  },
  { model: 'Mistral', dataset: 'ptbxl', scores: from(zeroShot, { 'BLEU-4': 0.418, METEOR: 0.662, 'ROUGE-L': 0.568, 'CIDEr-D': 3.94 }) },
  { model: 'GPT2-Large', dataset: 'ptbxl', scores: from(note, { 'BERTScore-P': 0.625, 'BERTScore-R': 0.553, 'BERTScore-F1': 0.586 }) },
  { model: 'Mistral-Instruct', dataset: 'ptbxl', scores: from(note, { 'BERTScore-P': 0.73, 'BERTScore-R': 0.661, 'BERTScore-F1': 0.694 }) },
  {
    model: 'LLaMA-2-Instruct',
    dataset: 'ptbxl',
    scores: from(scaling, { 'BLEU-4': 0.439, METEOR: 0.675, 'ROUGE-L': 0.594, 'BERTScore-F1': 0.693 }),
  },
  {
    model: 'LLaMA-3-Instruct',
    dataset: 'ptbxl',
    scores: { ...from(wizwand, { 'BLEU-1': 0.539 }), ...from(note, { 'BERTScore-P': 0.745, 'BERTScore-R': 0.682, 'BERTScore-F1': 0.712 }) },
  },
];

/** in-domain: trained and tested on PTB-XL; zero-shot: trained on MIMIC, tested on PTB-XL. */
export type ZeroShotSetting = 'in-domain' | 'zero-shot' | 'zero-shot-no-it';

export interface PaperZeroShotRow {
  model: PaperModelName;
  setting: ZeroShotSetting;
  scores: PaperScores;
}

function zeroShotRows(model: PaperModelName, rows: Record<ZeroShotSetting, [number, number, number, number]>): PaperZeroShotRow[] {
  return Object.entries(rows).map(([setting, [bleu4, meteor, rougeL, cider]]) => ({
    model,
    setting: setting as ZeroShotSetting,
    scores: from(zeroShot, { 'BLEU-4': bleu4, METEOR: meteor, 'ROUGE-L': rougeL, 'CIDEr-D': cider }),
  }));
}

/** Zero-shot transfer MIMIC → PTB-XL (§6.3); BLEU-4, METEOR, ROUGE-L, CIDEr-D. */
export const PAPER_ZERO_SHOT: readonly PaperZeroShotRow[] = [
  ...zeroShotRows('BLOOM', { 'in-domain': [0.415, 0.665, 0.58, 3.8], 'zero-shot': [0.382, 0.604, 0.49, 3.13], 'zero-shot-no-it': [0.221, 0.434, 0.354, 1.52] }),
  ...zeroShotRows('OPT', { 'in-domain': [0.43, 0.678, 0.588, 3.97], 'zero-shot': [0.373, 0.622, 0.514, 3.65], 'zero-shot-no-it': [0.223, 0.457, 0.332, 1.7] }),
  ...zeroShotRows('LLaMA-1', { 'in-domain': [0.421, 0.673, 0.591, 3.98], 'zero-shot': [0.358, 0.601, 0.528, 3.58], 'zero-shot-no-it': [0.238, 0.465, 0.328, 1.67] }),
  ...zeroShotRows('Mistral', { 'in-domain': [0.418, 0.662, 0.568, 3.94], 'zero-shot': [0.352, 0.592, 0.494, 3.28], 'zero-shot-no-it': [0.194, 0.382, 0.365, 2.01] }),
];

/**
 * The perturbation levels of §6.4: the largest fraction of the signal the noisy segment may
 * cover (0 = clean). The paper's x axis, "signal-to-noise ratio", is 1 − level, not dB.
 */
export const PAPER_NOISE_LEVELS = [0, 0.05, 0.1, 0.15, 0.2] as const;

export interface PaperRobustnessRow {
  model: PaperModelName;
  metric: 'METEOR' | 'ROUGE-L';
  level: number;
  value: PaperNumber;
}

function robustnessRows(model: PaperModelName, metric: PaperRobustnessRow['metric'], values: readonly number[]): PaperRobustnessRow[] {
  return values.map((value, i) => ({ model, metric, level: PAPER_NOISE_LEVELS[i]!, value: { value, source: robustness } }));
}

/** Partial white noise on MIMIC-IV-ECG (§6.4). */
export const PAPER_ROBUSTNESS: readonly PaperRobustnessRow[] = [
  ...robustnessRows('BLOOM', 'ROUGE-L', [0.725, 0.7174, 0.7113, 0.6939, 0.6897]),
  ...robustnessRows('OPT', 'ROUGE-L', [0.732, 0.7288, 0.7254, 0.7139, 0.711]),
  ...robustnessRows('LLaMA-1', 'ROUGE-L', [0.724, 0.7236, 0.7223, 0.7118, 0.6981]),
  ...robustnessRows('Mistral', 'ROUGE-L', [0.74, 0.7308, 0.7261, 0.7227, 0.7196]),
  ...robustnessRows('BLOOM', 'METEOR', [0.758, 0.7463, 0.7425, 0.7343, 0.7169]),
  ...robustnessRows('OPT', 'METEOR', [0.755, 0.7414, 0.7354, 0.7245, 0.7155]),
  ...robustnessRows('LLaMA-1', 'METEOR', [0.761, 0.7575, 0.7504, 0.7368, 0.7321]),
  ...robustnessRows('Mistral', 'METEOR', [0.763, 0.7572, 0.7519, 0.7486, 0.7371]),
];

/** What a reader must know before comparing with the robustness numbers (of `model`, or of all: null). */
export const PAPER_ROBUSTNESS_CAVEATS: readonly { model: PaperModelName | null; text: string }[] = [
  {
    model: null,
    text: 'The training script of the robustness runs is missing from the repository: whether noise was applied at training time, test time or both is unknown.',
  },
  { model: 'BLOOM', text: 'All four BLOOM run scripts set max_proportion to 0.15 (a copy-paste bug), so its curve may not show the levels it claims.' },
];

/** The ablation arms of §6.6, named like the kit's `--alignment` values where they match. */
export type PaperAblationVariant = 'meit' | 'prefix' | 'xattn' | 'no-instruction';

export interface PaperAblationRow {
  model: PaperModelName;
  variant: PaperAblationVariant;
  /** What the paper calls this arm. */
  label: string;
  scores: PaperScores;
}

function itAblationRows(model: PaperModelName, it: readonly number[], ft: readonly number[]): PaperAblationRow[] {
  const metrics = ['BLEU-1', 'BLEU-2', 'BLEU-3', 'BLEU-4', 'METEOR', 'ROUGE-L', 'BERTScore-F1'] as const;
  const scores = (values: readonly number[]) => from(itAblation, Object.fromEntries(metrics.map((m, i) => [m, values[i]!])));
  return [
    { model, variant: 'meit', label: 'instruction tuning', scores: scores(it) },
    { model, variant: 'no-instruction', label: 'plain fine-tuning (no instruction)', scores: scores(ft) },
  ];
}

/**
 * (a) Alignment method, LLaMA-1 on MIMIC-IV-ECG [SECONDARY] (the baselines' code is not in
 * the repository); (b) instruction tuning vs plain fine-tuning on MIMIC-IV-ECG [CODE].
 */
export const PAPER_ABLATIONS: readonly PaperAblationRow[] = [
  { model: 'LLaMA-1', variant: 'prefix', label: 'LLaVA-style input concatenation', scores: from(note, { 'BLEU-4': 0.529, METEOR: 0.737, 'ROUGE-L': 0.712, 'CIDEr-D': 4.99 }) },
  { model: 'LLaMA-1', variant: 'xattn', label: 'Flamingo-style trainable cross-attention', scores: from(note, { 'BLEU-4': 0.527, METEOR: 0.768, 'ROUGE-L': 0.715, 'CIDEr-D': 5.11 }) },
  { model: 'LLaMA-1', variant: 'meit', label: 'MEIT concatenation fusion', scores: from(note, { 'BLEU-4': 0.543, METEOR: 0.761, 'ROUGE-L': 0.724, 'CIDEr-D': 5.26 }) },
  ...itAblationRows('BLOOM', [0.669, 0.624, 0.591, 0.55, 0.758, 0.725, 0.708], [0.615, 0.588, 0.543, 0.513, 0.706, 0.682, 0.665]),
  ...itAblationRows('OPT', [0.673, 0.616, 0.598, 0.532, 0.755, 0.732, 0.689], [0.619, 0.573, 0.536, 0.465, 0.686, 0.665, 0.645]),
  ...itAblationRows('LLaMA-1', [0.685, 0.648, 0.615, 0.543, 0.761, 0.724, 0.723], [0.627, 0.595, 0.556, 0.517, 0.727, 0.701, 0.687]),
  ...itAblationRows('Mistral', [0.697, 0.659, 0.611, 0.571, 0.763, 0.74, 0.746], [0.623, 0.583, 0.541, 0.498, 0.718, 0.691, 0.698]),
];

export interface PaperScalingRow {
  dataset: PaperDataset;
  /** LLaMA-2 chat size. */
  size: '7B' | '13B' | '70B';
  scores: PaperScores;
}

function scalingRow(dataset: PaperDataset, size: PaperScalingRow['size'], [bleu4, rougeL, meteor, f1]: readonly number[]): PaperScalingRow {
  return { dataset, size, scores: from(scaling, { 'BLEU-4': bleu4!, 'ROUGE-L': rougeL!, METEOR: meteor!, 'BERTScore-F1': f1! }) };
}

/** (c) Model scaling, LLaMA-2 chat 7B/13B/70B. */
export const PAPER_SCALING: readonly PaperScalingRow[] = [
  scalingRow('mimic', '7B', [0.581, 0.745, 0.775, 0.744]),
  scalingRow('mimic', '13B', [0.603, 0.764, 0.791, 0.775]),
  scalingRow('mimic', '70B', [0.618, 0.779, 0.809, 0.785]),
  scalingRow('ptbxl', '7B', [0.439, 0.594, 0.675, 0.693]),
  scalingRow('ptbxl', '13B', [0.454, 0.611, 0.682, 0.719]),
  scalingRow('ptbxl', '70B', [0.477, 0.632, 0.711, 0.732]),
];

export const HUMAN_CRITERIA = ['Medical terminology accuracy', 'Logical consistency', 'Completeness', 'Diagnostic accuracy'] as const;

export interface PaperHumanEvalRow {
  model: PaperModelName;
  /** 1–5 per criterion, on a PTB-XL subset of 500 expert-annotated reports; the rater (cardiologists or GPT-4o) is ambiguous. */
  scores: Record<(typeof HUMAN_CRITERIA)[number], PaperNumber>;
}

function humanRow(model: PaperModelName, values: readonly number[]): PaperHumanEvalRow {
  const scores = Object.fromEntries(HUMAN_CRITERIA.map((c, i) => [c, { value: values[i]!, source: note }]));
  return { model, scores: scores as PaperHumanEvalRow['scores'] };
}

/** §6.5 human-expert / alignment evaluation [SECONDARY]. */
export const PAPER_HUMAN_EVAL: readonly PaperHumanEvalRow[] = [
  humanRow('LLaMA-2-Instruct', [4.25, 4.11, 3.72, 3.6]),
  humanRow('LLaMA-3-Instruct', [4.52, 4.38, 4.01, 3.98]),
];

/** The paper model compared with kit backbone `backbone`, or null (unknown name, or no paper number). */
export function paperCounterpart(backbone: string): PaperModelName | null {
  return Object.hasOwn(PAPER_COUNTERPART, backbone) ? PAPER_COUNTERPART[backbone as PresetName] : null;
}

/** The paper's scores for `model` on `dataset` in the main table, or `{}`. */
export function paperMainScores(model: PaperModelName, dataset: PaperDataset): PaperScores {
  return PAPER_MAIN.find((r) => r.model === model && r.dataset === dataset)?.scores ?? {};
}
