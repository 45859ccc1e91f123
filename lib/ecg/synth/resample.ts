/**
 * Downsampling for the records100 copy of a PTB-XL-style record: a Hann-windowed sinc low-pass
 * at 0.45 × the target rate, evaluated only at the output instants (the real records100 files
 * are likewise a low-passed, decimated version of records500).
 */
const HALF_WIDTH_OUT = 4; // kernel half-width, in output sample periods

export function downsample(signal: Float32Array, fsIn: number, fsOut: number, seconds: number): Float32Array {
  const nOut = Math.round(seconds * fsOut);
  if (fsIn === fsOut) return signal.slice(0, nOut);
  if (fsOut > fsIn) throw new RangeError(`downsample: ${fsOut} Hz is above the input's ${fsIn} Hz`);
  const cutoff = (0.45 * fsOut) / fsIn; // cycles per input sample
  const half = Math.ceil((HALF_WIDTH_OUT * fsIn) / fsOut);
  const weight = (d: number) => {
    const sinc = d === 0 ? 2 * cutoff : Math.sin(2 * Math.PI * cutoff * d) / (Math.PI * d);
    return sinc * (0.5 + 0.5 * Math.cos((Math.PI * d) / (half + 1)));
  };
  // For an integer ratio every output sees the same offsets: tabulate the kernel once.
  const ratio = fsIn / fsOut;
  const table = Number.isInteger(ratio) ? Float64Array.from({ length: 2 * half + 1 }, (_, k) => weight(k - half)) : undefined;
  const out = new Float32Array(nOut);
  for (let j = 0; j < nOut; j++) {
    const centre = j * ratio;
    const first = Math.max(0, Math.ceil(centre - half));
    const last = Math.min(signal.length - 1, Math.floor(centre + half));
    let acc = 0;
    let wsum = 0;
    for (let i = first; i <= last; i++) {
      const w = table ? table[i - centre + half]! : weight(i - centre);
      acc += w * signal[i]!;
      wsum += w;
    }
    out[j] = acc / wsum; // unit DC gain, also at the edges
  }
  return out;
}
