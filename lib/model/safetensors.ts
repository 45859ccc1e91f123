/**
 * safetensors: the tensor file format of Hugging Face checkpoints.
 *
 * Layout (https://github.com/huggingface/safetensors): an 8-byte little-endian header length
 * N, then N bytes of UTF-8 JSON `{name: {dtype, shape, data_offsets: [begin, end]}, ...,
 * "__metadata__"?: {string: string}}`, then the raw little-endian tensor bytes; offsets are
 * relative to the end of the header. Every tensor is read into a Float32Array (F16/BF16 are
 * widened, I32/I64 converted) because that is what tfjs consumes.
 *
 * The reader trusts nothing: a truncated file, a header longer than the file or than any sane
 * header, offsets outside the data or overlapping, an unknown dtype or a shape that disagrees
 * with the byte count are InputErrors naming the file, raised before any large allocation.
 */
import { constants as bufferConstants } from 'node:buffer';
import { readSync } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { writeFileAtomic } from '../util/atomic.ts';
import { InputError, fileError } from '../util/errors.ts';
import { openRegularFile } from '../util/files.ts';

export interface StoredTensor {
  /** The dtype in the file (F32, F16, BF16, I32, I64...). */
  dtype: string;
  shape: number[];
  data: Float32Array;
}

export interface TensorToWrite {
  shape: number[];
  data: Float32Array;
}

/** Bytes per element of the dtypes the reader converts to float32. */
const DTYPE_BYTES: Record<string, number> = { F32: 4, F16: 2, BF16: 2, I32: 4, I64: 8, F64: 8 };

/** Headers of real checkpoints are at most a few MB; the reference implementation caps at 100 MB. */
const MAX_HEADER_BYTES = 100_000_000;
/**
 * One tensor is read into one Buffer, so it can be at most the largest Buffer node allows
 * (4 GiB on 64-bit node 20); the largest tensor of the supported backbones, LLaMA-3-8B's
 * embedding in BF16, is 1 GiB.
 */
const MAX_TENSOR_BYTES = bufferConstants.MAX_LENGTH;
/** The most bytes one read call asks for: node aborts on reads of 2^31 bytes or more. */
const MAX_READ_BYTES = 1 << 30;

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * A .safetensors file open for reading: its validated header, and each tensor's data on demand,
 * so that callers check names and shapes (and read only what they need) before any data is read.
 */
export interface SafetensorsFile {
  path: string;
  header: SafetensorsHeader;
  /** Reads one tensor as float32. Synchronous, so that it can be called from synchronous mapping code. */
  read(entry: HeaderEntry): Float32Array;
}

/** Opens `path`, validates its header and runs `use`; the file is closed when `use` settles. */
export async function withSafetensors<T>(path: string, use: (file: SafetensorsFile) => T | Promise<T>): Promise<T> {
  const handle = await openRegularFile(path);
  try {
    const header = await readHeader(handle, path);
    return await use({ path, header, read: (entry) => readTensor(handle, header, entry, path) });
  } catch (err) {
    throw fileError(err, path);
  } finally {
    await handle.close();
  }
}

/** Reads every tensor of a .safetensors file (dtype as stored, data as float32). */
export async function readSafetensors(path: string): Promise<Map<string, StoredTensor>> {
  return withSafetensors(path, (file) => new Map(file.header.entries.map((e) => [e.name, { dtype: e.dtype, shape: e.shape, data: file.read(e) }])));
}

function readTensor(handle: FileHandle, header: SafetensorsHeader, entry: HeaderEntry, path: string): Float32Array {
  const bytes = Buffer.alloc(entry.end - entry.begin);
  for (let done = 0; done < bytes.length; ) {
    const n = readSync(handle.fd, bytes, done, Math.min(MAX_READ_BYTES, bytes.length - done), header.dataStart + entry.begin + done);
    if (n === 0) throw new InputError(`tensor ${entry.name} is truncated`, { file: path });
    done += n;
  }
  return toFloat32(bytes, entry.dtype);
}

export interface HeaderEntry {
  name: string;
  dtype: string;
  shape: number[];
  begin: number;
  end: number;
}

export interface SafetensorsHeader {
  /** Tensor entries sorted by data offset. */
  entries: HeaderEntry[];
  metadata: Record<string, string>;
  /** Absolute file offset of the data section. */
  dataStart: number;
}

