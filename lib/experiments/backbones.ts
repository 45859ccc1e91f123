/**
 * E1 — backbones × datasets: every backbone of the plan trained with MEIT alignment on every
 * dataset and evaluated in-domain with the controls of evaluate.controls (no ECG, shuffled
 * ECGs, nearest-neighbour retrieval). Its models are the ones the zero-shot, robustness and
 * ablation experiments build on. With `experiments.extra_seeds`, each run is repeated with those
 * seeds (runs "<run>-seed<S>") and the summary gains "<run>/seeds/<metric>_mean" and "_sd" over
 * all of its seeds.
 */
import type { LoadedParams } from '../config/params.ts';
import { readExperimentPlan } from './plan.ts';
import { type RunJob, runJobs } from './jobs.ts';
import { acrossSeeds, experimentPaths, startExperiment, writeSummary } from './runs.ts';

/** Run name of E1's model of `backbone` on `dataset`, e.g. "ptbxl-gpt2-medium". */
export const backboneRun = (dataset: string, backbone: string) => `${dataset}-${backbone}`;

export async function runBackbones(params: LoadedParams): Promise<void> {
  const plan = readExperimentPlan(params);
  const ctx = await startExperiment('backbones', params);
  const seeds = [ctx.seed, ...plan.extraSeeds];
  const seededRun = (run: string, seed: number) => (seed === ctx.seed ? run : `${run}-seed${seed}`);
  const jobs: RunJob[] = [];
  for (const dataset of plan.datasets) {
    for (const backbone of plan.backbones) {
      const data = experimentPaths.prepared(dataset);
      for (const seed of seeds) {
        const name = seededRun(backboneRun(dataset, backbone), seed);
        const model = experimentPaths.model('backbones', name);
        jobs.push({ seed, train: { data, out: model, backbone }, evaluations: [{ name, model, data, out: experimentPaths.run('backbones', name) }] });
      }
    }
  }
  const runs = await runJobs(ctx, jobs, plan.workers, 'backbones');
  const aggregates: Record<string, number> = {};
  if (seeds.length > 1) {
    for (const dataset of plan.datasets) {
      for (const backbone of plan.backbones) {
        const run = backboneRun(dataset, backbone);
        Object.assign(aggregates, acrossSeeds(`${run}/seeds`, seeds.map((s) => runs[seededRun(run, s)]!)));
      }
    }
  }
  await writeSummary('backbones', runs, aggregates);
}
