/**
 * WFDB writing and reading without external data: write-then-read is lossless for every format
 * (property test), headers parse and format back, digitize rounds and clips as specified, and
 * packed formats match byte patterns worked out by hand from the WFDB signal(5) page.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { existsSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  SUPPORTED_FORMATS,
  digitize,
  formatHeader,
  parseHeader,
  readRecord,
  sampleFormat,
  writeRecord,
} from '../../lib/ecg/wfdb/index.ts';
import type { WfdbHeader, WfdbSignalSpec } from '../../lib/ecg/wfdb/index.ts';
import { InputError } from '../../lib/util/errors.ts';
import { Rng } from '../../lib/util/prng.ts';

const DATA = process.env.MEIT_TEST_DATA ?? '/work/shared/data';

function spec(fileName: string, format: number, extra: Partial<WfdbSignalSpec> = {}): WfdbSignalSpec {
  return {
    fileName, format, samplesPerFrame: 1, skew: 0, byteOffset: 0, adcGain: 200, baseline: 0, units: 'mV',
    adcResolution: 0, adcZero: 0, initialValue: 0, checksum: 0, blockSize: 0, description: '', ...extra,
  };
}

/** Random digital samples valid for `format`, with the range ends well represented. */
function randomSamples(rng: Rng, format: number, n: number): Int32Array {
  const f = sampleFormat(format);
  const out = new Int32Array(n);
  if (f.differential) {
    let v = rng.int(-(1 << 20), 1 << 20);
    for (let i = 0; i < n; i++) out[i] = v += rng.bernoulli(0.2) ? rng.pick([-128, 127]) : rng.int(-128, 128);
    return out;
  }
  for (let i = 0; i < n; i++) out[i] = rng.bernoulli(0.2) ? rng.pick([f.min, f.max]) : rng.int(f.min, f.max + 1);
  return out;
}

const recordShape = fc.record({
  files: fc.array(fc.record({ format: fc.constantFrom(...SUPPORTED_FORMATS), byteOffset: fc.integer({ min: 0, max: 7 }) }), { minLength: 1, maxLength: 3 }),
  signals: fc.array(fc.record({ file: fc.nat(), samplesPerFrame: fc.integer({ min: 1, max: 3 }) }), { minLength: 1, maxLength: 6 }),
  nSamples: fc.integer({ min: 1, max: 40 }),
  seed: fc.integer(),
});

test('write then read is lossless for every format, signal count, samples per frame and byte offset', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'meit-wfdb-rt-'));
  let run = 0;
  await fc.assert(
    fc.asyncProperty(recordShape, async (shape) => {
      const rng = new Rng(shape.seed);
      const name = `r${run++}`;
      const signals = shape.signals.map((s, i) => {
        const file = shape.files[s.file % shape.files.length]!;
        return spec(`${name}_${s.file % shape.files.length}.dat`, file.format, {
          samplesPerFrame: s.samplesPerFrame, byteOffset: file.byteOffset, adcGain: 100 + i, baseline: i - 2, description: `sig ${i}`,
        });
      });
      const header: WfdbHeader = { recordName: name, nSignals: signals.length, fs: 500, nSamples: shape.nSamples, signals, comments: ['made by a test'] };
      const digital = signals.map((s) => randomSamples(rng, s.format, shape.nSamples * s.samplesPerFrame));
      await writeRecord(join(dir, name), header, digital);

      const rec = await readRecord(join(dir, name));
      assert.equal(rec.header.nSamples, shape.nSamples);
      rec.digital.forEach((d, i) => assert.deepEqual(d, digital[i], `signal ${i} (format ${signals[i]!.format})`));
      assert.deepEqual(rec.checksumOk, signals.map(() => true));
      assert.deepEqual(rec.initialValueOk, signals.map(() => true));
      rec.physical.forEach((p, i) => {
        const s = signals[i]!;
        const invalid = sampleFormat(s.format).invalid;
        for (let k = 0; k < p.length; k++) {
          const d = digital[i]![k]!;
          if (d === invalid) assert.ok(Number.isNaN(p[k]));
          else assert.equal(p[k], Math.fround((d - s.baseline) / s.adcGain));
        }
      });

      const from = rng.int(0, shape.nSamples + 1);
      const to = rng.int(from, shape.nSamples + 1);
      const part = await readRecord(join(dir, name), { from, to });
      part.digital.forEach((d, i) => {
        const spf = signals[i]!.samplesPerFrame;
        assert.deepEqual(d, digital[i]!.slice(from * spf, to * spf), `signal ${i} range [${from}, ${to})`);
      });
    }),
    { numRuns: 150 },
  );
});

