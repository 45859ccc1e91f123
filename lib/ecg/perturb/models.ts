/**
 * The perturbation models. Each works IN PLACE on a working copy of a record (lib/ecg/perturb.ts
 * makes the copy, so callers' arrays are never touched) and draws its randomness from `rng`
 * in a fixed order, so a seed reproduces a perturbation exactly.
 */
import type { Rng } from '../../util/prng.ts';
import { butterworthBandpass, sosFiltfilt } from '../preprocess/filters.ts';

/**
 * MEIT's robustness noise, the semantics of `partial_white_noise` in the official code
 * (ecg_data_collator.py), draw for draw:
 *   target_len = int(U(0, max_proportion) · N)
 *   start      = randint(0, N − target_len)          (upper bound exclusive, as numpy's)
 *   scale      = U(0, 0.1)
 *   x[:, start:start+target_len] += normal(0, scale, size=(1, target_len))
 * i.e. one Gaussian vector added identically to every lead. The official code applied it to
 * the min–max normalised MIMIC record (after NaN→0) and to nothing on PTB-XL.
 */
export function meitPartialNoise(leads: Float32Array[], maxProportion: number, maxSigma: number, rng: Rng): void {
  const n = leads[0]?.length ?? 0;
  if (n === 0) return;
  const length = Math.floor(rng.uniform(0, maxProportion) * n);
  const start = rng.int(0, n - length);
  const sigma = rng.uniform(0, maxSigma);
  for (let i = start; i < start + length; i++) {
    const noise = rng.normal(0, sigma);
    for (const lead of leads) lead[i] += noise;
  }
}

/**
 * White Gaussian noise at `snrDb` relative to each lead's own signal power. The power is the
 * variance (the mean removed): a DC offset, such as the ~0.5 of a min–max normalised record,
 * is not signal the noise should be measured against. A constant lead gets no noise.
 */
export function gaussianAtSnr(leads: Float32Array[], snrDb: number, rng: Rng): void {
  for (const lead of leads) {
    const sigma = Math.sqrt(variance(lead) / 10 ** (snrDb / 10));
    for (let i = 0; i < lead.length; i++) lead[i] += rng.normal(0, sigma);
  }
}

/**
 * Baseline wander (respiration, body movement): three sinusoids at 0.05–0.5 Hz shared by the
 * record, with per-lead random weights and phases. The weights sum to one, so the wander of a
 * lead never exceeds `amplitudeMv`.
 */
export function baselineWander(leads: Float32Array[], fs: number, amplitudeMv: number, rng: Rng): void {
  const components = 3;
  const omegas = Array.from({ length: components }, () => (2 * Math.PI * rng.uniform(0.05, 0.5)) / fs);
  for (const lead of leads) {
    const weights = omegas.map(() => rng.uniform(0.1, 1));
    const total = weights.reduce((a, b) => a + b, 0);
    const amplitudes = weights.map((w) => (amplitudeMv * w) / total);
    const phases = omegas.map(() => rng.uniform(0, 2 * Math.PI));
    for (let c = 0; c < components; c++) {
      const a = amplitudes[c]!, w = omegas[c]!, phi = phases[c]!;
      for (let i = 0; i < lead.length; i++) lead[i] += a * Math.sin(w * i + phi);
    }
  }
}

/**
 * Powerline interference: a `freq` Hz tone of amplitude `amplitudeMv` plus its third harmonic
 * at a fifth of that (mains distortion is mostly odd harmonics), one random phase for the
 * record as the mains is common to all leads. The harmonic is left out when it would lie above
 * the Nyquist rate, as a recorder's anti-aliasing filter would have removed it.
 */
export function powerline(leads: Float32Array[], fs: number, freq: number, amplitudeMv: number, rng: Rng): void {
  const phase = rng.uniform(0, 2 * Math.PI);
  const w = (2 * Math.PI * freq) / fs;
  const harmonic = 3 * freq < fs / 2 ? amplitudeMv / 5 : 0;
  for (const lead of leads) {
    for (let i = 0; i < lead.length; i++) {
      lead[i] += amplitudeMv * Math.sin(w * i + phase) + harmonic * Math.sin(3 * (w * i + phase));
    }
  }
}

