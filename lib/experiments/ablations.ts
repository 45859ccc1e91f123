/**
 * E4 — ablations on one dataset, per backbone of the plan, all beside E1's MEIT model:
 *
 *   meit                   E1's model (MEIT alignment, instruction tuning, held-out instructions)
 *   prefix / xattn / none  the other alignments (LLaVA-style prefix, Flamingo-style gated
 *                          cross-attention, no ECG at all), trained the same way
 *   no-instruction         MEIT alignment, plain fine-tuning (no user turn, no role tags)
 *   seen-instructions      E1's model prompted with training paraphrases instead of the
 *                          held-out ones the prepared test split carries
 *   no-ecg, shuffled-ecg,  E1's controls: the same model without the ECG, with another
 *   nearest-neighbour      example's ECG, and the non-LLM retrieval baseline
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LoadedParams } from '../config/params.ts';
import { TRAIN_INSTRUCTIONS } from '../data/instructions.ts';
import { openPrepared } from '../data/shards.ts';
import { Rng } from '../util/prng.ts';
import { backboneRun } from './backbones.ts';
import { readExperimentPlan } from './plan.ts';
import { type RunJob, runJobs } from './jobs.ts';
import { experimentPaths, readRunMetrics, startExperiment, writeSummary } from './runs.ts';
import { writeDerivedTestSet } from './testsets.ts';

/** Run name, e.g. "ptbxl-gpt2-medium-prefix". */
export const ablationRun = (dataset: string, backbone: string, variant: string) => `${dataset}-${backbone}-${variant}`;

export async function runAblations(params: LoadedParams): Promise<void> {
  const plan = readExperimentPlan(params);
  const { dataset, backbones, alignments } = plan.ablations;
  const ctx = await startExperiment('ablations', params);
  const data = experimentPaths.prepared(dataset);
  const runs: Record<string, Record<string, number>> = {};
  const scratch = await mkdtemp(join(tmpdir(), 'meit-ablations-'));
  try {
    const seen = join(scratch, 'seen-instructions');
    const source = openPrepared(data);
    try {
      const rng = new Rng(ctx.seed).fork('ablations/seen-instructions');
      await writeDerivedTestSet(source, seen, {
        description: 'instructions drawn from the training paraphrases',
        instruction: (example) => rng.fork(example.id).pick(TRAIN_INSTRUCTIONS),
      });
    } finally {
      source.close();
    }
    const jobs: RunJob[] = [];
    for (const backbone of backbones) {
      const meitModel = experimentPaths.model('backbones', backboneRun(dataset, backbone));
      runs[ablationRun(dataset, backbone, 'meit')] = readRunMetrics(experimentPaths.run('backbones', backboneRun(dataset, backbone)));
      const seenRun = ablationRun(dataset, backbone, 'seen-instructions');
      jobs.push({ evaluations: [{ name: seenRun, model: meitModel, data: seen, out: experimentPaths.run('ablations', seenRun), controls: [] }] });
      const variants = [...alignments.map((alignment) => ({ variant: alignment, alignment, instruction: undefined })), { variant: 'no-instruction', alignment: 'meit' as const, instruction: 'none' as const }];
      for (const { variant, alignment, instruction } of variants) {
        const run = ablationRun(dataset, backbone, variant);
        const model = experimentPaths.model('ablations', run);
        jobs.push({ train: { data, out: model, backbone, alignment, instruction }, evaluations: [{ name: run, model, data, out: experimentPaths.run('ablations', run), controls: [] }] });
      }
    }
    Object.assign(runs, await runJobs(ctx, jobs, plan.workers, 'ablations'));
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
  await writeSummary('ablations', runs);
}
