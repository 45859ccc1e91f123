/**
 * Synthetic datasets in the real layouts (lib/data/synthetic.ts) and `meit data synth`:
 * the real columns, real-looking WFDB headers, deterministic bytes, a record that does not
 * depend on the ones before it, and MIMIC tables that must be joined on study_id.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { parseCsv } from '../../lib/util/csv.ts';
import { sha256 } from '../../lib/util/hash.ts';
import { readRecord } from '../../lib/ecg/wfdb/index.ts';
import { parseScpCodes } from '../../lib/data/scp-codes.ts';
import {
  MANIFEST_FILE,
  MIMIC_LABELS_FILE,
  MIMIC_MEASUREMENT_COLUMNS,
  MIMIC_RECORD_LIST_COLUMNS,
  PTBXL_DATABASE_COLUMNS,
  SCP_STATEMENTS_COLUMNS,
  writeSyntheticDataset,
  type SynthManifest,
} from '../../lib/data/synthetic.ts';
import { runMeit } from '../helpers/cli.ts';
import { sharedData } from '../helpers/shared.ts';

const tmp = (label: string) => mkdtempSync(join(tmpdir(), `meit-synth-${label}-`));

/** Every file under `dir` with its sha256, by relative path. */
function digest(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const name of readdirSync(d).sort()) {
      const path = join(d, name);
      if (statSync(path).isDirectory()) walk(path);
      else out[relative(dir, path)] = sha256(readFileSync(path));
    }
  };
  walk(dir);
  return out;
}

const csv = (path: string) => parseCsv(readFileSync(path, 'utf8'), path);
const headerOf = (path: string) => readFileSync(path, 'utf8').split('\n')[0]!.split(',');

