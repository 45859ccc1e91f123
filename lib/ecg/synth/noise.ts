/**
 * Recording noise, per electrode (so that noisy leads still obey Einthoven's relations):
 * baseline wander (breathing, electrode drift: < 0.5 Hz), muscle noise (EMG: broadband,
 * modelled as AR(1)-coloured Gaussian noise with a ~40 Hz corner) and powerline interference
 * at the mains frequency (50 Hz in Germany for PTB-XL, 60 Hz in Boston for MIMIC).
 */
import type { Rng } from '../../util/prng.ts';
import type { ElectrodeNoise } from './leads.ts';

export interface NoiseLevels {
  /** Baseline wander amplitude (mV). */
  wander: number;
  /** Muscle-noise standard deviation (mV). */
  muscle: number;
  /** Powerline amplitude (mV). */
  powerline: number;
  mainsHz: number;
}

/** Per-record noise levels: most records clean, some noisy. */
export function drawNoiseLevels(rng: Rng, mainsHz: number): NoiseLevels {
  return {
    wander: rng.uniform(0.02, 0.12) * (rng.bernoulli(0.15) ? 2.5 : 1),
    muscle: rng.uniform(0.003, 0.012) * (rng.bernoulli(0.1) ? 3 : 1),
    powerline: rng.bernoulli(0.3) ? rng.uniform(0.002, 0.01) : 0,
    mainsHz,
  };
}

const MUSCLE_CORNER_HZ = 40;

export function electrodeNoise(n: number, fs: number, levels: NoiseLevels, rng: Rng): ElectrodeNoise {
  const mainsPhase = rng.uniform(0, 2 * Math.PI);
  // Breathing moves every electrode a little in step with the others.
  const breath = { f: rng.uniform(0.15, 0.35), phase: rng.uniform(0, 2 * Math.PI) };
  const a = Math.exp((-2 * Math.PI * MUSCLE_CORNER_HZ) / fs);
  const innovation = levels.muscle * Math.sqrt(1 - a * a);
  const one = (label: string): Float32Array => {
    const r = rng.fork(label);
    const out = new Float32Array(n);
    addSinusoid(out, r.uniform(0.2, 1) * levels.wander, breath.f, breath.phase, fs);
    for (let k = 0; k < 2; k++) addSinusoid(out, r.uniform(0.2, 1) * levels.wander, r.uniform(0.03, 0.4), r.uniform(0, 2 * Math.PI), fs);
    if (levels.powerline > 0) addSinusoid(out, r.uniform(0.3, 1) * levels.powerline, levels.mainsHz, mainsPhase, fs);
    let emg = r.normal(0, levels.muscle);
    for (let i = 0; i < n; i++) {
      emg = a * emg + r.normal(0, innovation);
      out[i]! += emg;
    }
    return out;
  };
  return { ra: one('RA'), la: one('LA'), ll: one('LL'), chest: ['V1', 'V2', 'V3', 'V4', 'V5', 'V6'].map(one) };
}

/** Adds amp·sin(2πft + phase) by rotating a phasor (no Math.sin per sample: noise is the hot loop). */
function addSinusoid(out: Float32Array, amp: number, f: number, phase: number, fs: number): void {
  const step = (2 * Math.PI * f) / fs;
  const c = Math.cos(step);
  const s = Math.sin(step);
  let re = Math.cos(phase);
  let im = Math.sin(phase);
  for (let i = 0; i < out.length; i++) {
    out[i]! += amp * im;
    const next = re * c - im * s;
    im = re * s + im * c;
    re = next;
  }
}
