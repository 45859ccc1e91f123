/**
 * The synthetic 12-lead ECG generator: findings in, 10 s of 12 leads out.
 *
 *   findings ──buildPhysiology──► beat shapes, intervals, axis
 *            ──scheduleBeats────► when each beat happens (HRV, AF, flutter, PVC/PAC)
 *            ──addWave──────────► the heart's 3-D dipole over time (+ f/F waves)
 *            ──projectToLeads───► 12 leads, electrode noise included
 *
 * Every draw comes from forks of the caller's Rng, so a record is a pure function of its seed.
 */
import type { Rng } from '../../util/prng.ts';
import { LEADS, frontalAngle, projectToLeads, type LeadName, type Vec3 } from './leads.ts';
import { buildPhysiology, qrsDuration, type Physiology } from './morphology.ts';
import { drawNoiseLevels, electrodeNoise } from './noise.ts';
import { atrialActivity, scheduleBeats, type Beat } from './rhythm.ts';
import { EXTENT, addWave, netArea, type Wave } from './waves.ts';

export { LEADS, type LeadName } from './leads.ts';
export { sampleFindings, DEFAULT_PREVALENCE, type EcgFindings, type Prevalence } from './sample.ts';
export { downsample } from './resample.ts';

export const GENERATOR_VERSION = 'meit-synth-1';

export interface SynthOptions {
  fs: number;
  /** Strip length (s); 10 by default as PTB-XL and MIMIC-IV-ECG. */
  seconds?: number;
  /** Mains frequency of the powerline interference (Hz); 50 by default. */
  mainsHz?: number;
  /** false: the clean heart signal, without wander, muscle noise and powerline. */
  noise?: boolean;
}

/** Interval and axis measurements of the generated heart, as an ECG machine would report them. */
export interface Measurements {
  heartRate: number;
  rrMs: number;
  /** Absent without organised atrial activity (fibrillation, flutter). */
  prMs?: number;
  pMs?: number;
  pAxis?: number;
  qrsMs: number;
  qtMs: number;
  qtcMs: number;
  qrsAxis: number;
  tAxis: number;
}

export interface SyntheticEcg {
  fs: number;
  leads: readonly LeadName[];
  /** One Float32Array per lead in LEADS order, physical units (mV). */
  signals: Float32Array[];
  measurements: Measurements;
  /** The beats whose QRS starts inside the strip. */
  beats: Beat[];
}

/** Unit vectors of the atrial activity of fibrillation (seen best in V1 and II) and flutter (inferior). */
const F_WAVE_AXIS: Vec3 = unit([-0.3, 0.5, 0.8]);
const FLUTTER_AXIS: Vec3 = unit([0.05, 1, 0.4]);

export function synthesizeEcg(findings: { codes: readonly string[]; heartAxis: string }, options: SynthOptions, rng: Rng): SyntheticEcg {
  const { fs } = options;
  const seconds = options.seconds ?? 10;
  const n = Math.round(seconds * fs);
  const phys = buildPhysiology(new Set(findings.codes), findings.heartAxis, rng.fork('physiology'));
  const beats = scheduleBeats(phys, seconds, rng.fork('rhythm'));

  const dipole: [Float64Array, Float64Array, Float64Array] = [new Float64Array(n), new Float64Array(n), new Float64Array(n)];
  for (const beat of beats) renderBeat(dipole, fs, beat, phys);
  const atrial = atrialActivity(phys, n, fs, rng.fork('atria'));
  if (atrial) {
    const axis = phys.rhythm === 'afib' ? F_WAVE_AXIS : FLUTTER_AXIS;
    for (let i = 0; i < n; i++) for (let k = 0; k < 3; k++) dipole[k]![i]! += axis[k]! * atrial[i]!;
  }
  const noise = options.noise === false ? undefined : electrodeNoise(n, fs, drawNoiseLevels(rng.fork('noise-levels'), options.mainsHz ?? 50), rng.fork('noise'));
  const signals = projectToLeads(dipole, noise);
  const inside = beats.filter((b) => b.qrs !== undefined && b.qrs >= 0 && b.qrs < seconds).sort((a, b) => a.qrs! - b.qrs!);
  return { fs, leads: LEADS, signals, measurements: measure(phys, inside), beats: inside };
}

/** QT at a given preceding RR (Bazett), never so short that T would run into the QRS. */
function qtAt(phys: Physiology, waves: readonly Wave[], rr: number): number {
  const clamped = Math.min(Math.max(rr, 0.3), 1.8);
  return Math.max(phys.qtc * Math.sqrt(clamped), qrsDuration(waves) + 0.2);
}

function renderBeat(dipole: [Float64Array, Float64Array, Float64Array], fs: number, beat: Beat, phys: Physiology): void {
  if (beat.p !== undefined) {
    const pWaves = beat.kind === 'pac' ? phys.pacP : phys.sinus.filter((w) => w.anchor === 'p');
    for (const w of pWaves) addWave(dipole, fs, beat.p + w.t, w);
  }
  if (beat.qrs === undefined) return;
  const waves = (beat.kind === 'pvc' ? phys.pvc : phys.sinus).filter((w) => w.anchor !== 'p');
  const qt = qtAt(phys, waves, beat.rr) * (beat.kind === 'pvc' ? 1.1 : 1);
  for (const w of waves) addWave(dipole, fs, beat.qrs + (w.anchor === 'tEnd' ? qt : 0) + w.t, w);
}

function measure(phys: Physiology, beats: readonly Beat[]): Measurements {
  const onsets = beats.map((b) => b.qrs!);
  const rr = onsets.length > 1 ? (onsets[onsets.length - 1]! - onsets[0]!) / (onsets.length - 1) : 60 / phys.heartRate;
  const sinus = phys.sinus;
  const byRole = (role: string) => sinus.filter((w) => w.role === role);
  const axisOf = (waves: readonly Wave[]) => {
    const a = netArea(waves);
    return Math.round(frontalAngle(a[0], a[1]));
  };
  const p = byRole('P');
  const qt = qtAt(phys, sinus.filter((w) => w.anchor !== 'p'), rr);
  return {
    heartRate: Math.round(60 / rr),
    rrMs: Math.round(rr * 1000),
    ...(p.length
      ? {
          prMs: Math.round(phys.pr * 1000),
          pMs: Math.round(Math.max(...p.map((w) => w.t + EXTENT * w.sr)) * 1000),
          pAxis: axisOf(p),
        }
      : {}),
    qrsMs: Math.round(qrsDuration(sinus) * 1000),
    qtMs: Math.round(qt * 1000),
    qtcMs: Math.round((qt / Math.sqrt(rr)) * 1000),
    qrsAxis: axisOf(sinus.filter((w) => w.anchor === 'qrs' && w.role !== 'ST')),
    tAxis: axisOf(byRole('T')),
  };
}

function unit(v: Vec3): Vec3 {
  const m = Math.hypot(...v);
  return [v[0] / m, v[1] / m, v[2] / m];
}
