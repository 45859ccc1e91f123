import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { collectResults } from '../../lib/experiments/collect.ts';
import { readExperimentPlan } from '../../lib/experiments/plan.ts';
import { type ExperimentName, experimentPaths } from '../../lib/experiments/runs.ts';
import { InputError } from '../../lib/util/errors.ts';

const PLAN = readExperimentPlan({
  file: 'params.yaml',
  profile: 'test',
  values: {
    experiments: {
      datasets: ['ptbxl', 'mimic'],
      backbones: ['gpt2-medium'],
      zero_shot: { directions: ['mimic-to-ptbxl'] },
      robustness: { backbones: ['gpt2-medium'], dataset: 'mimic', perturbations: ['meit-partial-noise', 'lead-dropout'] },
      ablations: { backbones: ['gpt2-medium'], dataset: 'ptbxl', alignments: ['prefix', 'none'] },
    },
  },
});

/** `key` = value with its interval [value - width, value + width], under `prefix`. */
const withInterval = (prefix: string, key: string, value: number, width: number) => ({ [prefix + key]: value, [`${prefix}${key}_ci_low`]: value - width, [`${prefix}${key}_ci_high`]: value + width });

/**
 * Flat metrics as evaluate writes them: micro-F1 `f1` with its interval, a control's under its
 * prefix; macro-F1 at half the model's micro-F1 and a quarter of each control's, with intervals
 * a quarter as wide (binary fractions: exact sums).
 */
function metrics(f1: number, ci: number, controls: Record<string, [number, number]> = {}): Record<string, number> {
  const out: Record<string, number> = { 'meit/BLEU-4': f1 / 2, 'coco/BLEU-4': f1 / 3, ...withInterval('', 'clinical/micro_f1', f1, ci), ...withInterval('', 'clinical/macro_f1', f1 / 2, ci / 4) };
  for (const [control, [value, width]] of Object.entries(controls)) {
    Object.assign(out, withInterval(`${control}/`, 'clinical/micro_f1', value, width), withInterval(`${control}/`, 'clinical/macro_f1', value / 4, width / 4));
  }
  return out;
}

function writeRun(experiment: ExperimentName, run: string, m: Record<string, number>) {
  const dir = experimentPaths.run(experiment, run);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'metrics.json'), JSON.stringify(m));
}

