import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { deepMerge } from '../../lib/config/params.ts';
import { prepareDataset } from '../../lib/data/prepare.ts';
import { type PredictionLine, evaluateModel } from '../../lib/eval/evaluate.ts';
import { readEvaluateOptions } from '../../lib/train/options.ts';
import { sharedData } from '../helpers/shared.ts';
import { temp, tinyParams, trainTiny } from '../train/trainer-setup.ts';

const ptbxl = sharedData('ptb-xl');

test('train and evaluate on the real PTB-XL records: clinical scores against their scp_codes', { skip: ptbxl.skip }, async () => {
  const dir = temp('ptbxl');
  const params = tinyParams(dir, ['max_steps: 3'], ['bootstrap: 10']);
  const data = join(dir, 'prepared');
  const real = { ...params, values: deepMerge(params.values, { prepare: { ptbxl: { database: 'ptbxl_database.fixture24.csv' } } }) };
  await prepareDataset({ source: 'ptbxl', root: ptbxl.path, out: data, params: real, warn: () => {} });
  await trainTiny(data, join(dir, 'run'), params);
  const { metrics } = await evaluateModel({ model: join(dir, 'run'), data, out: join(dir, 'eval'), options: readEvaluateOptions(params), seed: 0 });

  // strat_fold 10 of the 24 records: ecg_id 9 (NORM) and 318 (NDT, DIG, STD_, AFIB).
  const lines = (name: string) => readFileSync(join(dir, 'eval', name), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as PredictionLine);
  const main = lines('predictions.jsonl');
  assert.deepEqual(main.map((p) => p.id), ['9', '318']);
  assert.deepEqual(main[1]!.labels, { NDT: 100, DIG: 80, STD_: 0, AFIB: 0 });
  for (const key of ['clinical/micro_f1', 'nearest-neighbour/clinical/micro_f1', 'no-ecg/clinical/macro_f1']) {
    assert.ok(metrics[key]! >= 0 && metrics[key]! <= 1, `${key} = ${metrics[key]}`);
  }
  const train = new Set(readFileSync(join(data, 'train.jsonl'), 'utf8').trim().split('\n').map((l) => (JSON.parse(l) as { id: string }).id));
  for (const p of lines('predictions-nearest-neighbour.jsonl')) assert.ok(train.has(p.neighbour!), `neighbour ${p.neighbour} is a training record`);
});
