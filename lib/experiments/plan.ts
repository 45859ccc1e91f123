/**
 * The `experiments:` section of params.yaml as a typed plan: which backbones, datasets,
 * directions, perturbations and ablation variants each experiment runs under the active
 * profile. DVC's foreach can only see params.yaml's base values, so the stages loop over
 * these lists themselves (one stage per experiment, one result directory per run).
 */
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { type Json, type LoadedParams, isObject, param } from '../config/params.ts';
import { PERTURBATION_KINDS, type PerturbationKind } from '../ecg/perturb.ts';
import { PRESET_NAMES, type PresetName } from '../model/presets.ts';
import { InputError } from '../util/errors.ts';

export const DATASETS = ['ptbxl', 'mimic'] as const;
export type DatasetName = (typeof DATASETS)[number];

/** The alignments the ablation compares with MEIT's (lib/model/alignment.ts, without tfjs). */
export const ABLATION_ALIGNMENTS = ['prefix', 'xattn', 'none'] as const;
export type AblationAlignment = (typeof ABLATION_ALIGNMENTS)[number];

/** Robustness kinds that make sense on the prepared (normalised) signals, see robustness.ts. */
export const EVALUATION_PERTURBATIONS = ['meit-partial-noise', 'gaussian', 'lead-dropout', 'amplitude-scaling'] as const satisfies readonly PerturbationKind[];

export interface Direction {
  from: DatasetName;
  to: DatasetName;
}

export interface ExperimentPlan {
  datasets: DatasetName[];
  /** E1: every backbone is trained on every dataset. */
  backbones: PresetName[];
  /** E1 again with these seeds (beside params' `seed`), for mean ± sd over seeds. */
  extraSeeds: number[];
  /** E2. */
  zeroShot: { backbones: PresetName[]; directions: Direction[] };
  /** E3. */
  robustness: { backbones: PresetName[]; dataset: DatasetName; perturbations: PerturbationKind[] };
  /** E4. */
  ablations: { backbones: PresetName[]; dataset: DatasetName; alignments: AblationAlignment[] };
  /** The 12-lead figure: test example `index` of `dataset`, reported by `backbone`. */
  example: { dataset: DatasetName; backbone: PresetName; index: number };
  /** Worker threads that run an experiment's runs side by side (0: one after the other, here). */
  workers: number;
}

/** Where a dataset is read from: `prepare.<dataset>.root` when set, else the synthetic copy. */
export function datasetRoot(p: LoadedParams, dataset: DatasetName): string {
  const configured = param(p, `prepare.${dataset}`, 'object').root;
  if (configured !== undefined && configured !== null && typeof configured !== 'string') {
    throw new InputError(`prepare.${dataset}.root must be a path or null`, { file: p.file });
  }
  return configured ?? join('data', 'synth', dataset);
}

