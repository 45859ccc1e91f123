/**
 * WFDB records: read a sample range of every signal, write whole records.
 *
 * A record is a header plus one or more signal files; each file interleaves its signals frame
 * by frame (`samplesPerFrame` samples of each signal per frame). Reading [from, to) touches only
 * the bytes that hold those frames (from the start of the file for format 8, whose samples are
 * running sums), and sizes are checked against the file before anything is allocated.
 *
 * Physical values follow WFDB and wfdb-python: physical = (digital - baseline) / gain, and a
 * sample equal to the format's invalid value (e.g. -32768 for format 16) is NaN.
 */
import type { FileHandle } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { InputError, fileError } from '../../util/errors.ts';
import { writeFileAtomic } from '../../util/atomic.ts';
import { resolveInside } from '../../util/paths.ts';
import { openRegularFile, withFile } from '../../util/files.ts';
import type { WfdbHeader, WfdbSignalSpec } from './header.ts';
import { FIELD, checkFileGroups, formatHeader, parseHeaderWithLines } from './header.ts';
import type { SampleFormat } from './formats.ts';
import { bytesForSamples, sampleFormat, samplesInBytes } from './formats.ts';

export interface WfdbRecord {
  /** The header; nSamples is filled in from the file size when the header omits it. */
  header: WfdbHeader;
  /** The frame range read, [from, to). */
  from: number;
  to: number;
  /** Per signal, (to - from) * samplesPerFrame samples (every sample of a multi-frequency signal). */
  digital: Int32Array[];
  /** (digital - baseline) / gain, NaN for invalid samples; same layout as `digital`. */
  physical: Float32Array[];
  /**
   * Only when the whole record was read: whether each signal's 16-bit sample sum matches the
   * header's checksum (true when the header states none). A mismatch is data, not an error.
   */
  checksumOk?: boolean[];
  /** Only when the whole record was read: whether the first sample equals the header's initial value. */
  initialValueOk?: boolean[];
}

/**
 * The most samples one read decodes (all signals of the files touched, including the frames
 * before `from` that format 8 needs): 2^26 samples, so that the bytes read (at most 4 per
 * sample), the digital and the physical copies take at most 768 MiB. Larger reads must be
 * split into ranges.
 */
export const MAX_DECODED_SAMPLES = 1 << 26;
/** A header is text; anything larger than this is not one. */
const MAX_HEADER_BYTES = 1 << 22;

/**
 * A record path from a data file (`rel`, without extension) resolved inside the dataset
 * `root`, as resolveInside does; the header beside it is checked too, because the path
 * without its extension names no file: `RECORD.hea` could itself be a symbolic link out of
 * the root. (The signal files are checked when the header is read.)
 */
export function resolveRecordInside(root: string, rel: string, origin?: { file?: string; where?: string }): string {
  const recordPath = resolveInside(root, rel, origin);
  resolveInside(root, `${rel}.hea`, origin);
  return recordPath;
}

/** Reads and parses `recordPath.hea`. */
export async function readHeader(recordPath: string): Promise<WfdbHeader> {
  return (await loadHeader(recordPath)).header;
}

async function loadHeader(recordPath: string): Promise<{ header: WfdbHeader; signalLines: number[]; headerPath: string }> {
  const headerPath = `${recordPath}.hea`;
  const text = await withFile(headerPath, async (handle) => {
    const { size } = await handle.stat();
    if (size > MAX_HEADER_BYTES) throw new InputError(`not a WFDB header: ${size} bytes (a header is at most ${MAX_HEADER_BYTES})`, { file: headerPath });
    return (await handle.readFile()).toString('utf8');
  });
  return { ...parseHeaderWithLines(text, headerPath), headerPath };
}

/** One signal file and the signals it interleaves. */
interface SignalFile {
  path: string;
  format: SampleFormat;
  byteOffset: number;
  /** Samples per frame over all its signals. */
  frameSize: number;
  /** Header index and position inside the frame of each of its signals. */
  members: { index: number; position: number }[];
}

