import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openPtbxl, type PtbxlOptions } from '../../lib/data/ptbxl.ts';
import type { SourceRecord } from '../../lib/data/prepare.ts';
import { InputError } from '../../lib/util/errors.ts';
import { sharedData } from '../helpers/shared.ts';
import { defaultPtbxlRows, writePtbxl } from '../fixtures/data/datasets.ts';

const BASE: PtbxlOptions = { database: 'ptbxl_database.csv', records: 'records100', report: 'original', seed: 3 };

async function collect(root: string, options: Partial<PtbxlOptions> = {}) {
  const skips: { reason: string; id: string }[] = [];
  const source = await openPtbxl(root, { ...BASE, ...options }, (reason, d) => skips.push({ reason, id: d.id }));
  const records: SourceRecord[] = [];
  for await (const r of source.records()) records.push(r);
  return { source, records, skips };
}

async function tinyPtbxl(n = 10): Promise<string> {
  const root = mkdtempSync(join(tmpdir(), 'meit-ptbxl-'));
  await writePtbxl(root, defaultPtbxlRows(n));
  return root;
}

test('PTB-XL: ids, subjects, folds → splits, labels, record paths', async () => {
  const root = await tinyPtbxl(10);
  const { records } = await collect(root);
  assert.deepEqual(records.map((r) => r.id), ['1', '2', '3', '4', '5', '6', '7', '8', '9', '10']);
  assert.deepEqual(records.map((r) => r.split), ['train', 'train', 'train', 'train', 'train', 'train', 'train', 'train', 'val', 'test']);
  assert.equal(records[2]!.subject, '101'); // "101.0" in the table
  assert.deepEqual(records[1]!.labels, { IMI: 50, LVOLT: 0, SR: 0 });
  assert.equal(records[0]!.report, 'sinusrhythmus normales ekg');
  assert.equal(records[0]!.recordPath, join(root, 'records100/00000/00001_lr'));
  const hr = await collect(root, { records: 'records500' });
  assert.equal(hr.records[0]!.recordPath, join(root, 'records500/00000/00001_hr'));
});

test('PTB-XL: English reports are rendered per record, seeded, independent of other rows', async () => {
  const root = await tinyPtbxl(10);
  const a = await collect(root, { report: 'english' });
  const b = await collect(root, { report: 'english' });
  assert.deepEqual(a.records.map((r) => r.report), b.records.map((r) => r.report));
  for (const r of a.records) {
    assert.ok(r.report.length > 5 && !/ekg|rhythmus/.test(r.report), r.report);
  }
  // Drop the first three rows: the remaining records keep their text.
  const db = join(root, 'ptbxl_database.csv');
  const lines = readFileSync(db, 'utf8').split('\n');
  writeFileSync(db, [lines[0], ...lines.slice(4)].join('\n'));
  const c = await collect(root, { report: 'english' });
  assert.deepEqual(c.records.map((r) => r.report), a.records.slice(3).map((r) => r.report));
});

test('PTB-XL: a translation CSV supplies the reports; rows without one are skipped and counted', async () => {
  const root = await tinyPtbxl(4);
  const csv = join(root, 'translation.csv');
  writeFileSync(csv, 'ecg_id,report_en\n1,sinus rhythm. normal ecg.\n3,"sinus rhythm, inferior infarction."\n4,  \n');
  const { records, skips } = await collect(root, { report: 'translation', translation: csv });
  assert.deepEqual(records.map((r) => [r.id, r.report]), [['1', 'sinus rhythm. normal ecg.'], ['3', 'sinus rhythm, inferior infarction.']]);
  assert.deepEqual(skips, [{ reason: 'no translation for ecg_id', id: '2' }, { reason: 'no translation for ecg_id', id: '4' }]);
});

test('PTB-XL: hostile tables are InputErrors naming the file and line', async () => {
  const cases: [string, (t: string) => string, RegExp][] = [
    ['malformed scp_codes', (t) => t.replace("{'NORM': 100.0, 'SR': 0.0}", "{'NORM': 100.0, 'SR'}"), /ptbxl_database\.csv:line 2: malformed scp_codes/],
    ['unknown statement', (t) => t.replace("{'NORM': 100.0, 'SR': 0.0}", "{'XYZ': 100.0}"), /ptbxl_database\.csv:line 2: scp_codes: unknown statement XYZ/],
    ['strat_fold out of range', (t) => t.replace(/,1,records100\/00000\/00001_lr/, ',11,records100/00000/00001_lr'), /line 2: strat_fold must be 1\.\.10, got 11/],
    ['non-numeric ecg_id', (t) => t.replace(/\n3,/, '\nthree,'), /line 4: ecg_id must be a non-negative integer, got "three"/],
    ['duplicate ecg_id', (t) => t.replace(/\n3,/, '\n2,'), /line 4: duplicate ecg_id 2/],
    ['path outside the root', (t) => t.replace('records100/00000/00002_lr', '../../../etc/passwd'), /line 3, filename_lr: path "\.\.\/\.\.\/\.\.\/etc\/passwd" leaves the dataset root/],
    ['missing column', (t) => t.replace('strat_fold', 'fold'), /ptbxl_database\.csv:line 1: missing column strat_fold/],
    ['wrong field count', (t) => t.replace(/\n(3,[^\n]*)/, '\n$1,extra'), /line 4: expected 9 fields, found 10/],
  ];
  for (const [name, damage, message] of cases) {
    const root = await tinyPtbxl(4);
    const db = join(root, 'ptbxl_database.csv');
    writeFileSync(db, damage(readFileSync(db, 'utf8')));
    await assert.rejects(collect(root), (e: unknown) => e instanceof InputError && message.test(e.oneLine()), name);
  }
});

const shared = sharedData('ptb-xl');

test('PTB-XL: the real 24-record database (fixture24) with the real scp_statements', { skip: shared.skip }, async () => {
  const { records, skips } = await collect(shared.path, { database: 'ptbxl_database.fixture24.csv', records: 'records500' });
  assert.equal(records.length, 24);
  assert.deepEqual(skips, []);
  assert.deepEqual(records[0], {
    id: '1',
    subject: '15709',
    split: 'train', // strat_fold 3
    recordPath: join(shared.path, 'records500/00000/00001_hr'),
    report: 'sinusrhythmus periphere niederspannung',
    labels: { NORM: 100, LVOLT: 0, SR: 0 },
    origin: { file: join(shared.path, 'ptbxl_database.fixture24.csv'), where: 'line 2' },
  });
  const english = await collect(shared.path, { database: 'ptbxl_database.fixture24.csv', report: 'english' });
  assert.ok(english.records.every((r) => r.report.length > 0));
  // The full 500-row table parses too (its signals are mostly absent; that is prepare's concern).
  // ecg_id 443 has a blank report in the real table: skipped and counted.
  const all = await collect(shared.path);
  assert.equal(all.records.length, 499);
  assert.deepEqual(all.skips, [{ reason: 'empty report', id: '443' }]);
  assert.deepEqual(new Set(all.records.map((r) => r.split)), new Set(['train', 'val', 'test']));
});
