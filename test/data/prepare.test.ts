import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync, truncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deepMerge, loadParams, type ParamsTree } from '../../lib/config/params.ts';
import { prepareDataset, type SourceName } from '../../lib/data/prepare.ts';
import { HELDOUT_INSTRUCTIONS, TRAIN_INSTRUCTIONS } from '../../lib/data/instructions.ts';
import { LEADS, openPrepared, verifyPrepared } from '../../lib/data/shards.ts';
import { readRecord } from '../../lib/ecg/wfdb/index.ts';
import { InputError } from '../../lib/util/errors.ts';
import { sharedData } from '../helpers/shared.ts';
import { defaultMimicStudies, defaultPtbxlRows, sampleValue, writeMimic, writePtbxl } from '../fixtures/data/datasets.ts';

process.env.MEIT_QUIET = '1';
const PARAMS = new URL('../fixtures/data/params.yaml', import.meta.url).pathname;

function params(profile: string, overrides: ParamsTree = {}) {
  const p = loadParams(PARAMS, profile);
  return { ...p, values: deepMerge(p.values, overrides) };
}

/** Warning lines of the last prepare. */
let warnings: string[] = [];

function prepare(source: SourceName, root: string, out: string, profile = 'raw', overrides: ParamsTree = {}) {
  warnings = [];
  return prepareDataset({ source, root, out, params: params(profile, overrides), warn: (line) => warnings.push(line) });
}

const temp = (name: string) => mkdtempSync(join(tmpdir(), `meit-prepare-${name}-`));

function snapshot(dir: string): Record<string, string> {
  return Object.fromEntries(readdirSync(dir).sort().map((f) => [f, readFileSync(join(dir, f)).toString('base64')]));
}

test('prepare PTB-XL: signals in the canonical lead order equal the source, splits, jsonl', async () => {
  const root = join(temp('ptbxl'), 'ptbxl');
  await writePtbxl(root, defaultPtbxlRows(10));
  const out = join(temp('out'), 'prepared');
  const { manifest } = await prepare('ptbxl', root, out);
  assert.deepEqual(manifest.counts, { train: 8, val: 1, test: 1 });
  assert.deepEqual(await verifyPrepared(out), []);
  const data = openPrepared(out);
  assert.deepEqual(data.manifest.signal, { dtype: 'float32', endianness: 'little', layout: '[example][lead][sample]', leads: [...LEADS], fs: 100, samples: 1000 });
  const train = data.examples('train');
  assert.deepEqual(train.map((e) => e.id), ['1', '2', '3', '4', '5', '6', '7', '8']);
  assert.ok(train.every((e) => TRAIN_INSTRUCTIONS.includes(e.instruction)));
  assert.ok(HELDOUT_INSTRUCTIONS.includes(data.examples('test')[0]!.instruction));
  assert.deepEqual(train[1]!.labels, { IMI: 50, LVOLT: 0, SR: 0 });
  const leads = data.readSignal('train', 4); // ecg_id 5
  LEADS.forEach((lead, l) => {
    for (const t of [0, 1, 377, 999]) assert.ok(Math.abs(leads[l]![t]! - sampleValue(5, lead, t, 100)) <= 0.0005 + 1e-6, `${lead}[${t}]`);
  });
  data.close();
});

test('prepare MIMIC: aVL/aVF put in canonical order by name; reports joined by study', async () => {
  const root = join(temp('mimic'), 'mimic');
  const studies = defaultMimicStudies(9);
  await writeMimic(root, studies);
  const out = join(temp('out'), 'prepared');
  const { manifest } = await prepare('mimic', root, out, 'raw500');
  assert.equal(manifest.counts.train + manifest.counts.val + manifest.counts.test, 9);
  const data = openPrepared(out);
  for (const split of ['train', 'val', 'test'] as const) {
    data.examples(split).forEach((ex, i) => {
      assert.match(ex.report, new RegExp(`study ${ex.id}\\.`));
      const leads = data.readSignal(split, i);
      for (const lead of ['aVL', 'aVF', 'V6']) {
        const got = leads[LEADS.indexOf(lead as (typeof LEADS)[number])]![123]!;
        assert.ok(Math.abs(got - sampleValue(Number(ex.id), lead, 123, 500)) <= 0.0025 + 1e-6, `${ex.id} ${lead}`);
      }
    });
  }
  data.close();
});

