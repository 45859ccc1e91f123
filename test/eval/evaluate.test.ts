import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { nearestNeighbours } from '../../lib/eval/baselines.ts';
import { type PredictionLine, derangement, evaluateModel } from '../../lib/eval/evaluate.ts';
import { Rng } from '../../lib/util/prng.ts';
import { readEvaluateOptions } from '../../lib/train/options.ts';
import { runMeit } from '../helpers/cli.ts';
import { temp, tinyDataset, tinyParams, trainTiny } from '../train/trainer-setup.ts';

const readLines = (file: string) => readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as PredictionLine);

test('nearest neighbour by cosine similarity: scale does not matter, ties go to the earlier row', () => {
  const pool = Float32Array.from([1, 0, 0.6, 0.8, 0.6, 0.8]);
  const queries = Float32Array.from([3, 0.1, 0.1, 2]);
  assert.deepEqual(nearestNeighbours(queries, pool, 2), [0, 1]);
  assert.throws(() => nearestNeighbours(queries, new Float32Array(0), 2), /no training ECGs/);
});

test('the shuffled-ECG permutation moves every example and depends on the seed only', () => {
  for (const n of [2, 3, 10, 50]) {
    const p = derangement(n, new Rng(n));
    assert.deepEqual([...p].sort((a, b) => a - b), Array.from({ length: n }, (_, i) => i));
    assert.ok(p.every((j, i) => j !== i), `fixed point in ${p}`);
    assert.deepEqual(derangement(n, new Rng(n)), p);
  }
  assert.deepEqual(derangement(1, new Rng(0)), [0]);
});

test('evaluate: predictions, flat metrics in both modes with clinical scores and intervals, three controls, deterministic', async () => {
  const dir = temp('evaluate');
  const data = await tinyDataset(dir);
  const params = tinyParams(dir, ['max_steps: 2']);
  await trainTiny(data, join(dir, 'run'), params);
  const options = readEvaluateOptions(params);
  const a = await evaluateModel({ model: join(dir, 'run'), data, out: join(dir, 'eval-a'), options, seed: 0 });
  const b = await evaluateModel({ model: join(dir, 'run', 'model'), data, out: join(dir, 'eval-b'), options, seed: 0 });
  assert.equal(a.examples, 4);
  const metrics = readFileSync(join(dir, 'eval-a', 'metrics.json'), 'utf8');
  assert.equal(metrics, readFileSync(join(dir, 'eval-b', 'metrics.json'), 'utf8'), 'same model, data and seed: same metrics');
  const m = JSON.parse(metrics) as Record<string, number>;
  for (const prefix of ['', 'no-ecg/', 'shuffled-ecg/', 'nearest-neighbour/']) {
    for (const key of ['coco/BLEU-4', 'meit/BLEU-4', 'coco/CIDEr-D', 'meit/METEOR', 'clinical/micro_f1', 'clinical/macro_precision', 'coco/BLEU-4_ci_low', 'clinical/micro_f1_ci_high']) {
      assert.equal(typeof m[prefix + key], 'number', prefix + key);
    }
  }
  assert.ok(m['coco/ROUGE-L_ci_low']! <= m['coco/ROUGE-L']! && m['coco/ROUGE-L']! <= m['coco/ROUGE-L_ci_high']!);

  const test = readFileSync(join(data, 'test.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { id: string; report: string; instruction: string });
  const main = readLines(join(dir, 'eval-a', 'predictions.jsonl'));
  assert.deepEqual(main.map((p) => [p.id, p.reference, p.instruction]), test.map((e) => [e.id, e.report, e.instruction]));
  for (const p of main) assert.equal(typeof p.prediction, 'string');

  // The baseline's predictions are training reports, of the neighbours it names.
  const train = new Map(readFileSync(join(data, 'train.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { id: string; report: string }).map((e) => [e.id, e.report]));
  for (const p of readLines(join(dir, 'eval-a', 'predictions-nearest-neighbour.jsonl'))) assert.equal(p.prediction, train.get(p.neighbour!));
  for (const control of ['no-ecg', 'shuffled-ecg']) assert.equal(readLines(join(dir, 'eval-a', `predictions-${control}.jsonl`)).length, 4);
});

test('evaluate a text-only model: no controls; meit evaluate errors are one line, exit 2', async () => {
  const dir = temp('evaluate-none');
  const data = await tinyDataset(dir);
  const params = tinyParams(dir, ['max_steps: 1'], ['bootstrap: 0']);
  await trainTiny(data, join(dir, 'run'), params, { alignment: 'none' });
  const result = await evaluateModel({ model: join(dir, 'run'), data, out: join(dir, 'eval'), options: readEvaluateOptions(params), seed: 0 });
  assert.ok(!Object.keys(result.metrics).some((k) => k.includes('/coco/') || k.endsWith('_ci_low')), Object.keys(result.metrics).join(', '));

  const missing = join(dir, 'nothing');
  const noModel = await runMeit(['evaluate', '--model', missing, '--data', data, '--out', join(dir, 'e2')]);
  assert.equal(noModel.code, 2);
  assert.equal(noModel.stderr.trim(), `meit: error: ${missing}: model directory not found`);
  const badControl = await runMeit(['evaluate', '--model', join(dir, 'run'), '--data', data, '--out', join(dir, 'e2'), '--controls', 'no-ecg,bogus']);
  assert.equal(badControl.code, 2);
  assert.match(badControl.stderr, /unknown control "bogus"/);
});
