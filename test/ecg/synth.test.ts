/**
 * The synthetic ECG generator: deterministic, Einthoven/Goldberger exact, and every finding
 * changes the signal the way it does in life — measured on the leads (test/ecg/synth-measure.ts),
 * mostly as paired comparisons: the same seed with and without the finding (the generator
 * draws each aspect from its own fork, so the pair shares heart, rate and noise).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../lib/util/prng.ts';
import { DEFAULT_PREVALENCE, LEADS, sampleFindings, synthesizeEcg, type SyntheticEcg } from '../../lib/ecg/synth/index.ts';
import { findingByCode } from '../../lib/ecg/findings.ts';
import * as m from './synth-measure.ts';

const FS = 500;
const SEEDS = ['a', 'b', 'c'];

function ecg(codes: string[], seed: string, heartAxis: '' | 'LAD' | 'RAD' = '', noise = false): SyntheticEcg {
  return synthesizeEcg({ codes, heartAxis }, { fs: FS, noise }, new Rng(`synth-test/${seed}`));
}

/** The same seed without and with `code`. */
function pair(base: string[], code: string, seed: string): [SyntheticEcg, SyntheticEcg] {
  return [ecg(base, seed), ecg([code, ...base], seed)];
}

test('same seed, same signal; another seed, another signal', () => {
  const a = synthesizeEcg({ codes: ['IMI', 'SR'], heartAxis: '' }, { fs: FS }, new Rng(7));
  const b = synthesizeEcg({ codes: ['IMI', 'SR'], heartAxis: '' }, { fs: FS }, new Rng(7));
  const c = synthesizeEcg({ codes: ['IMI', 'SR'], heartAxis: '' }, { fs: FS }, new Rng(8));
  assert.equal(a.signals.length, 12);
  assert.equal(a.signals[0]!.length, 10 * FS);
  for (let k = 0; k < 12; k++) assert.deepEqual(a.signals[k], b.signals[k]);
  assert.notDeepEqual(a.signals[1], c.signals[1]);
});

test('limb leads obey Einthoven and Goldberger sample by sample, noise included', () => {
  for (const codes of [['NORM', 'SR'], ['AFIB'], ['CLBBB', 'PVC', 'SR']]) {
    const e = ecg(codes, 'einthoven', '', true);
    const [I, II, III, aVR, aVL, aVF] = e.signals as [Float32Array, Float32Array, Float32Array, Float32Array, Float32Array, Float32Array];
    let worst = 0;
    for (let t = 0; t < I.length; t++) {
      worst = Math.max(
        worst,
        Math.abs(III[t]! - (II[t]! - I[t]!)),
        Math.abs(aVR[t]! + (I[t]! + II[t]!) / 2),
        Math.abs(aVL[t]! - (I[t]! - II[t]! / 2)),
        Math.abs(aVF[t]! - (II[t]! - I[t]! / 2)),
      );
    }
    assert.ok(worst < 1e-5, `${codes}: largest violation ${worst} mV`); // float32 rounding only
  }
});

test('a normal ECG looks normal: P before QRS, aVR negative, V1 negative, R progression, realistic amplitudes', () => {
  for (const seed of SEEDS) {
    const e = ecg(['NORM', 'SR'], seed);
    const hr = m.heartRate(e);
    assert.ok(hr >= 55 && hr <= 100, `rate ${hr}`);
    assert.ok(m.qrsWidth(e) < 120, `QRS ${m.qrsWidth(e)} ms`);
    const pr = m.prInterval(e);
    assert.ok(pr >= 100 && pr <= 210, `PR ${pr} ms`);
    assert.ok(m.netQrsArea(e, 'aVR') < 0, 'aVR QRS mostly negative');
    assert.ok(m.netQrsArea(e, 'V1') < 0, 'V1 QRS mostly negative');
    assert.ok(m.netQrsArea(e, 'V6') > 0 && m.netQrsArea(e, 'V5') > 0, 'V5, V6 mostly positive');
    const rWave = (['V1', 'V2', 'V3', 'V4', 'V5'] as const).map((l) => m.qrsExtremes(e, l).max);
    assert.ok(rWave[0]! < rWave[3]! && rWave[1]! < rWave[4]!, `R progression ${rWave.map((x) => x.toFixed(2))}`);
    const qrs = Math.max(...(['I', 'II', 'III', 'aVR', 'aVL', 'aVF'] as const).map((l) => m.qrsAmplitude(e, l)));
    assert.ok(qrs > 0.5 && qrs < 2.5, `largest limb-lead QRS ${qrs} mV`);
    const tPeak = Math.max(...(['II', 'V2', 'V3', 'V4', 'V5'] as const).map((l) => m.tArea(e, l)));
    assert.ok(tPeak > 0, 'upright T waves');
    const axis = m.frontalAxis(e);
    assert.ok(axis > -30 && axis < 90, `axis ${axis}`);
  }
});