test('prepare: byte-identical outputs across runs and worker counts', async () => {
  const root = join(temp('mimic'), 'mimic');
  await writeMimic(root, defaultMimicStudies(14));
  const a = join(temp('a'), 'out');
  const b = join(temp('b'), 'out');
  const first = await prepare('mimic', root, a, 'serial');
  const second = await prepare('mimic', root, b, 'workers2');
  assert.equal(first.workers, 0);
  assert.equal(second.workers, 2);
  assert.ok(first.manifest.shards.train.length > 1, 'several shards');
  const snapA = snapshot(a);
  const snapB = snapshot(b);
  // The manifest records the params, which name the worker count; everything else is equal.
  const manifestA = JSON.parse(Buffer.from(snapA['manifest.json']!, 'base64').toString());
  const manifestB = JSON.parse(Buffer.from(snapB['manifest.json']!, 'base64').toString());
  delete snapA['manifest.json'];
  delete snapB['manifest.json'];
  assert.deepEqual(snapA, snapB);
  assert.deepEqual(manifestA.files, manifestB.files);
  await prepare('mimic', root, b, 'serial');
  assert.deepEqual(snapshot(b), { ...snapA, 'manifest.json': Buffer.from(JSON.stringify(manifestA, null, 2) + '\n').toString('base64') });
});

test('prepare: short records are zero-padded, long ones cut, and counted', async () => {
  const root = join(temp('ptbxl'), 'ptbxl');
  const rows = defaultPtbxlRows(3);
  rows[0]!.seconds = 8;
  rows[1]!.seconds = 12;
  await writePtbxl(root, rows);
  const out = join(temp('out'), 'prepared');
  const { manifest } = await prepare('ptbxl', root, out);
  assert.deepEqual(manifest.records, { read: 3, padded: 1, cropped: 1, checksumMismatch: 0, replacedNonFinite: 0 });
  const data = openPrepared(out);
  const short = data.readSignal('train', 0);
  assert.ok(short.every((lead) => lead.subarray(800).every((v) => v === 0)), 'zero tail');
  assert.ok(short[1]!.subarray(0, 800).some((v) => v !== 0));
  data.close();
});

test('prepare: a bad record fails the run and leaves the previous output untouched', async () => {
  const root = join(temp('ptbxl'), 'ptbxl');
  await writePtbxl(root, defaultPtbxlRows(4));
  const outParent = temp('out');
  const out = join(outParent, 'prepared');
  await prepare('ptbxl', root, out);
  const before = snapshot(out);
  truncateSync(join(root, 'records100/00000/00003_lr.dat'), 1000);
  await assert.rejects(prepare('ptbxl', root, out), (e: unknown) => e instanceof InputError && /00003_lr/.test(e.oneLine()));
  assert.deepEqual(snapshot(out), before);
  assert.deepEqual(readdirSync(outParent), ['prepared'], 'no temporary directory left');
  // With on_bad_record: skip the record is dropped, warned about and counted.
  const { manifest } = await prepare('ptbxl', root, out, 'ptbxl-skip');
  assert.deepEqual(manifest.counts, { train: 3, val: 0, test: 0 });
  const skipped = manifest.skipped as { total: number; reasons: Record<string, number>; records: { id: string; file: string }[] };
  assert.equal(skipped.total, 1);
  assert.deepEqual(skipped.reasons, { 'unreadable or invalid record': 1 });
  assert.equal(skipped.records[0]!.id, '3');
  assert.match(skipped.records[0]!.file, /^records100\/00000\/00003_lr/);
  assert.equal(warnings.length, 1);
  assert.match(warnings[0]!, /^meit: warning: \S+00003_lr\.dat:byte 1000: truncated signal file.*; record 3 skipped$/);
});

test('prepare refuses an --out that contains the dataset or is a foreign directory', async () => {
  const parent = temp('guard');
  const root = join(parent, 'ptbxl');
  await writePtbxl(root, defaultPtbxlRows(1));
  await assert.rejects(prepare('ptbxl', root, parent), /contains the dataset root/);
  await assert.rejects(prepare('ptbxl', root, root), /contains the dataset root/);
  await assert.rejects(prepare('ptbxl', join(parent, 'nope'), join(parent, 'out')), /dataset root is not a directory/);
});

