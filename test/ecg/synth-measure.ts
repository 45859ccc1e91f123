/**
 * Measurements on synthetic ECGs for the generator's tests, made on the signals (not read
 * from the generator's parameters): QRS detection from the summed slope of all leads,
 * QRS width, net QRS areas, ST level, PR from the isoelectric segments of a clean record.
 */
import { LEADS, type LeadName, type SyntheticEcg } from '../../lib/ecg/synth/index.ts';
import { axisFromLeads } from '../../lib/ecg/synth/leads.ts';

export function lead(ecg: SyntheticEcg, name: LeadName): Float32Array {
  return ecg.signals[LEADS.indexOf(name)]!;
}

/** Sum over leads of |slope| (mV/s), smoothed over 20 ms: large during QRS complexes only. */
export function activity(ecg: SyntheticEcg): Float64Array {
  return smoothedSum(ecg, (s, i) => Math.abs(s[i]! - s[i - 1]!) * ecg.fs);
}

function smoothedSum(ecg: SyntheticEcg, at: (s: Float32Array, i: number) => number): Float64Array {
  const n = ecg.signals[0]!.length;
  const raw = new Float64Array(n);
  for (const s of ecg.signals) for (let i = 1; i < n - 1; i++) raw[i]! += at(s, i);
  const half = Math.round(0.01 * ecg.fs);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let sum = 0;
    for (let j = Math.max(0, i - half); j <= Math.min(n - 1, i + half); j++) sum += raw[j]!;
    out[i] = sum / (2 * half + 1);
  }
  return out;
}

export interface Complex {
  /** Sample indices. */
  onset: number;
  peak: number;
  end: number;
}

/**
 * QRS complexes: slope activity above 25% of its maximum marks a complex; its edges are where
 * the activity falls below 10% of the complex's own peak (for 30 ms at the end, to bridge the
 * notch of a wide complex).
 */
export function complexes(ecg: SyntheticEcg): Complex[] {
  const a = activity(ecg);
  const max = Math.max(...a);
  const refractory = Math.round(0.25 * ecg.fs);
  const found: Complex[] = [];
  for (let i = 1; i < a.length - 1; i++) {
    if (a[i]! < 0.25 * max) continue;
    let peak = i;
    for (let j = i; j < Math.min(a.length, i + Math.round(0.1 * ecg.fs)); j++) if (a[j]! > a[peak]!) peak = j;
    let onset = peak;
    while (onset > 0 && a[onset - 1]! > 0.1 * a[peak]!) onset--;
    // The end: where activity stays below the threshold for 30 ms (bridging the notch of a wide complex).
    const gap = Math.round(0.03 * ecg.fs);
    let end = peak;
    for (let j = peak; j < Math.min(a.length, end + gap); j++) if (a[j]! > 0.1 * a[peak]!) end = j;
    found.push({ onset, peak, end });
    i = Math.max(end, i + refractory);
  }
  // Complexes cut by the strip's edges are not measurable.
  return found.filter((c) => c.onset > 0.3 * ecg.fs && c.end < a.length - 0.3 * ecg.fs);
}

export function median(values: readonly number[]): number {
  const s = [...values].sort((x, y) => x - y);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}

/** RR intervals (s) between consecutive complexes. */
export function rrIntervals(ecg: SyntheticEcg): number[] {
  const c = complexes(ecg);
  return c.slice(1).map((x, k) => (x.onset - c[k]!.onset) / ecg.fs);
}

export function heartRate(ecg: SyntheticEcg): number {
  return 60 / median(rrIntervals(ecg));
}

/** Coefficient of variation of successive RR intervals. */
export function rrVariation(ecg: SyntheticEcg): number {
  const rr = rrIntervals(ecg);
  const mean = rr.reduce((s, x) => s + x, 0) / rr.length;
  return Math.sqrt(rr.reduce((s, x) => s + (x - mean) ** 2, 0) / rr.length) / mean;
}

/** Median QRS width (ms). */
export function qrsWidth(ecg: SyntheticEcg): number {
  return median(complexes(ecg).map((c) => ((c.end - c.onset) / ecg.fs) * 1000));
}

