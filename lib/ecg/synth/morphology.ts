/**
 * A record's physiology: the shape of its sinus (and ectopic) beats and its intervals, built
 * from a normal heart and then changed finding by finding, the way each condition changes the
 * depolarisation and repolarisation of the heart:
 *
 * - conduction (CLBBB, CRBBB, LAFB): the order and speed in which the ventricles depolarise,
 *   hence the QRS vectors and their timing; repolarisation follows (secondary T changes);
 * - infarction (IMI, ASMI, AMI): dead myocardium contributes no forces, so the initial QRS
 *   vector points away from it (Q waves in the leads facing it);
 * - hypertrophy / low voltage (LVH, LVOLT): the QRS magnitude;
 * - ischaemia (STE_, STD_, INVT): an injury current during the ST segment, or a repolarisation
 *   vector turned away from the affected wall;
 * - intervals (1AVB, LNGQT) and the frontal QRS axis (PTB-XL heart_axis LAD / RAD).
 */
import type { Rng } from '../../util/prng.ts';
import type { Vec3 } from './leads.ts';
import { EXTENT, add, netArea, rotateFrontal, rotateHorizontal, scale, wave, type Wave } from './waves.ts';
import { frontalAngle } from './leads.ts';

export type AtrialRhythm = 'sinus' | 'afib' | 'aflt';

export interface Physiology {
  rhythm: AtrialRhythm;
  /** Mean ventricular rate (bpm); for flutter it follows from the flutter rate and conduction ratio. */
  heartRate: number;
  /** Beat-to-beat variability of sinus RR (fraction of RR; respiratory sinus arrhythmia). */
  rsa: number;
  /** PR interval, P onset to QRS onset (s). */
  pr: number;
  /** Heart-rate-corrected QT (Bazett, s). */
  qtc: number;
  sinus: Wave[];
  pvc: Wave[];
  /** P wave of premature atrial beats (ectopic focus low in the atrium). */
  pacP: Wave[];
  /** Atrial flutter: F-wave rate (per s) and AV conduction ratio. */
  flutterRate: number;
  conduction: number;
  /** Where in its cycle the flutter starts (fraction of a cycle). */
  flutterPhase: number;
  /** Premature beats in the 10-s strip. */
  pvcCount: number;
  pacCount: number;
  /** Target frontal QRS axis (degrees). */
  qrsAxis: number;
}

const has = (codes: ReadonlySet<string>, ...any: string[]) => any.some((c) => codes.has(c));

/** Multiplies each component by a factor near 1 (individual anatomy). */
function jitter(v: Vec3, rng: Rng, sd: number): Vec3 {
  return [v[0] * (1 + rng.normal(0, sd)), v[1] * (1 + rng.normal(0, sd)), v[2] * (1 + rng.normal(0, sd))];
}

function normalQrs(): Wave[] {
  return [
    wave('q', 'qrs', 0.016, 0.007, 0.007, [-0.14, 0.04, 0.2]), // septum, left to right and forward
    wave('R', 'qrs', 0.045, 0.011, 0.01, [0.9, 0.7, -0.1]), // free walls of the left ventricle
    wave('S', 'qrs', 0.072, 0.01, 0.011, [-0.2, -0.25, -0.45]), // basal, posterior-superior
  ];
}

function normalT(): Wave {
  return wave('T', 'tEnd', -0.1, 0.06, 0.038, [0.15, 0.18, 0.14]);
}

/**
 * Builds the physiology for a set of SCP codes plus the PTB-XL heart_axis label
 * ('' for a normal axis).
 */
