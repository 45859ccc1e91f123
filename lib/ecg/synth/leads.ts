/**
 * From the heart's 3-D electrical dipole to the 12 standard leads.
 *
 * Axes (patient frame): x to the patient's left, y towards the feet (inferior), z forward
 * (anterior). Leads I and II are projections of the dipole on the Einthoven triangle plus the
 * noise of their electrodes; III, aVR, aVL and aVF are then *derived* from I and II exactly as
 * the recorder does (Einthoven and Goldberger), so the relations hold sample by sample. The
 * chest leads are projections on horizontal-plane lead vectors referred to Wilson's central
 * terminal, with gains above 1 because the electrodes sit close to the heart.
 */
export type Vec3 = readonly [x: number, y: number, z: number];

export const LEADS = ['I', 'II', 'III', 'aVR', 'aVL', 'aVF', 'V1', 'V2', 'V3', 'V4', 'V5', 'V6'] as const;
export type LeadName = (typeof LEADS)[number];

const DEG = Math.PI / 180;

/** Lead I points to the left, lead II 60° below it (frontal plane). */
const LEAD_I: Vec3 = [1, 0, 0];
const LEAD_II: Vec3 = [Math.cos(60 * DEG), Math.sin(60 * DEG), 0];

/**
 * Chest leads: angle in the horizontal plane from the patient's left (0°) towards the front
 * (90°), gain, and inferior component. V1 sits right of the sternum, V6 on the left
 * mid-axillary line.
 */
const CHEST: readonly { angle: number; gain: number; inferior: number }[] = [
  { angle: 120, gain: 1.2, inferior: 0.0 }, // V1
  { angle: 100, gain: 1.9, inferior: 0.05 }, // V2
  { angle: 80, gain: 2.0, inferior: 0.15 }, // V3
  { angle: 60, gain: 1.9, inferior: 0.25 }, // V4
  { angle: 35, gain: 1.6, inferior: 0.3 }, // V5
  { angle: 10, gain: 1.4, inferior: 0.3 }, // V6
];
/**
 * Lead vectors of the chest leads. The lateral electrodes (V4–V6, fifth intercostal space)
 * sit at the level of the apex, so they also see inferior forces (`inferior`).
 */
export const CHEST_VECTORS: readonly Vec3[] = CHEST.map(({ angle, gain, inferior }) => [
  gain * Math.cos(angle * DEG),
  gain * inferior,
  gain * Math.sin(angle * DEG),
]);

/** Per-electrode noise, in mV (RA, LA, LL for the limbs; one per chest electrode). */
export interface ElectrodeNoise {
  ra: Float32Array;
  la: Float32Array;
  ll: Float32Array;
  chest: readonly Float32Array[];
}

/**
 * Projects a dipole (three arrays of equal length, mV) onto the 12 leads, in LEADS order.
 * `noise`, when given, is added at the electrodes, so noisy leads still obey the limb
 * relations.
 */
export function projectToLeads(dipole: readonly [Float64Array, Float64Array, Float64Array], noise?: ElectrodeNoise): Float32Array[] {
  const [x, y, z] = dipole;
  const n = x.length;
  const out = LEADS.map(() => new Float32Array(n));
  const [I, II, III, aVR, aVL, aVF] = out as [Float32Array, Float32Array, Float32Array, Float32Array, Float32Array, Float32Array];
  for (let t = 0; t < n; t++) {
    let i = LEAD_I[0] * x[t]! + LEAD_I[1] * y[t]! + LEAD_I[2] * z[t]!;
    let ii = LEAD_II[0] * x[t]! + LEAD_II[1] * y[t]! + LEAD_II[2] * z[t]!;
    if (noise) {
      i += noise.la[t]! - noise.ra[t]!;
      ii += noise.ll[t]! - noise.ra[t]!;
    }
    I[t] = i;
    II[t] = ii;
  }
  deriveLimbLeads(I, II, III, aVR, aVL, aVF);
  for (let k = 0; k < 6; k++) {
    const [cx, cy, cz] = CHEST_VECTORS[k]!;
    const lead = out[6 + k]!;
    const own = noise?.chest[k];
    for (let t = 0; t < n; t++) {
      let v = cx * x[t]! + cy * y[t]! + cz * z[t]!;
      // Wilson's central terminal averages the three limb electrodes.
      if (noise && own) v += own[t]! - (noise.ra[t]! + noise.la[t]! + noise.ll[t]!) / 3;
      lead[t] = v;
    }
  }
  return out;
}

/** III = II − I, aVR = −(I + II)/2, aVL = I − II/2, aVF = II − I/2 (computed from the stored I, II). */
export function deriveLimbLeads(
  I: Float32Array,
  II: Float32Array,
  III: Float32Array,
  aVR: Float32Array,
  aVL: Float32Array,
  aVF: Float32Array,
): void {
  for (let t = 0; t < I.length; t++) {
    const i = I[t]!;
    const ii = II[t]!;
    III[t] = ii - i;
    aVR[t] = -(i + ii) / 2;
    aVL[t] = i - ii / 2;
    aVF[t] = ii - i / 2;
  }
}

/** Frontal-plane angle (degrees, 0° = lead I, +90° = aVF) of a vector in the patient frame. */
export function frontalAngle(x: number, y: number): number {
  return Math.atan2(y, x) / DEG;
}

/**
 * Frontal axis from two leads' net areas as a cardiologist reads it: lead I gives the x
 * component, aVF (whose lead vector has length √3/2 in the Einthoven triangle) the y one.
 */
export function axisFromLeads(netI: number, netAVF: number): number {
  return frontalAngle(netI, netAVF / Math.sin(60 * DEG));
}
