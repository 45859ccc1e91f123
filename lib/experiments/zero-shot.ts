/**
 * E2 — zero-shot transfer: a model trained on one dataset reports on the other's test ECGs,
 * with instruction tuning (E1's model) and without (plain fine-tuning: no user turn, no role
 * tags), beside in-domain training (E1's model of the target dataset). The kit's BPE is
 * trained on the source dataset's reports; the target is read with the model's own tokenizer.
 */
import type { LoadedParams } from '../config/params.ts';
import { backboneRun } from './backbones.ts';
import { readExperimentPlan } from './plan.ts';
import { evaluateRun, experimentPaths, readRunMetrics, startExperiment, trainRun, writeSummary } from './runs.ts';

export const ZERO_SHOT_SETTINGS = ['in-domain', 'zero-shot', 'zero-shot-no-it'] as const;
export type ZeroShotSettingName = (typeof ZERO_SHOT_SETTINGS)[number];

/** Run name, e.g. "mimic-to-ptbxl-gpt2-medium-zero-shot". */
export const zeroShotRun = (from: string, to: string, backbone: string, setting: ZeroShotSettingName) => `${from}-to-${to}-${backbone}-${setting}`;

export async function runZeroShot(params: LoadedParams): Promise<void> {
  const plan = readExperimentPlan(params);
  const ctx = await startExperiment('zero-shot', params);
  const runs: Record<string, Record<string, number>> = {};
  const noInstructionModels = new Map<string, string>();
  for (const { from, to } of plan.zeroShot.directions) {
    for (const backbone of plan.zeroShot.backbones) {
      const target = experimentPaths.prepared(to);
      runs[zeroShotRun(from, to, backbone, 'in-domain')] = readRunMetrics(experimentPaths.run('backbones', backboneRun(to, backbone)));
      const transferred = zeroShotRun(from, to, backbone, 'zero-shot');
      runs[transferred] = await evaluateRun(ctx, {
        model: experimentPaths.model('backbones', backboneRun(from, backbone)),
        data: target,
        out: experimentPaths.run('zero-shot', transferred),
        controls: ['no-ecg'],
      });
      // One plain fine-tuned model per source dataset and backbone serves every direction.
      const plainRun = `${from}-${backbone}-no-it`;
      let plain = noInstructionModels.get(plainRun);
      if (!plain) {
        plain = experimentPaths.model('zero-shot', plainRun);
        await trainRun(ctx, { data: experimentPaths.prepared(from), out: plain, backbone, instruction: 'none' });
        noInstructionModels.set(plainRun, plain);
      }
      const plainTransferred = zeroShotRun(from, to, backbone, 'zero-shot-no-it');
      runs[plainTransferred] = await evaluateRun(ctx, { model: plain, data: target, out: experimentPaths.run('zero-shot', plainTransferred), controls: ['no-ecg'] });
    }
  }
  await writeSummary('zero-shot', runs);
}
