/**
 * The WFDB reader against real records: wfdb-python's sample data and expected outputs (made
 * with the WFDB library's rdsamp), and the 24 PTB-XL records at both resolutions. Reference
 * values come from test/fixtures/wfdb/reference-*.json (scripts/fixtures/wfdb_reference.py).
 * The record files live in the shared test data: skipped when absent, failed when CI=true.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { frameValues, physicalValue, readRecord, sampleFormat } from '../../lib/ecg/wfdb/index.ts';
import type { WfdbRecord } from '../../lib/ecg/wfdb/index.ts';

const DATA = process.env.MEIT_TEST_DATA ?? '/work/shared/data';
const SAMPLE_DATA = join(DATA, 'wfdb-python', 'sample-data');
const TARGETS = join(DATA, 'wfdb-python', 'tests', 'target-output');
const FIXTURES = new URL('../fixtures/wfdb/', import.meta.url);

/** `skip` for node:test: a reason when the data is absent, unless CI requires it. */
function needData(dir: string): string | false {
  if (existsSync(dir)) return false;
  if (process.env.CI === 'true') throw new Error(`test data ${dir} is missing (required when CI=true)`);
  return `test data ${dir} not present`;
}

interface ReferenceSignal {
  length: number;
  first: number[];
  last: number[];
  storedChecksum: number;
  storedFirst: number | null;
  range: number[];
}
interface Reference {
  header: {
    recordName: string;
    nSignals: number;
    fs: number;
    nSamples: number;
    counterFreq: number | null;
    baseCounter: number | null;
    baseTime: string | null;
    baseDate: string | null;
    comments: string[];
    /** One row per signal, in the order of the file's signalColumns. */
    signals: (string | number | null)[][];
  };
  range: [number, number];
  signals: ReferenceSignal[];
}

function loadReference(name: string): { columns: string[]; records: Record<string, Reference> } {
  const json = JSON.parse(readFileSync(new URL(name, FIXTURES), 'utf8')) as { signalColumns: string[]; records: Record<string, Reference> };
  return { columns: json.signalColumns, records: json.records };
}

/** "7:05:03.25" as Python's time.isoformat() prints it: "07:05:03.250000". */
function isoTime(time: string | undefined): string | null {
  if (time === undefined) return null;
  const [hms, fraction] = time.split('.');
  const clock = hms!.split(':').map((p) => p.padStart(2, '0')).join(':');
  return fraction === undefined ? clock : `${clock}.${fraction.padEnd(6, '0')}`;
}

async function compareWithReference(recordPath: string, ref: Reference, columns: string[]): Promise<void> {
  const rec = await readRecord(recordPath);
  const h = rec.header;
  assert.equal(h.recordName, ref.header.recordName);
  assert.equal(h.nSignals, ref.header.nSignals);
  assert.equal(h.fs, ref.header.fs);
  assert.equal(h.nSamples, ref.header.nSamples);
  assert.equal(h.counterFreq ?? null, ref.header.counterFreq);
  assert.equal(h.baseCounter ?? null, ref.header.baseCounter);
  assert.deepEqual(h.comments, ref.header.comments);
  assert.equal(isoTime(h.baseTime), ref.header.baseTime);
  assert.equal(h.baseDate?.split('/').reverse().join('-') ?? null, ref.header.baseDate);
  h.signals.forEach((s, i) => {
    const { fieldCount: _, ...fields } = s;
    const expected = Object.fromEntries(columns.map((c, k) => [c, ref.header.signals[i]![k]]));
    assert.deepEqual(fields, expected, `${recordPath} signal ${i}`);
  });
  ref.signals.forEach((r, i) => {
    const d = rec.digital[i]!;
    assert.equal(d.length, r.length, `signal ${i} length`);
    assert.deepEqual([...d.subarray(0, r.first.length)], r.first, `signal ${i} first samples`);
    assert.deepEqual([...d.subarray(d.length - r.last.length)], r.last, `signal ${i} last samples`);
    // The header's checksum and initial value agree with the stored samples exactly when
    // wfdb-python's do, so checksumOk must say what the reference data says.
    const s = h.signals[i]!;
    assert.equal(rec.checksumOk![i], r.storedChecksum === ((s.checksum % 65536) + 65536) % 65536, `signal ${i} checksumOk`);
    assert.equal(rec.initialValueOk![i], r.storedFirst === s.initialValue, `signal ${i} initialValueOk`);
  });
  const [from, to] = ref.range;
  const part = await readRecord(recordPath, { from, to });
  assert.equal(part.checksumOk, undefined, 'no checksum verdict for a partial read');
  ref.signals.forEach((r, i) => assert.deepEqual([...part.digital[i]!], r.range, `signal ${i} range [${from}, ${to})`));
}

test('wfdb-python sample records: header fields, samples, ranges and checksums match wfdb-python', { skip: needData(SAMPLE_DATA) }, async () => {
  const { columns, records } = loadReference('reference-wfdb-python.json');
  assert.ok(Object.keys(records).length >= 13);
  for (const [name, ref] of Object.entries(records)) await compareWithReference(join(SAMPLE_DATA, name), ref, columns);
});

test('the 24 PTB-XL records at 100 and 500 Hz match wfdb-python, checksums and initial values verify', { skip: needData(join(DATA, 'ptb-xl')) }, async () => {
  const { columns, records } = loadReference('reference-ptb-xl.json');
  assert.equal(Object.keys(records).length, 48);
  for (const [rel, ref] of Object.entries(records)) {
    await compareWithReference(join(DATA, 'ptb-xl', rel), ref, columns);
    const rec = await readRecord(join(DATA, 'ptb-xl', rel));
    assert.deepEqual(rec.checksumOk, new Array(12).fill(true), rel);
    assert.deepEqual(rec.initialValueOk, new Array(12).fill(true), rel);
  }
});

