import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadParams } from '../../lib/config/params.ts';
import { DEFAULT_TRAIN_OPTIONS, readEvaluateOptions, readTrainOptions } from '../../lib/train/options.ts';
import { withoutSingletons } from '../../lib/train/trainer.ts';
import { InputError } from '../../lib/util/errors.ts';
import { runMeit } from '../helpers/cli.ts';
import { temp, tinyDataset, tinyParams, trainTiny } from './trainer-setup.ts';

test('train options: defaults, params values, and errors naming params.yaml and the key', () => {
  const dir = temp('options');
  const o = readTrainOptions(tinyParams(dir, ['schedule: cosine', 'patience: 2']));
  assert.equal(o.lr, 3e-3);
  assert.equal(o.schedule, 'cosine');
  assert.equal(o.patience, 2);
  assert.equal(o.warmup, DEFAULT_TRAIN_OPTIONS.warmup);
  assert.deepEqual(readEvaluateOptions(tinyParams(dir, [], ['controls: [no-ecg]'])).controls, ['no-ecg']);
  for (const [line, message] of [
    ['schedule: step', /train\.schedule must be one of linear, cosine, constant/],
    ['batch_size: 0', /train\.batch_size must be an integer/],
    ['val_every: 2.5', /train\.val_every must be an integer/],
    ['learning_rate: 0.1', /train\.learning_rate is not a known key \(known: lr, /],
  ] as const) {
    const p = tinyParams(dir, [line]);
    assert.throws(() => readTrainOptions(p), (err: unknown) => err instanceof InputError && message.test(err.message) && err.file === p.file);
  }
  // The repository's params.yaml parses, in every profile.
  for (const profile of ['smoke', 'quick', 'full', 'paper']) {
    const repo = loadParams(new URL('../../params.yaml', import.meta.url).pathname, profile);
    readTrainOptions(repo);
    readEvaluateOptions(repo);
  }
});

test('a one-example batch (batch norm cannot train on it) joins its neighbour', () => {
  assert.deepEqual(withoutSingletons([[1, 2], [3], [4, 5]]), [[1, 2, 3], [4, 5]]);
  assert.deepEqual(withoutSingletons([[3], [1, 2], [4]]), [[1, 2, 3, 4]]);
  assert.deepEqual(withoutSingletons([[7]]), [[7]]);
});

test('early stopping: with lr 0 the validation loss never improves, so patience 2 stops after the third validation', async () => {
  const dir = temp('early');
  const data = await tinyDataset(dir);
  // Text only: no batch-norm statistics that would move the validation loss without learning.
  const params = tinyParams(dir, ['lr: 0', 'val_every: 1', 'patience: 2', 'epochs: 5']);
  const summary = await trainTiny(data, join(dir, 'run'), params, { alignment: 'none' });
  assert.equal(summary.steps, 3);
  assert.ok(summary.stoppedEarly);
  assert.equal(summary.bestValStep, 1);
  const log = readFileSync(join(dir, 'run', 'train-log.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, number>);
  const steps = log.filter((r) => 'loss' in r);
  assert.deepEqual(steps.map((r) => r.step), [1, 2, 3]);
  for (const r of steps) for (const key of ['epoch', 'loss', 'lr', 'grad_norm', 'tokens_per_s']) assert.ok(Number.isFinite(r[key]), `${key} in ${JSON.stringify(r)}`);
  assert.equal(log.filter((r) => 'val_loss' in r).length, 3);
  const info = JSON.parse(readFileSync(join(dir, 'run', 'train.json'), 'utf8')) as { run: { instruction: string }; summary: { steps: number } };
  assert.equal(info.run.instruction, 'bank');
  assert.equal(info.summary.steps, 3);
});

test('training lowers the loss on the tiny dataset; restore_best keeps the model of the best validation', async () => {
  const dir = temp('falls');
  const data = await tinyDataset(dir);
  const params = tinyParams(dir, ['epochs: 6', 'warmup: 0', 'checkpoint_every: 100', 'restore_best: true'], [], ['finetune: full']);
  const summary = await trainTiny(data, join(dir, 'run'), params);
  const val = readFileSync(join(dir, 'run', 'train-log.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { step: number; val_loss?: number })
    .filter((r) => r.val_loss !== undefined);
  assert.equal(val.length, 6);
  assert.ok(val[5]!.val_loss! < val[0]!.val_loss! - 0.5, `validation loss ${val.map((r) => r.val_loss!.toFixed(3)).join(' → ')}`);
  const best = val.reduce((a, b) => (b.val_loss! < a.val_loss! ? b : a));
  assert.equal(summary.bestValStep, best.step);
  const weights = (sub: string) => readFileSync(join(dir, 'run', sub, 'model.safetensors'));
  assert.ok(weights('model').equals(weights('best')));
  const last = weights(join('checkpoints', 'step-00000024', 'model'));
  assert.equal(weights('model').equals(last), best.step === 24, 'the last step\'s weights only if its validation was the best');
});

test('meit train: an unknown backbone or a missing data directory is one line and exit 2', async () => {
  const dir = temp('cli');
  const bad = await runMeit(['train', '--data', dir, '--backbone', 'gpt5', '--out', join(dir, 'out')]);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--backbone must be one of gpt2-medium, gpt2-large, gpt-neo, .*llama-3/);
  assert.equal(bad.stderr.trim().split('\n').length, 1);
  const missing = join(dir, 'no-such-data');
  const noData = await runMeit(['train', '--data', missing, '--backbone', 'llama-2', '--out', join(dir, 'out')]);
  assert.equal(noData.code, 2);
  assert.equal(noData.stderr.trim(), `meit: error: ${missing}: prepared dataset directory not found`);
});
