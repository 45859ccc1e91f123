/**
 * Replacing NaN and ±Infinity samples (MIMIC-IV-ECG records contain NaN runs).
 *
 * - 'zero': each non-finite sample becomes 0.
 * - 'interpolate': linear interpolation across each gap between its finite neighbours; a gap
 *   at the start or end holds the nearest finite value; a lead with no finite sample becomes 0.
 * - 'zero-record': what the official MEIT MIMIC code effectively did. It min–max normalised
 *   with np.min/np.max, which return NaN when any sample is NaN, so the whole record became
 *   NaN and `np.nan_to_num` then turned it into zeros: one NaN blanks the entire record.
 *
 * The count returned is the number of non-finite samples found (not of samples changed).
 */
export const NON_FINITE_MODES = ['zero', 'interpolate', 'zero-record'] as const;
export type NonFiniteMode = (typeof NON_FINITE_MODES)[number];

export function replaceNonFinite(leads: readonly Float32Array[], mode: NonFiniteMode): { leads: Float32Array[]; replaced: number } {
  const out = leads.map((lead) => lead.slice());
  let replaced = 0;
  for (const lead of out) replaced += countNonFinite(lead);
  if (replaced === 0) return { leads: out, replaced };
  switch (mode) {
    case 'zero':
      for (const lead of out) zeroNonFinite(lead);
      break;
    case 'interpolate':
      for (const lead of out) interpolateNonFinite(lead);
      break;
    case 'zero-record':
      for (const lead of out) lead.fill(0);
      break;
  }
  return { leads: out, replaced };
}

function countNonFinite(lead: Float32Array): number {
  let count = 0;
  for (let i = 0; i < lead.length; i++) if (!Number.isFinite(lead[i]!)) count++;
  return count;
}

function zeroNonFinite(lead: Float32Array): void {
  for (let i = 0; i < lead.length; i++) if (!Number.isFinite(lead[i]!)) lead[i] = 0;
}

function interpolateNonFinite(lead: Float32Array): void {
  const n = lead.length;
  let previous = -1; // index of the last finite sample seen
  for (let i = 0; i < n; i++) {
    if (!Number.isFinite(lead[i]!)) continue;
    if (i - previous > 1) fillGap(lead, previous, i);
    previous = i;
  }
  if (previous === -1) lead.fill(0);
  else if (previous < n - 1) lead.fill(lead[previous]!, previous + 1);
}

/** Fills lead(left, right) exclusive; left = −1 means the gap starts the lead (hold the right value). */
function fillGap(lead: Float32Array, left: number, right: number): void {
  const b = lead[right]!;
  if (left === -1) {
    lead.fill(b, 0, right);
    return;
  }
  const a = lead[left]!;
  const width = right - left;
  for (let i = left + 1; i < right; i++) lead[i] = a + ((b - a) * (i - left)) / width;
}
