/**
 * Hostile inputs of `meit train` (a prepared dataset: manifest.json, split JSONL, float32
 * shards) and `meit evaluate` (a model directory: config.json, model.safetensors,
 * tokenizer.json), with the contract of test/hostile/corpus.test.ts: exit 2, one stderr line
 * naming the file (and line), no stack trace, nothing on stdout, no --out directory.
 *
 * The inputs are a real prepared dataset and a real trained model (the smoke profile of
 * params.yaml: a few steps of a mini GPT-2), each damaged in one way. Those need a run of the
 * kit to exist, so they are built here rather than committed.
 */
import { before, after, test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runMeit, type MeitResult } from '../helpers/cli.ts';

const PREPARE_PARAMS = fileURLToPath(new URL('../fixtures/data/params.yaml', import.meta.url));
const PARAMS = ['--params', fileURLToPath(new URL('../../params.yaml', import.meta.url)), '--profile', 'smoke'];
const work = mkdtempSync(join(tmpdir(), 'meit-hostile-train-'));
after(() => rmSync(work, { recursive: true, force: true }));

const prepared = join(work, 'prepared');
const run = join(work, 'run');

before(async () => {
  const steps: string[][] = [
    ['data', 'synth', '--style', 'ptbxl', '--n', '12', '--seed', '1', '--fs', '100', '--out', join(work, 'synth')],
    ['data', 'prepare', '--source', 'ptbxl', '--root', join(work, 'synth'), '--out', prepared, '--params', PREPARE_PARAMS],
    ['train', '--data', prepared, '--backbone', 'gpt2-medium', '--out', run, ...PARAMS],
  ];
  for (const args of steps) {
    const r = await runMeit(args);
    assert.equal(r.code, 0, `${args.slice(0, 2).join(' ')}: ${r.stderr}`);
  }
});

function assertContract(r: MeitResult, names: string, message: RegExp, out: string): void {
  const lines = r.stderr.replace(/\n$/, '').split('\n');
  const problems: string[] = [];
  if (r.code !== 2) problems.push(`exit ${r.code}`);
  if (lines.length !== 1) problems.push(`${lines.length} stderr lines`);
  if (!lines[0]!.startsWith('meit: error: ') || !lines[0]!.includes(names) || !message.test(lines[0]!)) problems.push(`stderr: ${lines[0]}`);
  if (/\n\s+at /.test(r.stderr)) problems.push('stack trace');
  if (r.stdout !== '') problems.push('stdout not empty');
  if (existsSync(out)) problems.push(`${out} was written`);
  assert.deepEqual(problems, [], r.stderr);
}

/** Rewrites each JSON line of a split file. */
function editJsonl(file: string, change: (row: Record<string, unknown>, i: number) => void): void {
  const rows = readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
  rows.forEach(change);
  writeFileSync(file, rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
}

function editJson(file: string, change: (value: Record<string, unknown>) => void): void {
  const value = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  change(value);
  writeFileSync(file, JSON.stringify(value));
}

const TRAIN_CASES: { name: string; damage: (dir: string) => void; names: string; message: RegExp }[] = [
  { name: 'manifest-garbage', damage: (d) => writeFileSync(join(d, 'manifest.json'), '\x89PNG\r\n'), names: 'manifest.json', message: /invalid JSON|not valid JSON/ },
  { name: 'manifest-version', damage: (d) => editJson(join(d, 'manifest.json'), (m) => (m.version = 99)), names: 'manifest.json', message: /version 99/ },
  { name: 'jsonl-garbage', damage: (d) => writeFileSync(join(d, 'train.jsonl'), '{"id": "1",\n'), names: 'train.jsonl:line 1', message: /not valid JSON/ },
  {
    name: 'manifest-samples-bomb',
    damage: (d) => editJson(join(d, 'manifest.json'), (m) => ((m.signal as { samples: number }).samples = 1e12)),
    names: 'manifest.json',
    message: /samples/,
  },
  {
    name: 'shard-outside',
    damage: (d) => {
      writeFileSync(join(d, '..', 'outside.f32'), Buffer.alloc(1 << 20));
      editJsonl(join(d, 'train.jsonl'), (row) => (row.shard = '../outside.f32'));
    },
    names: 'train.jsonl',
    message: /leaves|outside/,
  },
  {
    name: 'negative-index',
    damage: (d) => editJsonl(join(d, 'train.jsonl'), (row, i) => i === 0 && (row.index = -5)),
    names: 'train.jsonl',
    message: /index/,
  },
  {
    name: 'truncated-shard',
    damage: (d) => truncateSync(join(d, 'train-000.f32'), 100),
    names: 'train-000.f32',
    message: /truncated shard/,
  },
];

for (const c of TRAIN_CASES) {
  test(`train: ${c.name} → exit 2, one line naming ${c.names}, no OUT`, async () => {
    const data = join(work, `data-${c.name}`);
    cpSync(prepared, data, { recursive: true });
    c.damage(data);
    const out = join(work, `out-train-${c.name}`);
    assertContract(await runMeit(['train', '--data', data, '--backbone', 'gpt2-medium', '--out', out, ...PARAMS]), c.names, c.message, out);
  });
}

const CORPUS = fileURLToPath(new URL('.', import.meta.url));

const EVALUATE_CASES: { name: string; damage: (model: string) => void; names: string; message: RegExp }[] = [
  { name: 'config-garbage', damage: (m) => writeFileSync(join(m, 'config.json'), '{garbage'), names: 'model/config.json', message: /invalid JSON/ },
  { name: 'config-format', damage: (m) => editJson(join(m, 'config.json'), (c) => (c.format = 'pytorch')), names: 'model/config.json', message: /not a meit-kit model directory/ },
  { name: 'tokenizer-garbage', damage: (m) => writeFileSync(join(m, 'tokenizer.json'), '{garbage'), names: 'model/tokenizer.json', message: /invalid JSON/ },
  { name: 'tokenizer-missing', damage: (m) => rmSync(join(m, 'tokenizer.json')), names: 'model/tokenizer.json', message: /no such file/ },
  {
    name: 'tokenizer-vocab-list',
    damage: (m) => cpSync(join(CORPUS, 'tokenizer', 'vocab-list.json'), join(m, 'tokenizer.json')),
    names: 'model/tokenizer.json',
    message: /vocab must be an object/,
  },
  { name: 'weights-garbage', damage: (m) => writeFileSync(join(m, 'model.safetensors'), Buffer.from('garbage, not safetensors')), names: 'model/model.safetensors:byte 0', message: /exceeds|runs past|truncated/ },
  {
    name: 'weights-wrong-tensors',
    damage: (m) => cpSync(join(CORPUS, 'checkpoint', 'safetensors-wrong-shape', 'model.safetensors'), join(m, 'model.safetensors')),
    names: 'model/model.safetensors:',
    message: /is missing|shape/,
  },
];

for (const c of EVALUATE_CASES) {
  test(`evaluate: ${c.name} → exit 2, one line naming ${c.names}, no OUT`, async () => {
    const model = join(work, `model-${c.name}`, 'model');
    cpSync(join(run, 'model'), model, { recursive: true });
    c.damage(model);
    const out = join(work, `out-evaluate-${c.name}`);
    assertContract(await runMeit(['evaluate', '--model', model, '--data', prepared, '--out', out, ...PARAMS]), c.names, c.message, out);
  });
}