/** Reads and validates the header only (cheap even for multi-GB files). */
export async function readSafetensorsHeader(path: string): Promise<SafetensorsHeader> {
  return withSafetensors(path, (file) => file.header);
}


async function readHeader(handle: FileHandle, path: string): Promise<SafetensorsHeader> {
  const fileSize = (await handle.stat()).size;
  if (fileSize < 8) throw new InputError(`truncated: ${fileSize} bytes, expected at least an 8-byte header length`, { file: path, where: 'byte 0' });
  const lengthBytes = Buffer.alloc(8);
  await handle.read(lengthBytes, 0, 8, 0);
  const headerLength = lengthBytes.readBigUInt64LE(0);
  // Checked before allocating anything: a hostile length may claim terabytes.
  if (headerLength > BigInt(MAX_HEADER_BYTES)) {
    throw new InputError(`header length ${headerLength} exceeds the ${MAX_HEADER_BYTES}-byte limit (not a safetensors file?)`, { file: path, where: 'byte 0' });
  }
  const n = Number(headerLength);
  if (8 + n > fileSize) throw new InputError(`header length ${n} runs past the end of the ${fileSize}-byte file`, { file: path, where: 'byte 0' });
  const headerBytes = Buffer.alloc(n);
  await handle.read(headerBytes, 0, n, 8);
  const dataStart = 8 + n;
  return { ...parseHeader(headerBytes, fileSize - dataStart, path), dataStart };
}

function parseHeader(bytes: Buffer, dataSize: number, file: string): Omit<SafetensorsHeader, 'dataStart'> {
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch (err) {
    throw new InputError(`header is not valid UTF-8 JSON: ${(err as Error).message}`, { file, where: 'byte 8' });
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) {
    throw new InputError('header must be a JSON object', { file, where: 'byte 8' });
  }
  const metadata: Record<string, string> = {};
  const entries: HeaderEntry[] = [];
  for (const [name, value] of Object.entries(header as Record<string, unknown>)) {
    if (name === '__metadata__') {
      if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new InputError('__metadata__ must be an object of strings', { file });
      for (const [k, v] of Object.entries(value)) {
        if (typeof v !== 'string') throw new InputError(`__metadata__.${k} must be a string`, { file });
        metadata[k] = v;
      }
      continue;
    }
    entries.push(parseEntry(name, value, file));
  }
  // Offsets must tile [0, dataSize) without gaps or overlaps, as the reference reader requires.
  entries.sort((a, b) => a.begin - b.begin || a.end - b.end);
  let cursor = 0;
  for (const e of entries) {
    if (e.begin !== cursor) {
      const what = e.begin < cursor ? 'overlaps the previous tensor' : `leaves a gap after byte ${cursor}`;
      throw new InputError(`tensor ${e.name}: data_offsets [${e.begin}, ${e.end}] ${what}`, { file });
    }
    if (e.end > dataSize) throw new InputError(`tensor ${e.name}: data_offsets [${e.begin}, ${e.end}] run past the ${dataSize}-byte data section`, { file });
    cursor = e.end;
  }
  if (cursor !== dataSize) throw new InputError(`data section has ${dataSize - cursor} bytes not covered by any tensor`, { file });
  return { entries, metadata };
}

function parseEntry(name: string, value: unknown, file: string): HeaderEntry {
  const bad = (msg: string) => new InputError(`tensor ${name}: ${msg}`, { file });
  if (typeof value !== 'object' || value === null) throw bad('entry must be an object');
  const { dtype, shape, data_offsets: offsets } = value as Record<string, unknown>;
  if (typeof dtype !== 'string' || !(dtype in DTYPE_BYTES)) {
    throw bad(`unsupported dtype ${JSON.stringify(dtype)} (supported: ${Object.keys(DTYPE_BYTES).join(', ')})`);
  }
  if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) throw bad('shape must be an array of non-negative integers');
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((o) => Number.isSafeInteger(o) && o >= 0)) {
    throw bad('data_offsets must be [begin, end] non-negative integers');
  }
  const [begin, end] = offsets as [number, number];
  if (end < begin) throw bad(`data_offsets [${begin}, ${end}] end before they begin`);
  if (end - begin > MAX_TENSOR_BYTES) throw bad(`${end - begin} bytes is too large to load (at most ${MAX_TENSOR_BYTES} per tensor)`);
  const elements = (shape as number[]).reduce((a, b) => a * b, 1);
  if (elements * DTYPE_BYTES[dtype]! !== end - begin) {
    throw bad(`shape [${shape.join(', ')}] of ${dtype} needs ${elements * DTYPE_BYTES[dtype]!} bytes, data_offsets give ${end - begin}`);
  }
  return { name, dtype, shape: shape as number[], begin, end };
}

