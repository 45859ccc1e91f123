import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  PERTURBATION_KINDS,
  applyPerturbations,
  meitPaperAxis,
  parsePerturbation,
  perturbationDomain,
  perturbationLabel,
  perturbationLevels,
  type Perturbation,
} from '../../lib/ecg/perturb.ts';
import { InputError } from '../../lib/util/errors.ts';
import { Rng } from '../../lib/util/prng.ts';

/** A 12-lead record with different content per lead: beats, a slow wave, an offset. */
function record(n: number, fs: number): Float32Array[] {
  return Array.from({ length: 12 }, (_, l) =>
    Float32Array.from({ length: n }, (_, i) => {
      const t = i / fs;
      const phase = (t * (1 + l / 20)) % 1;
      return 0.4 + 0.1 * l / 12 + 0.3 * Math.exp(-(((phase - 0.3) / 0.02) ** 2)) + 0.05 * Math.sin(2 * Math.PI * 0.7 * t + l);
    }),
  );
}

function added(out: Float32Array, input: Float32Array): Float64Array {
  return Float64Array.from(out, (v, i) => v - input[i]!);
}

/** Fraction of the energy of `x` in the band [lo, hi] Hz (direct DFT over the band, Parseval for the total). */
function bandEnergyFraction(x: Float64Array, fs: number, lo: number, hi: number): number {
  const n = x.length;
  let total = 0;
  for (const v of x) total += v * v;
  let band = 0;
  for (let k = Math.ceil((lo * n) / fs); k <= Math.min(Math.floor((hi * n) / fs), Math.floor(n / 2)); k++) {
    let re = 0, im = 0;
    for (let i = 0; i < n; i++) {
      const w = (2 * Math.PI * k * i) / n;
      re += x[i]! * Math.cos(w);
      im -= x[i]! * Math.sin(w);
    }
    const twoSided = k === 0 || 2 * k === n ? 1 : 2;
    band += (twoSided * (re * re + im * im)) / n;
  }
  return band / total;
}

const everyKind: Perturbation[] = PERTURBATION_KINDS.map((kind) => perturbationLevels(kind)[2]!);

test('same seed, same perturbation; another seed, another; the input is never mutated', () => {
  const leads = record(5000, 500);
  const before = leads.map((l) => l.slice());
  const a = applyPerturbations(leads, 500, everyKind, new Rng(7));
  const b = applyPerturbations(leads, 500, everyKind, new Rng(7));
  const c = applyPerturbations(leads, 500, everyKind, new Rng(8));
  assert.deepEqual(leads, before);
  assert.deepEqual(a, b);
  assert.notDeepEqual(a, c);
  for (const p of everyKind) {
    const out = applyPerturbations(leads, 500, [p], new Rng(1));
    assert.deepEqual(leads, before, `${p.kind} mutated its input`);
    assert.notDeepEqual(out, leads, `${p.kind} changed nothing`);
  }
});

test('perturbations compose in list order', () => {
  const leads = record(2000, 500);
  const dropThenNoise = applyPerturbations(leads, 500, [{ kind: 'lead-dropout', leads: 12 }, { kind: 'baseline-wander', amplitudeMv: 1 }], new Rng(3));
  const noiseThenDrop = applyPerturbations(leads, 500, [{ kind: 'baseline-wander', amplitudeMv: 1 }, { kind: 'lead-dropout', leads: 12 }], new Rng(3));
  assert.ok(noiseThenDrop.every((lead) => lead.every((v) => v === 0)));
  assert.ok(dropThenNoise.some((lead) => lead.some((v) => v !== 0)));
});

test('MEIT partial noise: one contiguous segment ≤ maxProportion·N, the same noise on every lead, σ ≤ 0.1', () => {
  const n = 5000;
  const leads = record(n, 500);
  for (const maxProportion of [0.05, 0.2]) {
    const lengths: number[] = [];
    const sigmas: number[] = [];
    for (let seed = 0; seed < 150; seed++) {
      const out = applyPerturbations(leads, 500, [{ kind: 'meit-partial-noise', maxProportion }], new Rng(seed));
      const noise = added(out[0]!, leads[0]!);
      const touched = [...noise.keys()].filter((i) => noise[i] !== 0);
      if (touched.length === 0) continue;
      const first = touched[0]!, last = touched.at(-1)!;
      const length = last - first + 1;
      assert.ok(length <= Math.floor(maxProportion * n), `segment of ${length} samples`);
      for (let l = 1; l < 12; l++) {
        const other = added(out[l]!, leads[l]!);
        for (let i = 0; i < n; i++) assert.ok(Math.abs(other[i]! - noise[i]!) < 1e-6, `lead ${l} differs at ${i}`);
      }
      lengths.push(length);
      if (length >= 50) {
        let s = 0;
        for (let i = first; i <= last; i++) s += noise[i]! ** 2;
        sigmas.push(Math.sqrt(s / length));
      }
    }
    // Length ~ U(0, maxProportion)·N and σ ~ U(0, 0.1): means near half the bounds, maxima near them.
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    assert.ok(Math.abs(mean(lengths) / (maxProportion * n) - 0.5) < 0.1, `mean length ${mean(lengths)}`);
    assert.ok(Math.max(...sigmas) < 0.11 && Math.max(...sigmas) > 0.08, `max σ ${Math.max(...sigmas)}`);
    assert.ok(Math.abs(mean(sigmas) - 0.05) < 0.012, `mean σ ${mean(sigmas)}`);
  }
});