test('packed formats match hand-worked byte layouts (212, 310, 311) and odd lengths round-trip', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'meit-wfdb-pack-'));
  const cases: [number, number[], number[]][] = [
    // 212: s0 = 0x123, s1 = 0x456 -> 23 | 4<<4 | 1 | 56
    [212, [0x123, 0x456], [0x23, 0x41, 0x56]],
    // 212, odd count: the last sample takes 2 bytes.
    [212, [0x123, 0x456, -1], [0x23, 0x41, 0x56, 0xff, 0x0f]],
    // 310: w0 = s0<<1 | (s2 & 31)<<11, w1 = s1<<1 | (s2 >> 5)<<11, little-endian words
    [310, [1, 2, 3], [0x02, 0x18, 0x04, 0x00]],
    [310, [1, 2, -512], [0x02, 0x00, 0x04, 0x80]],
    // 311: one 32-bit word, s0 | s1<<10 | s2<<20
    [311, [1, 2, 3], [0x01, 0x08, 0x30, 0x00]],
    [311, [-1, 0, 0, 5], [0xff, 0x03, 0x00, 0x00, 0x05, 0x00]],
  ];
  for (const [format, samples, bytes] of cases) {
    const name = `p${format}_${samples.length}`;
    const header: WfdbHeader = { recordName: name, nSignals: 1, fs: 250, nSamples: samples.length, signals: [spec(`${name}.dat`, format)], comments: [] };
    await writeRecord(join(dir, name), header, [Int32Array.from(samples)]);
    assert.deepEqual([...readFileSync(join(dir, `${name}.dat`))], bytes, `format ${format} ${samples}`);
    assert.deepEqual([...(await readRecord(join(dir, name))).digital[0]!], samples);
  }
});

test('a PTB-XL record written from its physical values is byte-identical to the original', { skip: !existsSync(join(DATA, 'ptb-xl')) && process.env.CI !== 'true' }, async () => {
  const original = join(DATA, 'ptb-xl', 'records500', '00000', '00001_hr');
  const rec = await readRecord(original);
  const digital = rec.physical.map((p, i) => digitize(p, rec.header.signals[i]!.adcGain, rec.header.signals[i]!.baseline, 16));
  const dir = mkdtempSync(join(tmpdir(), 'meit-wfdb-ptbxl-'));
  await writeRecord(join(dir, '00001_hr'), rec.header, digital);
  assert.deepEqual(readFileSync(join(dir, '00001_hr.dat')), readFileSync(`${original}.dat`));
  assert.equal(readFileSync(join(dir, '00001_hr.hea'), 'utf8'), readFileSync(`${original}.hea`, 'utf8'));
});

test('headers: every field of the record and signal lines, defaults, and format(parse(x)) = x', () => {
  const text = [
    '# leading comment',
    'rec 3 360/720(12.5) 650000 08:44:00 23/07/2180',
    'rec.dat 212x2:3+24 1.052e+04(-12)/mmHg 11 1024 995 -22131 0 lead MLII (modified)',
    'rec.dat 212 0',
    'other.dat 16',
    '#   trailing comment  ',
  ].join('\n');
  const h = parseHeader(text, 'rec.hea');
  assert.equal(h.fs, 360);
  assert.equal(h.counterFreq, 720);
  assert.equal(h.baseCounter, 12.5);
  assert.equal(h.nSamples, 650000);
  assert.equal(h.baseTime, '08:44:00');
  assert.equal(h.baseDate, '23/07/2180');
  assert.deepEqual(h.comments, ['leading comment', 'trailing comment']);
  const [a, b, c] = h.signals as [WfdbSignalSpec, WfdbSignalSpec, WfdbSignalSpec];
  assert.deepEqual(
    [a.format, a.samplesPerFrame, a.skew, a.byteOffset, a.adcGain, a.baseline, a.units, a.adcResolution, a.adcZero, a.initialValue, a.checksum, a.blockSize, a.description],
    [212, 2, 3, 24, 10520, -12, 'mmHg', 11, 1024, 995, -22131, 0, 'lead MLII (modified)'],
  );
  // Gain 0 means 200; unstated fields take WFDB's defaults (baseline and initial value = ADC zero).
  assert.deepEqual([b.adcGain, b.baseline, b.units, b.adcZero, b.initialValue, b.fieldCount], [200, 0, 'mV', 0, 0, 3]);
  assert.deepEqual([c.adcGain, c.units, c.fieldCount], [200, 'mV', 2]);
  const again = parseHeader(formatHeader(h), 'again.hea');
  assert.deepEqual(again, h);
  assert.equal(formatHeader(h).split('\n')[3], 'other.dat 16', 'unstated fields stay unstated');
});