export function buildPhysiology(codes: ReadonlySet<string>, heartAxis: string, rng: Rng): Physiology {
  const rhythm: AtrialRhythm = codes.has('AFIB') ? 'afib' : codes.has('AFLT') ? 'aflt' : 'sinus';
  let qrs = normalQrs();
  let t = [normalT()];
  const st: Wave[] = [];
  // Each aspect draws from its own fork, so that adding a finding changes only what it
  // should: the same seed with and without STE_ gives the same heart, rate and noise.
  const axisRng = rng.fork('axis');
  let qrsAxis = Math.min(85, Math.max(-15, axisRng.normal(40, 22)));

  if (codes.has('CLBBB')) {
    // Septum activated from the left: no septal q in I/V6; slow, notched left-posterior forces.
    qrs = [
      wave('q', 'qrs', 0.035, 0.018, 0.018, [0.45, 0.1, -0.5]),
      wave('R', 'qrs', 0.08, 0.022, 0.02, [1.0, 0.4, -1.25]),
      wave('R2', 'qrs', 0.12, 0.017, 0.018, [0.75, 0.1, -0.75]),
    ];
    t = [wave('T', 'tEnd', -0.11, 0.06, 0.04, [-0.28, -0.1, 0.32])]; // discordant
    st.push(wave('ST', 'qrs', 0.2, 0.03, 0.08, [-0.05, -0.02, 0.1]));
    qrsAxis = axisRng.uniform(-25, 45);
  } else if (codes.has('CRBBB')) {
    // Left ventricle as normal, then late unopposed right-anterior forces: rsR' in V1, wide S in I/V6.
    qrs.push(wave('R2', 'qrs', 0.1, 0.017, 0.02, [-0.5, 0.02, 0.78]));
    t = [wave('T', 'tEnd', -0.1, 0.06, 0.038, [0.2, 0.2, -0.08])]; // T inverted in V1–V2
  }
  if (codes.has('LAFB')) {
    // Initial forces inferior-rightward (q in I/aVL, r in II/III/aVF), main forces superior-leftward.
    qrs = qrs.map((w) => (w.role === 'q' ? { ...w, v: [-0.08, 0.16, 0.14] as Vec3 } : w));
    qrsAxis = axisRng.uniform(-80, -55);
  } else if (heartAxis === 'LAD') {
    qrsAxis = axisRng.uniform(-65, -40);
  } else if (heartAxis === 'RAD') {
    qrsAxis = axisRng.uniform(100, 140);
  }

  // The frontal axis: rotate the main ventricular forces so their net area points at qrsAxis
  // (before infarction and hypertrophy, which then move the axis as they do in life).
  const main = qrs.filter((w) => w.role !== 'q');
  const area = netArea(main);
  const turn = qrsAxis - frontalAngle(area[0], area[1]);
  qrs = qrs.map((w) => (w.role === 'q' ? w : { ...w, v: rotateFrontal(w.v, turn) }));

  if (codes.has('IMI')) {
    // Dead inferior wall: initial vector points up, away from II, III, aVF.
    qrs = qrs.map((w) =>
      w.role === 'q' ? wave('q', 'qrs', 0.022, 0.011, 0.011, [0.05, -0.4, 0.18]) : w.role === 'R' ? { ...w, v: [w.v[0], w.v[1] * 0.6, w.v[2]] as Vec3 } : w,
    );
    if (rng.fork('IMI').bernoulli(0.5)) t = t.map((w) => ({ ...w, v: [w.v[0], -Math.abs(w.v[1]) * 0.6, w.v[2]] as Vec3 }));
  }
  if (has(codes, 'ASMI', 'AMI')) {
    // Dead septum / anterior wall: initial forces posterior, QS in V1–V3 (V1–V4 for AMI).
    const qv: Vec3 = codes.has('AMI') ? [0.0, 0.02, -0.42] : [0.25, 0.05, -0.32];
    qrs = qrs.map((w) =>
      w.role === 'q' ? wave('q', 'qrs', 0.022, 0.011, 0.011, qv) : w.role === 'R' ? { ...w, v: [w.v[0], w.v[1], w.v[2] - 0.15] as Vec3 } : w,
    );
  }
  if (codes.has('LVH')) {
    // A thick left ventricle: larger leftward-posterior forces (tall R in V5–V6 and aVL, deep
    // S in V1–V2); the chest leads, closest to it, grow most.
    const k = rng.fork('LVH').uniform(2.2, 2.7);
    qrs = qrs.map((w) => (w.role === 'R' || w.role === 'S' ? { ...w, v: [w.v[0] * k, w.v[1] * k * 0.6, w.v[2] * k * 1.3] as Vec3 } : w));
  }
  if (codes.has('LVOLT')) {
    // Low voltage (effusion, obesity, emphysema): everything smaller, QRS most.
    const k = rng.fork('LVOLT').uniform(0.22, 0.3);
    qrs = qrs.map((w) => ({ ...w, v: scale(w.v, k) }));
    t = t.map((w) => ({ ...w, v: scale(w.v, 0.7) }));
  }

  if (codes.has('STE_')) {
    // Injury current towards the injured wall: ST elevation there, reciprocal depression opposite.
    const r = rng.fork('STE_');
    const dir: Vec3 = r.bernoulli(0.5) ? [0.03, -0.02, 0.15] : [-0.02, 0.15, 0.0];
    st.push(wave('ST', 'qrs', 0.16, 0.035, 0.09, scale(dir, r.uniform(1, 1.6))));
    t = t.map((w) => ({ ...w, v: add(w.v, scale(dir, 0.6)) }));
  }
  if (codes.has('STD_')) {
    // Subendocardial ischaemia: ST vector towards aVR, depression in I, II, V4–V6.
    st.push(wave('ST', 'qrs', 0.15, 0.03, 0.07, scale([-0.08, -0.07, -0.03], rng.fork('STD_').uniform(1, 1.5))));
  }
  if (codes.has('INVT')) {
    // Repolarisation turned away from the lateral (or inferior) wall.
    const v: Vec3 = rng.fork('INVT').bernoulli(0.6) ? [-0.16, 0.04, -0.06] : [0.12, -0.16, 0.14];
    t = t.map((w) => ({ ...w, v }));
  }

  // Individual anatomy: heart position in the chest, size, small shape differences.
  const anatomy = rng.fork('anatomy');
  const horizontal = anatomy.normal(0, 8);
  const drawnSize = Math.exp(anatomy.normal(0, 0.12));
  const size = codes.has('LVH') ? Math.max(drawnSize, 1) : drawnSize; // a hypertrophied heart is not a small one
  // One fork per wave (named by role and rank), so an added wave leaves the others as they were.
  const individual = (label: string) => (waves: readonly Wave[]): Wave[] => {
    const rank = new Map<string, number>();
    return waves.map((w) => {
      const k = rank.get(w.role) ?? 0;
      rank.set(w.role, k + 1);
      return { ...w, v: rotateHorizontal(jitter(scale(w.v, size), anatomy.fork(`${label}/${w.role}${k}`), 0.08), horizontal) };
    });
  };
  const p = wave('P', 'p', 0.05, 0.022, 0.02, [0.06, 0.1, 0.02]);
  const sinus = individual('sinus')([...(rhythm === 'sinus' ? [p] : []), ...alignQrs(qrs), ...st, ...t]);

  const rates = rng.fork('rates');
  const heartRate = codes.has('SBRAD')
    ? rates.uniform(42, 57)
    : codes.has('STACH')
      ? rates.uniform(102, 135)
      : rhythm === 'afib'
        ? rates.uniform(60, 130)
        : rates.uniform(58, 98);
  const conduction = rates.bernoulli(0.6) ? 2 : 4;
  const flutterRate = rates.uniform(4.3, 5.3);
  const intervals = rng.fork('intervals');
  const ectopics = rng.fork('ectopics');

  return {
    rhythm,
    heartRate: rhythm === 'aflt' ? (60 * flutterRate) / conduction : heartRate,
    rsa: rates.uniform(0.01, 0.05),
    pr: codes.has('1AVB') ? intervals.uniform(0.22, 0.32) : intervals.uniform(0.12, 0.19),
    qtc: codes.has('LNGQT') ? intervals.uniform(0.5, 0.56) : intervals.uniform(0.38, 0.44),
    sinus,
    pvc: individual('pvc')(ectopicVentricularBeat(ectopics.fork('shape'))),
    pacP: individual('pac')([wave('P', 'p', 0.045, 0.02, 0.02, [0.04, -0.09, 0.03])]),
    flutterRate,
    conduction,
    flutterPhase: rates.uniform(0, 1),
    pvcCount: codes.has('PVC') ? ectopics.int(1, 4) : 0,
    pacCount: codes.has('PAC') ? ectopics.int(1, 3) : 0,
    qrsAxis,
  };
}

