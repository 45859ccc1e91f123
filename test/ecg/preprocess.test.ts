import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  butterworthBandpass,
  describePreprocess,
  iirNotch,
  parsePreprocessOptions,
  preprocess,
  resample,
  sosFiltfilt,
  type PreprocessOptions,
} from '../../lib/ecg/preprocess/index.ts';
import { normalize } from '../../lib/ecg/preprocess/normalize.ts';
import { replaceNonFinite } from '../../lib/ecg/preprocess/non-finite.ts';
import { InputError } from '../../lib/util/errors.ts';
import { sharedData } from '../helpers/shared.ts';

/** scipy.signal outputs, from scripts/fixtures/dsp_reference.py. */
const reference = JSON.parse(readFileSync(new URL('../fixtures/dsp/reference.json', import.meta.url), 'utf8')) as {
  resample: { name: string; from: number; to: number; input: number[]; output: number[] }[];
  filters: {
    fs: number;
    input: number[];
    bandpass: { order: number; low: number; high: number; output: number[] }[];
    notch: { freq: number; q: number; output: number[] }[];
  };
};

/**
 * Float32 output vs scipy's float64: agreement to 1e-6 of the signal's peak (float32 rounding
 * is ~6e-8 of it; measured worst case 4.6e-8).
 */
function assertClose(actual: Float32Array, expected: number[], label: string): void {
  const peak = Math.max(...expected.map(Math.abs));
  let worst = 0;
  for (let i = 0; i < actual.length; i++) worst = Math.max(worst, Math.abs(actual[i]! - expected[i]!));
  assert.ok(worst <= 1e-6 * peak, `${label}: max |error| ${worst} > ${1e-6 * peak}`);
}

function tone(freq: number, fs: number, n: number, amplitude = 1): Float32Array {
  return Float32Array.from({ length: n }, (_, i) => amplitude * Math.sin((2 * Math.PI * freq * i) / fs + 0.3));
}

function rms(x: Float32Array, from = 0, to = x.length): number {
  let s = 0;
  for (let i = from; i < to; i++) s += x[i]! ** 2;
  return Math.sqrt(s / (to - from));
}

test('resample matches scipy.signal.resample_poly, length round(n·to/from)', () => {
  for (const c of reference.resample) {
    const y = resample(Float32Array.from(c.input), c.from, c.to);
    assert.equal(y.length, Math.round((c.input.length * c.to) / c.from), c.name);
    assertClose(y, c.output, `resample ${c.name}`);
  }
  // scipy keeps ceil(n·to/from): 1001 samples 500→100 give 201 there, 200 here.
  const odd = reference.resample.find((c) => c.name === '500to100-odd')!;
  assert.equal(odd.output.length, 201);
});

test('resampling attenuates a tone above the new Nyquist by more than 40 dB and keeps the passband', () => {
  for (const [from, to, alias, pass] of [[500, 100, 70, 10], [500, 250, 160, 40], [360, 500, 0, 100]] as const) {
    const n = from * 10;
    const edge = to; // skip one second at each end: the zero-padded edges ring
    const kept = resample(tone(pass, from, n), from, to);
    assert.ok(Math.abs(20 * Math.log10(rms(kept, edge, kept.length - edge) / Math.SQRT1_2)) < 0.1, `${from}→${to}: ${pass} Hz passes`);
    if (alias) {
      const cut = resample(tone(alias, from, n), from, to);
      const db = 20 * Math.log10(rms(cut, edge, cut.length - edge) / Math.SQRT1_2);
      assert.ok(db < -40, `${from}→${to}: ${alias} Hz only ${db.toFixed(1)} dB down`);
    }
  }
});

test('resampling rejects non-integer or non-positive rates as input errors', () => {
  assert.throws(() => resample(new Float32Array(10), 500, 0), InputError);
  assert.throws(() => resample(new Float32Array(10), 257.5, 100), InputError);
});

test('Butterworth band-pass (second-order sections, forward–backward) matches scipy sosfiltfilt', () => {
  const { fs, input } = reference.filters;
  const x = Float32Array.from(input);
  for (const c of reference.filters.bandpass) {
    assertClose(sosFiltfilt(butterworthBandpass(c.order, c.low, c.high, fs), x), c.output, `band-pass order ${c.order} ${c.low}–${c.high} Hz`);
  }
});

test('IIR notch forward–backward matches scipy iirnotch + filtfilt', () => {
  const { fs, input } = reference.filters;
  const x = Float32Array.from(input);
  for (const c of reference.filters.notch) {
    assertClose(sosFiltfilt(iirNotch(c.freq, c.q, fs), x), c.output, `notch ${c.freq} Hz q ${c.q}`);
  }
});

