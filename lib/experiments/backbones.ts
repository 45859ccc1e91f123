/**
 * E1 — backbones × datasets: every backbone of the plan trained with MEIT alignment on every
 * dataset and evaluated in-domain with the controls of evaluate.controls (no ECG, shuffled
 * ECGs, nearest-neighbour retrieval). Its models are the ones the zero-shot, robustness and
 * ablation experiments build on.
 */
import type { LoadedParams } from '../config/params.ts';
import { readExperimentPlan } from './plan.ts';
import { evaluateRun, experimentPaths, startExperiment, trainRun, writeSummary } from './runs.ts';

/** Run name of E1's model of `backbone` on `dataset`, e.g. "ptbxl-gpt2-medium". */
export const backboneRun = (dataset: string, backbone: string) => `${dataset}-${backbone}`;

export async function runBackbones(params: LoadedParams): Promise<void> {
  const plan = readExperimentPlan(params);
  const ctx = await startExperiment('backbones', params);
  const runs: Record<string, Record<string, number>> = {};
  for (const dataset of plan.datasets) {
    for (const backbone of plan.backbones) {
      const run = backboneRun(dataset, backbone);
      const model = experimentPaths.model('backbones', run);
      await trainRun(ctx, { data: experimentPaths.prepared(dataset), out: model, backbone });
      runs[run] = await evaluateRun(ctx, { model, data: experimentPaths.prepared(dataset), out: experimentPaths.run('backbones', run) });
    }
  }
  await writeSummary('backbones', runs);
}