/**
 * Muscle (EMG) noise: white noise band-limited to 20–150 Hz (the upper edge capped at 0.45·fs),
 * independent per lead, scaled to `rmsMv` RMS, switched on in bursts (one per ~3 s of record,
 * 0.3–1.5 s long, 50 ms raised-cosine ramps) shared by all leads, as a tensed muscle is.
 */
export function muscleNoise(leads: Float32Array[], fs: number, rmsMv: number, rng: Rng): void {
  const n = leads[0]?.length ?? 0;
  if (n === 0) return;
  const sos = butterworthBandpass(2, 20, Math.min(150, 0.45 * fs), fs);
  const envelope = burstEnvelope(n, fs, rng);
  const noise = new Float32Array(n);
  for (const lead of leads) {
    for (let i = 0; i < n; i++) noise[i] = rng.normal();
    const band = sosFiltfilt(sos, noise);
    const scale = rmsMv / Math.sqrt(meanSquare(band) || 1);
    for (let i = 0; i < n; i++) lead[i] += scale * band[i]! * envelope[i]!;
  }
}

function burstEnvelope(n: number, fs: number, rng: Rng): Float32Array {
  const envelope = new Float32Array(n);
  const bursts = Math.max(1, Math.round(n / fs / 3));
  const ramp = Math.max(1, Math.round(0.05 * fs));
  for (let b = 0; b < bursts; b++) {
    const length = Math.min(n, Math.round(rng.uniform(0.3, 1.5) * fs));
    const start = rng.int(0, n - length + 1);
    for (let i = 0; i < length; i++) {
      const edge = Math.min(i, length - 1 - i);
      const gain = edge >= ramp ? 1 : 0.5 - 0.5 * Math.cos((Math.PI * edge) / ramp);
      envelope[start + i] = Math.max(envelope[start + i]!, gain);
    }
  }
  return envelope;
}

/**
 * Electrode motion artefacts, synthesised: MIT-BIH NST's recorded "em" noise is not available
 * to the kit, so each event (one per ~5 s of record) is a baseline jump at a random time that
 * decays exponentially (τ 0.1–0.5 s), in a random subset of the leads (each with probability
 * 1/2, at least one), with a per-lead size of 0.5–1 × `amplitudeMv` and a random sign.
 */
export function electrodeMotion(leads: Float32Array[], fs: number, amplitudeMv: number, rng: Rng): void {
  const n = leads[0]?.length ?? 0;
  if (n === 0) return;
  const events = Math.max(1, Math.round(n / fs / 5));
  for (let e = 0; e < events; e++) {
    const onset = rng.int(0, n);
    const tau = rng.uniform(0.1, 0.5) * fs;
    const end = Math.min(n, onset + Math.ceil(8 * tau)); // exp(−8) ≈ 3e-4: the rest is negligible
    const hit = leads.map(() => rng.bernoulli(0.5));
    if (!hit.includes(true)) hit[rng.int(0, leads.length)] = true;
    const sign = rng.bernoulli(0.5) ? 1 : -1;
    leads.forEach((lead, l) => {
      if (!hit[l]) return;
      const jump = sign * amplitudeMv * rng.uniform(0.5, 1);
      for (let i = onset; i < end; i++) lead[i] += jump * Math.exp(-(i - onset) / tau);
    });
  }
}

/** `count` distinct leads, chosen uniformly, set to a flat zero. */
export function leadDropout(leads: Float32Array[], count: number, rng: Rng): void {
  const order = rng.shuffle(leads.map((_, i) => i));
  for (const l of order.slice(0, count)) leads[l]!.fill(0);
}

/** Each lead multiplied by its own gain, uniform in decibels within ±`maxDb`. */
export function amplitudeScaling(leads: Float32Array[], maxDb: number, rng: Rng): void {
  for (const lead of leads) {
    const gain = 10 ** (rng.uniform(-maxDb, maxDb) / 20);
    for (let i = 0; i < lead.length; i++) lead[i] *= gain;
  }
}

function variance(x: Float32Array): number {
  if (x.length === 0) return 0;
  let sum = 0;
  for (let i = 0; i < x.length; i++) sum += x[i]!;
  const mean = sum / x.length;
  let squares = 0;
  for (let i = 0; i < x.length; i++) squares += (x[i]! - mean) ** 2;
  return squares / x.length;
}

function meanSquare(x: Float32Array): number {
  let squares = 0;
  for (let i = 0; i < x.length; i++) squares += x[i]! * x[i]!;
  return x.length ? squares / x.length : 0;
}