test('filters are zero-phase: a symmetric pulse stays centred', () => {
  const x = new Float32Array(2001);
  for (let i = 0; i < x.length; i++) x[i] = Math.exp(-0.5 * ((i - 1000) / 20) ** 2);
  // 5 Hz, not 0.5: a 0.5 Hz edge remembers the (asymmetric) start states across the whole record.
  const y = sosFiltfilt(butterworthBandpass(4, 5, 40, 500), x);
  let peak = 0;
  for (let i = 1; i < y.length; i++) if (y[i]! > y[peak]!) peak = i;
  assert.equal(peak, 1000);
  assert.ok(Math.abs(y[990]! - y[1010]!) < 1e-6);
});

test('filter designs reject edges outside (0, fs/2)', () => {
  assert.throws(() => butterworthBandpass(4, 0.5, 250, 500), InputError);
  assert.throws(() => butterworthBandpass(4, 40, 0.5, 500), InputError);
  assert.throws(() => iirNotch(60, 30, 100), InputError);
});

test('minmax-global uses one min and max for the whole record; constant records become zeros', () => {
  const a = Float32Array.of(-1, 0, 1, 3);
  const b = Float32Array.of(0, 0.5, 1, 1.5); // half the range of a
  const [na, nb] = normalize([a, b], 'minmax-global');
  assert.deepEqual(Array.from(na!), Array.from(a, (v) => Math.fround((v + 1) / (4 + 1e-8))));
  assert.ok(Math.abs(Math.max(...nb!) - Math.min(...nb!) - 0.375) < 1e-6, 'relative lead amplitudes survive');
  assert.deepEqual(Array.from(normalize([new Float32Array(5).fill(2.5)], 'minmax-global')[0]!), [0, 0, 0, 0, 0]);
});

test('zscore-lead standardises each lead; none copies', () => {
  const leads = [Float32Array.of(1, 2, 3, 4), Float32Array.of(10, 10, 10, 10)];
  const [z, flat] = normalize(leads, 'zscore-lead');
  const mean = z!.reduce((s, v) => s + v, 0) / 4;
  const variance = z!.reduce((s, v) => s + (v - mean) ** 2, 0) / 4;
  assert.ok(Math.abs(mean) < 1e-6 && Math.abs(variance - 1) < 1e-6);
  assert.deepEqual(Array.from(flat!), [0, 0, 0, 0]);
  const copy = normalize(leads, 'none');
  assert.deepEqual(copy, leads);
  assert.notEqual(copy[0], leads[0]);
});

test('non-finite samples: zero, interpolate (linear inside, held at the edges), zero-record; counted', () => {
  const lead = () => Float32Array.of(NaN, 1, NaN, NaN, 4, Infinity, 6, -Infinity);
  const zero = replaceNonFinite([lead()], 'zero');
  assert.equal(zero.replaced, 5);
  assert.deepEqual(Array.from(zero.leads[0]!), [0, 1, 0, 0, 4, 0, 6, 0]);
  const interpolated = replaceNonFinite([lead(), new Float32Array(3).fill(NaN)], 'interpolate');
  assert.equal(interpolated.replaced, 8);
  assert.deepEqual(Array.from(interpolated.leads[0]!), [1, 1, 2, 3, 4, 5, 6, 6]);
  assert.deepEqual(Array.from(interpolated.leads[1]!), [0, 0, 0]);
  const record = replaceNonFinite([lead(), Float32Array.of(7, 8)], 'zero-record');
  assert.deepEqual(record.leads.map((l) => Array.from(l)), [[0, 0, 0, 0, 0, 0, 0, 0], [0, 0]]);
  const clean = replaceNonFinite([Float32Array.of(1, 2)], 'zero-record');
  assert.deepEqual([clean.replaced, Array.from(clean.leads[0]!)], [0, [1, 2]]);
});

function syntheticRecord(n: number, fs: number, withNaN: boolean): Float32Array[] {
  return Array.from({ length: 12 }, (_, l) => {
    const x = tone(1 + l * 0.5, fs, n, 1 + l / 10);
    for (let i = 0; i < n; i++) x[i] += 0.2 * Math.sin((2 * Math.PI * 50 * i) / fs) + 0.5;
    if (withNaN && l === 3) x.fill(NaN, 100, 140);
    return x;
  });
}

test('preprocess: non-finite → filters → resample → normalise, input untouched, output in [0, 1]', () => {
  const leads = syntheticRecord(5000, 500, true);
  const before = leads.map((l) => l.slice());
  const options: PreprocessOptions = {
    fs: 100,
    bandpass: { low: 0.5, high: 40 },
    notch: { freq: 50 },
    normalize: 'minmax-global',
    nonFinite: 'interpolate',
  };
  const out = preprocess(leads, 500, options);
  assert.deepEqual(leads, before);
  assert.equal(out.fs, 100);
  assert.equal(out.replacedNonFinite, 40);
  assert.equal(out.leads.length, 12);
  let min = Infinity, max = -Infinity;
  for (const lead of out.leads) {
    assert.equal(lead.length, 1000);
    for (const v of lead) {
      assert.ok(Number.isFinite(v));
      min = Math.min(min, v);
      max = Math.max(max, v);
    }
  }
  assert.ok(min === 0 && Math.abs(max - 1) < 1e-6);
  // Without resampling or filters, the rate and values pass through (then normalised).
  const plain = preprocess(leads, 500, { normalize: 'none', nonFinite: 'zero' });
  assert.equal(plain.fs, 500);
  assert.equal(plain.leads[0]![7], leads[0]![7]);
  assert.notEqual(plain.leads[0], leads[0]);
});

