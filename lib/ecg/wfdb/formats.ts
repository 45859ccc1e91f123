/**
 * WFDB signal formats: how digital samples are laid out in a signal file
 * (https://physionet.org/physiotools/wag/signal-5.htm).
 *
 * A signal file holds one flat stream of samples, frame after frame, the signals of the file
 * interleaved inside each frame. Byte-aligned formats store one sample in 1-4 bytes; the
 * packed formats store a *group* of samples in a few bytes (212: 2 samples in 3 bytes;
 * 310, 311: 3 samples in 4 bytes), so a stream can only be decoded from a group boundary.
 * Decoders work on whole groups; callers pad the bytes of a last partial group with zeros.
 *
 * Decoders and encoders are tight loops over typed arrays with no per-sample allocation.
 */
import { InputError } from '../../util/errors.ts';

export interface SampleFormat {
  readonly code: number;
  /** Samples per group and the bytes a group occupies (1 sample for byte-aligned formats). */
  readonly groupSamples: number;
  readonly groupBytes: number;
  /** Bytes holding the first r samples of a group, indexed by r (a file may end mid-group). */
  readonly partialBytes: readonly number[];
  /** Digital range; `invalid` (WFDB's "no sample" value, the range minimum) lies inside it. */
  readonly min: number;
  readonly max: number;
  /** The value that marks a missing sample, or undefined when the format has none (8). */
  readonly invalid: number | undefined;
  /** Format 8 stores first differences, so values depend on all earlier bytes. */
  readonly differential: boolean;
  /** Decodes `out.length` samples (a multiple of groupSamples) from `src`. */
  decode(src: Uint8Array, out: Int32Array): void;
  /** Encodes `samples` (a multiple of groupSamples long) into `out`. */
  encode(samples: Int32Array, out: Uint8Array): void;
}

/** FLAC-compressed formats (508, 516, 524), which the kit does not read. */
export const FLAC_FORMATS: readonly number[] = [508, 516, 524];

const sign10 = (v: number) => (v << 22) >> 22;
const sign12 = (v: number) => (v << 20) >> 20;

function aligned(
  code: number,
  bytes: number,
  bits: number,
  options: { differential?: boolean; invalid?: boolean },
  decode: SampleFormat['decode'],
  encode: SampleFormat['encode'],
): SampleFormat {
  const min = bits === 32 ? -(2 ** 31) : -(1 << (bits - 1));
  const max = bits === 32 ? 2 ** 31 - 1 : (1 << (bits - 1)) - 1;
  return {
    code,
    groupSamples: 1,
    groupBytes: bytes,
    partialBytes: [0],
    min,
    max,
    invalid: options.invalid === false ? undefined : min,
    differential: options.differential ?? false,
    decode,
    encode,
  };
}