test('collectResults reads every run of the plan into rows, and checks the model against the no-ECG control', () => {
  process.chdir(mkdtempSync(join(tmpdir(), 'meit-collect-')));
  // (Binary fractions: exact sums.) PTB-XL: the model's interval [0.625, 0.875] lies above
  // no-ECG's [0.25, 0.5]; MIMIC: [0.375, 0.625] overlaps [0.3125, 0.5625].
  writeRun('backbones', 'ptbxl-gpt2-medium', metrics(0.75, 0.125, { 'no-ecg': [0.375, 0.125], 'shuffled-ecg': [0.4375, 0.125] }));
  writeRun('backbones', 'mimic-gpt2-medium', metrics(0.5, 0.125, { 'no-ecg': [0.4375, 0.125] }));
  writeRun('zero-shot', 'mimic-to-ptbxl-gpt2-medium-zero-shot', metrics(0.25, 0.0625));
  writeRun('zero-shot', 'mimic-to-ptbxl-gpt2-medium-zero-shot-no-it', metrics(0.125, 0.0625));
  for (let step = 1; step <= 4; step++) writeRun('robustness', `mimic-gpt2-medium-meit-partial-noise-${step}`, metrics(0.5 - step / 100, 0));
  for (let step = 1; step <= 5; step++) writeRun('robustness', `mimic-gpt2-medium-lead-dropout-${step}`, metrics(0.5 - step / 10, 0));
  for (const variant of ['prefix', 'none', 'no-instruction', 'seen-instructions']) writeRun('ablations', `ptbxl-gpt2-medium-${variant}`, metrics(0.1, 0));

  const r = collectResults(PLAN);
  assert.deepEqual(r.backbones.map((b) => [b.dataset, b.scores['BLEU-4'], b.scores['Clinical micro-F1']]), [
    ['ptbxl', 0.375, { value: 0.75, lo: 0.625, hi: 0.875 }],
    ['mimic', 0.25, { value: 0.5, lo: 0.375, hi: 0.625 }],
  ]);
  // Macro-F1: PTB-XL [0.34375, 0.40625] vs no-ECG's [0.0625, 0.125]; MIMIC [0.21875, 0.28125]
  // vs [0.078125, 0.140625]: above, where micro-F1 overlaps.
  assert.deepEqual(r.ecgChecks.map((c) => [c.dataset, c.metric, c.beatsNoEcg, c.beatsShuffled]), [
    ['ptbxl', 'micro-F1', true, true],
    ['ptbxl', 'macro-F1', true, true],
    ['mimic', 'micro-F1', false, undefined],
    ['mimic', 'macro-F1', true, undefined],
  ]);
  assert.equal(r.ecgChecks[2]!.controls['shuffled-ecg'], undefined);

  // In-domain is E1's model on the target dataset (PTB-XL).
  assert.deepEqual(r.zeroShot.map((z) => [z.setting, z.scores['Clinical micro-F1']]), [
    ['in-domain', { value: 0.75, lo: 0.625, hi: 0.875 }],
    ['zero-shot', { value: 0.25, lo: 0.1875, hi: 0.3125 }],
    ['zero-shot-no-it', { value: 0.125, lo: 0.0625, hi: 0.1875 }],
  ]);

  // Clean (level 0) is E1's MIMIC run; MEIT's noise is graded by the fraction of the signal.
  assert.deepEqual(r.partialNoise.map((p) => [p.level, (p.scores['Clinical micro-F1'] as { value: number }).value]), [
    [0, 0.5],
    [0.05, 0.49],
    [0.1, 0.48],
    [0.15, 0.47],
    [0.2, 0.46],
  ]);
  assert.deepEqual(r.perturbed.map((p) => [p.step, p.level, p.label]), [
    [0, 0, 'clean'],
    [1, 1, '1 lead dropped'],
    [2, 2, '2 leads dropped'],
    [3, 3, '3 leads dropped'],
    [4, 6, '6 leads dropped'],
    [5, 9, '9 leads dropped'],
  ]);

  // The MEIT arm, the other alignments (the paper's arms where it has them), then the controls.
  assert.deepEqual(r.ablations.map((a) => [a.variant, a.paperVariant]), [
    ['meit', undefined],
    ['prefix', 'prefix'],
    ['none (text only)', undefined],
    ['no-instruction', undefined],
    ['seen-instructions', undefined],
    ['no-ecg', undefined],
    ['shuffled-ecg', undefined],
  ]);
});

test('a missing run names the file and the fix', () => {
  process.chdir(mkdtempSync(join(tmpdir(), 'meit-collect-')));
  assert.throws(
    () => collectResults(PLAN),
    (err: unknown) => err instanceof InputError && err.file === join('results', 'backbones', 'runs', 'ptbxl-gpt2-medium', 'metrics.json') && /run the stage that writes it first/.test(err.message),
  );
});

test('across seeds: mean and sample sd of each headline metric every seed has', async () => {
  const { acrossSeeds } = await import('../../lib/experiments/runs.ts');
  // coco/BLEU-4 is a headline metric but only one seed has it: left out.
  const seeds: Record<string, number>[] = [
    { 'meit/BLEU-4': 0.2, 'clinical/micro_f1': 0.5, 'clinical/micro_f1_ci_low': 0.4, 'coco/BLEU-4': 0.9 },
    { 'meit/BLEU-4': 0.4, 'clinical/micro_f1': 0.7, 'clinical/micro_f1_ci_low': 0.6 },
  ];
  const out = acrossSeeds('ptbxl-gpt2-medium/seeds', seeds);
  assert.deepEqual(Object.keys(out).sort(), [
    'ptbxl-gpt2-medium/seeds/clinical/micro_f1_mean',
    'ptbxl-gpt2-medium/seeds/clinical/micro_f1_sd',
    'ptbxl-gpt2-medium/seeds/meit/BLEU-4_mean',
    'ptbxl-gpt2-medium/seeds/meit/BLEU-4_sd',
  ]);
  assert.ok(Math.abs(out['ptbxl-gpt2-medium/seeds/meit/BLEU-4_mean']! - 0.3) < 1e-12);
  assert.ok(Math.abs(out['ptbxl-gpt2-medium/seeds/meit/BLEU-4_sd']! - Math.SQRT2 * 0.1) < 1e-12);
});
