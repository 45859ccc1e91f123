/**
 * IIR filters as second-order sections, applied forward–backward (zero phase).
 *
 * Designs follow scipy.signal: `butterworthBandpass` is butter(order, [low, high], 'bandpass',
 * fs=fs, output='sos') and `iirNotch` is iirnotch(freq, q, fs=fs). `sosFiltfilt` is
 * scipy.signal.sosfiltfilt: odd extension of 3·ntaps samples at each end, section initial
 * states set to the steady state of a step of the first sample, a forward pass, then a
 * backward pass started from the steady state of the last output.
 *
 * Second-order sections rather than one (b, a) polynomial: a 4th-order band-pass with a
 * 0.5 Hz edge at 500 Hz has poles within 1e-2 of z = 1, where the expanded polynomial loses
 * most of its digits; cascaded biquads do not. The forward–backward result is the same
 * transfer function and initial-state rule as scipy's filtfilt, so the two agree to rounding.
 */
import { InputError } from '../../util/errors.ts';

/** Second-order sections, row-major: [b0, b1, b2, 1, a1, a2] per section (scipy's sos layout). */
export type Sos = Float64Array;

type Complex = [re: number, im: number];

/**
 * Butterworth band-pass of `order` (the analogue prototype's order; the digital filter has
 * 2·order poles in `order` sections), edges in Hz.
 */
export function butterworthBandpass(order: number, low: number, high: number, fs: number): Sos {
  if (!Number.isInteger(order) || order < 1 || order > 12) {
    throw new InputError(`band-pass order must be an integer in 1..12, got ${order}`);
  }
  if (!(low > 0 && low < high && high < fs / 2)) {
    throw new InputError(`band-pass edges must satisfy 0 < low < high < fs/2 = ${fs / 2} Hz, got ${low}–${high} Hz`);
  }
  // Pre-warped analogue edges for the bilinear transform with scipy's internal fs = 2.
  const bilinearK = 4;
  const warp = (f: number) => bilinearK * Math.tan((Math.PI * (2 * f / fs)) / 2);
  const wLow = warp(low);
  const wHigh = warp(high);
  const bw = wHigh - wLow;
  const w0Squared = wLow * wHigh;

  const sos = new Float64Array(order * 6);
  let section = 0;
  // Prototype poles −exp(iπm/(2·order)), m = −order+1, −order+3, …; those with Im ≥ 0
  // (m ≤ 0) stand for their conjugates too.
  let analogPoleProduct: Complex = [1, 0]; // Π (4 − p) over all 2·order band-pass poles
  for (let m = -order + 1; m <= 0; m += 2) {
    const theta = (Math.PI * m) / (2 * order);
    const lp: Complex = [(-Math.cos(theta) * bw) / 2, (-Math.sin(theta) * bw) / 2];
    // Low-pass → band-pass: each prototype pole p becomes p ± sqrt(p² − w0²).
    const root = csqrt(csub(cmul(lp, lp), [w0Squared, 0]));
    const pair: Complex[] = [cadd(lp, root), csub(lp, root)];
    if (m === 0) {
      // Real prototype pole: its two band-pass poles are a conjugate pair or two reals, one section.
      writeSection(sos, section++, bilinear(pair[0]!, bilinearK), bilinear(pair[1]!, bilinearK));
      analogPoleProduct = cmul(analogPoleProduct, cmul(csub([bilinearK, 0], pair[0]!), csub([bilinearK, 0], pair[1]!)));
    } else {
      for (const p of pair) {
        const z = bilinear(p, bilinearK);
        writeSection(sos, section++, z, conj(z));
        const d = csub([bilinearK, 0], p);
        analogPoleProduct = cmul(analogPoleProduct, cmul(d, conj(d)));
      }
    }
  }
  // Gain of scipy's bilinear_zpk: k·Π(4 − zeros)/Π(4 − poles), with k = bw^order and `order`
  // analogue zeros at s = 0. Every section gets zeros at z = 1 and z = −1 (b = [1, 0, −1]);
  // the gain sits on the first section, as in scipy.
  const gain = (bw ** order * bilinearK ** order * analogPoleProduct[0]) / cabs2(analogPoleProduct);
  for (let s = 0; s < order; s++) {
    const g = s === 0 ? gain : 1;
    sos[s * 6] = g;
    sos[s * 6 + 1] = 0;
    sos[s * 6 + 2] = -g;
  }
  return sos;
}

/** Second-order IIR notch at `freq` Hz with quality factor `q` (−3 dB width freq/q). */
export function iirNotch(freq: number, q: number, fs: number): Sos {
  if (!(freq > 0 && freq < fs / 2)) throw new InputError(`notch frequency must be in (0, fs/2 = ${fs / 2}) Hz, got ${freq} Hz`);
  if (!(q > 0)) throw new InputError(`notch quality factor must be positive, got ${q}`);
  const w0 = (Math.PI * 2 * freq) / fs;
  const beta = Math.tan(w0 / q / 2);
  const gain = 1 / (1 + beta);
  const c = Math.cos(w0);
  return Float64Array.of(gain, -2 * gain * c, gain, 1, -2 * gain * c, 2 * gain - 1);
}