/** Groups the signals by file, resolving each file name inside the record's directory. */
function signalFiles(header: WfdbHeader, recordPath: string, headerPath: string, signalLines?: number[]): SignalFile[] {
  const byName = new Map<string, SignalFile>();
  header.signals.forEach((s, index) => {
    let file = byName.get(s.fileName);
    if (!file) {
      const where = signalLines ? `line ${signalLines[index]}` : `signal ${index}`;
      file = {
        path: resolveInside(dirname(recordPath), s.fileName, { file: headerPath, where }),
        format: sampleFormat(s.format, { file: headerPath, where }),
        byteOffset: s.byteOffset,
        frameSize: 0,
        members: [],
      };
      byName.set(s.fileName, file);
    }
    file.members.push({ index, position: file.frameSize });
    file.frameSize += s.samplesPerFrame;
  });
  return [...byName.values()];
}

/**
 * Reads frames [from, to) of every signal (default: the whole record). Checksums and initial
 * values are verified when the whole record is read.
 */
export async function readRecord(recordPath: string, options: { from?: number; to?: number } = {}): Promise<WfdbRecord> {
  const { header, signalLines, headerPath } = await loadHeader(recordPath);
  const files = signalFiles(header, recordPath, headerPath, signalLines);
  return withFiles(files, async (handles, sizes) => {
    if (header.nSamples === 0 && files.length > 0) {
      // WFDB: a header without a sample count means "as many as the file holds".
      const f = files[0]!;
      header.nSamples = Math.floor(samplesInBytes(f.format, Math.max(0, sizes[0]! - f.byteOffset)) / f.frameSize);
    }
    const n = header.nSamples;
    const from = options.from ?? 0;
    const to = options.to ?? n;
    if (!Number.isSafeInteger(from) || !Number.isSafeInteger(to) || from < 0 || to > n || from > to) {
      throw new InputError(`sample range [${from}, ${to}) is outside the record's ${n} samples`, { file: headerPath });
    }
    files.forEach((f, i) => checkFileSize(f, n, sizes[i]!));

    // Checksums and initial values describe the samples as stored (frames 0..n-1, before any
    // skew is applied), so verifying them needs every stored frame of every file.
    const range: ReadRange = { from, to, verify: from === 0 && to === n, nSamples: n };
    checkDecodeSize(header, files, range);
    const digital: Int32Array[] = new Array(header.signals.length);
    const stored: StoredSummary[] = new Array(header.signals.length);
    for (let i = 0; i < files.length; i++) {
      await decodeFile(files[i]!, handles[i]!, sizes[i]!, header.signals, range, digital, stored);
    }
    const physical = header.signals.map((s, i) => toPhysical(digital[i]!, s));
    const record: WfdbRecord = { header, from, to, digital, physical };
    if (range.verify) {
      const states = (s: WfdbSignalSpec, field: number) => (s.fieldCount ?? FIELD.description) >= field;
      record.checksumOk = header.signals.map((s, i) => !states(s, FIELD.checksum) || stored[i]!.checksum === (s.checksum & 0xffff));
      record.initialValueOk = header.signals.map(
        (s, i) => !states(s, FIELD.initialValue) || n === 0 || stored[i]!.initialValue === s.initialValue,
      );
    }
    return record;
  });
}

/** A signal's checksum and first sample as stored in its file (skew not applied). */
interface StoredSummary {
  checksum: number;
  initialValue: number;
}

function checkFileSize(file: SignalFile, nSamples: number, size: number): void {
  const needed = file.byteOffset + bytesForSamples(file.format, nSamples * file.frameSize);
  if (size < needed) {
    throw new InputError(
      `truncated signal file: the header declares ${nSamples} samples x ${file.frameSize} per frame in format ${file.format.code}, ` +
        `which take ${needed} bytes, but the file has ${size}`,
      { file: file.path, where: `byte ${size}` },
    );
  }
}

/** The frames of `file` a read decodes: those holding [from, to) after skew, or all for verifying. */
function framesToDecode(file: SignalFile, signals: WfdbSignalSpec[], range: ReadRange): { first: number; end: number } {
  const skews = file.members.map((m) => signals[m.index]!.skew);
  const first = file.format.differential || range.verify ? 0 : range.from + Math.min(...skews);
  return { first, end: range.to + Math.max(...skews) };
}