/** Net area (mV·s) of a lead over each complex, median over complexes. */
export function netQrsArea(ecg: SyntheticEcg, name: LeadName): number {
  const s = lead(ecg, name);
  return median(complexes(ecg).map((c) => s.subarray(c.onset, c.end + 1).reduce((acc, v) => acc + v, 0) / ecg.fs));
}

/** Frontal QRS axis (degrees) from the net QRS areas of I and aVF, as a cardiologist reads it. */
export function frontalAxis(ecg: SyntheticEcg): number {
  return axisFromLeads(netQrsArea(ecg, 'I'), netQrsArea(ecg, 'aVF'));
}

/** Median peak-to-peak QRS amplitude of a lead (mV). */
export function qrsAmplitude(ecg: SyntheticEcg, name: LeadName): number {
  const s = lead(ecg, name);
  return median(complexes(ecg).map((c) => Math.max(...s.subarray(c.onset, c.end + 1)) - Math.min(...s.subarray(c.onset, c.end + 1))));
}

/** Extremes of a lead inside the complexes: deepest negative and tallest positive (mV), medians. */
export function qrsExtremes(ecg: SyntheticEcg, name: LeadName): { min: number; max: number } {
  const s = lead(ecg, name);
  const cs = complexes(ecg);
  return {
    min: median(cs.map((c) => Math.min(...s.subarray(c.onset, c.end + 1)))),
    max: median(cs.map((c) => Math.max(...s.subarray(c.onset, c.end + 1)))),
  };
}

/** Value of a lead `ms` after the end of each complex (the ST segment at J + ms), median. */
export function stLevel(ecg: SyntheticEcg, name: LeadName, ms = 60): number {
  const s = lead(ecg, name);
  return median(complexes(ecg).map((c) => s[c.end + Math.round((ms / 1000) * ecg.fs)]!));
}

/** Sign of the first deflection of a lead larger than 0.05 mV inside each complex (+1 / −1), majority. */
export function initialDeflection(ecg: SyntheticEcg, name: LeadName): number {
  const s = lead(ecg, name);
  let votes = 0;
  for (const c of complexes(ecg)) {
    for (let i = c.onset; i <= c.end; i++) {
      if (Math.abs(s[i]!) > 0.05) {
        votes += Math.sign(s[i]!);
        break;
      }
    }
  }
  return Math.sign(votes);
}

/** Depth (mV) of the initial negative deflection of a lead: its minimum in the first 40 ms of each complex, median. */
export function initialQ(ecg: SyntheticEcg, name: LeadName): number {
  const s = lead(ecg, name);
  const span = Math.round(0.04 * ecg.fs);
  return median(complexes(ecg).map((c) => Math.max(0, -Math.min(...s.subarray(c.onset, c.onset + span)))));
}

/** Net area of a lead from the end of each complex to 60% of the way to the next (the T wave), median (mV·s). */
export function tArea(ecg: SyntheticEcg, name: LeadName): number {
  const s = lead(ecg, name);
  const cs = complexes(ecg);
  return median(
    cs.slice(0, -1).map((c, k) => {
      const to = c.end + Math.round(0.6 * (cs[k + 1]!.onset - c.end));
      return s.subarray(c.end + Math.round(0.04 * ecg.fs), to).reduce((acc, v) => acc + v, 0) / ecg.fs;
    }),
  );
}

/**
 * PR interval (ms) of a clean (noise-free) record: going back from each QRS onset, past the
 * isoelectric PR segment, through the P wave, to where the signal is isoelectric again.
 */
export function prInterval(ecg: SyntheticEcg): number {
  const s = lead(ecg, 'II');
  const quiet = (i: number) => Math.abs(s[i]!) < 0.01;
  return median(
    complexes(ecg).map((c) => {
      let i = c.onset;
      while (i > 0 && quiet(i)) i--; // PR segment
      while (i > 0 && !quiet(i)) i--; // P wave
      return ((c.onset - i) / ecg.fs) * 1000;
    }),
  );
}

/** Fraction of samples where every lead is isoelectric (|v| < 0.01 mV): the TP and PR segments of a clean record. */
export function isoelectricFraction(ecg: SyntheticEcg): number {
  const n = ecg.signals[0]!.length;
  let quiet = 0;
  for (let i = 0; i < n; i++) if (ecg.signals.every((s) => Math.abs(s[i]!) < 0.01)) quiet++;
  return quiet / n;
}