test('rate: SBRAD < 60 bpm < SR < 100 bpm < STACH, with physiological variability', () => {
  for (const seed of SEEDS) {
    assert.ok(m.heartRate(ecg(['NORM', 'SBRAD'], seed)) < 60);
    assert.ok(m.heartRate(ecg(['NORM', 'STACH'], seed)) > 100);
    const sr = ecg(['NORM', 'SR'], seed);
    const v = m.rrVariation(sr);
    assert.ok(v > 0.003 && v < 0.07, `sinus RR variation ${v}`);
  }
});

test('AFIB: irregular RR, no isoelectric baseline (f waves), no P; AFLT: regular with F waves', () => {
  for (const seed of SEEDS) {
    const sr = ecg(['NORM', 'SR'], seed);
    const af = ecg(['AFIB'], seed);
    assert.ok(m.rrVariation(af) > 0.08, `AF RR variation ${m.rrVariation(af)}`);
    assert.ok(m.rrVariation(af) > 2 * m.rrVariation(sr));
    assert.ok(m.isoelectricFraction(sr) > 0.25, `sinus isoelectric ${m.isoelectricFraction(sr)}`);
    assert.ok(m.isoelectricFraction(af) < 0.15, `AF isoelectric ${m.isoelectricFraction(af)}`);
    assert.equal(af.measurements.prMs, undefined);
    const fl = ecg(['AFLT'], seed);
    assert.ok(m.isoelectricFraction(fl) < 0.15, `flutter isoelectric ${m.isoelectricFraction(fl)}`);
    assert.ok(m.rrVariation(fl) < 0.03, 'flutter conducts regularly');
  }
});

test('1AVB prolongs PR beyond 200 ms', () => {
  for (const seed of SEEDS) {
    const [base, avb] = pair(['SBRAD'], '1AVB', seed); // slow rate: P stays clear of the T before it
    assert.ok(m.prInterval(base) < 200, `PR ${m.prInterval(base)}`);
    assert.ok(m.prInterval(avb) > 210, `1AVB PR ${m.prInterval(avb)}`);
  }
});

test('bundle branch blocks widen QRS; CLBBB loses the septal q in V6, CRBBB has a terminal R′ in V1', () => {
  for (const seed of SEEDS) {
    const base = ecg(['SR'], seed);
    const lbbb = ecg(['CLBBB', 'SR'], seed);
    const rbbb = ecg(['CRBBB', 'SR'], seed);
    const w = m.qrsWidth(base);
    assert.ok(m.qrsWidth(lbbb) >= 120 && m.qrsWidth(lbbb) > w + 30, `LBBB ${m.qrsWidth(lbbb)} vs ${w} ms`);
    assert.ok(m.qrsWidth(rbbb) >= 120 && m.qrsWidth(rbbb) > w + 30, `RBBB ${m.qrsWidth(rbbb)} vs ${w} ms`);
    assert.equal(m.initialDeflection(lbbb, 'V6'), 1, 'LBBB: no q in V6');
    assert.equal(m.initialDeflection(lbbb, 'I'), 1, 'LBBB: no q in I');
    assert.ok(m.netQrsArea(lbbb, 'V1') < 0 && m.netQrsArea(lbbb, 'V6') > 0, 'LBBB: V1 negative, V6 positive');
    // RBBB: the last deflection of V1 within the QRS is a tall positive R′.
    const v1 = m.lead(rbbb, 'V1');
    const terminal = m.median(m.complexes(rbbb).map((c) => Math.max(...v1.subarray(c.onset + Math.round(0.6 * (c.end - c.onset)), c.end))));
    assert.ok(terminal > 0.3, `RBBB terminal R′ in V1 ${terminal} mV`);
    const base1 = m.lead(base, 'V1');
    const baseTerminal = m.median(m.complexes(base).map((c) => Math.max(...base1.subarray(c.onset + Math.round(0.6 * (c.end - c.onset)), c.end))));
    assert.ok(baseTerminal < 0.15, `normal V1 ends negative (${baseTerminal})`);
  }
  // A septal q in V6 is usual, not universal, in normal hearts (it is absent in LBBB).
  const hearts = Array.from({ length: 10 }, (_, i) => ecg(['NORM', 'SR'], `septal/${i}`));
  const withQ = hearts.filter((e) => m.initialDeflection(e, 'V6') === -1).length;
  assert.ok(withQ >= 7, `septal q in V6 in ${withQ}/10 normal hearts`);
});

