/**
 * `meit data export` and `meit data inspect` through the real CLI: exact CSV, the JSON report,
 * and hostile inputs (test/fixtures/wfdb/hostile/, a few bytes each), which must give exit 2
 * and one stderr line naming the file, never a stack trace or partial output.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, openSync, closeSync, ftruncateSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MAX_DECODED_SAMPLES, readRecord, writeRecord } from '../../lib/ecg/wfdb/index.ts';
import type { WfdbHeader, WfdbSignalSpec } from '../../lib/ecg/wfdb/index.ts';
import { runMeit } from '../helpers/cli.ts';

const HOSTILE = fileURLToPath(new URL('../fixtures/wfdb/hostile/', import.meta.url));

function spec(fileName: string, format: number, description: string, extra: Partial<WfdbSignalSpec> = {}): WfdbSignalSpec {
  return {
    fileName, format, samplesPerFrame: 1, skew: 0, byteOffset: 0, adcGain: 200, baseline: 0, units: 'mV',
    adcResolution: 16, adcZero: 0, initialValue: 0, checksum: 0, blockSize: 0, description, ...extra,
  };
}

/** A 3-sample record with an invalid sample, a baseline and a 2-samples-per-frame signal. */
async function smallRecord(): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'meit-wfdb-cli-'));
  const header: WfdbHeader = {
    recordName: 'small', nSignals: 3, fs: 250, nSamples: 3, comments: ['hello'],
    signals: [spec('small.dat', 16, 'I'), spec('small.dat', 16, 'lead, "II"', { adcGain: 3, baseline: 1 }), spec('small.x', 212, 'fast', { samplesPerFrame: 2 })],
  };
  await writeRecord(join(dir, 'small'), header, [
    Int32Array.from([0, 200, -32768]),
    Int32Array.from([1, 2, -5]),
    Int32Array.from([10, 13, -4, -5, 7, -2048]),
  ]);
  return join(dir, 'small');
}

test('data export prints exact float64 physical values, NaN, frame means, quoted names', async () => {
  const record = await smallRecord();
  const r = await runMeit(['data', 'export', record]);
  assert.equal(r.stderr, '');
  assert.equal(r.code, 0);
  // (d - baseline) / gain in float64, printed in shortest round-trip form ((2 - 1) / 3);
  // frame means truncate toward zero: (10+13)/2 -> 11, (-4-5)/2 -> -4; an invalid sample -> NaN.
  assert.equal(
    r.stdout,
    ['sample,I,"lead, ""II""",fast', '0,0,0,0.055', '1,1,0.3333333333333333,-0.02', '2,NaN,-2,NaN', ''].join('\n'),
  );
  const part = await runMeit(['data', 'export', record, '--from', '1', '--to', '2']);
  assert.equal(part.stdout, 'sample,I,"lead, ""II""",fast\n1,1,0.3333333333333333,-0.02\n');
});

test('data inspect --json reports the header and per-signal checksum verdicts', async () => {
  const record = await smallRecord();
  const r = await runMeit(['data', 'inspect', record, '--json']);
  assert.equal(r.code, 0, r.stderr);
  const report = JSON.parse(r.stdout);
  assert.equal(report.fs, 250);
  assert.equal(report.nSamples, 3);
  assert.deepEqual(report.signals.map((s: { name: string }) => s.name), ['I', 'lead, "II"', 'fast']);
  assert.deepEqual(report.signals.map((s: { checksumOk: boolean }) => s.checksumOk), [true, true, true]);
  assert.deepEqual(report.signals.map((s: { format: number; gain: number; baseline: number }) => [s.format, s.gain, s.baseline]), [[16, 200, 0], [16, 3, 1], [212, 200, 0]]);
  // A header whose checksum disagrees with the data: reported, not an error.
  const table = await runMeit(['data', 'inspect', record]);
  assert.match(table.stdout, /checksum/);
  const bad = record.replace(/small$/, 'tampered');
  writeFileSync(`${bad}.hea`, 'tampered 1 250 3\nsmall.dat 16 200/mV 16 0 0 12345 0 I\n');
  const t = JSON.parse((await runMeit(['data', 'inspect', bad, '--json'])).stdout);
  assert.deepEqual([t.signals[0].checksumOk, t.signals[0].initialValueOk], [false, true]);
});

/** Exit 2, exactly one stderr line naming `file` and matching `message`, nothing on stdout. */
function assertOneLineError(r: { code: number; stdout: string; stderr: string }, file: string, message: RegExp): void {
  assert.equal(r.code, 2, r.stderr);
  const lines = r.stderr.trimEnd().split('\n');
  assert.equal(lines.length, 1, r.stderr);
  assert.ok(lines[0]!.startsWith('meit: error: '), lines[0]);
  assert.ok(lines[0]!.includes(file), `${lines[0]} should name ${file}`);
  assert.match(lines[0]!, message);
  assert.doesNotMatch(r.stderr, /\n\s+at /);
  assert.equal(r.stdout, '');
}

