/**
 * The pipeline's stages as functions: each reads the effective params (params.yaml ⊕ profile)
 * and files, and writes its outputs atomically. dvc.yaml runs them through `meit stage NAME
 * ITEM`; notebooks and tests can call them directly. Paths follow one scheme:
 *
 *   data/synth/<dataset>       synthetic dataset in the real layout   (stage synth)
 *   data/prepared/<dataset>    split-wise shards + manifest           (stage prepare)
 *   models/<experiment>/<run>  trained models                         (backbones, zero-shot, ablations)
 *   results/<experiment>/      runs/<run>/{metrics.json, predictions*.jsonl} + metrics.json
 *   results/{tables,figures}   and results/README.md                  (stage report)
 *
 * The experiment stages take no item: the backbones they run depend on the profile, which
 * dvc.yaml's foreach cannot see (DVC interpolates params.yaml's base values), so each loops
 * over the profile's plan itself (lib/experiments/plan.ts).
 */
import { join } from 'node:path';
import type { LoadedParams } from '../config/params.ts';
import { param } from '../config/params.ts';
import { InputError } from '../util/errors.ts';
import { Progress } from '../util/progress.ts';

import { DATASETS, type DatasetName, datasetRoot } from '../experiments/plan.ts';

export { DATASETS, type DatasetName };

export interface StageDefinition {
  summary: string;
  /** The values of ITEM (foreach in dvc.yaml); null: the stage takes no item. */
  items: readonly string[] | null;
  run(params: LoadedParams, item: string): Promise<void>;
}

export const paths = {
  synth: (dataset: string) => join('data', 'synth', dataset),
  prepared: (dataset: string) => join('data', 'prepared', dataset),
};

export const STAGES: Record<string, StageDefinition> = {
  synth: {
    summary: 'write the synthetic dataset in the real PTB-XL / MIMIC-IV-ECG layout',
    items: DATASETS,
    async run(p, item) {
      const { writeSyntheticDataset } = await import('../data/synthetic.ts');
      const n = param(p, `synth.${item}.n`, 'number');
      const progress = new Progress(`synth ${item}`, n, { unit: 'rec' });
      await writeSyntheticDataset(paths.synth(item), {
        style: item as DatasetName,
        n,
        seed: param(p, `synth.${item}.seed`, 'number'),
        fs: param(p, `synth.${item}.fs`, 'number'),
        onRecord: () => progress.tick(),
      });
      progress.finish();
    },
  },
  prepare: {
    summary: 'read a dataset (the synthetic one, or your real copy: prepare.<dataset>.root) into shards',
    items: DATASETS,
    async run(p, item) {
      const { prepareDataset } = await import('../data/prepare.ts');
      await prepareDataset({ source: item as DatasetName, root: datasetRoot(p, item as DatasetName), out: paths.prepared(item), params: p });
    },
  },
  backbones: {
    summary: 'E1: train and evaluate every backbone of the profile on every dataset (with the no-ECG, shuffled-ECG and nearest-neighbour controls)',
    items: null,
    run: async (p) => (await import('../experiments/backbones.ts')).runBackbones(p),
  },
  'zero-shot': {
    summary: "E2: E1's models on the other dataset's test set, with and without instruction tuning",
    items: null,
    run: async (p) => (await import('../experiments/zero-shot.ts')).runZeroShot(p),
  },
  robustness: {
    summary: "E3: E1's models on perturbed test ECGs (MEIT's partial white noise and others, graded)",
    items: null,
    run: async (p) => (await import('../experiments/robustness.ts')).runRobustness(p),
  },
  ablations: {
    summary: 'E4: alignments, instruction tuning, seen vs held-out instructions, beside the controls',
    items: null,
    run: async (p) => (await import('../experiments/ablations.ts')).runAblations(p),
  },
  report: {
    summary: 'tables, figures and results/README.md from the experiments\' metrics',
    items: null,
    run: async (p) => (await import('../experiments/report.ts')).runReport(p),
  },
};

export function stageDefinition(name: string, item: string | undefined): StageDefinition {
  const stage = STAGES[name];
  if (!stage) throw new InputError(`unknown stage ${JSON.stringify(name)}; stages: ${Object.keys(STAGES).join(', ')}`);
  if (stage.items === null) {
    if (item !== undefined) throw new InputError(`stage ${name} takes no item, got ${JSON.stringify(item)}`);
  } else if (item === undefined || !stage.items.includes(item)) {
    throw new InputError(`stage ${name} needs an item: one of ${stage.items.join(', ')}`);
  }
  return stage;
}