test('axis from net QRS areas of I and aVF: LAD < −30°, LAFB < −45°, RAD > 90°', () => {
  for (const seed of SEEDS) {
    assert.ok(m.frontalAxis(ecg(['SR'], seed, 'LAD')) < -30);
    assert.ok(m.frontalAxis(ecg(['LAFB', 'SR'], seed, 'LAD')) < -40);
    assert.ok(m.frontalAxis(ecg(['SR'], seed, 'RAD')) > 90);
  }
});

test('LVH raises voltages past Sokolow-Lyon; LVOLT lowers them below 0.5 mV (limbs) and 1 mV (chest)', () => {
  const sokolow = (e: SyntheticEcg) => -m.qrsExtremes(e, 'V1').min + Math.max(m.qrsExtremes(e, 'V5').max, m.qrsExtremes(e, 'V6').max);
  const limbs = ['I', 'II', 'III', 'aVR', 'aVL', 'aVF'] as const;
  const chest = ['V1', 'V2', 'V3', 'V4', 'V5', 'V6'] as const;
  for (const seed of SEEDS) {
    const [base, lvh] = pair(['SR'], 'LVH', seed);
    assert.ok(sokolow(lvh) > 2.5 && sokolow(lvh) > 1.8 * sokolow(base), `Sokolow-Lyon ${sokolow(lvh)} vs ${sokolow(base)} mV`);
    const low = ecg(['LVOLT', 'SR'], seed);
    assert.ok(Math.max(...limbs.map((l) => m.qrsAmplitude(low, l))) < 0.5);
    assert.ok(Math.max(...chest.map((l) => m.qrsAmplitude(low, l))) < 1.0);
    assert.ok(Math.max(...limbs.map((l) => m.qrsAmplitude(base, l))) > 0.5);
  }
  // SV1 + RV5/V6 > 3.5 mV in most hypertrophied hearts (not all: the criterion is insensitive in life too).
  const index = Array.from({ length: 10 }, (_, i) => sokolow(ecg(['LVH', 'SR'], `lvh/${i}`)));
  assert.ok(index.filter((x) => x > 3.5).length >= 7, `Sokolow-Lyon ${index.map((x) => x.toFixed(1))} mV`);
});

test('old MI: Q waves in II, III, aVF (IMI) and in V1–V3 (ASMI), not in the same heart without it', () => {
  for (const seed of SEEDS) {
    const [base, imi] = pair(['SR'], 'IMI', seed);
    for (const l of ['II', 'aVF'] as const) {
      assert.ok(m.initialQ(imi, l) > 0.1 && m.initialQ(imi, l) > m.initialQ(base, l) + 0.08, `IMI q in ${l}: ${m.initialQ(imi, l)} vs ${m.initialQ(base, l)} mV`);
    }
    assert.equal(m.initialDeflection(imi, 'III'), -1);
    const asmi = ecg(['ASMI', 'SR'], seed);
    assert.equal(m.initialDeflection(base, 'V2'), 1, 'normal septal r in V2');
    for (const l of ['V1', 'V2', 'V3'] as const) assert.equal(m.initialDeflection(asmi, l), -1, `ASMI: Q in ${l}`);
  }
});

test('ST elevation, ST depression and T inversion move the ST segment and T wave', () => {
  const leads = LEADS;
  for (const seed of SEEDS) {
    const [base, ste] = pair(['SR'], 'STE_', seed);
    const up = Math.max(...leads.map((l) => m.stLevel(ste, l, 40) - m.stLevel(base, l, 40)));
    assert.ok(up > 0.1, `STE: +${up} mV`);
    const std = ecg(['STD_', 'SR'], seed);
    const down = Math.min(...leads.map((l) => m.stLevel(std, l, 40) - m.stLevel(base, l, 40)));
    assert.ok(down < -0.08, `STD: ${down} mV`);
    const invt = ecg(['INVT', 'SR'], seed);
    const watched = ['I', 'II', 'aVF', 'V5', 'V6'] as const;
    assert.ok(Math.min(...watched.map((l) => m.tArea(base, l))) > -0.002, 'normal T upright');
    assert.ok(Math.min(...watched.map((l) => m.tArea(invt, l))) < -0.005, 'T inverted somewhere');
  }
});

