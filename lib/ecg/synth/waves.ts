/**
 * Wave events of the cardiac cycle: each is an asymmetric Gaussian bump of the heart's dipole
 * (in the spirit of the multichannel ECGSYN of Sameni et al. 2007, where each dipole
 * coordinate is a sum of Gaussians over the cardiac phase). A beat is the sum of its waves;
 * the leads follow by projection (leads.ts).
 */
import type { Vec3 } from './leads.ts';

/** What a wave is, so that findings can find and change it. */
export type WaveRole = 'P' | 'q' | 'R' | 'S' | 'R2' | 'ST' | 'T';

/**
 * When a wave happens: `p` counts from the P-wave onset, `qrs` from the QRS onset and `tEnd`
 * from the end of the QT interval (so that T follows QT as the rate changes).
 */
export type Anchor = 'p' | 'qrs' | 'tEnd';

export interface Wave {
  role: WaveRole;
  anchor: Anchor;
  /** Peak time relative to the anchor (s). */
  t: number;
  /** Widths (s) before and after the peak. */
  sl: number;
  sr: number;
  /** Dipole at the peak (mV-equivalent), patient frame. */
  v: Vec3;
}

/** Waves extend this many widths either side for onset/offset measurements. */
export const EXTENT = 2.2;
/** Rendering cut-off in widths: beyond it a Gaussian is below 1e-4 of its peak. */
const CUTOFF = 4.3;
const SQRT_HALF_PI = Math.sqrt(Math.PI / 2);

export function wave(role: WaveRole, anchor: Anchor, t: number, sl: number, sr: number, v: Vec3): Wave {
  return { role, anchor, t, sl, sr, v };
}

/** Signed area of a wave along each dipole axis (mV·s). */
export function waveArea(w: Wave): Vec3 {
  const k = (w.sl + w.sr) * SQRT_HALF_PI;
  return [w.v[0] * k, w.v[1] * k, w.v[2] * k];
}

/** Sum of the areas of several waves. */
export function netArea(waves: readonly Wave[]): Vec3 {
  const sum = [0, 0, 0];
  for (const w of waves) {
    const a = waveArea(w);
    for (let k = 0; k < 3; k++) sum[k]! += a[k]!;
  }
  return sum as unknown as Vec3;
}

/** Adds one wave peaking at `peak` seconds into the three dipole arrays sampled at `fs`. */
export function addWave(dipole: readonly [Float64Array, Float64Array, Float64Array], fs: number, peak: number, w: Wave): void {
  const n = dipole[0].length;
  const from = Math.max(0, Math.ceil((peak - CUTOFF * w.sl) * fs));
  const to = Math.min(n - 1, Math.floor((peak + CUTOFF * w.sr) * fs));
  const [vx, vy, vz] = w.v;
  const [x, y, z] = dipole;
  for (let i = from; i <= to; i++) {
    const d = i / fs - peak;
    const s = d < 0 ? w.sl : w.sr;
    const g = Math.exp(-0.5 * (d / s) * (d / s));
    x[i]! += vx * g;
    y[i]! += vy * g;
    z[i]! += vz * g;
  }
}

export function scale(v: Vec3, k: number): Vec3 {
  return [v[0] * k, v[1] * k, v[2] * k];
}

export function add(a: Vec3, b: Vec3): Vec3 {
  return [a[0] + b[0], a[1] + b[1], a[2] + b[2]];
}

/** Rotates a vector in the frontal plane (x→y) by `deg` degrees. */
export function rotateFrontal(v: Vec3, deg: number): Vec3 {
  const a = (deg * Math.PI) / 180;
  const c = Math.cos(a);
  const s = Math.sin(a);
  return [c * v[0] - s * v[1], s * v[0] + c * v[1], v[2]];
}

/** Rotates a vector in the horizontal plane (x→z, i.e. leftward towards anterior) by `deg` degrees. */
export function rotateHorizontal(v: Vec3, deg: number): Vec3 {
  const a = (deg * Math.PI) / 180;
  const c = Math.cos(a);
  const s = Math.sin(a);
  return [c * v[0] - s * v[2], v[1], s * v[0] + c * v[2]];
}
