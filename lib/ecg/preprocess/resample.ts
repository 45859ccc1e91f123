/**
 * Rational-rate resampling with an anti-aliasing FIR: the algorithm of scipy.signal.resample_poly
 * (window ('kaiser', 5.0), zero padding), written as a direct polyphase sum.
 *
 * Going from `from` Hz to `to` Hz with up/down = to/from in lowest terms, the signal is
 * conceptually upsampled by `up` (zeros between samples), low-pass filtered at the lower of the
 * two Nyquist rates, and kept every `down`-th sample. The filter is a Kaiser(β=5) windowed sinc
 * with 2·halfLen+1 taps, halfLen = 10·max(up, down), cutoff 1/max(up, down) of the upsampled
 * Nyquist, normalised to unit DC gain and multiplied by `up`. Output sample i is centred on
 * input time i·from/to, so
 *
 *     y[i] = Σ_j h[i·down + halfLen − j·up] · x[j]      (terms with the tap index outside h vanish)
 *
 * which skips the multiplications by inserted zeros: about (2·halfLen+1)/up taps per output.
 * Samples beyond the ends count as zero (scipy's default padtype 'constant').
 *
 * Output length is round(n·to/from). scipy returns ceil(n·to/from) samples; for lengths where
 * the two differ, scipy's extra last sample (mostly edge transient) is the only difference.
 */
import { InputError } from '../../util/errors.ts';

/** The polyphase filter of one (up, down) pair. */
interface ResampleKernel {
  up: number;
  down: number;
  halfLen: number;
  taps: Float64Array;
}

/** Kernels are pure functions of (up, down); records of a dataset share one, so design once. */
const kernels = new Map<string, ResampleKernel>();

/** Resamples one lead from `from` Hz to `to` Hz (positive integers). Returns a new array. */
export function resample(signal: Float32Array, from: number, to: number): Float32Array {
  const kernel = resampleKernel(from, to);
  const n = signal.length;
  const { up, down, halfLen, taps } = kernel;
  const outLength = Math.round((n * up) / down);
  const out = new Float32Array(outLength);
  if (up === 1 && down === 1) {
    out.set(signal);
    return out;
  }
  const span = 2 * halfLen;
  for (let i = 0; i < outLength; i++) {
    const t = i * down + halfLen; // position of output i on the upsampled grid, shifted by the filter delay
    const jHigh = Math.min(n - 1, Math.floor(t / up));
    const jLow = Math.max(0, Math.ceil((t - span) / up));
    let acc = 0;
    for (let j = jLow, k = t - jLow * up; j <= jHigh; j++, k -= up) acc += taps[k]! * signal[j]!;
    out[i] = acc;
  }
  return out;
}

/** The rate pair in lowest terms, with the designed filter (cached). */
function resampleKernel(from: number, to: number): ResampleKernel {
  for (const [name, rate] of [['source', from], ['target', to]] as const) {
    if (!Number.isInteger(rate) || rate <= 0) {
      throw new InputError(`resampling needs positive integer sampling rates; ${name} rate is ${rate} Hz`);
    }
  }
  const g = gcd(from, to);
  const up = to / g;
  const down = from / g;
  const key = `${up}/${down}`;
  let kernel = kernels.get(key);
  if (!kernel) {
    const halfLen = up === 1 && down === 1 ? 0 : 10 * Math.max(up, down);
    kernel = { up, down, halfLen, taps: lowpassTaps(2 * halfLen + 1, 1 / Math.max(up, down), up) };
    kernels.set(key, kernel);
  }
  return kernel;
}

/**
 * scipy.signal.firwin(numTaps, cutoff, window=('kaiser', 5.0)) × gain: a windowed-sinc low-pass,
 * cutoff as a fraction of Nyquist, scaled to DC gain `gain`.
 */
function lowpassTaps(numTaps: number, cutoff: number, gain: number): Float64Array {
  const taps = new Float64Array(numTaps);
  const centre = (numTaps - 1) / 2;
  const beta = 5;
  const i0Beta = besselI0(beta);
  let sum = 0;
  for (let k = 0; k < numTaps; k++) {
    const m = k - centre;
    const ratio = numTaps === 1 ? 0 : (2 * k) / (numTaps - 1) - 1;
    const window = besselI0(beta * Math.sqrt(Math.max(0, 1 - ratio * ratio))) / i0Beta;
    taps[k] = cutoff * sinc(cutoff * m) * window;
    sum += taps[k]!;
  }
  for (let k = 0; k < numTaps; k++) taps[k] = (taps[k]! / sum) * gain;
  return taps;
}

function sinc(x: number): number {
  if (x === 0) return 1;
  const px = Math.PI * x;
  return Math.sin(px) / px;
}

/** Modified Bessel function of the first kind, order 0 (power series; fine for the β used here). */
function besselI0(x: number): number {
  const q = (x * x) / 4;
  let term = 1;
  let sum = 1;
  for (let k = 1; term > 1e-17 * sum; k++) {
    term *= q / (k * k);
    sum += term;
  }
  return sum;
}

function gcd(a: number, b: number): number {
  while (b) [a, b] = [b, a % b];
  return a;
}
