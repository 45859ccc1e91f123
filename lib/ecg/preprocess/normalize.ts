/**
 * Amplitude normalisation of a 12-lead record.
 *
 * - 'minmax-global': the official MEIT MIMIC code, `(ecg − min) / (max − min + 1e-8)` with ONE
 *   min and max over the whole 12×N record, so the relative amplitudes of the leads survive.
 *   The 1e-8 is theirs too: a constant record maps to zeros instead of NaN.
 * - 'zscore-lead': each lead to zero mean, unit (population) standard deviation; a constant
 *   lead maps to zeros.
 * - 'none': the signal as is (the official PTB-XL path fed raw mV).
 *
 * Inputs must be finite (preprocess removes non-finite samples first). Returns new arrays.
 */
export const NORMALIZATIONS = ['minmax-global', 'zscore-lead', 'none'] as const;
export type Normalization = (typeof NORMALIZATIONS)[number];

/** The official code's guard against division by zero, kept so outputs match it. */
const MINMAX_EPSILON = 1e-8;

export function normalize(leads: readonly Float32Array[], how: Normalization): Float32Array[] {
  switch (how) {
    case 'minmax-global':
      return minmaxGlobal(leads);
    case 'zscore-lead':
      return leads.map(zscore);
    case 'none':
      return leads.map((lead) => lead.slice());
  }
}

function minmaxGlobal(leads: readonly Float32Array[]): Float32Array[] {
  let min = Infinity;
  let max = -Infinity;
  for (const lead of leads) {
    for (let i = 0; i < lead.length; i++) {
      const v = lead[i]!;
      if (v < min) min = v;
      if (v > max) max = v;
    }
  }
  const scale = 1 / (max - min + MINMAX_EPSILON);
  return leads.map((lead) => {
    const out = new Float32Array(lead.length);
    for (let i = 0; i < lead.length; i++) out[i] = (lead[i]! - min) * scale;
    return out;
  });
}

function zscore(lead: Float32Array): Float32Array {
  const n = lead.length;
  const out = new Float32Array(n);
  if (n === 0) return out;
  let sum = 0;
  for (let i = 0; i < n; i++) sum += lead[i]!;
  const mean = sum / n;
  let squares = 0;
  for (let i = 0; i < n; i++) squares += (lead[i]! - mean) ** 2;
  const sd = Math.sqrt(squares / n);
  if (sd === 0) return out;
  for (let i = 0; i < n; i++) out[i] = (lead[i]! - mean) / sd;
  return out;
}