const ptbxl = sharedData('ptb-xl');

test('prepare the real PTB-XL records (fixture24) at 500 and 100 Hz', { skip: ptbxl.skip }, async () => {
  const out = join(temp('real'), 'prepared');
  const { manifest } = await prepare('ptbxl', ptbxl.path, out, 'raw500', { prepare: { ptbxl: { database: 'ptbxl_database.fixture24.csv' } } });
  assert.equal(manifest.counts.train + manifest.counts.val + manifest.counts.test, 24);
  assert.equal((manifest.records as { checksumMismatch: number }).checksumMismatch, 0);
  const data = openPrepared(out);
  const i = data.examples('train').findIndex((e) => e.id === '1');
  const got = data.readSignal('train', i);
  const record = await readRecord(join(ptbxl.path, 'records500/00000/00001_hr'));
  // The header order is already canonical (upper-case names): values pass through unchanged.
  for (let l = 0; l < 12; l++) assert.deepEqual(got[l], record.physical[l]);
  data.close();
  const low = await prepare('ptbxl', ptbxl.path, out, 'raw', { prepare: { ptbxl: { database: 'ptbxl_database.fixture24.csv' } } });
  assert.equal(low.manifest.signal.samples, 1000);
  assert.equal((low.manifest.dataset as { records: string }).records, 'records100');
  // The 500-row table: 475 records have no files here and 1 has no report.
  const all = await prepare('ptbxl', ptbxl.path, out, 'ptbxl-skip');
  assert.deepEqual((all.manifest.skipped as { reasons: object }).reasons, { 'empty report': 1, 'unreadable or invalid record': 475 });
  assert.equal(warnings.length, 21, 'twenty warnings, then one line pointing to the manifest');
});

const mimic = sharedData('mimic-iv-ecg');

test('prepare the real MIMIC-IV-ECG excerpt: the missing .dat is a clean skip, or a one-line error', { skip: mimic.skip }, async () => {
  const out = join(temp('real'), 'prepared');
  const { manifest } = await prepare('mimic', mimic.path, out, 'raw500');
  assert.deepEqual(manifest.counts, { train: 0, val: 0, test: 0 });
  const skipped = manifest.skipped as { total: number; records: { id: string; file: string; message: string }[] };
  assert.equal(skipped.total, 1);
  assert.equal(skipped.records[0]!.id, '40689238');
  assert.equal(skipped.records[0]!.file, 'files/p1000/p10000032/s40689238/40689238.dat');
  assert.match(skipped.records[0]!.message, /no such file/);
  await assert.rejects(prepare('mimic', mimic.path, join(temp('real'), 'x'), 'mimic-fail'), (e: unknown) =>
    e instanceof InputError && /40689238\.dat: cannot read: no such file or directory/.test(e.oneLine()));
  rmSync(out, { recursive: true });
});

test('prepare reads the synthetic datasets of `meit data synth` (both layouts)', async () => {
  const { writeSyntheticDataset } = await import('../../lib/data/synthetic.ts');
  for (const style of ['ptbxl', 'mimic'] as const) {
    const root = join(temp('synth'), style);
    await writeSyntheticDataset(root, { style, n: 12, seed: 4, fs: 500 });
    const out = join(temp('out'), 'prepared');
    const { manifest } = await prepare(style, root, out, 'minmax');
    const { counts, records, skipped } = manifest as typeof manifest & { records: { read: number }; skipped: { total: number } };
    assert.equal(skipped.total, 0, style);
    assert.equal(records.read, counts.train + counts.val + counts.test, style);
    assert.ok(records.read >= 12, `${style}: ${records.read} records`);
    const data = openPrepared(out);
    const first = data.examples('train')[0]!;
    assert.ok(first.report.length > 0, style);
    const leads = data.readSignal('train', 0);
    let min = Infinity;
    let max = -Infinity;
    for (const lead of leads) for (const v of lead) [min, max] = [Math.min(min, v), Math.max(max, v)];
    assert.ok(min >= 0 && max <= 1 && max - min > 0.99, `${style}: min-max normalised, got [${min}, ${max}]`);
    data.close();
  }
});