const HOSTILE_CASES: [string, string, RegExp][] = [
  ['missing-dat', 'missing-dat.dat', /no such file/],
  ['truncated', 'truncated.dat:byte 5', /truncated signal file.*20 bytes.*has 5/],
  ['few-signal-lines', 'few-signal-lines.hea:line 2', /declares 3 signal.*1 signal line/],
  ['huge-samples', 'huge-samples.dat', /1000000000000 samples/],
  ['huge-signals', 'huge-signals.hea:line 1', /signal count 1000000 is outside/],
  ['non-numeric', 'non-numeric.hea:line 2', /ADC gain must be a number, got "abc"/],
  ['unsupported-format', 'unsupported-format.hea:line 2', /unsupported signal format 999/],
  ['flac', 'flac.hea:line 2', /FLAC formats are not supported/],
  ['escape-parent', 'escape-parent.hea:line 2', /leaves the dataset root/],
  ['escape-absolute', 'escape-absolute.hea:line 2', /is absolute/],
  ['bad-fs', 'bad-fs.hea:line 1', /sampling frequency must be positive/],
  ['empty', 'empty.hea:line 1', /empty header/],
  ['binary', 'binary.hea:line 1', /record line needs a record name and a signal count/],
  ['multi-segment', 'multi-segment.hea:line 1', /multi-segment records are not supported/],
  ['mixed-formats', 'mixed-formats.hea:line 3', /format 212, but an earlier signal in that file has format 16/],
  ['no-such-record', 'no-such-record.hea', /no such file/],
];

/** Runs `jobs` a few at a time: the CLI starts a process each, on a shared machine. */
async function inBatches(jobs: (() => Promise<void>)[], size = 4): Promise<void> {
  for (let i = 0; i < jobs.length; i += size) await Promise.all(jobs.slice(i, i + size).map((job) => job()));
}

test('hostile inputs: exit 2 with one line naming the file and place', async () => {
  // Every case through inspect; export shares the reader, so a few cases suffice there.
  const exported = new Set(['truncated', 'escape-parent', 'flac', 'huge-samples']);
  const jobs = HOSTILE_CASES.flatMap(([name, file, message]) =>
    (exported.has(name) ? ['inspect', 'export'] : ['inspect']).map((cmd) => async () => {
      assertOneLineError(await runMeit(['data', cmd, join(HOSTILE, name)]), file, message);
    }),
  );
  await inBatches(jobs);
});

test('a signal file that is a symbolic link out of the record directory is refused', async () => {
  const root = mkdtempSync(join(tmpdir(), 'meit-wfdb-link-'));
  mkdirSync(join(root, 'outside'));
  mkdirSync(join(root, 'rec'));
  writeFileSync(join(root, 'outside', 'secret.dat'), Buffer.alloc(20));
  symlinkSync(join(root, 'outside', 'secret.dat'), join(root, 'rec', 'link.dat'));
  writeFileSync(join(root, 'rec', 'link.hea'), 'link 1 100 10\nlink.dat 16\n');
  assertOneLineError(await runMeit(['data', 'export', join(root, 'rec', 'link')]), 'link.hea:line 2', /symbolic link/);
});

test('a record too large to decode at once is refused before allocating; ranges still work', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'meit-wfdb-big-'));
  const n = MAX_DECODED_SAMPLES + 1; // one sample over the limit; format 80 takes a byte per sample
  const fd = openSync(join(dir, 'big.dat'), 'w');
  ftruncateSync(fd, n); // sparse: no disk used
  closeSync(fd);
  writeFileSync(join(dir, 'big.hea'), `big 1 100 ${n}\nbig.dat 80 200/mV 8 0 0 0 0 flat\n`);
  await assert.rejects(readRecord(join(dir, 'big')), new RegExp(`refusing to decode more than ${MAX_DECODED_SAMPLES} samples`));
  const part = await readRecord(join(dir, 'big'), { from: n - 3, to: n });
  assert.deepEqual([...part.digital[0]!], [-128, -128, -128]);
  const inspect = JSON.parse((await runMeit(['data', 'inspect', join(dir, 'big'), '--json'])).stdout);
  assert.equal(inspect.signals[0].checksumOk, null);
  const tail = await runMeit(['data', 'export', join(dir, 'big'), '--from', String(n - 1)]);
  assert.equal(tail.stdout, `sample,flat\n${n - 1},NaN\n`);
});

test('bad --from/--to: exit 2, one line', async () => {
  const record = await smallRecord();
  assertOneLineError(await runMeit(['data', 'export', record, '--from', '2', '--to', '1']), 'small.hea', /sample range \[2, 1\) is outside the record's 3 samples/);
  assertOneLineError(await runMeit(['data', 'export', record, '--to', '4']), 'small.hea', /outside the record's 3 samples/);
  const usage = await runMeit(['data', 'export', record, '--from', 'x']);
  assert.equal(usage.code, 2);
  assert.match(usage.stderr, /--from expects an integer/);
});