interface ReadRange {
  from: number;
  to: number;
  /** Also summarise the stored samples of frames [0, nSamples) for verification. */
  verify: boolean;
  nSamples: number;
}

function checkDecodeSize(header: WfdbHeader, files: SignalFile[], range: ReadRange): void {
  let total = 0;
  for (const f of files) {
    const { first, end } = framesToDecode(f, header.signals, range);
    total += Math.max(0, end - first) * f.frameSize;
    if (total > MAX_DECODED_SAMPLES) {
      throw new InputError(
        `refusing to decode more than ${MAX_DECODED_SAMPLES} samples in one read; read a smaller sample range`,
        { file: f.path, where: `sample ${first}` },
      );
    }
  }
}

/**
 * Samples decoded at a time. The decoded chunk stays in the CPU cache while it is scattered
 * and summed, and a read never holds a decoded copy of a whole file (for MIT-BIH record 100,
 * 5 MB less to allocate and garbage-collect per read).
 */
export const DECODE_CHUNK_SAMPLES = 1 << 15;

/** One signal of a file while the file is decoded. */
interface Member {
  index: number;
  /** Where its samples sit in a frame, how many there are per frame, and its skew in frames. */
  position: number;
  spf: number;
  skew: number;
  out: Int32Array;
  /** Output frames [from, last) are in the file; a skew pushed the later ones past its end. */
  last: number;
  /** Format 8: the current value, which the next difference is added to. */
  value: number;
  /**
   * When verifying: the running sum of the stored samples (wrapped at 32 bits, which keeps the
   * low 16 bits exact) and the first of them.
   */
  sum: number;
  initialValue: number;
}

/**
 * Reads the frames of one file that the read needs and decodes them into `digital` (and, when
 * verifying, the stored checksum and first sample into `stored`).
 */
async function decodeFile(
  file: SignalFile,
  handle: FileHandle,
  size: number,
  signals: WfdbSignalSpec[],
  range: ReadRange,
  digital: Int32Array[],
  stored: StoredSummary[],
): Promise<void> {
  const { format, frameSize } = file;
  const { groupSamples, groupBytes } = format;
  const { from, to } = range;
  const availableFrames = Math.floor(samplesInBytes(format, Math.max(0, size - file.byteOffset)) / frameSize);
  const { first, end: wantedEnd } = framesToDecode(file, signals, range);
  // Frames a skew pushes past the end of the file are missing samples, not an error.
  const end = Math.min(wantedEnd, availableFrames);
  // Decoding starts at a frame that is a multiple of groupSamples: there a group starts too.
  const start = first - (first % groupSamples);
  const bytes = Buffer.allocUnsafe(Math.max(0, Math.ceil(((end - start) * frameSize) / groupSamples)) * groupBytes);
  const got = await readFully(handle, bytes, file.byteOffset + ((start * frameSize) / groupSamples) * groupBytes, file.path);
  bytes.fill(0, got); // zeros pad a partial last group

  const members: Member[] = file.members.map(({ index, position }) => {
    const { samplesPerFrame: spf, skew, initialValue } = signals[index]!;
    const last = Math.max(from, Math.min(to, end - skew));
    return { index, position, spf, skew, out: new Int32Array((to - from) * spf), last, value: initialValue, sum: 0, initialValue: 0 };
  });
  decodeFrames(bytes, file, start, end, members, range);
  for (const m of members) {
    m.out.fill(format.invalid ?? 0, (m.last - from) * m.spf); // frames a skew pushed past the end
    digital[m.index] = m.out;
    if (range.verify) stored[m.index] = { checksum: m.sum & 0xffff, initialValue: m.initialValue };
  }
}

/**
 * Decodes frames [start, end) of a file from `bytes` (which begin at frame `start`), a chunk
 * at a time, into its members. Kept out of the async decodeFile: V8 compiles these loops
 * inlined into an async function to slower code (measured: PTB-XL reads took 1.25x as long).
 */
