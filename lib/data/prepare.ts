/**
 * `meit data prepare`: a dataset in its real layout (PTB-XL or MIMIC-IV-ECG, real or
 * synthetic) → split-wise signal shards + JSONL + manifest (lib/data/shards.ts,
 * docs/data-format.md).
 *
 * The adapters read and validate the tables first, so a bad table fails before any output
 * exists. Records then stream through a pool of worker threads with a bounded number in
 * flight; results are written in table order whatever the workers' timing, so the same
 * inputs and params give byte-identical outputs. The output directory is built atomically:
 * an interrupted or failed run leaves the previous one intact.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { buildDirAtomic, writeJsonAtomic } from '../util/atomic.ts';
import { InputError } from '../util/errors.ts';
import { sha256File } from '../util/hash.ts';
import { isWithin } from '../util/paths.ts';
import { Rng } from '../util/prng.ts';
import { Progress } from '../util/progress.ts';
import { describePreprocess } from '../ecg/preprocess/index.ts';
import type { Json, LoadedParams } from '../config/params.ts';
import { instructionFor } from './instructions.ts';
import { openMimic } from './mimic.ts';
import { readPrepareConfig } from './prepare-config.ts';
import { preparedSamples, type PreparedSignal, type RecordOptions } from './prepare-record.ts';
import { RecordPool } from './prepare-worker.ts';
import { openPtbxl } from './ptbxl.ts';
import { PREPARED_FORMAT, PREPARED_VERSION, PreparedWriter, type PreparedManifest } from './shards.ts';
import type { ScpLabels } from './scp-codes.ts';
import type { Split } from './splits.ts';

export type SourceName = 'ptbxl' | 'mimic';

/** One ECG–report pair as an adapter yields it. */
export interface SourceRecord {
  id: string;
  subject: string;
  split: Split;
  /** WFDB record path (no extension), already checked to lie inside the dataset root. */
  recordPath: string;
  report: string;
  labels: ScpLabels;
  /** The table row it came from, for messages. */
  origin: { file: string; where: string };
}

/** Receives the records an adapter drops for a table-level reason (no report, ...). */
export type SkipSink = (reason: string, detail: { id: string; file?: string; where?: string }) => void;

/** A dataset opened by an adapter: tables read and validated, records not yet touched. */
export interface DatasetSource {
  name: SourceName;
  /** Records `records()` will yield. */
  total: number;
  /** Table files (label → path), hashed into the manifest. */
  inputs: Record<string, string>;
  /** How the adapter built reports and splits, for the manifest. */
  description: Record<string, Json>;
  records(): AsyncIterable<SourceRecord>;
}

export interface PrepareRequest {
  source: SourceName;
  root: string;
  out: string;
  params: LoadedParams;
  /** Where warning lines go (default: stderr). */
  warn?: (line: string) => void;
}

export interface PrepareResult {
  manifest: PreparedManifest;
  seconds: number;
  workers: number;
}

/** Details of at most this many skipped records go into the manifest (all are counted). */
const SKIP_DETAILS = 1000;
/** Warning lines printed for skipped records before they are only counted. */
const SKIP_WARNINGS = 20;