test('Gaussian noise hits the target SNR (against each lead\'s variance) within ±0.5 dB', () => {
  const leads = record(60_000, 500).slice(0, 3);
  for (const snrDb of [20, 6, 0]) {
    const out = applyPerturbations(leads, 500, [{ kind: 'gaussian', snrDb }], new Rng(snrDb));
    out.forEach((lead, l) => {
      const noise = added(lead, leads[l]!);
      const variance = (x: ArrayLike<number>) => {
        let m = 0;
        for (let i = 0; i < x.length; i++) m += x[i]!;
        m /= x.length;
        let s = 0;
        for (let i = 0; i < x.length; i++) s += (x[i]! - m) ** 2;
        return s / x.length;
      };
      const measured = 10 * Math.log10(variance(leads[l]!) / variance(noise));
      assert.ok(Math.abs(measured - snrDb) < 0.5, `lead ${l}: ${measured.toFixed(2)} dB for ${snrDb} dB`);
    });
  }
});

test('powerline power sits at the mains frequency (and its third harmonic)', () => {
  for (const freq of [50, 60]) {
    const leads = record(5000, 500).slice(0, 2);
    const out = applyPerturbations(leads, 500, [{ kind: 'powerline', freq, amplitudeMv: 0.1 }], new Rng(freq));
    const noise = added(out[1]!, leads[1]!);
    const atMains = bandEnergyFraction(noise, 500, freq - 0.2, freq + 0.2) + bandEnergyFraction(noise, 500, 3 * freq - 0.2, 3 * freq + 0.2);
    assert.ok(atMains > 0.999, `${freq} Hz: ${atMains}`);
    assert.ok(bandEnergyFraction(noise, 500, freq - 0.2, freq + 0.2) > 0.95);
  }
  assert.throws(() => applyPerturbations(record(1000, 100), 100, [{ kind: 'powerline', freq: 60, amplitudeMv: 0.1 }], new Rng(1)), InputError);
});

test('baseline wander stays below its amplitude and below 0.5 Hz', () => {
  const fs = 100;
  const leads = record(60 * fs, fs).slice(0, 3);
  const out = applyPerturbations(leads, fs, [{ kind: 'baseline-wander', amplitudeMv: 0.5 }], new Rng(11));
  out.forEach((lead, l) => {
    const wander = added(lead, leads[l]!);
    assert.ok(Math.max(...wander.map(Math.abs)) <= 0.5 + 1e-6);
    assert.ok(bandEnergyFraction(wander, fs, 0, 0.6) > 0.97, `lead ${l}`);
  });
});

test('muscle noise: 20–150 Hz bursts at the requested RMS, silence between bursts', () => {
  const fs = 500;
  const leads = record(10 * fs, fs).slice(0, 2);
  const out = applyPerturbations(leads, fs, [{ kind: 'muscle', rmsMv: 0.05 }], new Rng(5));
  const noise = added(out[0]!, leads[0]!);
  assert.ok(bandEnergyFraction(noise, fs, 18, 160) > 0.95);
  const active = noise.filter((v) => v !== 0);
  assert.ok(active.length > 0.05 * noise.length && active.length < noise.length, `${active.length} active samples`);
  const burstRms = Math.sqrt(active.reduce((s, v) => s + v * v, 0) / active.length);
  assert.ok(burstRms > 0.03 && burstRms < 0.06, `burst RMS ${burstRms}`);
  assert.throws(() => applyPerturbations(record(100, 40), 40, [{ kind: 'muscle', rmsMv: 0.05 }], new Rng(1)), InputError);
});

test('electrode motion: decaying jumps no larger than the amplitude, in some leads', () => {
  const leads = record(5000, 500);
  const out = applyPerturbations(leads, 500, [{ kind: 'electrode-motion', amplitudeMv: 1 }], new Rng(9));
  const hit = out.filter((lead, l) => added(lead, leads[l]!).some((v) => v !== 0));
  assert.ok(hit.length >= 1);
  for (const [l, lead] of out.entries()) assert.ok(Math.max(...added(lead, leads[l]!).map(Math.abs)) <= 2 + 1e-6);
});