/** Shifts QRS waves so that the complex starts at 0 (its onset is the anchor of the beat). */
function alignQrs(qrs: Wave[]): Wave[] {
  const onset = Math.min(...qrs.map((w) => w.t - EXTENT * w.sl));
  return qrs.map((w) => ({ ...w, t: w.t - onset }));
}

/**
 * A premature ventricular beat: wide and bizarre (it spreads muscle to muscle, not through
 * the conduction system), from a random focus, with a T opposite to its QRS.
 */
function ectopicVentricularBeat(rng: Rng): Wave[] {
  const fromRight = rng.bernoulli(0.5);
  const dir: Vec3 = fromRight ? [0.8, 0.5, -0.7] : [-0.6, rng.uniform(-0.6, 0.9), 0.8];
  const mag = rng.uniform(1.1, 1.6);
  const v = scale(dir, mag / Math.hypot(...dir));
  return [
    ...alignQrs([
      wave('R', 'qrs', 0.05, 0.028, 0.03, v),
      wave('S', 'qrs', 0.1, 0.02, 0.025, scale(v, -0.25)),
    ]),
    wave('T', 'tEnd', -0.12, 0.07, 0.05, scale(v, -0.3)),
  ];
}

/** QRS duration of a beat's waves (s): from onset 0 to the last QRS wave's end. */
export function qrsDuration(waves: readonly Wave[]): number {
  return Math.max(...waves.filter((w) => w.anchor === 'qrs' && w.role !== 'ST').map((w) => w.t + EXTENT * w.sr));
}