test('PTB-XL layout: real columns, records500 + records100, PTB-XL headers, patient-wise folds', async () => {
  const root = join(tmp('ptbxl'), 'ds');
  const manifest = await writeSyntheticDataset(root, { style: 'ptbxl', n: 12, seed: 5, fs: 500 });
  assert.deepEqual(headerOf(join(root, 'ptbxl_database.csv')), [...PTBXL_DATABASE_COLUMNS]);
  assert.deepEqual(headerOf(join(root, 'scp_statements.csv')), [...SCP_STATEMENTS_COLUMNS]);
  const rows = csv(join(root, 'ptbxl_database.csv')).map((r) => r.values);
  assert.equal(rows.length, 12);
  const statements = new Set(csv(join(root, 'scp_statements.csv')).map((r) => r.values['']!));
  const foldOfPatient = new Map<string, string>();
  for (const row of rows) {
    const codes = parseScpCodes(row.scp_codes!);
    for (const code of Object.keys(codes)) assert.ok(statements.has(code), `${code} missing from scp_statements.csv`);
    assert.match(row.report!, /^[a-z0-9 ().,'\-:]+\.$/, 'lower-case sentences');
    assert.ok(['', 'LAD', 'RAD'].includes(row.heart_axis!));
    const fold = Number(row.strat_fold);
    assert.ok(fold >= 1 && fold <= 10);
    const seen = foldOfPatient.get(row.patient_id!);
    if (seen) assert.equal(seen, row.strat_fold, 'a patient stays in one fold');
    foldOfPatient.set(row.patient_id!, row.strat_fold!);
  }
  const first = rows[0]!;
  assert.equal(first.filename_hr, 'records500/00000/00001_hr');
  assert.equal(first.filename_lr, 'records100/00000/00001_lr');
  const hr = await readRecord(join(root, first.filename_hr!));
  const lr = await readRecord(join(root, first.filename_lr!));
  assert.equal(hr.header.fs, 500);
  assert.equal(hr.header.nSamples, 5000);
  assert.equal(lr.header.fs, 100);
  assert.equal(lr.header.nSamples, 1000);
  assert.deepEqual(hr.header.signals.map((s) => s.description), ['I', 'II', 'III', 'AVR', 'AVL', 'AVF', 'V1', 'V2', 'V3', 'V4', 'V5', 'V6']);
  for (const s of hr.header.signals) {
    assert.equal(s.format, 16);
    assert.equal(s.adcGain, 1000);
    assert.equal(s.units, 'mV');
  }
  assert.deepEqual(hr.checksumOk, Array(12).fill(true));
  // The 100-Hz copy is the same tracing: lead II correlates strongly with the decimated 500-Hz one.
  const ii = hr.physical[1]!.filter((_, i) => i % 5 === 0);
  assert.ok(correlation(ii, lr.physical[1]!) > 0.9);
  const onDisk = JSON.parse(readFileSync(join(root, MANIFEST_FILE), 'utf8')) as SynthManifest;
  assert.deepEqual(onDisk, manifest);
  assert.equal(onDisk.synthetic, true);
  assert.equal(Object.values(onDisk.counts).length > 0, true);
});

test('the header and column layout match the real PTB-XL files', (t) => {
  const shared = sharedData('ptb-xl');
  if (shared.skip) return t.skip(shared.skip);
  assert.deepEqual([...PTBXL_DATABASE_COLUMNS], headerOf(join(shared.path, 'ptbxl_database.csv')));
  assert.deepEqual([...SCP_STATEMENTS_COLUMNS], headerOf(join(shared.path, 'scp_statements.csv')));
});

test('the header and column layout match the real MIMIC-IV-ECG files', (t) => {
  const shared = sharedData('mimic-iv-ecg');
  if (shared.skip) return t.skip(shared.skip);
  assert.deepEqual([...MIMIC_MEASUREMENT_COLUMNS], headerOf(join(shared.path, 'machine_measurements.csv')));
  assert.deepEqual([...MIMIC_RECORD_LIST_COLUMNS], headerOf(join(shared.path, 'record_list.csv')));
});

test('MIMIC layout: tables in different row orders, joinable on study_id; several studies per subject; MIMIC headers', async () => {
  const root = join(tmp('mimic'), 'ds');
  await writeSyntheticDataset(root, { style: 'mimic', n: 20, seed: 3, fs: 500 });
  const list = csv(join(root, 'record_list.csv')).map((r) => r.values);
  const measurements = csv(join(root, 'machine_measurements.csv')).map((r) => r.values);
  assert.deepEqual(headerOf(join(root, 'machine_measurements.csv')), [...MIMIC_MEASUREMENT_COLUMNS]);
  assert.equal(list.length, 20);
  assert.equal(measurements.length, 20);
  assert.notDeepEqual(list.map((r) => r.study_id), measurements.map((r) => r.study_id), 'pairing rows by position must not work');
  assert.deepEqual(new Set(list.map((r) => r.study_id)), new Set(measurements.map((r) => r.study_id)));
  const perSubject = new Map<string, number>();
  for (const r of list) perSubject.set(r.subject_id!, (perSubject.get(r.subject_id!) ?? 0) + 1);
  assert.ok([...perSubject.values()].some((k) => k > 1), 'some subjects have several studies');
  const byStudy = new Map(measurements.map((r) => [r.study_id!, r]));
  for (const r of list) {
    const m = byStudy.get(r.study_id!)!;
    assert.equal(m.subject_id, r.subject_id);
    assert.equal(m.ecg_time, r.ecg_time);
    assert.equal(r.path, `files/p${r.subject_id!.slice(0, 4)}/p${r.subject_id}/s${r.study_id}/${r.study_id}`);
    const statements = Array.from({ length: 18 }, (_, i) => m[`report_${i}`]!).filter((s) => s !== '');
    assert.match(statements[statements.length - 1]!, /ECG/, 'the verdict comes last');
    assert.ok(Number(m.rr_interval) > 300 && Number(m.rr_interval) < 2000);
  }
  const labels = csv(join(root, MIMIC_LABELS_FILE)).map((r) => r.values);
  assert.deepEqual(new Set(labels.map((r) => r.study_id)), new Set(list.map((r) => r.study_id)));
  for (const r of labels) assert.ok(Object.keys(parseScpCodes(r.scp_codes!)).length >= 1);
  const first = list[0]!;
  const rec = await readRecord(join(root, first.path!));
  assert.equal(rec.header.fs, 500);
  assert.deepEqual(rec.header.signals.map((s) => s.description), ['I', 'II', 'III', 'aVR', 'aVF', 'aVL', 'V1', 'V2', 'V3', 'V4', 'V5', 'V6']);
  assert.equal(rec.header.signals[0]!.adcGain, 200);
  assert.deepEqual(rec.header.comments, [`<subject_id>: ${first.subject_id}`]);
  const [date, time] = first.ecg_time!.split(' ');
  assert.equal(rec.header.baseTime, time);
  assert.equal(rec.header.baseDate, date!.split('-').reverse().join('/'));
  // MIMIC writes aVF before aVL: the relation aVF = II − I/2 holds on the stored signals (±2 LSB).
  const [I, II, , , aVF] = rec.physical as [Float32Array, Float32Array, Float32Array, Float32Array, Float32Array];
  for (let t = 0; t < I.length; t += 7) assert.ok(Math.abs(aVF[t]! - (II[t]! - I[t]! / 2)) <= 2 / 200 + 1e-6);
});

test('same seed, same bytes; record i does not depend on how many records come after or before', async () => {
  const base = tmp('det');
  await writeSyntheticDataset(join(base, 'a'), { style: 'ptbxl', n: 5, seed: 9, fs: 250 });
  await writeSyntheticDataset(join(base, 'b'), { style: 'ptbxl', n: 5, seed: 9, fs: 250 });
  await writeSyntheticDataset(join(base, 'c'), { style: 'ptbxl', n: 3, seed: 9, fs: 250 });
  await writeSyntheticDataset(join(base, 'd'), { style: 'ptbxl', n: 5, seed: 10, fs: 250 });
  const [a, b, c, d] = ['a', 'b', 'c', 'd'].map((x) => digest(join(base, x)));
  assert.deepEqual(a, b);
  for (const [path, hash] of Object.entries(c!)) if (path.endsWith('.dat')) assert.equal(a![path], hash, path);
  assert.notEqual(a!['records500/00000/00001_hr.dat'], d!['records500/00000/00001_hr.dat']);
  const header = readFileSync(join(base, 'a', 'records500/00000/00001_hr.hea'), 'utf8');
  assert.match(header, /^00001_hr 12 250 2500\n00001_hr\.dat 16 1000\.0\(0\)\/mV 16 0 -?\d+ -?\d+ 0 I\n/);
});

test('meit data synth writes a dataset through the CLI; bad flags exit 2 with one line', async () => {
  const out = join(tmp('cli'), 'ptbxl');
  const ok = await runMeit(['data', 'synth', '--style', 'mimic', '--n', '4', '--seed', '1', '--out', out]);
  assert.equal(ok.code, 0, ok.stderr);
  assert.ok(readdirSync(out).includes('record_list.csv'));
  const manifest = JSON.parse(readFileSync(join(out, MANIFEST_FILE), 'utf8')) as SynthManifest;
  assert.equal(manifest.n, 4);
  assert.equal(manifest.style, 'mimic');
  for (const args of [
    ['--style', 'foo', '--out', out],
    ['--style', 'ptbxl', '--n', '0', '--out', out],
    ['--style', 'ptbxl', '--n', 'ten', '--out', out],
    ['--style', 'ptbxl', '--fs', '50', '--out', out],
    ['--n', '3', '--out', out],
    ['--style', 'ptbxl', '--n', '3'],
    ['--style', 'ptbxl', '--out', out, '--params', join(out, 'missing.yaml')],
  ]) {
    const r = await runMeit(['data', 'synth', ...args]);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.match(r.stderr, /^meit: error: /);
  }
  // The failed runs left the earlier dataset untouched.
  assert.equal((JSON.parse(readFileSync(join(out, MANIFEST_FILE), 'utf8')) as SynthManifest).n, 4);
});

test('meit plot ecg draws a record to PNG and SVG', async () => {
  const dir = tmp('plot');
  const root = join(dir, 'ds');
  await writeSyntheticDataset(root, { style: 'ptbxl', n: 1, seed: 1, fs: 100 });
  const png = join(dir, 'ecg.png');
  const r = await runMeit(['plot', 'ecg', join(root, 'records500/00000/00001_hr'), '--out', png, '--line', 'sinus rhythm.']);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual([...readFileSync(png).subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  const svg = join(dir, 'ecg.svg');
  assert.equal((await runMeit(['plot', 'ecg', join(root, 'records500/00000/00001_hr'), '--out', svg])).code, 0);
  const text = readFileSync(svg, 'utf8');
  for (const lead of ['I', 'aVR', 'V6']) assert.match(text, new RegExp(`>${lead}</text>`)); // standard names, whatever the header's case
  const bad = await runMeit(['plot', 'ecg', join(root, 'nope'), '--out', png]);
  assert.equal(bad.code, 2);
  assert.equal((await runMeit(['plot', 'ecg', join(root, 'records500/00000/00001_hr'), '--out', join(dir, 'x.gif')])).code, 2);
});

function correlation(a: Float32Array, b: Float32Array): number {
  const n = Math.min(a.length, b.length);
  let ma = 0, mb = 0;
  for (let i = 0; i < n; i++) { ma += a[i]!; mb += b[i]!; }
  ma /= n; mb /= n;
  let sab = 0, saa = 0, sbb = 0;
  for (let i = 0; i < n; i++) {
    sab += (a[i]! - ma) * (b[i]! - mb);
    saa += (a[i]! - ma) ** 2;
    sbb += (b[i]! - mb) ** 2;
  }
  return sab / Math.sqrt(saa * sbb);
}