const FORMATS: Record<number, SampleFormat> = {
  // 8-bit first differences; a sample is the previous one (or the initial value) plus the byte.
  // Values themselves are unbounded in WFDB; wfdb-python uses the 32-bit range and no
  // invalid value.
  8: aligned(8, 1, 32, { differential: true, invalid: false },
    (src, out) => {
      for (let i = 0; i < out.length; i++) out[i] = (src[i]! << 24) >> 24;
    },
    (deltas, out) => {
      for (let i = 0; i < deltas.length; i++) out[i] = deltas[i]! & 0xff;
    }),
  16: aligned(16, 2, 16, {},
    (src, out) => {
      for (let i = 0, j = 0; i < out.length; i++, j += 2) out[i] = ((src[j]! | (src[j + 1]! << 8)) << 16) >> 16;
    },
    (samples, out) => {
      for (let i = 0, j = 0; i < samples.length; i++, j += 2) {
        const v = samples[i]!;
        out[j] = v & 0xff;
        out[j + 1] = (v >> 8) & 0xff;
      }
    }),
  // 16-bit big-endian.
  61: aligned(61, 2, 16, {},
    (src, out) => {
      for (let i = 0, j = 0; i < out.length; i++, j += 2) out[i] = ((src[j + 1]! | (src[j]! << 8)) << 16) >> 16;
    },
    (samples, out) => {
      for (let i = 0, j = 0; i < samples.length; i++, j += 2) {
        const v = samples[i]!;
        out[j] = (v >> 8) & 0xff;
        out[j + 1] = v & 0xff;
      }
    }),
  24: aligned(24, 3, 24, {},
    (src, out) => {
      for (let i = 0, j = 0; i < out.length; i++, j += 3) out[i] = ((src[j]! | (src[j + 1]! << 8) | (src[j + 2]! << 16)) << 8) >> 8;
    },
    (samples, out) => {
      for (let i = 0, j = 0; i < samples.length; i++, j += 3) {
        const v = samples[i]!;
        out[j] = v & 0xff;
        out[j + 1] = (v >> 8) & 0xff;
        out[j + 2] = (v >> 16) & 0xff;
      }
    }),
  32: aligned(32, 4, 32, {},
    (src, out) => {
      for (let i = 0, j = 0; i < out.length; i++, j += 4) out[i] = src[j]! | (src[j + 1]! << 8) | (src[j + 2]! << 16) | (src[j + 3]! << 24);
    },
    (samples, out) => {
      for (let i = 0, j = 0; i < samples.length; i++, j += 4) {
        const v = samples[i]!;
        out[j] = v & 0xff;
        out[j + 1] = (v >> 8) & 0xff;
        out[j + 2] = (v >> 16) & 0xff;
        out[j + 3] = (v >>> 24) & 0xff;
      }
    }),
  // Offset binary: the stored byte (word) minus 128 (32768).
  80: aligned(80, 1, 8, {},
    (src, out) => {
      for (let i = 0; i < out.length; i++) out[i] = src[i]! - 128;
    },
    (samples, out) => {
      for (let i = 0; i < samples.length; i++) out[i] = samples[i]! + 128;
    }),
  160: aligned(160, 2, 16, {},
    (src, out) => {
      for (let i = 0, j = 0; i < out.length; i++, j += 2) out[i] = (src[j]! | (src[j + 1]! << 8)) - 32768;
    },
    (samples, out) => {
      for (let i = 0, j = 0; i < samples.length; i++, j += 2) {
        const v = samples[i]! + 32768;
        out[j] = v & 0xff;
        out[j + 1] = v >> 8;
      }
    }),
  // Two 12-bit samples in 3 bytes: byte 0 = low 8 bits of s0, byte 1 = high nibble of s1 |
  // high nibble of s0, byte 2 = low 8 bits of s1.
  212: {
    code: 212,
    groupSamples: 2,
    groupBytes: 3,
    partialBytes: [0, 2],
    min: -2048,
    max: 2047,
    invalid: -2048,
    differential: false,
    decode(src, out) {
      for (let i = 0, j = 0; i < out.length; i += 2, j += 3) {
        const mid = src[j + 1]!;
        out[i] = sign12(src[j]! | ((mid & 0x0f) << 8));
        out[i + 1] = sign12(src[j + 2]! | ((mid & 0xf0) << 4));
      }
    },
    encode(samples, out) {
      for (let i = 0, j = 0; i < samples.length; i += 2, j += 3) {
        const a = samples[i]! & 0xfff;
        const b = samples[i + 1]! & 0xfff;
        out[j] = a & 0xff;
        out[j + 1] = ((a >> 8) & 0x0f) | ((b >> 4) & 0xf0);
        out[j + 2] = b & 0xff;
      }
    },
  },
  // Three 10-bit samples in two little-endian 16-bit words: s0 in bits 1-10 of word 0, s1 in
  // bits 1-10 of word 1, s2's low 5 bits in bits 11-15 of word 0 and its high 5 bits in
  // bits 11-15 of word 1 (bit 0 of each word is unused).
  310: {
    code: 310,
    groupSamples: 3,
    groupBytes: 4,
    partialBytes: [0, 2, 4],
    min: -512,
    max: 511,
    invalid: -512,
    differential: false,
    decode(src, out) {
      for (let i = 0, j = 0; i < out.length; i += 3, j += 4) {
        const w0 = src[j]! | (src[j + 1]! << 8);
        const w1 = src[j + 2]! | (src[j + 3]! << 8);
        out[i] = sign10((w0 >> 1) & 0x3ff);
        out[i + 1] = sign10((w1 >> 1) & 0x3ff);
        out[i + 2] = sign10(((w0 >> 11) & 0x1f) | (((w1 >> 11) & 0x1f) << 5));
      }
    },
    encode(samples, out) {
      for (let i = 0, j = 0; i < samples.length; i += 3, j += 4) {
        const a = samples[i]! & 0x3ff;
        const b = samples[i + 1]! & 0x3ff;
        const c = samples[i + 2]! & 0x3ff;
        const w0 = (a << 1) | ((c & 0x1f) << 11);
        const w1 = (b << 1) | ((c >> 5) << 11);
        out[j] = w0 & 0xff;
        out[j + 1] = w0 >> 8;
        out[j + 2] = w1 & 0xff;
        out[j + 3] = w1 >> 8;
      }
    },
  },
  // Three 10-bit samples in one little-endian 32-bit word: bits 0-9, 10-19, 20-29.
  311: {
    code: 311,
    groupSamples: 3,
    groupBytes: 4,
    partialBytes: [0, 2, 3],
    min: -512,
    max: 511,
    invalid: -512,
    differential: false,
    decode(src, out) {
      for (let i = 0, j = 0; i < out.length; i += 3, j += 4) {
        const w = src[j]! | (src[j + 1]! << 8) | (src[j + 2]! << 16) | (src[j + 3]! << 24);
        out[i] = sign10(w & 0x3ff);
        out[i + 1] = sign10((w >>> 10) & 0x3ff);
        out[i + 2] = sign10((w >>> 20) & 0x3ff);
      }
    },
    encode(samples, out) {
      for (let i = 0, j = 0; i < samples.length; i += 3, j += 4) {
        const w = (samples[i]! & 0x3ff) | ((samples[i + 1]! & 0x3ff) << 10) | ((samples[i + 2]! & 0x3ff) << 20);
        out[j] = w & 0xff;
        out[j + 1] = (w >>> 8) & 0xff;
        out[j + 2] = (w >>> 16) & 0xff;
        out[j + 3] = (w >>> 24) & 0xff;
      }
    },
  },
};

