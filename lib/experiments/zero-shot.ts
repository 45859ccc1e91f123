/**
 * E2 — zero-shot transfer: a model trained on one dataset reports on the other's test ECGs,
 * with instruction tuning (E1's model) and without (plain fine-tuning: no user turn, no role
 * tags), beside in-domain training (E1's model of the target dataset). The kit's BPE is
 * trained on the source dataset's reports; the target is read with the model's own tokenizer.
 */
import type { LoadedParams } from '../config/params.ts';
import { backboneRun } from './backbones.ts';
import { readExperimentPlan } from './plan.ts';
import { type RunJob, runJobs } from './jobs.ts';
import { experimentPaths, readRunMetrics, startExperiment, writeSummary } from './runs.ts';

export const ZERO_SHOT_SETTINGS = ['in-domain', 'zero-shot', 'zero-shot-no-it'] as const;
export type ZeroShotSettingName = (typeof ZERO_SHOT_SETTINGS)[number];

/** Run name, e.g. "mimic-to-ptbxl-gpt2-medium-zero-shot". */
export const zeroShotRun = (from: string, to: string, backbone: string, setting: ZeroShotSettingName) => `${from}-to-${to}-${backbone}-${setting}`;

export async function runZeroShot(params: LoadedParams): Promise<void> {
  const plan = readExperimentPlan(params);
  const ctx = await startExperiment('zero-shot', params);
  const inDomain: Record<string, Record<string, number>> = {};
  const jobs: RunJob[] = [];
  // One plain fine-tuned model per source dataset and backbone serves every direction from it.
  const plainJobs = new Map<string, RunJob>();
  for (const { from, to } of plan.zeroShot.directions) {
    for (const backbone of plan.zeroShot.backbones) {
      const target = experimentPaths.prepared(to);
      inDomain[zeroShotRun(from, to, backbone, 'in-domain')] = readRunMetrics(experimentPaths.run('backbones', backboneRun(to, backbone)));
      const transferred = zeroShotRun(from, to, backbone, 'zero-shot');
      jobs.push({
        evaluations: [{ name: transferred, model: experimentPaths.model('backbones', backboneRun(from, backbone)), data: target, out: experimentPaths.run('zero-shot', transferred), controls: ['no-ecg'] }],
      });
      const plain = experimentPaths.model('zero-shot', `${from}-${backbone}-no-it`);
      let plainJob = plainJobs.get(plain);
      if (!plainJob) {
        plainJob = { train: { data: experimentPaths.prepared(from), out: plain, backbone, instruction: 'none' }, evaluations: [] };
        plainJobs.set(plain, plainJob);
        jobs.push(plainJob);
      }
      const plainTransferred = zeroShotRun(from, to, backbone, 'zero-shot-no-it');
      plainJob.evaluations.push({ name: plainTransferred, model: plain, data: target, out: experimentPaths.run('zero-shot', plainTransferred), controls: ['no-ecg'] });
    }
  }
  const runs = await runJobs(ctx, jobs, plan.workers, 'zero-shot');
  await writeSummary('zero-shot', { ...inDomain, ...runs });
}