function decodeFrames(bytes: Uint8Array, file: SignalFile, start: number, end: number, members: Member[], range: ReadRange): void {
  const { format, frameSize } = file;
  const { groupSamples, groupBytes } = format;
  const { from, verify, nSamples } = range;
  const chunkFrames = groupSamples * Math.max(1, Math.floor(DECODE_CHUNK_SAMPLES / (groupSamples * frameSize)));
  const chunk = new Int32Array(Math.min(chunkFrames, Math.max(0, end - start) + groupSamples) * frameSize);
  for (let c0 = start; c0 < end; c0 += chunkFrames) {
    const c1 = Math.min(end, c0 + chunkFrames);
    const groups = Math.ceil(((c1 - c0) * frameSize) / groupSamples);
    const offset = (((c0 - start) * frameSize) / groupSamples) * groupBytes;
    format.decode(bytes.subarray(offset, offset + groups * groupBytes), chunk.subarray(0, groups * groupSamples));
    for (const m of members) {
      if (format.differential) integrateDifferences(chunk, c1 - c0, frameSize, m);
      const copied = scatter(chunk, c0, Math.max(from, c0 - m.skew), Math.min(m.last, c1 - m.skew), frameSize, from, m);
      if (verify) {
        // Checksums cover the stored frames [0, nSamples), and verifying decodes from frame 0.
        // Unskewed, those are the frames just copied; skewed, they are summed apart.
        if (c0 === 0 && nSamples > 0) m.initialValue = chunk[m.position]!;
        m.sum = (m.sum + (m.skew === 0 ? copied : storedSum(chunk, c0, Math.min(c1, nSamples), frameSize, m))) | 0;
      }
    }
  }
}

/** Format 8: turns a chunk's decoded differences into values, carrying the value across chunks. */
function integrateDifferences(chunk: Int32Array, frames: number, frameSize: number, m: Member): void {
  let value = m.value;
  for (let f = 0; f < frames; f++) {
    for (let j = 0, k = f * frameSize + m.position; j < m.spf; j++, k++) chunk[k] = value += chunk[k]!;
  }
  m.value = value;
}

/** The sum of a signal's stored samples in frames [c0, c1) of the chunk starting at c0, wrapped at 32 bits. */
function storedSum(chunk: Int32Array, c0: number, c1: number, frameSize: number, m: Member): number {
  let sum = 0;
  for (let f = c0, k = m.position; f < c1; f++, k += frameSize) {
    for (let j = 0; j < m.spf; j++) sum = (sum + chunk[k + j]!) | 0;
  }
  return sum;
}

/**
 * Copies output frames [t0, t1) of a signal (stored frames t + skew, in the chunk starting at
 * c0) and returns the sum of the samples copied, wrapped at 32 bits.
 */
function scatter(chunk: Int32Array, c0: number, t0: number, t1: number, frameSize: number, from: number, m: Member): number {
  const { out, spf } = m;
  let sum = 0;
  let k = (t0 + m.skew - c0) * frameSize + m.position;
  if (spf === 1) {
    for (let t = t0; t < t1; t++, k += frameSize) {
      const v = chunk[k]!;
      out[t - from] = v;
      sum = (sum + v) | 0;
    }
  } else {
    for (let t = t0, o = (t0 - from) * spf; t < t1; t++, k += frameSize) {
      for (let j = 0; j < spf; j++, o++) {
        const v = chunk[k + j]!;
        out[o] = v;
        sum = (sum + v) | 0;
      }
    }
  }
  return sum;
}

/**
 * One digital value per frame for signal `index`: a multi-frequency signal's samples in a frame
 * are averaged and truncated toward zero, as WFDB's getvec (rdsamp) and wfdb-python's
 * smooth_frames do; a frame with an invalid sample is invalid.
 */
export function frameValues(record: WfdbRecord, index: number): Int32Array {
  const spec = record.header.signals[index]!;
  const samples = record.digital[index]!;
  const spf = spec.samplesPerFrame;
  if (spf === 1) return samples;
  const invalid = sampleFormat(spec.format).invalid;
  const out = new Int32Array(samples.length / spf);
  for (let t = 0, k = 0; t < out.length; t++) {
    let sum = 0;
    let bad = false;
    for (let j = 0; j < spf; j++, k++) {
      sum += samples[k]!;
      bad ||= samples[k] === invalid;
    }
    out[t] = bad ? invalid! : Math.trunc(sum / spf);
  }
  return out;
}