test('lead dropout flattens exactly k leads; amplitude scaling keeps each lead\'s shape within ±maxDb', () => {
  const leads = record(1000, 500);
  const dropped = applyPerturbations(leads, 500, [{ kind: 'lead-dropout', leads: 3 }], new Rng(2));
  assert.equal(dropped.filter((lead) => lead.every((v) => v === 0)).length, 3);
  assert.equal(dropped.filter((lead, l) => lead.every((v, i) => v === leads[l]![i])).length, 9);
  assert.throws(() => applyPerturbations(leads, 500, [{ kind: 'lead-dropout', leads: 13 }], new Rng(2)), InputError);

  const scaled = applyPerturbations(leads, 500, [{ kind: 'amplitude-scaling', maxDb: 6 }], new Rng(4));
  scaled.forEach((lead, l) => {
    const gain = lead[0]! / leads[l]![0]!;
    assert.ok(Math.abs(20 * Math.log10(gain)) <= 6 + 1e-6);
    for (let i = 0; i < lead.length; i += 97) assert.ok(Math.abs(lead[i]! - gain * leads[l]![i]!) < 1e-6);
  });
});

test('labels say what the perturbation is; the paper\'s "SNR" axis is 1 − maxProportion', () => {
  assert.equal(perturbationLabel({ kind: 'meit-partial-noise', maxProportion: 0.15 }), 'partial white noise ≤ 15% of the signal');
  assert.equal(meitPaperAxis({ maxProportion: 0.15 }), 0.85);
  assert.equal(perturbationLabel({ kind: 'gaussian', snrDb: 6 }), 'Gaussian noise at 6 dB SNR');
  assert.equal(perturbationLabel({ kind: 'lead-dropout', leads: 1 }), '1 lead dropped');
  const labels = PERTURBATION_KINDS.flatMap((kind) => perturbationLevels(kind).map(perturbationLabel));
  assert.equal(new Set(labels).size, labels.length, 'labels tell levels apart');
  assert.ok(!labels.some((label) => label.startsWith('partial') && label.includes('SNR')));
});

test('levels: MEIT\'s four, 4–5 per kind otherwise, increasing severity, all valid', () => {
  assert.deepEqual(perturbationLevels('meit-partial-noise').map((p) => p.kind === 'meit-partial-noise' && p.maxProportion), [0.05, 0.1, 0.15, 0.2]);
  const severity = (p: Perturbation): number => {
    switch (p.kind) {
      case 'gaussian': return -p.snrDb;
      case 'meit-partial-noise': return p.maxProportion;
      case 'lead-dropout': return p.leads;
      case 'amplitude-scaling': return p.maxDb;
      case 'muscle': return p.rmsMv;
      default: return p.amplitudeMv;
    }
  };
  for (const kind of PERTURBATION_KINDS) {
    const levels = perturbationLevels(kind);
    assert.ok(levels.length >= 4 && levels.length <= 5, kind);
    for (let i = 1; i < levels.length; i++) assert.ok(severity(levels[i]!) > severity(levels[i - 1]!), kind);
    for (const p of levels) assert.deepEqual(parsePerturbation(JSON.parse(JSON.stringify(p))), p);
  }
  assert.equal(perturbationDomain({ kind: 'meit-partial-noise', maxProportion: 0.1 }), 'normalized');
  assert.equal(perturbationDomain({ kind: 'powerline', freq: 50, amplitudeMv: 0.1 }), 'mV');
  assert.equal(perturbationDomain({ kind: 'gaussian', snrDb: 6 }), 'any');
});

test('parsePerturbation names the bad field', () => {
  const bad = (raw: unknown, message: RegExp) =>
    assert.throws(() => parsePerturbation(raw, 'params.yaml', 'robustness.perturbations[2]'), (err: unknown) => err instanceof InputError && err.file === 'params.yaml' && message.test(err.message));
  bad({ kind: 'snow' }, /robustness\.perturbations\[2\]\.kind must be one of/);
  bad({ kind: 'meit-partial-noise', maxProportion: 1.5 }, /maxProportion must be a number in \(0, 1\]/);
  bad({ kind: 'gaussian', snrDb: '10' }, /snrDb must be a number/);
  bad({ kind: 'gaussian', snrDb: 10, seed: 3 }, /\.seed: unknown field/);
  bad({ kind: 'lead-dropout', leads: 1.5 }, /leads must be a non-negative integer/);
  bad([1], /must be a mapping/);
});
