/**
 * What every experiment does over and over: train a model, evaluate it, and keep its files in
 * one scheme of paths —
 *
 *   models/<experiment>/<run>/             the training run (lib/train/trainer.ts)
 *   results/<experiment>/runs/<run>/       metrics.json + predictions*.jsonl (lib/eval/evaluate.ts)
 *   results/<experiment>/metrics.json      the experiment's headline numbers, flat, for DVC
 *
 * Settings come from the effective params (train:, evaluate:, models:, seed, backend), so an
 * experiment run is exactly what `meit train` + `meit evaluate` would do with the same params.
 */
import { readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { type LoadedParams, param } from '../config/params.ts';
import type { AlignmentKind } from '../model/alignment.ts';
import type { PresetName } from '../model/presets.ts';
import { type Control, type EvaluateOptions, type TrainInstructionPolicy, type TrainOptions, readEvaluateOptions, readTrainOptions } from '../train/options.ts';
import { meanSd } from '../eval/bootstrap.ts';
import { writeJsonAtomic } from '../util/atomic.ts';
import { InputError } from '../util/errors.ts';

export const EXPERIMENTS = ['backbones', 'zero-shot', 'robustness', 'ablations'] as const;
export type ExperimentName = (typeof EXPERIMENTS)[number];

export const experimentPaths = {
  model: (experiment: ExperimentName, run: string) => join('models', experiment, run),
  run: (experiment: ExperimentName, run: string) => join('results', experiment, 'runs', run),
  summary: (experiment: ExperimentName) => join('results', experiment, 'metrics.json'),
  prepared: (dataset: string) => join('data', 'prepared', dataset),
};

/**
 * Removes what an earlier run of the experiment left (its run results and models), so that
 * results/ holds exactly the runs of the current plan — DVC does this for its outs, the kit's
 * runner does not.
 */
export async function clearExperiment(experiment: ExperimentName): Promise<void> {
  await rm(join('results', experiment, 'runs'), { recursive: true, force: true });
  await rm(join('models', experiment), { recursive: true, force: true });
}

/** The settings shared by every run of a stage. */
export interface RunContext {
  params: LoadedParams;
  seed: number;
  train: TrainOptions;
  evaluate: EvaluateOptions;
  backend: string;
}

/** Clears the experiment's earlier outputs and returns the shared settings of its runs. */
export async function startExperiment(experiment: ExperimentName, params: LoadedParams): Promise<RunContext> {
  await clearExperiment(experiment);
  return openRunContext(params);
}

export async function openRunContext(params: LoadedParams): Promise<RunContext> {
  const { initBackend } = await import('../model/backend.ts');
  const preference = params.values.backend === undefined ? 'auto' : (param(params, 'backend', 'string') as 'auto');
  return {
    params,
    seed: param(params, 'seed', 'number'),
    train: readTrainOptions(params),
    evaluate: readEvaluateOptions(params),
    backend: await initBackend(preference),
  };
}

export interface TrainSpec {
  data: string;
  out: string;
  backbone: PresetName;
  alignment?: AlignmentKind;
  /** Overrides train.instruction (the no-instruction-tuning arms use 'none'). */
  instruction?: TrainInstructionPolicy;
}

/** Trains one model from scratch into `spec.out` (a previous run there is discarded). */
export async function trainRun(ctx: RunContext, spec: TrainSpec): Promise<void> {
  const { train } = await import('../train/trainer.ts');
  const { meitOptionsFromParams } = await import('../model/multimodal-params.ts');
  // The experiments name their alignment: E1 is MEIT's whatever meit.alignment says.
  const model = meitOptionsFromParams(ctx.params, spec.backbone, { alignment: spec.alignment ?? 'meit' });
  await rm(spec.out, { recursive: true, force: true });
  process.stderr.write(`meit: train ${spec.out} (${spec.backbone}, ${spec.alignment ?? 'meit'}, instruction ${spec.instruction ?? ctx.train.instruction})\n`);
  await train({
    data: spec.data,
    out: spec.out,
    model,
    seed: ctx.seed,
    options: { ...ctx.train, instruction: spec.instruction ?? ctx.train.instruction },
    vocabSize: model.decoder!.vocabSize,
    backend: ctx.backend,
  });
}

export interface EvaluateSpec {
  model: string;
  data: string;
  out: string;
  /** Default: evaluate.controls of the params. */
  controls?: Control[];
}

/** Evaluates a trained run; returns its flat metrics (also in `out`/metrics.json). */
export async function evaluateRun(ctx: RunContext, spec: EvaluateSpec): Promise<Record<string, number>> {
  const { evaluateModel } = await import('../eval/evaluate.ts');
  process.stderr.write(`meit: evaluate ${spec.model} on ${spec.data} → ${spec.out}\n`);
  const result = await evaluateModel({
    model: spec.model,
    data: spec.data,
    out: spec.out,
    seed: ctx.seed,
    options: { ...ctx.evaluate, controls: spec.controls ?? ctx.evaluate.controls },
  });
  return result.metrics;
}

/** The metrics.json of a finished run (e.g. of another experiment this one builds on). */
export function readRunMetrics(dir: string): Record<string, number> {
  const file = join(dir, 'metrics.json');
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as Record<string, number>;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new InputError(code === 'ENOENT' ? 'missing: run the stage that writes it first (meit reproduce)' : `unreadable metrics: ${(err as Error).message}`, { file });
  }
}

