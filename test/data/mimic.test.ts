import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openMimic, readReportIndex } from '../../lib/data/mimic.ts';
import { canonicalOrder } from '../../lib/data/prepare-record.ts';
import { readHeader } from '../../lib/ecg/wfdb/index.ts';
import type { SourceRecord } from '../../lib/data/prepare.ts';
import { InputError } from '../../lib/util/errors.ts';
import { sharedData } from '../helpers/shared.ts';
import { defaultMimicStudies, mimicPath, writeMimic, type MimicStudy } from '../fixtures/data/datasets.ts';

const FRACTIONS = { train: 0.6, val: 0.2, test: 0.2 };

async function collect(root: string, seed = 0) {
  const skips: { reason: string; id: string; where?: string }[] = [];
  const source = await openMimic(root, { fractions: FRACTIONS, seed }, (reason, d) => skips.push({ reason, id: d.id, where: d.where }));
  const records: SourceRecord[] = [];
  for await (const r of source.records()) records.push(r);
  return { source, records, skips };
}

async function tinyMimic(studies: MimicStudy[]): Promise<string> {
  const root = mkdtempSync(join(tmpdir(), 'meit-mimic-'));
  await writeMimic(root, studies);
  return root;
}

test('MIMIC: reports are joined on study_id, not on row order', async () => {
  const studies = defaultMimicStudies(12);
  const root = await tinyMimic(studies);
  // The fixture writes machine_measurements in the reverse order of record_list.
  const firstMeasured = readFileSync(join(root, 'machine_measurements.csv'), 'utf8').split('\n')[1]!;
  assert.match(firstMeasured, new RegExp(`,${studies.at(-1)!.study},`));
  const { records, source } = await collect(root);
  assert.equal(source.total, 12);
  assert.deepEqual(records.map((r) => r.id), studies.map((s) => String(s.study)), 'record_list order');
  for (const r of records) {
    assert.match(r.report, new RegExp(`^sinus rhythm\\. study ${r.id}\\. `), r.report);
    assert.ok(r.recordPath.endsWith(mimicPath({ subject: Number(r.subject), study: Number(r.id) })));
    assert.deepEqual(r.labels, {});
  }
  assert.equal(records[0]!.report, `sinus rhythm. study ${studies[0]!.study}.  abnormal ecg`);
});

test('MIMIC: studies without a measurement row or with an empty report are skipped and counted', async () => {
  const studies = defaultMimicStudies(6);
  studies[1] = { ...studies[1]!, statements: undefined };
  studies[4] = { ...studies[4]!, statements: ['', '  ', ''] };
  const { records, skips, source } = await collect(await tinyMimic(studies));
  assert.equal(records.length, 4);
  assert.equal(source.total, 4);
  assert.deepEqual(skips.map((s) => [s.reason, s.id]), [
    ['study_id not in machine_measurements.csv', String(studies[1]!.study)],
    ['empty report', String(studies[4]!.study)],
  ]);
  assert.equal(skips[0]!.where, 'line 3');
});

test('MIMIC: subject-grouped, seeded split', async () => {
  const root = await tinyMimic(defaultMimicStudies(60));
  const a = await collect(root, 1);
  const b = await collect(root, 1);
  const c = await collect(root, 2);
  const splitOf = new Map<string, string>();
  for (const r of a.records) {
    const prev = splitOf.get(r.subject);
    assert.ok(prev === undefined || prev === r.split, `subject ${r.subject} in ${prev} and ${r.split}`);
    splitOf.set(r.subject, r.split);
  }
  assert.deepEqual(new Set(splitOf.values()), new Set(['train', 'val', 'test']));
  assert.deepEqual(a.records.map((r) => r.split), b.records.map((r) => r.split));
  assert.notDeepEqual(a.records.map((r) => r.split), c.records.map((r) => r.split));
  const train = a.records.filter((r) => r.split === 'train').length;
  assert.ok(Math.abs(train - 36) <= 3, `train ${train}`);
});

test('MIMIC: hostile tables are InputErrors naming the file and line', async () => {
  const cases: [string, (root: string) => void, RegExp][] = [
    ['path outside the root', (root) => edit(root, 'record_list.csv', (t) => t.replace(/files\/p1000\/p10000000\/s40000000\/40000000/, '../../etc/passwd')), /record_list\.csv:line 2, path: path "\.\.\/\.\.\/etc\/passwd" leaves the dataset root/],
    ['absolute path', (root) => edit(root, 'record_list.csv', (t) => t.replace(/files\/p1000\/p10000000\/s40000000\/40000000/, '/etc/passwd')), /record_list\.csv:line 2, path: .*absolute/],
    ['non-numeric study_id', (root) => edit(root, 'machine_measurements.csv', (t) => t.replace(/,40000037,/, ',4000x037,')), /machine_measurements\.csv:line \d+: study_id must be a non-negative integer, got "4000x037"/],
    ['missing column', (root) => edit(root, 'machine_measurements.csv', (t) => t.replace('report_17,', 'report_seventeen,')), /machine_measurements\.csv:line 1: missing column report_17/],
    ['duplicate study', (root) => edit(root, 'record_list.csv', (t) => t + t.split('\n')[1] + '\n'), /record_list\.csv:line 5: duplicate study_id 40000000/],
    ['malformed CSV', (root) => edit(root, 'record_list.csv', (t) => t.replace('40000037,40000037', '40000037,400"37')), /record_list\.csv:line 3: quote inside an unquoted field/],
    ['missing table', (root) => edit(root, 'record_list.csv', () => null), /record_list\.csv: cannot read: no such file or directory/],
  ];
  for (const [name, damage, message] of cases) {
    const root = await tinyMimic(defaultMimicStudies(3));
    damage(root);
    await assert.rejects(collect(root), (e: unknown) => e instanceof InputError && message.test(e.oneLine()), name);
  }
});

function edit(root: string, file: string, change: (text: string) => string | null): void {
  const path = join(root, file);
  const text = change(readFileSync(path, 'utf8'));
  if (text === null) rmSync(path);
  else writeFileSync(path, text);
}

const shared = sharedData('mimic-iv-ecg');

test('MIMIC: the real one-row tables join and clean', { skip: shared.skip }, async () => {
  const index = await readReportIndex(join(shared.path, 'machine_measurements.csv'));
  assert.equal(index.rows, 1);
  assert.equal(index.reports.get(40689238), 'sinus rhythm. possible right atrial abnormality. borderline ecg');
  const { records, skips } = await collect(shared.path);
  assert.deepEqual(skips, []);
  assert.equal(records.length, 1);
  assert.equal(records[0]!.id, '40689238');
  assert.equal(records[0]!.subject, '10000032');
  assert.equal(records[0]!.recordPath, join(shared.path, 'files/p1000/p10000032/s40689238/40689238'));
});

test('MIMIC: the real header lists aVF before aVL; the canonical order swaps them back', { skip: shared.skip }, async () => {
  const record = join(shared.path, 'files/p1000/p10000032/s40689238/40689238');
  const header = await readHeader(record);
  assert.deepEqual(canonicalOrder(header, `${record}.hea`), [0, 1, 2, 3, 5, 4, 6, 7, 8, 9, 10, 11]);
  const noV6 = { ...header, signals: header.signals.slice(0, 11) };
  assert.throws(() => canonicalOrder(noV6, 'x.hea'), (e: unknown) => e instanceof InputError && /^x\.hea: no lead V6 among the 11 signals/.test(e.oneLine()));
});