test('LNGQT delays the T wave', () => {
  // Latency of the T-wave peak in the lead where T is largest, median over beats (s).
  const tPeak = (e: SyntheticEcg) => {
    const s = m.lead(e, 'V3');
    const cs = m.complexes(e);
    return m.median(
      cs.slice(0, -1).map((c, k) => {
        let best = c.end;
        for (let i = c.end; i < cs[k + 1]!.onset - 0.1 * FS; i++) if (Math.abs(s[i]!) > Math.abs(s[best]!)) best = i;
        return (best - c.onset) / FS;
      }),
    );
  };
  for (const seed of SEEDS) {
    const [base, lqt] = pair(['SBRAD'], 'LNGQT', seed);
    assert.ok(tPeak(lqt) - tPeak(base) > 0.04, `T peak ${tPeak(base)} → ${tPeak(lqt)} s`);
    assert.ok(lqt.measurements.qtcMs > 480 && base.measurements.qtcMs < 460);
  }
});

test('PVCs also interrupt atrial fibrillation: a wide beat among narrow ones', () => {
  for (const seed of SEEDS) {
    const e = ecg(['PVC', 'AFIB'], seed);
    const widths = m.complexes(e).map((c) => (c.end - c.onset) / FS);
    assert.ok(Math.max(...widths) > m.median(widths) + 0.02, `widths ${widths.map((w) => Math.round(w * 1000))}`);
  }
});

test('PVC: early, wide, followed by a compensatory pause; PAC: early and narrow', () => {
  for (const seed of SEEDS) {
    for (const [code, wide] of [['PVC', true], ['PAC', false]] as const) {
      const e = ecg([code, 'SR'], seed);
      const cs = m.complexes(e);
      const rr = m.rrIntervals(e);
      const medianRr = m.median(rr);
      const medianWidth = m.median(cs.map((c) => c.end - c.onset)) / FS;
      const early = rr.map((x, k) => ({ x, k })).filter(({ x }) => x < 0.85 * medianRr);
      assert.ok(early.length >= 1, `${code}: no premature beat`);
      for (const { k } of early) {
        const c = cs[k + 1]!;
        const width = (c.end - c.onset) / FS;
        if (wide) {
          assert.ok(width > medianWidth + 0.02, `PVC width ${width} vs ${medianWidth}`);
          // Compensatory pause: the PVC and the pause after it span two sinus cycles of the neighbourhood.
          const around = [rr[k - 1], rr[k + 2]].filter((x): x is number => x !== undefined && Math.abs(x - medianRr) < 0.15 * medianRr);
          if (k + 1 < rr.length && around.length) {
            const local = around.reduce((a, b) => a + b, 0) / around.length;
            // Closer to two whole cycles than to a reset (PVC + one cycle, as after a PAC).
            const span = rr[k]! + rr[k + 1]!;
            assert.ok(Math.abs(span - 2 * local) < Math.abs(span - (rr[k]! + local)), `compensatory pause ${rr[k]} + ${rr[k + 1]} vs ${local}`);
          }
        } else {
          assert.ok(Math.abs(width - medianWidth) < 0.015, `PAC width ${width} vs ${medianWidth}`);
        }
      }
    }
  }
});

test('findings are sampled with ~40% normal ECGs, valid codes and no incompatible pairs', () => {
  const rng = new Rng('prevalence');
  const n = 2000;
  let normal = 0;
  for (let i = 0; i < n; i++) {
    const f = sampleFindings(rng.fork(i));
    for (const c of f.codes) assert.ok(findingByCode(c), `unknown code ${c}`);
    const has = (c: string) => f.codes.includes(c);
    if (has('NORM')) normal++;
    const rhythms = f.codes.filter((c) => findingByCode(c)!.kind === 'rhythm');
    assert.equal(rhythms.length, 1, `one rhythm: ${f.codes}`);
    assert.ok(!(has('AFIB') && (has('1AVB') || has('PAC'))), `${f.codes}`);
    assert.ok(!(has('CLBBB') && (has('CRBBB') || has('LAFB'))), `${f.codes}`);
    assert.ok(!(has('LVH') && has('LVOLT')), `${f.codes}`);
    if (has('NORM')) assert.equal(f.codes.length, 2, `normal ECG with extras: ${f.codes}`);
    if (has('LAFB')) assert.equal(f.heartAxis, 'LAD');
    assert.ok(!f.codes.includes('LAD') && !f.codes.includes('RAD'), 'axis goes to heart_axis, not scp_codes');
  }
  const share = normal / n;
  assert.ok(Math.abs(share - DEFAULT_PREVALENCE.normal) < 0.04, `normal share ${share}`);
});