/**
 * The numbers of a run worth a column in `dvc metrics show`: the meit-mode scores (the paper's),
 * the main coco-mode ones, the clinical F1s, and each control's clinical micro-F1. Everything
 * else (BLEU-1..3 in coco mode, precision/recall, intervals) stays in the run's own metrics.json.
 */
export function headlineMetrics(metrics: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [key, value] of Object.entries(metrics)) {
    if (key.endsWith('_ci_low') || key.endsWith('_ci_high')) continue;
    const control = key.split('/').length === 3;
    if (control ? /\/clinical\/micro_f1$/.test(key) : /^(meit\/|coco\/(BLEU-4|METEOR|ROUGE-L|CIDEr-D)$|clinical\/(micro|macro)_f1$)/.test(key)) out[key] = value;
  }
  return out;
}

/**
 * Writes results/<experiment>/metrics.json: `<run>/<metric>` for every run, plus `aggregates`
 * (already flat, e.g. across-seed means), keys sorted.
 */
export async function writeSummary(
  experiment: ExperimentName,
  runs: Record<string, Record<string, number>>,
  aggregates: Record<string, number> = {},
): Promise<void> {
  const flat: Record<string, number> = {};
  for (const run of Object.keys(runs)) {
    const metrics = headlineMetrics(runs[run]!);
    for (const key of Object.keys(metrics)) flat[`${run}/${key}`] = metrics[key]!;
  }
  Object.assign(flat, aggregates);
  const sorted = Object.fromEntries(Object.keys(flat).sort().map((k) => [k, flat[k]!]));
  await writeJsonAtomic(experimentPaths.summary(experiment), sorted);
}

/**
 * Mean and sample sd over seeds of each headline metric present in every seed's run:
 * `<prefix>/<metric>_mean`, `<prefix>/<metric>_sd`.
 */
export function acrossSeeds(prefix: string, perSeed: readonly Record<string, number>[]): Record<string, number> {
  const headlines = perSeed.map(headlineMetrics);
  const out: Record<string, number> = {};
  for (const key of Object.keys(headlines[0] ?? {})) {
    if (!headlines.every((m) => key in m)) continue;
    const { mean, sd } = meanSd(headlines.map((m) => m[key]!));
    out[`${prefix}/${key}_mean`] = mean;
    out[`${prefix}/${key}_sd`] = sd;
  }
  return out;
}
