/**
 * The prepared-data format (docs/data-format.md): what `meit data prepare` writes and the
 * trainer reads.
 *
 *   OUT/manifest.json           params, preprocessing, counts, skips, sha256 of every file
 *   OUT/{split}.jsonl           one example per line, in shard order
 *   OUT/{split}-{k:03d}.f32     signals: little-endian float32, [example][lead][sample]
 *
 * Every example's signal is 12 leads × `samples` values in the canonical lead order, so
 * example j of a shard starts at byte j · 12 · samples · 4 and a reader fetches exactly the
 * bytes it needs.
 */
import { createHash, type Hash } from 'node:crypto';
import { closeSync, openSync, readFileSync, readSync, statSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { endianness } from 'node:os';
import { join } from 'node:path';
import { InputError, fileError } from '../util/errors.ts';
import { sha256File } from '../util/hash.ts';
import { readJsonFile } from '../util/files.ts';
import { resolveInside } from '../util/paths.ts';
import { SPLITS, type Split } from './splits.ts';
import type { ScpLabels } from './scp-codes.ts';

export const PREPARED_FORMAT = 'meit-prepared';
export const PREPARED_VERSION = 1;

/** The canonical lead order of prepared signals. */
export const LEADS = ['I', 'II', 'III', 'aVR', 'aVL', 'aVF', 'V1', 'V2', 'V3', 'V4', 'V5', 'V6'] as const;

/** One line of `{split}.jsonl`. */
export interface PreparedExample {
  id: string;
  subject: string;
  instruction: string;
  report: string;
  /** SCP statement → likelihood (PTB-XL); empty for MIMIC-IV-ECG. */
  labels: ScpLabels;
  /** Shard file name, e.g. "train-000.f32". */
  shard: string;
  /** Position of the example in its shard. */
  index: number;
}

export interface ShardInfo {
  file: string;
  examples: number;
}

export interface FileInfo {
  sha256: string;
  bytes: number;
}

/** What the writer knows; prepare.ts adds the provenance (params, skips, inputs). */
export interface PreparedLayout {
  signal: {
    dtype: 'float32';
    endianness: 'little';
    layout: '[example][lead][sample]';
    leads: readonly string[];
    fs: number;
    samples: number;
  };
  counts: Record<Split, number>;
  shards: Record<Split, ShardInfo[]>;
  /** Every data file of the directory (all but manifest.json) with its sha256. */
  files: Record<string, FileInfo>;
}

export interface PreparedManifest extends PreparedLayout {
  format: typeof PREPARED_FORMAT;
  version: number;
  [key: string]: unknown;
}

export type ExampleText = Omit<PreparedExample, 'shard' | 'index'>;

/** A file written sequentially while its sha256 is computed. */
class HashedFile {
  private readonly hash: Hash = createHash('sha256');
  bytes = 0;
  private constructor(
    readonly name: string,
    private readonly handle: FileHandle,
  ) {}

  static async create(dir: string, name: string): Promise<HashedFile> {
    return new HashedFile(name, await open(join(dir, name), 'wx'));
  }

  async write(data: Uint8Array): Promise<void> {
    this.hash.update(data);
    this.bytes += data.byteLength;
    let done = 0;
    while (done < data.byteLength) done += (await this.handle.write(data, done)).bytesWritten;
  }

  async close(): Promise<FileInfo> {
    await this.handle.close();
    return { sha256: this.hash.digest('hex'), bytes: this.bytes };
  }

  async abandon(): Promise<void> {
    await this.handle.close().catch(() => {});
  }
}

interface SplitWriter {
  jsonl: HashedFile;
  pendingLines: string[];
  pendingChars: number;
  shard?: HashedFile;
  inShard: number;
  shards: ShardInfo[];
  count: number;
}

/** Lines are batched into writes of about this many characters. */
const JSONL_FLUSH_CHARS = 1 << 16;

/**
 * Writes examples split by split, in the order `add` is called (callers make that order
 * deterministic). Shards hold at most `maxShardBytes` of signal (at least one example).
 */
export class PreparedWriter {
  private readonly splits = new Map<Split, SplitWriter>();
  private readonly closed: Record<string, FileInfo> = {};
  readonly examplesPerShard: number;

  private constructor(
    private readonly dir: string,
    private readonly fs: number,
    private readonly samples: number,
    maxShardBytes: number,
  ) {
    if (endianness() !== 'LE') throw new Error('prepared shards are little-endian; this platform is big-endian');
    this.examplesPerShard = Math.max(1, Math.floor(maxShardBytes / (LEADS.length * samples * 4)));
  }

  static async create(dir: string, options: { fs: number; samples: number; maxShardBytes: number }): Promise<PreparedWriter> {
    const writer = new PreparedWriter(dir, options.fs, options.samples, options.maxShardBytes);
    for (const split of SPLITS) {
      writer.splits.set(split, {
        jsonl: await HashedFile.create(dir, `${split}.jsonl`),
        pendingLines: [],
        pendingChars: 0,
        inShard: 0,
        shards: [],
        count: 0,
      });
    }
    return writer;
  }

  /** Appends one example; `signal` is 12 × samples values, lead after lead. */
  async add(split: Split, example: ExampleText, signal: Float32Array): Promise<void> {
    if (signal.length !== LEADS.length * this.samples) {
      throw new Error(`signal has ${signal.length} values, expected ${LEADS.length} × ${this.samples}`);
    }
    const w = this.splits.get(split)!;
    if (!w.shard || w.inShard === this.examplesPerShard) await this.nextShard(split, w);
    await w.shard!.write(new Uint8Array(signal.buffer, signal.byteOffset, signal.byteLength));
    const line: PreparedExample = { ...example, shard: w.shard!.name, index: w.inShard };
    const text = JSON.stringify(line) + '\n';
    w.pendingLines.push(text);
    w.pendingChars += text.length;
    if (w.pendingChars >= JSONL_FLUSH_CHARS) await flushLines(w);
    w.inShard++;
    w.shards[w.shards.length - 1]!.examples++;
    w.count++;
  }

  /** Closes every file; returns the layout part of the manifest. */
  async close(): Promise<PreparedLayout> {
    for (const [split, w] of this.splits) {
      await flushLines(w);
      this.closed[`${split}.jsonl`] = await w.jsonl.close();
      if (w.shard) this.closed[w.shard.name] = await w.shard.close();
    }
    const counts = {} as Record<Split, number>;
    const shards = {} as Record<Split, ShardInfo[]>;
    for (const split of SPLITS) {
      counts[split] = this.splits.get(split)!.count;
      shards[split] = this.splits.get(split)!.shards;
    }
    const files: Record<string, FileInfo> = {};
    for (const name of Object.keys(this.closed).sort()) files[name] = this.closed[name]!;
    return {
      signal: { dtype: 'float32', endianness: 'little', layout: '[example][lead][sample]', leads: LEADS, fs: this.fs, samples: this.samples },
      counts,
      shards,
      files,
    };
  }

  /** Releases the file handles after a failure (the caller discards the directory). */
  async abandon(): Promise<void> {
    for (const w of this.splits.values()) {
      await w.jsonl.abandon();
      await w.shard?.abandon();
    }
  }

  private async nextShard(split: Split, w: SplitWriter): Promise<void> {
    if (w.shard) this.closed[w.shard.name] = await w.shard.close();
    const name = `${split}-${String(w.shards.length).padStart(3, '0')}.f32`;
    w.shard = await HashedFile.create(this.dir, name);
    w.shards.push({ file: name, examples: 0 });
    w.inShard = 0;
  }
}

async function flushLines(w: SplitWriter): Promise<void> {
  if (!w.pendingLines.length) return;
  const text = w.pendingLines.join('');
  w.pendingLines = [];
  w.pendingChars = 0;
  await w.jsonl.write(Buffer.from(text, 'utf8'));
}

/** A prepared directory opened for reading. */
export interface PreparedDataset {
  dir: string;
  manifest: PreparedManifest;
  /** The examples of a split, in file order (read once, then cached). */
  examples(split: Split): readonly PreparedExample[];
  /** The signal of example `i` of `split`: 12 leads in the canonical order. */
  readSignal(split: Split, i: number): Float32Array[];
  /** Closes the shard files opened by readSignal. */
  close(): void;
}

/**
 * Longest signal per lead a prepared example may have: 2^20 samples (35 minutes at 500 Hz; the
 * kit's records are 10 s). A larger value in a manifest is damage, not data.
 */
const MAX_SAMPLES = 1 << 20;

/**
 * Opens a prepared directory. The manifest and the shard files it lists are checked now (shard
 * names inside the directory, sizes = examples × 12 × samples × 4 bytes); a split's JSONL is
 * read and checked against them when its examples are first asked for. So a damaged dataset is
 * refused, naming the file and line, before a caller has read a signal or written anything.
 */
export function openPrepared(dir: string): PreparedDataset {
  const manifestPath = join(dir, 'manifest.json');
  const manifest = readManifest(manifestPath);
  const { samples } = manifest.signal;
  const exampleBytes = LEADS.length * samples * 4;
  const shardSizes = checkShards(dir, manifest, manifestPath, exampleBytes);
  const cache = new Map<Split, PreparedExample[]>();
  const fds = new Map<string, number>();

  const examples = (split: Split): PreparedExample[] => {
    let list = cache.get(split);
    if (!list) {
      const file = join(dir, `${split}.jsonl`);
      list = readJsonl(file);
      if (list.length !== manifest.counts[split]) {
        throw new InputError(`${list.length} examples, but manifest.json counts ${manifest.counts[split]}`, { file });
      }
      list.forEach((ex, i) => checkExample(ex, dir, shardSizes.get(split)!, { file, where: `line ${i + 1}` }));
      cache.set(split, list);
    }
    return list;
  };

  const readSignal = (split: Split, i: number): Float32Array[] => {
    const list = examples(split);
    const ex = list[i];
    if (!ex) throw new RangeError(`${split} has ${list.length} examples; no example ${i}`);
    const file = join(dir, ex.shard);
    let fd = fds.get(file);
    if (fd === undefined) {
      try {
        fd = openSync(file, 'r');
      } catch (err) {
        throw fileError(err, file);
      }
      fds.set(file, fd);
    }
    const data = new Float32Array(LEADS.length * samples);
    const bytes = new Uint8Array(data.buffer);
    const got = readSync(fd, bytes, 0, exampleBytes, ex.index * exampleBytes);
    if (got !== exampleBytes) {
      throw new InputError(`truncated shard: example ${ex.index} needs bytes up to ${(ex.index + 1) * exampleBytes}`, { file });
    }
    return LEADS.map((_, lead) => data.subarray(lead * samples, (lead + 1) * samples));
  };

  const close = () => {
    for (const fd of fds.values()) closeSync(fd);
    fds.clear();
  };

  return { dir, manifest, examples, readSignal, close };
}

/**
 * Checks every shard the manifest lists: a plain name inside `dir`, and exactly the bytes of
 * its examples. Returns, per split, shard name → examples.
 */
function checkShards(dir: string, manifest: PreparedManifest, manifestPath: string, exampleBytes: number): Map<Split, Map<string, number>> {
  const bySplit = new Map<Split, Map<string, number>>();
  for (const split of SPLITS) {
    const where = `shards.${split}`;
    const shards: unknown = manifest.shards?.[split];
    const count = manifest.counts?.[split];
    if (!Number.isSafeInteger(count) || count < 0) throw new InputError(`counts.${split} must be a non-negative integer`, { file: manifestPath, where: `counts.${split}` });
    if (!Array.isArray(shards)) throw new InputError(`${where} must be a list of {file, examples}`, { file: manifestPath, where });
    const sizes = new Map<string, number>();
    for (const shard of shards as Partial<ShardInfo>[]) {
      const { file: name, examples } = shard ?? {};
      if (typeof name !== 'string' || typeof examples !== 'number' || !Number.isSafeInteger(examples) || examples < 0) {
        throw new InputError(`${where} must be a list of {file, examples}`, { file: manifestPath, where });
      }
      const path = resolveInside(dir, name, { file: manifestPath, where });
      let bytes: number;
      try {
        bytes = statSync(path).size;
      } catch (err) {
        throw fileError(err, path);
      }
      const expected = examples * exampleBytes;
      if (bytes !== expected) {
        const what = bytes < expected ? 'truncated shard' : 'shard too long';
        throw new InputError(`${what}: ${bytes} bytes, but manifest.json lists ${examples} examples of ${exampleBytes} bytes (${expected})`, { file: path });
      }
      sizes.set(name, examples);
    }
    const listed = [...sizes.values()].reduce((a, b) => a + b, 0);
    if (listed !== count) throw new InputError(`${where} lists ${listed} examples, but counts.${split} is ${count}`, { file: manifestPath, where });
    bySplit.set(split, sizes);
  }
  return bySplit;
}

/** One JSONL row against the shards of its split: a listed shard, an index inside it. */
function checkExample(ex: PreparedExample, dir: string, shards: Map<string, number>, origin: { file: string; where: string }): void {
  if (typeof ex !== 'object' || ex === null || typeof ex.id !== 'string' || typeof ex.report !== 'string') {
    throw new InputError('expected an object with string "id" and "report"', origin);
  }
  if (typeof ex.shard !== 'string') throw new InputError('"shard" must be a file name', origin);
  const examples = shards.get(ex.shard);
  if (examples === undefined) {
    resolveInside(dir, ex.shard, origin); // the clearer error for a path that leaves the directory
    throw new InputError(`shard ${JSON.stringify(ex.shard)} is outside this split's shards in manifest.json`, origin);
  }
  if (!Number.isSafeInteger(ex.index) || ex.index < 0 || ex.index >= examples) {
    throw new InputError(`"index" must be an integer in 0..${examples - 1} (the examples of ${ex.shard}), got ${JSON.stringify(ex.index)}`, origin);
  }
}

/** Checks every file listed in the manifest against its sha256; returns the names that differ. */
export async function verifyPrepared(dir: string): Promise<string[]> {
  const manifest = readManifest(join(dir, 'manifest.json'));
  const bad: string[] = [];
  for (const [name, info] of Object.entries(manifest.files)) {
    let actual: string;
    try {
      actual = await sha256File(join(dir, name));
    } catch {
      bad.push(name);
      continue;
    }
    if (actual !== info.sha256) bad.push(name);
  }
  return bad;
}

function readManifest(path: string): PreparedManifest {
  const m = readJsonFile(path) as Partial<PreparedManifest> | null;
  if (m?.format !== PREPARED_FORMAT) throw new InputError(`not a prepared-data manifest (format is not "${PREPARED_FORMAT}")`, { file: path });
  if (m.version !== PREPARED_VERSION) throw new InputError(`prepared-data version ${m.version}; this kit reads version ${PREPARED_VERSION}`, { file: path });
  const samples = m.signal?.samples;
  if (typeof samples !== 'number' || !Number.isSafeInteger(samples) || samples < 1 || samples > MAX_SAMPLES) {
    throw new InputError(`signal.samples must be an integer in 1..${MAX_SAMPLES}, got ${JSON.stringify(samples)}`, { file: path, where: 'signal.samples' });
  }
  return m as PreparedManifest;
}

function readJsonl(path: string): PreparedExample[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw fileError(err, path);
  }
  const out: PreparedExample[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    if (lines[i] === '') continue;
    try {
      out.push(JSON.parse(lines[i]!) as PreparedExample);
    } catch {
      throw new InputError('not valid JSON', { file: path, where: `line ${i + 1}` });
    }
  }
  return out;
}
