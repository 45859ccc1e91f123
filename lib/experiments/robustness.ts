/**
 * E3 — robustness: E1's models report on test ECGs perturbed at graded levels.
 *
 * Where the perturbation is applied. The prepared signals are already normalised (MEIT's
 * global min–max), and the record's mV scale is not kept, so perturbations are applied at
 * evaluation in the normalised domain. That is exactly where MEIT's partial white noise
 * belongs (the official code adds it to the normalised record); Gaussian noise at an SNR,
 * lead dropout and per-lead gain changes are relative and mean the same in either domain.
 * The physical noise models in mV (baseline wander, powerline, muscle, electrode motion) are
 * therefore not offered here (plan.ts refuses them): they would need perturbing the raw
 * records before preparation.
 *
 * MEIT's noise is labelled for what it is — "partial white noise ≤ p% of the signal" — never
 * as an SNR. Every perturbed test set is seeded per record (rng.fork(example id)), written
 * once to a temporary prepared directory, evaluated by every backbone, and removed at the end.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LoadedParams } from '../config/params.ts';
import { openPrepared } from '../data/shards.ts';
import { type Perturbation, applyPerturbations, perturbationLabel, perturbationLevels } from '../ecg/perturb.ts';
import { csvLine } from '../util/csv.ts';
import { writeFileAtomic } from '../util/atomic.ts';
import { Rng } from '../util/prng.ts';
import { backboneRun } from './backbones.ts';
import { readExperimentPlan } from './plan.ts';
import { type RunJob, runJobs } from './jobs.ts';
import { experimentPaths, readRunMetrics, startExperiment, writeSummary } from './runs.ts';
import { writeDerivedTestSet } from './testsets.ts';

export const CURVES_FILE = join('results', 'robustness', 'curves.csv');
/** Metrics of the curves (columns of curves.csv, '/' → '_'). */
export const CURVE_METRICS = ['clinical/micro_f1', 'clinical/macro_f1', 'meit/BLEU-4', 'meit/METEOR', 'meit/ROUGE-L', 'coco/BLEU-4', 'coco/CIDEr-D'] as const;

/** The number that grades a perturbation of its kind (fraction, dB, leads). */
export function severityValue(p: Perturbation): number {
  switch (p.kind) {
    case 'meit-partial-noise':
      return p.maxProportion;
    case 'gaussian':
      return p.snrDb;
    case 'lead-dropout':
      return p.leads;
    case 'amplitude-scaling':
      return p.maxDb;
    default:
      throw new Error(`${p.kind} is not an evaluation-time perturbation`);
  }
}

/** Run name, e.g. "mimic-gpt2-medium-gaussian-3" (severity step 1 = mildest). */
export const robustnessRun = (dataset: string, backbone: string, kind: string, step: number) => `${dataset}-${backbone}-${kind}-${step}`;

export interface CurvePoint {
  backbone: string;
  perturbation: string;
  /** 0 = clean, 1.. = the levels of perturbationLevels, mildest first. */
  step: number;
  level: number;
  label: string;
  metrics: Record<string, number>;
}

export async function runRobustness(params: LoadedParams): Promise<void> {
  const plan = readExperimentPlan(params);
  const { dataset, backbones, perturbations } = plan.robustness;
  const ctx = await startExperiment('robustness', params);
  const source = openPrepared(experimentPaths.prepared(dataset));
  const fs = source.manifest.signal.fs;
  const scratch = await mkdtemp(join(tmpdir(), 'meit-robustness-'));
  const runs: Record<string, Record<string, number>> = {};
  const points: CurvePoint[] = [];
  try {
    for (const backbone of backbones) {
      const clean = readRunMetrics(experimentPaths.run('backbones', backboneRun(dataset, backbone)));
      for (const kind of perturbations) points.push({ backbone, perturbation: kind, step: 0, level: 0, label: 'clean', metrics: clean });
    }
    // Every perturbed test set first, then one evaluation job per backbone and set.
    const jobs: RunJob[] = [];
    const pending: Omit<CurvePoint, 'metrics'>[] = [];
    for (const kind of perturbations) {
      for (const [k, perturbation] of perturbationLevels(kind).entries()) {
        const step = k + 1;
        const label = perturbationLabel(perturbation);
        const rng = new Rng(ctx.seed).fork('robustness').fork(`${kind}/${step}`);
        const data = join(scratch, `${kind}-${step}`);
        await writeDerivedTestSet(source, data, {
          description: label,
          signal: (leads, example) => applyPerturbations(leads, fs, [perturbation], rng.fork(example.id)),
        });
        for (const backbone of backbones) {
          const run = robustnessRun(dataset, backbone, kind, step);
          const model = experimentPaths.model('backbones', backboneRun(dataset, backbone));
          jobs.push({ evaluations: [{ name: run, model, data, out: experimentPaths.run('robustness', run), controls: [] }] });
          pending.push({ backbone, perturbation: kind, step, level: severityValue(perturbation), label });
        }
      }
    }
    const metrics = await runJobs(ctx, jobs, plan.workers, 'robustness');
    jobs.forEach((job, i) => {
      const run = job.evaluations[0]!.name;
      runs[run] = metrics[run]!;
      points.push({ ...pending[i]!, metrics: runs[run] });
    });
  } finally {
    source.close();
    await rm(scratch, { recursive: true, force: true });
  }
  await writeSummary('robustness', runs);
  await writeFileAtomic(CURVES_FILE, curvesCsv(points));
}

/** One row per backbone, perturbation and step: what `dvc plots show` and the figures read. */
function curvesCsv(points: readonly CurvePoint[]): string {
  const ordered = [...points].sort((a, b) => a.perturbation.localeCompare(b.perturbation) || a.backbone.localeCompare(b.backbone) || a.step - b.step);
  const header = csvLine(['backbone', 'perturbation', 'step', 'level', 'label', ...CURVE_METRICS.map((m) => m.replace(/\//g, '_'))]);
  return [header, ...ordered.map((p) => csvLine([p.backbone, p.perturbation, p.step, p.level, p.label, ...CURVE_METRICS.map((m) => p.metrics[m] ?? '')]))].join('');
}