/** The physical value of digital sample `d` of a signal, in float64: NaN for the invalid value. */
export function physicalValue(d: number, spec: WfdbSignalSpec, invalid: number | undefined): number {
  return d === invalid ? NaN : (d - spec.baseline) / spec.adcGain;
}

/** Formats with at most this many digital values (up to 16 bits) can use a lookup table. */
const MAX_TABLE_VALUES = 1 << 16;

/**
 * (digital - baseline) / gain for every sample, NaN for invalid ones. A signal longer than its
 * format has values (212: 4096) repeats them, so each value is divided once into a table that
 * the samples index: the same float32 results, without a division per sample.
 */
function toPhysical(digital: Int32Array, spec: WfdbSignalSpec): Float32Array {
  const { invalid, min, max } = sampleFormat(spec.format);
  const out = new Float32Array(digital.length);
  const values = max - min + 1;
  if (values <= MAX_TABLE_VALUES && digital.length > values) {
    const table = new Float32Array(values);
    for (let d = min; d <= max; d++) table[d - min] = physicalValue(d, spec, invalid);
    // Decoders only produce values in [min, max] (skew padding is the invalid value, also in it).
    for (let i = 0; i < digital.length; i++) out[i] = table[digital[i]! - min]!;
    return out;
  }
  const { baseline, adcGain } = spec; // hoisted out of the per-sample loop
  for (let i = 0; i < digital.length; i++) {
    const d = digital[i]!;
    out[i] = d === invalid ? NaN : (d - baseline) / adcGain;
  }
  return out;
}

/** WFDB's checksum: the sum of all samples, modulo 2^16 (compared as unsigned). */
export function checksum16(samples: Int32Array): number {
  let sum = 0;
  for (let i = 0; i < samples.length; i++) sum = (sum + samples[i]!) | 0; // wraps, keeping the low 16 bits exact
  return sum & 0xffff;
}

/**
 * Digital values from physical ones: round(physical * gain + baseline) (ties to even, like
 * numpy), clipped to the format's range above its invalid value, NaN to the invalid value.
 * A gain of 0 means 200, as in headers.
 */
export function digitize(physical: Float32Array, adcGain: number, baseline: number, format: number): Int32Array {
  const f = sampleFormat(format);
  const gain = adcGain === 0 ? 200 : adcGain;
  const lo = f.invalid === undefined ? f.min : f.invalid + 1;
  const out = new Int32Array(physical.length);
  for (let i = 0; i < physical.length; i++) {
    const x = physical[i]!;
    if (Number.isNaN(x)) {
      if (f.invalid === undefined) throw new RangeError(`format ${format} has no invalid-sample value for NaN at sample ${i}`);
      out[i] = f.invalid;
    } else {
      out[i] = Math.min(f.max, Math.max(lo, roundHalfEven(x * gain + baseline)));
    }
  }
  return out;
}

function roundHalfEven(v: number): number {
  const floor = Math.floor(v);
  const frac = v - floor;
  if (frac > 0.5) return floor + 1;
  if (frac < 0.5) return floor;
  return floor % 2 === 0 ? floor : floor + 1;
}

/**
 * Writes a record: every signal file, then the header, each atomically. `digital[i]` holds
 * nSamples * samplesPerFrame samples of signal i. The written header carries the computed
 * checksums and initial values (the header passed in is not modified). Everything is checked
 * before the first byte is written. Skewed signals cannot be written.
 */
export async function writeRecord(recordPath: string, header: WfdbHeader, digital: Int32Array[]): Promise<void> {
  const headerPath = `${recordPath}.hea`;
  if (header.recordName !== basename(recordPath)) {
    throw new RangeError(`record name ${JSON.stringify(header.recordName)} does not match the path ${recordPath}`);
  }
  if (header.nSignals !== header.signals.length || digital.length !== header.signals.length) {
    throw new RangeError(`header declares ${header.nSignals} signals, has ${header.signals.length} signal specs and ${digital.length} sample arrays`);
  }
  checkFileGroups(header, (i) => ({ file: headerPath, where: `signal ${i}` }));
  const signals = header.signals.map((s, i) => ({ ...s, ...checkedSamples(s, digital[i]!, header.nSamples, i), fieldCount: undefined }));
  const written: WfdbHeader = { ...header, signals };
  const files = signalFiles(written, recordPath, headerPath);
  const encoded = files.map((f) => encodeFile(f, written, digital));
  for (let i = 0; i < files.length; i++) await writeFileAtomic(files[i]!.path, encoded[i]!);
  await writeFileAtomic(headerPath, formatHeader(written));
}