export async function prepareDataset(request: PrepareRequest): Promise<PrepareResult> {
  const started = performance.now();
  const root = resolve(request.root);
  const out = resolve(request.out);
  checkDirectories(root, out);
  const config = readPrepareConfig(request.params, request.source);
  const skips = new SkipLog(root, request.warn ?? ((line) => process.stderr.write(line + '\n')));

  const dataset =
    request.source === 'ptbxl'
      ? await openPtbxl(root, config.ptbxl, skips.sink)
      : await openMimic(root, config.mimic, skips.sink);
  const inputs: Record<string, string> = {};
  for (const [label, path] of Object.entries(dataset.inputs)) inputs[label] = await sha256File(path);

  const recordOptions: RecordOptions = { seconds: config.seconds, preprocess: config.preprocess };
  const samples = preparedSamples(recordOptions);
  const workers = config.workers ?? (dataset.total < 64 ? 0 : Math.max(1, availableParallelism() - 1));
  const instructionRng = new Rng(config.seed).fork(`instruction/${request.source}`);

  const manifest = await buildDirAtomic(out, async (tmp) => {
    const writer = await PreparedWriter.create(tmp, { fs: config.preprocess.fs, samples, maxShardBytes: config.shardBytes });
    const pool = new RecordPool(workers, recordOptions);
    const progress = new Progress(`prepare ${request.source}`, dataset.total, { unit: 'rec' });
    const stats = { read: 0, padded: 0, cropped: 0, checksumMismatch: 0, replacedNonFinite: 0 };
    try {
      // Records in flight are bounded: memory stays flat however large the dataset.
      const window = Math.max(8, 4 * workers);
      const inflight: { record: SourceRecord; outcome: Promise<Settled> }[] = [];
      const drainOne = async () => {
        const { record, outcome } = inflight.shift()!;
        const settled = await outcome;
        progress.tick(1);
        if (!settled.ok) {
          if (!(settled.error instanceof InputError) || config.onBadRecord === 'fail') throw settled.error;
          skips.add('unreadable or invalid record', { id: record.id, file: settled.error.file, where: settled.error.where }, settled.error.message);
          return;
        }
        const r = settled.value;
        stats.read++;
        stats.padded += Number(r.padded);
        stats.cropped += Number(r.cropped);
        stats.checksumMismatch += Number(r.checksumMismatch);
        stats.replacedNonFinite += r.replacedNonFinite;
        const instruction = instructionFor(config.instruction, request.source, record.split, instructionRng.fork(record.id));
        await writer.add(
          record.split,
          { id: record.id, subject: record.subject, instruction, report: record.report, labels: record.labels },
          r.signal,
        );
      };
      for await (const record of dataset.records()) {
        inflight.push({ record, outcome: settle(pool.process(record.recordPath)) });
        if (inflight.length >= window) await drainOne();
      }
      while (inflight.length) await drainOne();
      progress.finish();
    } catch (err) {
      await writer.abandon();
      throw err;
    } finally {
      await pool.close();
    }
    const layout = await writer.close();
    const manifest: PreparedManifest = {
      format: PREPARED_FORMAT,
      version: PREPARED_VERSION,
      source: request.source,
      dataset: dataset.description,
      params: { seed: config.seed, profile: request.params.profile, prepare: config.raw },
      preprocess: describePreprocess(config.preprocess),
      instruction: config.instruction,
      ...layout,
      records: stats,
      skipped: skips.summary(),
      inputs,
    };
    await writeJsonAtomic(join(tmp, 'manifest.json'), manifest);
    return manifest;
  });
  return { manifest, seconds: (performance.now() - started) / 1000, workers };
}

type Settled = { ok: true; value: PreparedSignal } | { ok: false; error: unknown };

/** A promise that never rejects, so records queued behind a failure raise no unhandled rejection. */
function settle(p: Promise<PreparedSignal>): Promise<Settled> {
  return p.then(
    (value) => ({ ok: true as const, value }),
    (error: unknown) => ({ ok: false as const, error }),
  );
}

/**
 * The output directory is replaced wholesale, so refuse anything that would destroy data:
 * the dataset root itself or a directory containing it, or an existing non-empty directory
 * that is not a prepared dataset.
 */
function checkDirectories(root: string, out: string): void {
  if (!existsSync(root) || !statSync(root).isDirectory()) throw new InputError('dataset root is not a directory', { file: root });
  if (isWithin(out, root)) throw new InputError(`--out ${out} contains the dataset root; choose another directory`, { file: out });
  if (!existsSync(out)) return;
  if (!statSync(out).isDirectory()) throw new InputError('--out exists and is not a directory', { file: out });
  if (readdirSync(out).length > 0 && !existsSync(join(out, 'manifest.json'))) {
    throw new InputError('--out is a non-empty directory without manifest.json; refusing to replace it', { file: out });
  }
}

interface SkipDetail {
  id: string;
  reason: string;
  file?: string;
  where?: string;
  message?: string;
}

/** Counts skipped records by reason; warns on stderr for the first few. */
class SkipLog {
  private readonly counts = new Map<string, number>();
  private readonly details: SkipDetail[] = [];
  private total = 0;

  constructor(
    private readonly root: string,
    private readonly warn: (line: string) => void,
  ) {}

  readonly sink: SkipSink = (reason, detail) => this.add(reason, detail);

  add(reason: string, detail: { id: string; file?: string; where?: string }, message?: string): void {
    this.total++;
    this.counts.set(reason, (this.counts.get(reason) ?? 0) + 1);
    // Paths relative to the root keep the manifest independent of where the dataset lives.
    const file = detail.file && isWithin(this.root, detail.file) ? relative(this.root, detail.file) : detail.file;
    if (this.details.length < SKIP_DETAILS) this.details.push({ id: detail.id, reason, file, where: detail.where, message });
    if (this.total <= SKIP_WARNINGS) {
      const place = [detail.file, detail.where].filter(Boolean).join(':');
      this.warn(`meit: warning: ${place ? `${place}: ` : ''}${message ?? reason}; record ${detail.id} skipped`);
    } else if (this.total === SKIP_WARNINGS + 1) {
      this.warn('meit: warning: more records skipped; see "skipped" in manifest.json');
    }
  }

  summary(): Json {
    const reasons: Record<string, number> = {};
    for (const key of [...this.counts.keys()].sort()) reasons[key] = this.counts.get(key)!;
    return { total: this.total, reasons, records: this.details as unknown as Json };
  }
}