test('preprocess rejects leads of different lengths and filters impossible at the source rate', () => {
  assert.throws(() => preprocess([new Float32Array(10), new Float32Array(9)], 500, { normalize: 'none', nonFinite: 'zero' }), InputError);
  assert.throws(
    () => preprocess(syntheticRecord(1000, 100, false), 100, { bandpass: { low: 0.5, high: 60 }, normalize: 'none', nonFinite: 'zero' }),
    /fs\/2 = 50 Hz/,
  );
});

test('describePreprocess is stable plain JSON with defaults filled in', () => {
  const a = describePreprocess({ nonFinite: 'zero', normalize: 'minmax-global', bandpass: { high: 40, low: 0.5 }, fs: 100 });
  const b = describePreprocess({ fs: 100, bandpass: { low: 0.5, high: 40, order: 4 }, notch: null, normalize: 'minmax-global', nonFinite: 'zero' });
  assert.equal(JSON.stringify(a), JSON.stringify(b));
  assert.deepEqual(JSON.parse(JSON.stringify(a)), a);
  assert.equal(a.bandpass?.order, 4);
  assert.equal(a.resample?.fsHz, 100);
  assert.notEqual(JSON.stringify(describePreprocess({ normalize: 'none', nonFinite: 'zero' })), JSON.stringify(a));
  assert.equal(describePreprocess({ normalize: 'none', nonFinite: 'zero' }).resample, null);
});

test('parsePreprocessOptions types a params subtree and names bad keys', () => {
  assert.deepEqual(
    parsePreprocessOptions({ fs: 100, bandpass: { low: 0.5, high: 40, order: 2 }, notch: null, normalize: 'zscore-lead', nonFinite: 'interpolate' }),
    { fs: 100, bandpass: { low: 0.5, high: 40, order: 2 }, normalize: 'zscore-lead', nonFinite: 'interpolate' },
  );
  const bad = (raw: unknown, message: RegExp) =>
    assert.throws(() => parsePreprocessOptions(raw, 'params.yaml', 'prepare.preprocess'), (err: unknown) => err instanceof InputError && err.file === 'params.yaml' && message.test(err.message));
  bad({ normalize: 'minmax', nonFinite: 'zero' }, /prepare\.preprocess\.normalize must be one of/);
  bad({ normalize: 'none', nonFinite: 'zero', bandpass: { low: 40, high: 0.5 } }, /prepare\.preprocess\.bandpass must be low < high/);
  bad({ normalize: 'none', nonFinite: 'zero', notch: { freq: -50 } }, /prepare\.preprocess\.notch\.freq/);
  bad({ normalize: 'none', nonFinite: 'zero', resample: 100 }, /prepare\.preprocess\.resample: unknown key/);
});

const ptbxl = sharedData('ptb-xl/records500/00000/00001_hr.dat');

/** PTB-XL stores format 16: little-endian int16, 12 interleaved leads, 1000 units per mV. */
function readPtbxl(path: string, samples: number): Float32Array[] {
  const bytes = readFileSync(path);
  const raw = new Int16Array(bytes.buffer, bytes.byteOffset, bytes.length / 2);
  return Array.from({ length: 12 }, (_, l) => Float32Array.from({ length: samples }, (_, i) => raw[i * 12 + l]! / 1000));
}

test('real PTB-XL record: 500→100 Hz lands near PTB-XL\'s own 100 Hz release, closer than plain decimation', { skip: ptbxl.skip }, () => {
  const dir = join(ptbxl.path, '..', '..', '..');
  for (const id of ['00001', '00002', '00003']) {
    const hr = readPtbxl(join(dir, 'records500', '00000', `${id}_hr.dat`), 5000);
    const lr = readPtbxl(join(dir, 'records100', '00000', `${id}_lr.dat`), 1000);
    const ours = preprocess(hr, 500, { fs: 100, normalize: 'none', nonFinite: 'zero' }).leads;
    let errOurs = 0, errDecimated = 0, power = 0;
    for (let l = 0; l < 12; l++) {
      for (let i = 10; i < 990; i++) {
        errOurs += (ours[l]![i]! - lr[l]![i]!) ** 2;
        errDecimated += (hr[l]![5 * i]! - lr[l]![i]!) ** 2;
        power += lr[l]![i]! ** 2;
      }
    }
    // PhysioNet's own downsampling method is not documented; measured: 8–10% relative RMS.
    assert.ok(Math.sqrt(errOurs / power) < 0.15, `${id}: ${Math.sqrt(errOurs / power)}`);
    assert.ok(errOurs < errDecimated, `${id}: anti-aliased resampling should beat plain decimation`);
  }
});
