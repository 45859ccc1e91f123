/**
 * The beat schedule of a strip: when each QRS starts, which beats are premature, where the P
 * waves fall; and the continuous atrial activity of fibrillation (f waves) and flutter
 * (F waves, a saw-tooth).
 *
 * Sinus RR intervals carry respiratory sinus arrhythmia (~0.25 Hz) and a slower Mayer-wave
 * component (~0.1 Hz); fibrillation conducts irregularly (log-normal RR, no P); flutter
 * conducts every 2nd or 4th F wave.
 */
import type { Rng } from '../../util/prng.ts';
import type { Physiology } from './morphology.ts';

/** `normal`: conducted from the atria through the AV node (sinus, fibrillation or flutter). */
export type BeatKind = 'normal' | 'pvc' | 'pac';

export interface Beat {
  kind: BeatKind;
  /**
   * QRS onset (s from the start of the strip; may be negative or past the end). Absent for a
   * sinus P wave that finds the ventricles refractory (hidden in a PVC).
   */
  qrs?: number;
  /** P-wave onset, when the beat has a P wave of its own. */
  p?: number;
  /** The preceding RR interval (s), which sets this beat's QT. */
  rr: number;
}

/** Time before 0 and after the end covered by beats, so the strip edges look like the middle. */
const MARGIN = 2;

export function scheduleBeats(phys: Physiology, seconds: number, rng: Rng): Beat[] {
  const rr = 60 / phys.heartRate;
  const beats =
    phys.rhythm === 'afib' ? fibrillationBeats(rr, seconds, rng) : phys.rhythm === 'aflt' ? flutterBeats(phys, seconds, rng) : sinusBeats(phys, rr, seconds, rng);
  insertPrematureBeats(beats, phys, rng.fork('premature'));
  return beats;
}

function sinusBeats(phys: Physiology, rr: number, seconds: number, rng: Rng): Beat[] {
  const rsaPhase = rng.uniform(0, 2 * Math.PI);
  const mayerPhase = rng.uniform(0, 2 * Math.PI);
  const beats: Beat[] = [];
  let t = -MARGIN + rng.uniform(0, rr);
  let prev = rr;
  while (t < seconds + MARGIN) {
    beats.push({ kind: 'normal', qrs: t, p: t - phys.pr, rr: prev });
    const next =
      rr *
      (1 +
        phys.rsa * Math.sin(2 * Math.PI * 0.25 * t + rsaPhase) +
        0.5 * phys.rsa * Math.sin(2 * Math.PI * 0.1 * t + mayerPhase) +
        rng.normal(0, 0.006));
    t += next;
    prev = next;
  }
  return beats;
}

/**
 * Replaces conducted beats inside the strip with premature ones. A PVC comes early and leaves
 * the sinus node alone (its P is hidden in the PVC; the next sinus beat comes on time: a full
 * compensatory pause). A PAC resets the sinus node: later beats shift earlier with it.
 */
function insertPrematureBeats(beats: Beat[], phys: Physiology, rng: Rng): void {
  const inside = beats.map((_, i) => i).filter((i) => i > 0 && i < beats.length - 1 && beats[i]!.qrs! > 1.5 && beats[i]!.qrs! < 9);
  rng.shuffle(inside);
  const chosen = inside.slice(0, phys.pvcCount + phys.pacCount);
  const hiddenP: Beat[] = [];
  chosen.forEach((i, k) => {
    if (beats[i - 1]!.kind !== 'normal' || beats[i + 1]!.kind !== 'normal') return; // keep ectopics apart
    const prevQrs = beats[i - 1]!.qrs!;
    const rr = beats[i]!.qrs! - prevQrs;
    if (k < phys.pvcCount) {
      const qrs = prevQrs + rr * rng.uniform(0.55, 0.7);
      if (beats[i]!.p !== undefined) hiddenP.push({ kind: 'normal', p: beats[i]!.p, rr }); // the sinus P marches on, hidden in the PVC
      beats[i] = { kind: 'pvc', qrs, rr: qrs - prevQrs };
    } else {
      const qrs = prevQrs + rr * rng.uniform(0.62, 0.78);
      const shift = beats[i]!.qrs! - qrs;
      beats[i] = { kind: 'pac', qrs, p: qrs - 0.14, rr: qrs - prevQrs };
      for (let j = i + 1; j < beats.length; j++) {
        const b = beats[j]!;
        if (b.qrs !== undefined) b.qrs -= shift;
        if (b.p !== undefined) b.p -= shift;
      }
      for (const h of hiddenP) if (h.p! > qrs) h.p! -= shift;
    }
  });
  beats.push(...hiddenP);
}