/** A whitespace-separated table written by rdsamp (tests/target-output/record-*). */
function target(name: string): number[][] {
  let bytes = readFileSync(join(TARGETS, name));
  if (name.endsWith('.gz')) bytes = gunzipSync(bytes);
  return bytes.toString('utf8').trim().split('\n').map((line) => line.trim().split(/\s+/).map(Number));
}

/** Frame values (digital) of the chosen signals, as rows. */
function digitalRows(rec: WfdbRecord, channels: number[]): number[][] {
  const cols = channels.map((c) => frameValues(rec, c));
  return Array.from({ length: rec.to - rec.from }, (_, t) => cols.map((c) => c[t]!));
}

/** Physical frame values rounded to 8 decimals, as rdsamp -P prints them. */
function physicalRows(rec: WfdbRecord, channels: number[]): number[][] {
  const cols = channels.map((c) => {
    const spec = rec.header.signals[c]!;
    const invalid = sampleFormat(spec.format).invalid;
    return [...frameValues(rec, c)].map((d) => round8(physicalValue(d, spec, invalid)));
  });
  return Array.from({ length: rec.to - rec.from }, (_, t) => cols.map((c) => c[t]!));
}

const round8 = (x: number) => Math.round(x * 1e8) / 1e8;

function assertRowsClose(actual: number[][], expected: number[][], label: string): void {
  assert.equal(actual.length, expected.length, `${label}: row count`);
  for (let t = 0; t < expected.length; t++) {
    for (let c = 0; c < expected[t]!.length; c++) {
      const a = actual[t]![c]!;
      const e = expected[t]![c]!;
      if (!(Math.abs(a - e) <= 1.5e-8)) assert.fail(`${label}: row ${t} column ${c}: got ${a}, rdsamp printed ${e}`);
    }
  }
}

test('matches the WFDB library (rdsamp) outputs in wfdb-python tests/target-output', { skip: needData(TARGETS) }, async () => {
  const rec = (name: string, range: { from?: number; to?: number } = {}) => readRecord(join(SAMPLE_DATA, name), range);

  assert.deepEqual(digitalRows(await rec('test01_00s'), [0, 1, 2, 3]), target('record-1a'), 'record-1a (format 16)');
  assertRowsClose(physicalRows(await rec('a103l', { from: 12500, to: 40000 }), [2, 0]), target('record-1b'), 'record-1b (byte offset)');
  assert.deepEqual(digitalRows(await rec('a103l', { from: 20000 }), [0, 1]), target('record-1c'), 'record-1c');
  assertRowsClose(physicalRows(await rec('3000003_0003', { from: 125, to: 1000 }), [1]), target('record-1d'), 'record-1d (format 80)');

  const binformats = await rec('binformats');
  const all = [...Array(10).keys()];
  const expected1f = target('record-1f.gz');
  assert.deepEqual(digitalRows(binformats, all), expected1f, 'record-1f (all formats)');
  for (let from = 0; from < 3; from++) {
    for (let to = 496; to < 499; to++) {
      assert.deepEqual(digitalRows(await rec('binformats', { from, to }), all), expected1f.slice(from, to), `record-1f [${from}, ${to})`);
    }
  }

  assert.deepEqual(digitalRows(await rec('100', { from: 1, to: 10800 }), [1]), target('record-2b'), 'record-2b (format 212)');
  assertRowsClose(physicalRows(await rec('100_3chan'), [0, 1, 2]), target('record-2c'), 'record-2c (212, odd length)');
  assert.deepEqual(digitalRows(await rec('310derive', { from: 2 }), [0, 1]), target('record-2d'), 'record-2d (format 310)');
  assertRowsClose(physicalRows(await rec('311derive', { from: 1, to: 978 }), [0]), target('record-2e'), 'record-2e (format 311)');
  assertRowsClose(physicalRows(await rec('s0010_re', { from: 5000, to: 38000 }), [13, 0, 4, 8, 3]), target('record-3b'), 'record-3b (two files)');

  // Skew: rdsamp stops where the most skewed signal ends; we return those frames as invalid.
  const skewframe = await rec('test01_00s_skewframe');
  assert.deepEqual(digitalRows(skewframe, [0, 1, 2]).slice(0, -3), target('record-4a'), 'record-4a (skew, 2 samples/frame)');
  assert.equal(frameValues(skewframe, 0).at(-1), -32768, 'frames past the end of a skewed signal are invalid');
  assert.notEqual(frameValues(skewframe, 1).at(-1), -32768);
  assert.ok(Number.isNaN(skewframe.physical[0]!.at(-1)!), 'a frame past the end of a skewed signal is NaN');
  const record4b = await rec('03700181');
  assert.deepEqual(digitalRows(record4b, [0, 1, 2]).slice(0, -4), target('record-4b'), 'record-4b (212, 4 samples/frame, skew)');
  assertRowsClose(physicalRows(await rec('03700181', { from: 1000, to: 16000 }), [0, 2]), target('record-4c'), 'record-4c');
  // record-4d: expanded physical (rdsamp -H), single-frequency signals repeated twice.
  const physical = (c: number, k: number) => round8(physicalValue(skewframe.digital[c]![k]!, skewframe.header.signals[c]!, -32768));
  const expanded: number[][] = [];
  for (let t = 0; t < 3997; t++) {
    for (let j = 0; j < 2; j++) expanded.push([physical(0, t), physical(1, 2 * t + j), physical(2, t)]);
  }
  assertRowsClose(expanded, target('record-4d'), 'record-4d (expanded frames)');
});
