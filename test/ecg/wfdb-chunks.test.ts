/**
 * Records longer than the reader's decode chunk (DECODE_CHUNK_SAMPLES): every chunk boundary
 * must be invisible. Values written by writeRecord are read back exactly, whole and in ranges
 * that start and end mid-chunk; format 8's running value carries across chunks; a skewed
 * signal's checksum (summed over the stored frames, not the frames returned) still verifies;
 * and physical values are exactly fround((d - baseline) / gain), NaN for invalid samples,
 * whether or not the reader uses its table of values.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SUPPORTED_FORMATS, formatHeader, readHeader, readRecord, sampleFormat, writeRecord } from '../../lib/ecg/wfdb/index.ts';
import type { WfdbHeader, WfdbSignalSpec } from '../../lib/ecg/wfdb/index.ts';
import { DECODE_CHUNK_SAMPLES } from '../../lib/ecg/wfdb/record.ts';
import { Rng } from '../../lib/util/prng.ts';

/** Signals of the shared file: samples per frame, and the skew the header is given after writing. */
const SHARED = [
  { samplesPerFrame: 1, skew: 0 },
  { samplesPerFrame: 3, skew: 0 },
  { samplesPerFrame: 1, skew: 3 },
];
const FRAME_SIZE = SHARED.reduce((n, s) => n + s.samplesPerFrame, 0);
/** 3.5 chunks of the shared file; signal 1 then has more samples than format 16 has values. */
const N_FRAMES = Math.ceil((3.5 * DECODE_CHUNK_SAMPLES) / FRAME_SIZE);

/** Values valid for `format`: a random walk for format 8 (steps it can store), else uniform with some invalid ones. */
function samples(rng: Rng, format: number, n: number): Int32Array {
  const f = sampleFormat(format);
  const out = new Int32Array(n);
  let v = 0;
  for (let i = 0; i < n; i++) {
    if (f.differential) out[i] = v += rng.int(-128, 128);
    else out[i] = rng.bernoulli(0.01) ? f.min : rng.int(f.min, f.max + 1);
  }
  return out;
}

function spec(fileName: string, format: number, i: number, samplesPerFrame: number): WfdbSignalSpec {
  return {
    fileName, format, samplesPerFrame, skew: 0, byteOffset: 0, adcGain: 200 + 37.5 * i, baseline: 7 - 3 * i, units: 'mV',
    adcResolution: 0, adcZero: 0, initialValue: 0, checksum: 0, blockSize: 0, description: `sig ${i}`,
  };
}

/** What a read returns for a signal stored as `written`: shifted by its skew, invalid past the end. */
function expected(written: Int32Array, skew: number, spf: number, invalid: number): Int32Array {
  const out = new Int32Array(written.length).fill(invalid);
  out.set(written.subarray(skew * spf));
  return out;
}

function assertPhysical(physical: Float32Array, digital: Int32Array, s: WfdbSignalSpec, label: string): void {
  const invalid = sampleFormat(s.format).invalid;
  assert.equal(physical.length, digital.length, label);
  for (let k = 0; k < digital.length; k++) {
    const d = digital[k]!;
    const want = d === invalid ? NaN : Math.fround((d - s.baseline) / s.adcGain);
    if (!Object.is(physical[k], want)) assert.fail(`${label}: physical[${k}] = ${physical[k]} for digital ${d}, expected ${want}`);
  }
}

test('records spanning several decode chunks read back exactly, whole and in ranges, in every format', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'meit-wfdb-chunks-'));
  try {
    for (const format of SUPPORTED_FORMATS) {
      const rng = new Rng(`chunks-${format}`);
      const name = `c${format}`;
      // Three signals interleaved in one file, and one alone in a second file.
      const signals = [...SHARED.map((s, i) => spec(`${name}_a.dat`, format, i, s.samplesPerFrame)), spec(`${name}_b.dat`, format, 3, 1)];
      const header: WfdbHeader = { recordName: name, nSignals: signals.length, fs: 360, nSamples: N_FRAMES, signals, comments: [] };
      const written = signals.map((s) => samples(rng, format, N_FRAMES * s.samplesPerFrame));
      const path = join(dir, name);
      await writeRecord(path, header, written);
      // writeRecord cannot skew; the stored header (with its checksums) gets one afterwards.
      const stored = await readHeader(path);
      stored.signals.forEach((s, i) => (s.skew = SHARED[i]?.skew ?? 0));
      writeFileSync(`${path}.hea`, formatHeader(stored));

      const invalid = sampleFormat(format).invalid ?? 0;
      const whole = await readRecord(path);
      whole.digital.forEach((d, i) => {
        const { skew, samplesPerFrame: spf } = stored.signals[i]!;
        assert.deepEqual(d, expected(written[i]!, skew, spf, invalid), `format ${format} signal ${i}`);
        assertPhysical(whole.physical[i]!, d, stored.signals[i]!, `format ${format} signal ${i}`);
      });
      assert.deepEqual(whole.checksumOk, [true, true, true, true], `format ${format} checksums`);
      assert.deepEqual(whole.initialValueOk, [true, true, true, true], `format ${format} initial values`);

      const chunkFrames = Math.floor(DECODE_CHUNK_SAMPLES / FRAME_SIZE);
      for (const [from, to] of [[1, N_FRAMES - 1], [chunkFrames - 1, 2 * chunkFrames + 1], [N_FRAMES - 5, N_FRAMES]] as const) {
        const part = await readRecord(path, { from, to });
        part.digital.forEach((d, i) => {
          const spf = stored.signals[i]!.samplesPerFrame;
          assert.deepEqual(d, whole.digital[i]!.subarray(from * spf, to * spf), `format ${format} signal ${i} [${from}, ${to})`);
          assert.deepEqual(part.physical[i], whole.physical[i]!.subarray(from * spf, to * spf), `format ${format} signal ${i} [${from}, ${to}) physical`);
        });
        assert.equal(part.checksumOk, undefined);
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
