/**
 * The finished experiments' run metrics, gathered into the plain rows the tables and figures
 * take. Everything is read from results/ (the per-run metrics.json files), in the order of the
 * plan, so the report stage needs nothing but files and params.
 */
import { join } from 'node:path';
import { type Perturbation, perturbationLabel, perturbationLevels } from '../ecg/perturb.ts';
import type { AblationResult, BackboneResult, RobustnessResult, Score, ZeroShotResult } from '../report/tables.ts';
import { ablationRun } from './ablations.ts';
import { backboneRun } from './backbones.ts';
import type { DatasetName, ExperimentPlan } from './plan.ts';
import { robustnessRun, severityValue } from './robustness.ts';
import { experimentPaths, readRunMetrics } from './runs.ts';
import { score, tableScores } from './scores.ts';
import { ZERO_SHOT_SETTINGS, zeroShotRun } from './zero-shot.ts';

export interface TransferResult extends ZeroShotResult {
  from: DatasetName;
  to: DatasetName;
}

export interface PerturbedResult {
  backbone: string;
  perturbation: string;
  /** 0 = clean, then the levels of perturbationLevels, mildest first. */
  step: number;
  level: number;
  label: string;
  scores: Record<string, Score>;
}

/**
 * The clinical F1s the ECG check compares. Micro-F1 pools every finding, so the common ones
 * dominate it: a report that ignores the ECG and always names the commonest findings already
 * scores well. Macro-F1 weighs every finding the same, so only reports that follow the ECG on
 * the rarer findings score there.
 */
export const ECG_CHECK_METRICS = { 'micro-F1': 'clinical/micro_f1', 'macro-F1': 'clinical/macro_f1' } as const;
export type EcgCheckMetric = keyof typeof ECG_CHECK_METRICS;

/** Model vs controls on one clinical F1, per E1 run: does the report depend on the ECG? */
export interface EcgCheck {
  backbone: string;
  dataset: DatasetName;
  metric: EcgCheckMetric;
  model: Score;
  controls: Record<string, Score | undefined>;
  /** The model's interval lies above the no-ECG control's (undefined: no such control). */
  beatsNoEcg: boolean | undefined;
  /** The same against shuffled ECGs: the stricter test (removing the ECG slot is itself a shift). */
  beatsShuffled: boolean | undefined;
}

export interface CollectedResults {
  backbones: BackboneResult[];
  zeroShot: TransferResult[];
  /** MEIT's partial white noise (level = max fraction of the signal; 0 = clean). */
  partialNoise: RobustnessResult[];
  /** The other perturbations, per severity step. */
  perturbed: PerturbedResult[];
  ablations: AblationResult[];
  ecgChecks: EcgCheck[];
}

export const CONTROL_VARIANTS = ['no-ecg', 'shuffled-ecg', 'nearest-neighbour'] as const;

export function collectResults(plan: ExperimentPlan): CollectedResults {
  const backboneMetrics = (dataset: string, backbone: string) => readRunMetrics(experimentPaths.run('backbones', backboneRun(dataset, backbone)));

  const backbones: BackboneResult[] = [];
  const ecgChecks: EcgCheck[] = [];
  for (const dataset of plan.datasets) {
    for (const backbone of plan.backbones) {
      const m = backboneMetrics(dataset, backbone);
      backbones.push({ backbone, dataset, scores: tableScores(m) });
      for (const [metric, key] of Object.entries(ECG_CHECK_METRICS) as [EcgCheckMetric, string][]) {
        const model = score(m, key);
        if (model === undefined) continue;
        const controls = Object.fromEntries(CONTROL_VARIANTS.map((c) => [c, score(m, key, `${c}/`)]));
        const above = (control: Score | undefined) => (control === undefined ? undefined : lower(model) > upper(control));
        ecgChecks.push({ backbone, dataset, metric, model, controls, beatsNoEcg: above(controls['no-ecg']), beatsShuffled: above(controls['shuffled-ecg']) });
      }
    }
  }

  const zeroShot: TransferResult[] = [];
  for (const { from, to } of plan.zeroShot.directions) {
    for (const backbone of plan.zeroShot.backbones) {
      for (const setting of ZERO_SHOT_SETTINGS) {
        const m = setting === 'in-domain' ? backboneMetrics(to, backbone) : readRunMetrics(experimentPaths.run('zero-shot', zeroShotRun(from, to, backbone, setting)));
        zeroShot.push({ from, to, backbone, setting, scores: tableScores(m) });
      }
    }
  }

  const { dataset: rDataset, backbones: rBackbones, perturbations } = plan.robustness;
  const partialNoise: RobustnessResult[] = [];
  const perturbed: PerturbedResult[] = [];
  for (const backbone of rBackbones) {
    const clean = tableScores(backboneMetrics(rDataset, backbone));
    for (const kind of perturbations) {
      const levels: (Perturbation | null)[] = [null, ...perturbationLevels(kind)];
      for (const [step, p] of levels.entries()) {
        const scores = p === null ? clean : tableScores(readRunMetrics(experimentPaths.run('robustness', robustnessRun(rDataset, backbone, kind, step))));
        if (kind === 'meit-partial-noise') partialNoise.push({ backbone, level: p === null ? 0 : severityValue(p), scores });
        else perturbed.push({ backbone, perturbation: kind, step, level: p === null ? 0 : severityValue(p), label: p === null ? 'clean' : perturbationLabel(p), scores });
      }
    }
  }

  const ablations: AblationResult[] = [];
  const { dataset: aDataset, backbones: aBackbones, alignments } = plan.ablations;
  for (const backbone of aBackbones) {
    const meit = backboneMetrics(aDataset, backbone);
    const run = (variant: string) => readRunMetrics(experimentPaths.run('ablations', ablationRun(aDataset, backbone, variant)));
    ablations.push({ backbone, variant: 'meit', scores: tableScores(meit) });
    for (const alignment of alignments) ablations.push({ backbone, variant: alignment === 'none' ? 'none (text only)' : alignment, paperVariant: alignment === 'none' ? undefined : alignment, scores: tableScores(run(alignment)) });
    ablations.push({ backbone, variant: 'no-instruction', scores: tableScores(run('no-instruction')) });
    ablations.push({ backbone, variant: 'seen-instructions', scores: tableScores(run('seen-instructions')) });
    for (const control of CONTROL_VARIANTS) {
      const scores = tableScores(meit, `${control}/`);
      if (Object.keys(scores).length) ablations.push({ backbone, variant: control, scores });
    }
  }
  return { backbones, zeroShot, partialNoise, perturbed, ablations, ecgChecks };
}

export function lower(s: Score): number {
  return typeof s === 'number' ? s : (s.lo ?? s.value);
}

export function upper(s: Score): number {
  return typeof s === 'number' ? s : (s.hi ?? s.value);
}

/** The predictions file of E1's run of `backbone` on `dataset`. */
export const backbonePredictions = (dataset: string, backbone: string) => join(experimentPaths.run('backbones', backboneRun(dataset, backbone)), 'predictions.jsonl');