/** Validates one signal's samples; returns its checksum and initial value. */
function checkedSamples(spec: WfdbSignalSpec, samples: Int32Array, nSamples: number, i: number): { checksum: number; initialValue: number } {
  const format = sampleFormat(spec.format);
  if (spec.skew !== 0) throw new RangeError(`signal ${i}: writing skewed signals is not supported`);
  if (samples.length !== nSamples * spec.samplesPerFrame) {
    throw new RangeError(`signal ${i}: expected ${nSamples} x ${spec.samplesPerFrame} samples, got ${samples.length}`);
  }
  for (let k = 0; k < samples.length; k++) {
    const v = samples[k]!;
    if (v < format.min || v > format.max) throw new RangeError(`signal ${i} sample ${k}: ${v} is outside format ${spec.format}'s range [${format.min}, ${format.max}]`);
    const step = k > 0 ? v - samples[k - 1]! : 0;
    if (format.differential && (step < -128 || step > 127)) {
      throw new RangeError(`signal ${i} sample ${k}: format 8 cannot store a step of ${step} (it stores -128..127)`);
    }
  }
  // Written unsigned (0..65535) as wfdb-python does, hence in PTB-XL's and MIMIC-IV-ECG's
  // headers; the WFDB library writes it signed, and readers compare modulo 2^16.
  return { checksum: checksum16(samples), initialValue: samples.length ? samples[0]! : spec.adcZero };
}

function encodeFile(file: SignalFile, header: WfdbHeader, digital: Int32Array[]): Uint8Array {
  const { format, frameSize } = file;
  const n = header.nSamples * frameSize;
  const groups = Math.ceil(n / format.groupSamples);
  const flat = new Int32Array(groups * format.groupSamples);
  for (const { index, position } of file.members) {
    const spf = header.signals[index]!.samplesPerFrame;
    const samples = digital[index]!;
    let previous = header.signals[index]!.initialValue;
    for (let t = 0, k = 0; t < header.nSamples; t++) {
      for (let j = 0; j < spf; j++, k++) {
        const v = samples[k]!;
        flat[t * frameSize + position + j] = format.differential ? v - previous : v;
        previous = v;
      }
    }
  }
  const bytes = new Uint8Array(file.byteOffset + groups * format.groupBytes);
  format.encode(flat, bytes.subarray(file.byteOffset));
  // The last partial group is cut to the bytes it needs, except that format 311 keeps a whole
  // word for two samples (as wfdb-python writes it, because the WFDB library reads words).
  const rest = n % format.groupSamples;
  const tail = format.code === 311 && rest === 2 ? format.groupBytes : format.partialBytes[rest]!;
  return bytes.subarray(0, file.byteOffset + Math.floor(n / format.groupSamples) * format.groupBytes + tail);
}

/** Opens every signal file (and learns its size) for the duration of `use`. */
async function withFiles<T>(files: SignalFile[], use: (handles: FileHandle[], sizes: number[]) => Promise<T>): Promise<T> {
  const handles: FileHandle[] = [];
  try {
    const sizes: number[] = [];
    for (const f of files) {
      const handle = await openRegularFile(f.path);
      handles.push(handle);
      try {
        sizes.push((await handle.stat()).size);
      } catch (err) {
        throw fileError(err, f.path);
      }
    }
    return await use(handles, sizes);
  } finally {
    await Promise.all(handles.map((h) => h.close()));
  }
}

/** Reads bytes.length bytes at `position`, fewer only where the file ends; returns the count. */
async function readFully(handle: FileHandle, bytes: Uint8Array, position: number, path: string): Promise<number> {
  let done = 0;
  while (done < bytes.length) {
    let bytesRead: number;
    try {
      ({ bytesRead } = await handle.read(bytes, done, bytes.length - done, position + done));
    } catch (err) {
      throw fileError(err, path);
    }
    if (bytesRead === 0) break;
    done += bytesRead;
  }
  return done;
}