/** Zero-phase forward–backward filtering of one lead, like scipy.signal.sosfiltfilt. */
export function sosFiltfilt(sos: Sos, signal: Float32Array): Float32Array {
  const n = signal.length;
  const out = new Float32Array(n);
  if (n === 0) return out;
  const sections = sos.length / 6;
  let trivialB2 = 0, trivialA2 = 0;
  for (let s = 0; s < sections; s++) {
    if (sos[s * 6 + 2] === 0) trivialB2++;
    if (sos[s * 6 + 5] === 0) trivialA2++;
  }
  const nTaps = 2 * sections + 1 - Math.min(trivialB2, trivialA2);
  // scipy refuses signals not longer than the padding; shorter records get as much as they have.
  const edge = Math.min(3 * nTaps, n - 1);

  // Odd extension: mirror about the end samples, so the padded signal continues value and slope.
  const ext = new Float64Array(n + 2 * edge);
  const first = signal[0]!, last = signal[n - 1]!;
  for (let i = 0; i < edge; i++) ext[i] = 2 * first - signal[edge - i]!;
  for (let i = 0; i < n; i++) ext[edge + i] = signal[i]!;
  for (let i = 0; i < edge; i++) ext[edge + n + i] = 2 * last - signal[n - 2 - i]!;

  const zi = steadyStateStates(sos);
  const state = new Float64Array(2 * sections);
  runSections(sos, ext, zi, state, 1);
  runSections(sos, ext, zi, state, -1);
  for (let i = 0; i < n; i++) out[i] = ext[edge + i]!;
  return out;
}

/**
 * Filters `x` in place through the cascade, forward (direction 1) or backward (−1), starting
 * each section from `zi` scaled by the first sample met (transposed direct form II, as
 * scipy's sosfilt).
 */
function runSections(sos: Sos, x: Float64Array, zi: Float64Array, state: Float64Array, direction: 1 | -1): void {
  const sections = sos.length / 6;
  const n = x.length;
  const start = direction === 1 ? 0 : n - 1;
  const x0 = x[start]!;
  for (let k = 0; k < state.length; k++) state[k] = zi[k]! * x0;
  for (let step = 0, i = start; step < n; step++, i += direction) {
    let v = x[i]!;
    for (let s = 0; s < sections; s++) {
      const o = s * 6;
      const y = sos[o]! * v + state[2 * s]!;
      state[2 * s] = sos[o + 1]! * v - sos[o + 4]! * y + state[2 * s + 1]!;
      state[2 * s + 1] = sos[o + 2]! * v - sos[o + 5]! * y;
      v = y;
    }
    x[i] = v;
  }
}

/**
 * scipy.signal.sosfilt_zi: per-section states of the steady response to a unit step at the
 * cascade's input (each section sees the DC gain of the sections before it).
 */
function steadyStateStates(sos: Sos): Float64Array {
  const sections = sos.length / 6;
  const zi = new Float64Array(2 * sections);
  let scale = 1;
  for (let s = 0; s < sections; s++) {
    const o = s * 6;
    const b0 = sos[o]!, b1 = sos[o + 1]!, b2 = sos[o + 2]!, a1 = sos[o + 4]!, a2 = sos[o + 5]!;
    const dcGain = (b0 + b1 + b2) / (1 + a1 + a2);
    const z2 = b2 - a2 * dcGain;
    const z1 = b1 - a1 * dcGain + z2;
    zi[2 * s] = scale * z1;
    zi[2 * s + 1] = scale * z2;
    scale *= dcGain;
  }
  return zi;
}

function writeSection(sos: Sos, s: number, p1: Complex, p2: Complex): void {
  // Denominator (1 − p1 z⁻¹)(1 − p2 z⁻¹) of a conjugate or real pair: real coefficients.
  sos[s * 6 + 3] = 1;
  sos[s * 6 + 4] = -(p1[0] + p2[0]);
  sos[s * 6 + 5] = p1[0] * p2[0] - p1[1] * p2[1];
}

/** Bilinear transform of an s-plane pole: z = (k + s)/(k − s). */
function bilinear(s: Complex, k: number): Complex {
  return cdiv([k + s[0], s[1]], [k - s[0], -s[1]]);
}

function cadd(a: Complex, b: Complex): Complex {
  return [a[0] + b[0], a[1] + b[1]];
}
function csub(a: Complex, b: Complex): Complex {
  return [a[0] - b[0], a[1] - b[1]];
}
function cmul(a: Complex, b: Complex): Complex {
  return [a[0] * b[0] - a[1] * b[1], a[0] * b[1] + a[1] * b[0]];
}
function conj(a: Complex): Complex {
  return [a[0], -a[1]];
}
function cabs2(a: Complex): number {
  return a[0] * a[0] + a[1] * a[1];
}
function cdiv(a: Complex, b: Complex): Complex {
  const d = cabs2(b);
  return [(a[0] * b[0] + a[1] * b[1]) / d, (a[1] * b[0] - a[0] * b[1]) / d];
}
/** Principal square root. */
function csqrt(a: Complex): Complex {
  const r = Math.hypot(a[0], a[1]);
  const re = Math.sqrt((r + a[0]) / 2);
  const im = Math.sqrt(Math.max(0, (r - a[0]) / 2));
  return [re, a[1] < 0 ? -im : im];
}