test('headers: "-0" in a numeric field reads as 0, so that it formats back as it was read', () => {
  const header = parseHeader('r 1 100/-0(-0) 10\nr.dat 16 200(-0)/mV 16 -0 -0 -0 0 d\n');
  const s = header.signals[0]!;
  for (const [name, value] of Object.entries({ counterFreq: header.counterFreq, baseCounter: header.baseCounter, baseline: s.baseline, adcZero: s.adcZero, initialValue: s.initialValue, checksum: s.checksum })) {
    assert.ok(Object.is(value, 0), `${name} is ${Object.is(value, -0) ? '-0' : value}`);
  }
  assert.equal(parseHeader(formatHeader(header)).signals[0]!.baseline, 0);
});

test('baseline defaults to ADC zero, physical = (digital - baseline) / gain', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'meit-wfdb-base-'));
  const header = parseHeader('z 2 100 3\nz.dat 16 50/uV 12 100\nz.dat 16 50(10)/uV 12 100\n');
  assert.deepEqual(header.signals.map((s) => s.baseline), [100, 10]);
  await writeRecord(join(dir, 'z'), header, [Int32Array.from([100, 150, -32768]), Int32Array.from([10, 60, 0])]);
  const rec = await readRecord(join(dir, 'z'));
  assert.deepEqual([...rec.physical[0]!], [0, 1, NaN]);
  assert.deepEqual([...rec.physical[1]!], [0, 1, -0.2].map(Math.fround));
});

test('digitize rounds half to even, clips above the invalid value, maps NaN to it', () => {
  const x = Float32Array.from([0.5, 1.5, 2.5, -0.5, 1e9, -1e9, NaN, 0.26]);
  assert.deepEqual([...digitize(x, 1, 0, 16)], [0, 2, 2, 0, 32767, -32767, -32768, 0]);
  assert.deepEqual([...digitize(Float32Array.from([1, -1]), 0, 3, 212)], [203, -197], 'gain 0 means 200');
  assert.deepEqual([...digitize(Float32Array.from([100, -100]), 200, 0, 311)], [511, -511]);
  assert.throws(() => digitize(Float32Array.from([NaN]), 200, 0, 8), /no invalid-sample value/);
  assert.throws(() => digitize(Float32Array.from([1]), 200, 0, 516), (e: unknown) => e instanceof InputError && /FLAC formats are not supported/.test(e.message));
});

test('writeRecord checks every value before writing anything', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'meit-wfdb-bad-'));
  const header: WfdbHeader = { recordName: 'bad', nSignals: 2, fs: 100, nSamples: 2, signals: [spec('bad.dat', 16), spec('bad.d2', 212)], comments: [] };
  await assert.rejects(writeRecord(join(dir, 'bad'), header, [Int32Array.from([1, 2]), Int32Array.from([0, 4096])]), /outside format 212's range/);
  await assert.rejects(writeRecord(join(dir, 'bad'), header, [Int32Array.from([1, 2]), Int32Array.from([0])]), /expected 2 x 1 samples/);
  const fmt8 = { ...header, nSignals: 1, signals: [spec('bad.dat', 8)] };
  await assert.rejects(writeRecord(join(dir, 'bad'), fmt8, [Int32Array.from([0, 200])]), /format 8 cannot store a step of 200/);
  assert.deepEqual(readdirSync(dir), []);
});
