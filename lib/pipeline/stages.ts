/**
 * The pipeline's stages as functions: each reads the effective params (params.yaml ⊕ profile)
 * and files, and writes its outputs atomically. dvc.yaml runs them through `meit stage NAME
 * ITEM`; notebooks and tests can call them directly. Paths follow one scheme:
 *
 *   data/synth/<dataset>       synthetic dataset in the real layout   (stage synth)
 *   data/prepared/<dataset>    split-wise shards + manifest           (stage prepare)
 */
import { join } from 'node:path';
import type { LoadedParams } from '../config/params.ts';
import { param } from '../config/params.ts';
import { InputError } from '../util/errors.ts';
import { Progress } from '../util/progress.ts';

export const DATASETS = ['ptbxl', 'mimic'] as const;
export type DatasetName = (typeof DATASETS)[number];

export interface StageDefinition {
  summary: string;
  /** The values of ITEM (foreach in dvc.yaml). */
  items: readonly string[];
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
      const configured = param(p, `prepare.${item}`, 'object').root;
      if (configured !== undefined && configured !== null && typeof configured !== 'string') {
        throw new InputError(`prepare.${item}.root must be a path or null`, { file: p.file });
      }
      const root = configured ?? paths.synth(item);
      await prepareDataset({ source: item as DatasetName, root, out: paths.prepared(item), params: p });
    },
  },
};

export function stageDefinition(name: string, item: string | undefined): StageDefinition {
  const stage = STAGES[name];
  if (!stage) throw new InputError(`unknown stage ${JSON.stringify(name)}; stages: ${Object.keys(STAGES).join(', ')}`);
  if (item === undefined || !stage.items.includes(item)) {
    throw new InputError(`stage ${name} needs an item: one of ${stage.items.join(', ')}`);
  }
  return stage;
}
