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
import { acrossSeeds, evaluateRun, experimentPaths, startExperiment, trainRun, writeSummary } from './runs.ts';

/** Run name of E1's model of `backbone` on `dataset`, e.g. "ptbxl-gpt2-medium". */
export const backboneRun = (dataset: string, backbone: string) => `${dataset}-${backbone}`;

export async function runBackbones(params: LoadedParams): Promise<void> {
  const plan = readExperimentPlan(params);
  const ctx = await startExperiment('backbones', params);
  const runs: Record<string, Record<string, number>> = {};
  const aggregates: Record<string, number> = {};
  for (const dataset of plan.datasets) {
    for (const backbone of plan.backbones) {
      const run = backboneRun(dataset, backbone);
      const data = experimentPaths.prepared(dataset);
      const seeds = [ctx.seed, ...plan.extraSeeds];
      for (const seed of seeds) {
        const name = seed === ctx.seed ? run : `${run}-seed${seed}`;
        const model = experimentPaths.model('backbones', name);
        const seeded = { ...ctx, seed };
        await trainRun(seeded, { data, out: model, backbone });
        runs[name] = await evaluateRun(seeded, { model, data, out: experimentPaths.run('backbones', name) });
      }
      if (seeds.length > 1) {
        Object.assign(aggregates, acrossSeeds(`${run}/seeds`, seeds.map((s) => runs[s === ctx.seed ? run : `${run}-seed${s}`]!)));
      }
    }
  }
  await writeSummary('backbones', runs, aggregates);
}
