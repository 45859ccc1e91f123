/**
 * Shared set-up of the trainer and evaluation tests: a tiny prepared PTB-XL-style dataset
 * (the real synthetic writer and `prepare`, 40 records of 2 s at 50 Hz) and a params file with
 * a one-layer, hidden-32 decoder, so that a training step takes milliseconds on wasm.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadParams, type LoadedParams } from '../../lib/config/params.ts';
import { prepareDataset } from '../../lib/data/prepare.ts';
import { writeSyntheticDataset } from '../../lib/data/synthetic.ts';
import { initBackend } from '../../lib/model/backend.ts';
import type { AlignmentKind } from '../../lib/model/alignment.ts';
import { meitOptionsFromParams } from '../../lib/model/multimodal-params.ts';
import { readTrainOptions } from '../../lib/train/options.ts';
import { type TrainRequest, type TrainSummary, train } from '../../lib/train/trainer.ts';

process.env.MEIT_QUIET = '1';

export const temp = (name: string) => mkdtempSync(join(tmpdir(), `meit-train-${name}-`));

/** Base lines of a section with `extra` lines ("key: value") replacing or adding keys. */
function section(base: string[], extra: string[]): string[] {
  const key = (line: string) => line.split(':')[0];
  const replaced = new Set(extra.map(key));
  return [...base.filter((line) => !replaced.has(key(line))), ...extra].map((line) => `  ${line}`);
}

/** params.yaml of the tests; `train`, `evaluate` and `meit` lines ("key: value") override the sections' keys. */
export function tinyParamsYaml(train: string[] = [], evaluate: string[] = [], meit: string[] = []): string {
  return [
    'seed: 0',
    'backend: wasm',
    'prepare:',
    '  fs: 50',
    '  seconds: 2',
    '  preprocess: {bandpass: null, notch: null, normalize: minmax-global, nonFinite: zero}',
    '  instruction: bank',
    '  shard_mb: 64',
    '  workers: 0',
    '  ptbxl: {database: ptbxl_database.csv, records: auto, report: english, translation: null, on_bad_record: fail}',
    '  mimic: {split: {train: 0.8, val: 0.1, test: 0.1}, on_bad_record: skip}',
    'models:',
    '  vocab_size: 400',
    '  mini:',
    '    gpt2-medium: {layers: 1, hidden: 32, heads: 2, intermediate: 64, max_positions: 256}',
    '    llama-2: {layers: 1, hidden: 32, heads: 2, intermediate: 64, max_positions: 256}',
    'train:',
    ...section(['lr: 3.0e-3', 'batch_size: 8', 'epochs: 2', 'checkpoint_every: 2'], train),
    'evaluate:',
    ...section(['batch_size: 8', 'bootstrap: 20'], evaluate),
    'generation:',
    '  max_new_tokens: 16',
    'meit:',
    ...section(['encoder: tiny', 'lora: {r: 4, alpha: 8, dropout: 0.1}'], meit),
    'profiles:',
    '  quick: {}',
    '',
  ].join('\n');
}

/** Writes a params file into `dir` and loads it. */
export function tinyParams(dir: string, train: string[] = [], evaluate: string[] = [], meit: string[] = []): LoadedParams {
  const file = join(dir, 'params.yaml');
  writeFileSync(file, tinyParamsYaml(train, evaluate, meit));
  return loadParams(file);
}

/** A prepared tiny dataset (32 train, 4 val, 4 test examples); returns its directory. */
export async function tinyDataset(dir: string): Promise<string> {
  const root = join(dir, 'synth');
  const out = join(dir, 'prepared');
  await writeSyntheticDataset(root, { style: 'ptbxl', n: 40, seed: 1, fs: 100 });
  await prepareDataset({ source: 'ptbxl', root, out, params: tinyParams(dir), warn: () => {} });
  return out;
}

/** Trains the tiny gpt2-medium preset in this process (wasm backend). */
export async function trainTiny(data: string, out: string, params: LoadedParams, request: Partial<TrainRequest> & { alignment?: AlignmentKind } = {}): Promise<TrainSummary> {
  await initBackend('wasm');
  const { alignment, ...rest } = request;
  const model = meitOptionsFromParams(params, 'gpt2-medium', alignment ? { alignment } : {});
  return train({ data, out, model, seed: 0, options: readTrainOptions(params), vocabSize: model.decoder!.vocabSize, ...rest });
}

/** The trained weights of run directory `run`, as bytes. */
export const runWeights = (run: string): Buffer => readFileSync(join(run, 'model', 'model.safetensors'));

/** The records of a run's train-log.jsonl without their timings (tokens_per_s). */
export function logWithoutTimings(run: string): Record<string, number>[] {
  return readFileSync(join(run, 'train-log.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((line) => {
      const { tokens_per_s: _, ...rest } = JSON.parse(line) as Record<string, number>;
      return rest;
    });
}