/** The signal formats the kit reads and writes. */
export const SUPPORTED_FORMATS: readonly number[] = Object.keys(FORMATS).map(Number);

/** The format with WFDB code `code`; an InputError (at `origin`) for FLAC or unknown codes. */
export function sampleFormat(code: number, origin: { file?: string; where?: string } = {}): SampleFormat {
  const format = FORMATS[code];
  if (format) return format;
  if (FLAC_FORMATS.includes(code)) throw new InputError(`FLAC formats are not supported (format ${code})`, origin);
  throw new InputError(`unsupported signal format ${code}; supported: ${SUPPORTED_FORMATS.join(', ')}`, origin);
}

/** Bytes needed to hold the first `nSamples` samples of a stream (the last group may be partial). */
export function bytesForSamples(format: SampleFormat, nSamples: number): number {
  const groups = Math.floor(nSamples / format.groupSamples);
  return groups * format.groupBytes + format.partialBytes[nSamples % format.groupSamples]!;
}

/** How many whole samples `nBytes` bytes hold. */
export function samplesInBytes(format: SampleFormat, nBytes: number): number {
  const groups = Math.floor(nBytes / format.groupBytes);
  const rest = nBytes - groups * format.groupBytes;
  let partial = 0;
  while (partial + 1 < format.groupSamples && format.partialBytes[partial + 1]! <= rest) partial++;
  return groups * format.groupSamples + partial;
}