function fibrillationBeats(rr: number, seconds: number, rng: Rng): Beat[] {
  const beats: Beat[] = [];
  let t = -MARGIN + rng.uniform(0, rr);
  let prev = rr;
  while (t < seconds + MARGIN) {
    beats.push({ kind: 'normal', qrs: t, rr: prev });
    // Irregularly irregular: log-normal RR, never shorter than the AV node's refractory period.
    prev = Math.max(0.3, rr * Math.exp(rng.normal(-0.02, 0.2)));
    t += prev;
  }
  return beats;
}

function flutterBeats(phys: Physiology, seconds: number, rng: Rng): Beat[] {
  const cycle = 1 / phys.flutterRate;
  const rr = cycle * phys.conduction;
  const delay = rng.uniform(0.18, 0.26); // AV delay from the start of the conducted F wave
  const beats: Beat[] = [];
  for (let k = -Math.ceil(MARGIN / rr); k * rr < seconds + MARGIN; k++) {
    beats.push({ kind: 'normal', qrs: k * rr + delay + phys.flutterPhase * cycle, rr });
  }
  return beats;
}

/**
 * Atrial activity that is not a discrete P wave, as a scalar over time (mV, along the atrial
 * vector): the chaotic f waves of fibrillation (a few drifting 4–8 Hz components), or the
 * saw-tooth F waves of flutter (slow descent, quicker return; negative in II, III, aVF).
 */
export function atrialActivity(phys: Physiology, n: number, fs: number, rng: Rng): Float64Array | undefined {
  if (phys.rhythm === 'sinus') return undefined;
  const out = new Float64Array(n);
  if (phys.rhythm === 'afib') {
    const components = Array.from({ length: 3 }, () => ({
      f: rng.uniform(4, 8),
      a: rng.uniform(0.015, 0.04),
      phase: rng.uniform(0, 2 * Math.PI),
      drift: rng.uniform(0.1, 0.4),
    }));
    for (let i = 0; i < n; i++) {
      const t = i / fs;
      let s = 0;
      for (const c of components) s += c.a * Math.sin(2 * Math.PI * c.f * t + c.phase + 2 * Math.sin(2 * Math.PI * c.drift * t));
      out[i] = s;
    }
    return out;
  }
  // Flutter: one F wave per cycle, a slow negative descent and a quicker return (asymmetric
  // Gaussian), overlapping into a saw-tooth without isoelectric baseline.
  const amplitude = rng.uniform(0.12, 0.22);
  const cycle = 1 / phys.flutterRate;
  const sl = 0.34 * cycle;
  const sr = 0.12 * cycle;
  for (let k = -2; k * cycle < n / fs + cycle; k++) {
    const peak = (k + phys.flutterPhase) * cycle;
    const from = Math.max(0, Math.ceil((peak - 4 * sl) * fs));
    const to = Math.min(n - 1, Math.floor((peak + 4 * sr) * fs));
    for (let i = from; i <= to; i++) {
      const d = i / fs - peak;
      const s = d < 0 ? sl : sr;
      out[i]! -= amplitude * Math.exp(-0.5 * (d / s) * (d / s));
    }
  }
  let mean = 0;
  for (let i = 0; i < n; i++) mean += out[i]!;
  mean /= n;
  for (let i = 0; i < n; i++) out[i]! -= mean;
  return out;
}