/** Reads and checks `experiments:`; errors name params.yaml and the key. */
export function readExperimentPlan(p: LoadedParams): ExperimentPlan {
  const file = p.file;
  const root = section(p.values.experiments, 'experiments', file);
  const datasets = list(root.datasets, 'experiments.datasets', DATASETS, file);
  const backbones = list(root.backbones, 'experiments.backbones', PRESET_NAMES, file);
  const subset = (value: Json | undefined, key: string): PresetName[] => {
    const chosen = value === 'all' || value === undefined ? backbones : list(value, key, PRESET_NAMES, file);
    const missing = chosen.filter((b) => !backbones.includes(b));
    if (missing.length) throw new InputError(`${key}: ${missing.join(', ')} not in experiments.backbones (their models come from E1)`, { file });
    return chosen;
  };
  const dataset = (value: Json | undefined, key: string): DatasetName => {
    const [d] = list([value ?? null], key, DATASETS, file);
    if (!datasets.includes(d!)) throw new InputError(`${key}: ${d} is not in experiments.datasets`, { file });
    return d!;
  };

  const zs = section(root.zero_shot, 'experiments.zero_shot', file);
  const directions = listOf(zs.directions, 'experiments.zero_shot.directions', file).map((raw, i): Direction => {
    const key = `experiments.zero_shot.directions[${i}]`;
    const match = typeof raw === 'string' ? /^(\w+)-to-(\w+)$/.exec(raw) : null;
    if (!match) throw new InputError(`${key} must look like mimic-to-ptbxl, got ${JSON.stringify(raw)}`, { file });
    const from = dataset(match[1], key);
    const to = dataset(match[2], key);
    if (from === to) throw new InputError(`${key}: a transfer needs two different datasets`, { file });
    return { from, to };
  });

  const rb = section(root.robustness, 'experiments.robustness', file);
  const ab = section(root.ablations, 'experiments.ablations', file);
  const ex = section(root.example, 'experiments.example', file);
  const perturbations = list(rb.perturbations, 'experiments.robustness.perturbations', EVALUATION_PERTURBATIONS, file, {
    values: PERTURBATION_KINDS,
    why: 'it is in mV, and the prepared signals are normalised: it needs perturbing the raw records',
  });
  // The report draws one figure of MEIT's noise and one of the others (dvc.yaml names both).
  if (!perturbations.includes('meit-partial-noise') || perturbations.length < 2) {
    throw new InputError('experiments.robustness.perturbations needs meit-partial-noise and at least one other kind', { file });
  }
  const index = ex.index ?? 0;
  if (typeof index !== 'number' || !Number.isInteger(index) || index < 0) throw new InputError(`experiments.example.index must be a non-negative integer, got ${JSON.stringify(index)}`, { file });
  const exampleBackbone = ex.backbone === undefined ? backbones[0]! : subset([ex.backbone], 'experiments.example.backbone')[0]!;
  const extraSeeds = listOf(root.extra_seeds, 'experiments.extra_seeds', file).map((s) => {
    if (typeof s !== 'number' || !Number.isSafeInteger(s) || s < 0) throw new InputError(`experiments.extra_seeds must hold non-negative integers, got ${JSON.stringify(s)}`, { file });
    return s;
  });
  if (extraSeeds.length && new Set([param(p, 'seed', 'number'), ...extraSeeds]).size !== extraSeeds.length + 1) {
    throw new InputError('experiments.extra_seeds must differ from each other and from seed', { file });
  }
  return {
    datasets,
    backbones,
    extraSeeds,
    workers: readWorkers(root.workers, file),
    zeroShot: { backbones: subset(zs.backbones, 'experiments.zero_shot.backbones'), directions },
    robustness: {
      backbones: subset(rb.backbones, 'experiments.robustness.backbones'),
      dataset: dataset(rb.dataset, 'experiments.robustness.dataset'),
      perturbations,
    },
    ablations: {
      backbones: subset(ab.backbones, 'experiments.ablations.backbones'),
      dataset: dataset(ab.dataset, 'experiments.ablations.dataset'),
      alignments: list(ab.alignments, 'experiments.ablations.alignments', ABLATION_ALIGNMENTS, file),
    },
    example: { dataset: dataset(ex.dataset ?? datasets[0], 'experiments.example.dataset'), backbone: exampleBackbone, index },
  };
}

/** `experiments.workers`: auto (one per core, none on a single core) or a count. */
function readWorkers(value: Json | undefined, file: string): number {
  if (value === undefined || value === null || value === 'auto') {
    const cores = availableParallelism();
    return cores > 1 ? cores : 0;
  }
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > 64) {
    throw new InputError(`experiments.workers must be auto or an integer from 0 to 64, got ${JSON.stringify(value)}`, { file });
  }
  return value;
}

function section(value: Json | undefined, key: string, file: string): { [k: string]: Json } {
  if (value === undefined || value === null) return {};
  if (!isObject(value)) throw new InputError(`${key} must be a mapping`, { file });
  return value;
}

function listOf(value: Json | undefined, key: string, file: string): Json[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new InputError(`${key} must be a list, got ${JSON.stringify(value)}`, { file });
  return value;
}

/**
 * A duplicate-free list of `choices`. `refused` names values that exist but are not accepted
 * here, and why, for the message.
 */
function list<T extends string>(value: Json | undefined, key: string, choices: readonly T[], file: string, refused?: { values: readonly string[]; why: string }): T[] {
  const items = listOf(value, key, file);
  for (const item of items) {
    if (typeof item === 'string' && choices.includes(item as T)) continue;
    const why = typeof item === 'string' && refused?.values.includes(item) ? ` here (${refused.why})` : '';
    throw new InputError(`${key}: ${JSON.stringify(item)} is not allowed${why}; choices: ${choices.join(', ')}`, { file });
  }
  return [...new Set(items as T[])];
}