/** Converts little-endian raw bytes of `dtype` to float32. */
function toFloat32(bytes: Buffer, dtype: string): Float32Array {
  // `bytes` is a private, unpooled allocation: F32 can be viewed in place on little-endian hosts.
  if (dtype === 'F32' && LITTLE_ENDIAN && bytes.byteOffset % 4 === 0) return new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = bytes.byteLength / DTYPE_BYTES[dtype]!;
  const out = new Float32Array(n);
  switch (dtype) {
    case 'F32':
      for (let i = 0; i < n; i++) out[i] = view.getFloat32(4 * i, true);
      break;
    case 'F64':
      for (let i = 0; i < n; i++) out[i] = view.getFloat64(8 * i, true);
      break;
    case 'F16':
      for (let i = 0; i < n; i++) out[i] = halfToFloat(view.getUint16(2 * i, true));
      break;
    case 'BF16': {
      // bfloat16 is the top half of a float32.
      const u32 = new Uint32Array(out.buffer);
      for (let i = 0; i < n; i++) u32[i] = view.getUint16(2 * i, true) << 16;
      break;
    }
    case 'I32':
      for (let i = 0; i < n; i++) out[i] = view.getInt32(4 * i, true);
      break;
    case 'I64':
      for (let i = 0; i < n; i++) out[i] = Number(view.getBigInt64(8 * i, true));
      break;
  }
  return out;
}

/** IEEE 754 binary16 → number (subnormals, infinities and NaN included). */
export function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exponent = (h >> 10) & 0x1f;
  const fraction = h & 0x3ff;
  if (exponent === 0) return sign * 2 ** -14 * (fraction / 1024);
  if (exponent === 31) return fraction ? NaN : sign * Infinity;
  return sign * 2 ** (exponent - 15) * (1 + fraction / 1024);
}

/**
 * Writes float32 tensors as a .safetensors file, atomically. Names are sorted so that the same
 * tensors always give the same bytes; the header is padded with spaces to a multiple of 8 bytes
 * (as the reference writer does) so that the data section is aligned.
 */
export async function writeSafetensors(path: string, tensors: Map<string, TensorToWrite>, metadata?: Record<string, string>): Promise<void> {
  const names = [...tensors.keys()].sort();
  const header: Record<string, unknown> = {};
  if (metadata && Object.keys(metadata).length > 0) header.__metadata__ = Object.fromEntries(Object.entries(metadata).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  let offset = 0;
  for (const name of names) {
    if (name === '__metadata__') throw new Error('writeSafetensors: "__metadata__" is reserved and cannot name a tensor');
    const { shape, data } = tensors.get(name)!;
    const elements = shape.reduce((a, b) => a * b, 1);
    if (elements !== data.length) throw new Error(`writeSafetensors: tensor ${name} has shape [${shape.join(', ')}] but ${data.length} values`);
    header[name] = { dtype: 'F32', shape, data_offsets: [offset, offset + 4 * data.length] };
    offset += 4 * data.length;
  }
  let json = Buffer.from(JSON.stringify(header), 'utf8');
  const padded = Math.ceil(json.length / 8) * 8;
  json = Buffer.concat([json, Buffer.alloc(padded - json.length, 0x20)]);
  const out = Buffer.alloc(8 + json.length + offset);
  out.writeBigUInt64LE(BigInt(json.length), 0);
  json.copy(out, 8);
  let cursor = 8 + json.length;
  for (const name of names) {
    const { data } = tensors.get(name)!;
    if (LITTLE_ENDIAN) Buffer.from(data.buffer, data.byteOffset, data.byteLength).copy(out, cursor);
    else for (let i = 0; i < data.length; i++) out.writeFloatLE(data[i]!, cursor + 4 * i);
    cursor += data.byteLength;
  }
  await writeFileAtomic(path, out);
}
