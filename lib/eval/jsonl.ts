/**
 * The JSONL inputs of `meit score` (DESIGN.md):
 *   predictions  {"id": "...", "prediction": "..."}            one object per line
 *   references   {"id": "...", "references": ["...", ...]}     optionally "labels": {"SR": 100, ...}
 *
 * Every problem is an InputError naming the file and line: bad UTF-8 or binary bytes, bad JSON,
 * a missing or mistyped field, a duplicate id, an empty file. Blank lines are skipped. Whether
 * the two files hold the same ids is checked when they are paired (score.ts).
 */
import { fileError, InputError } from '../util/errors.ts';
import { openRegularFile } from '../util/files.ts';

/** Clinical labels of a reference (finding code -> likelihood or 0/1), for the clinical scorer. */
export type Labels = Record<string, number>;

export interface PredictionSet {
  file: string;
  predictions: Map<string, string>;
  /** Line of each id, for error messages. */
  lines: Map<string, number>;
}

export interface ReferenceSet {
  file: string;
  references: Map<string, string[]>;
  /** Labels of the references that carry them; empty when none do. */
  labels: Map<string, Labels>;
  lines: Map<string, number>;
}

/** Strict UTF-8 (a byte-order mark at the start of the file is dropped, as TextDecoder does). */
const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * A report is a few hundred bytes: a line beyond this is not one, and refusing it keeps memory
 * bounded whatever the file holds (a multi-gigabyte file without a newline).
 */
export const MAX_LINE_BYTES = 16 << 20;
const CHUNK_BYTES = 1 << 20;

/** The lines of a file as bytes (without the newline), read in chunks, with 1-based numbers. */
async function* byteLines(file: string): AsyncGenerator<{ line: number; bytes: Buffer }> {
  const handle = await openRegularFile(file);
  try {
    const chunk = Buffer.allocUnsafe(CHUNK_BYTES);
    // The part of the current line read so far, from earlier chunks (copied: chunk is reused).
    let pending: Buffer[] = [];
    let pendingBytes = 0;
    let line = 1;
    const take = (piece: Buffer) => {
      pendingBytes += piece.length;
      if (pendingBytes > MAX_LINE_BYTES) {
        throw new InputError(`line exceeds ${MAX_LINE_BYTES >> 20} MiB: not one JSON object of a JSONL file`, { file, where: `line ${line}` });
      }
      pending.push(piece);
    };
    const finishLine = () => {
      const bytes = pending.length === 1 ? pending[0]! : Buffer.concat(pending);
      pending = [];
      pendingBytes = 0;
      return { line: line++, bytes };
    };
    for (;;) {
      let bytesRead: number;
      try {
        ({ bytesRead } = await handle.read(chunk, 0, CHUNK_BYTES, null));
      } catch (err) {
        throw fileError(err, file);
      }
      if (bytesRead === 0) break;
      const data = chunk.subarray(0, bytesRead);
      for (let start = 0; start < data.length; ) {
        const newline = data.indexOf(10, start);
        const end = newline < 0 ? data.length : newline;
        take(Buffer.from(data.subarray(start, end)));
        if (newline < 0) break;
        yield finishLine();
        start = newline + 1;
      }
    }
    if (pendingBytes > 0) yield finishLine();
  } finally {
    await handle.close();
  }
}

/** Parsed objects of a JSONL file with their 1-based line numbers. */
async function readJsonLines(file: string): Promise<{ line: number; value: Record<string, unknown> }[]> {
  const rows: { line: number; value: Record<string, unknown> }[] = [];
  for await (const { line, bytes } of byteLines(file)) {
    const where = `line ${line}`;
    let text: string;
    try {
      text = utf8.decode(bytes);
    } catch {
      throw new InputError('not UTF-8 text (binary data?)', { file, where });
    }
    if (text.includes('\0')) throw new InputError('contains NUL bytes (binary data?)', { file, where });
    if (text.trim() === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (err) {
      throw new InputError(`invalid JSON: ${(err as Error).message}`, { file, where });
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw new InputError('expected a JSON object per line', { file, where });
    }
    rows.push({ line, value: value as Record<string, unknown> });
  }
  if (rows.length === 0) throw new InputError('empty file: expected one JSON object per line', { file });
  return rows;
}

function readId(value: Record<string, unknown>, file: string, where: string, seen: Map<string, number>, line: number): string {
  const id = value.id;
  if (typeof id !== 'string' || id === '') throw new InputError('"id" must be a non-empty string', { file, where });
  const first = seen.get(id);
  if (first !== undefined) throw new InputError(`duplicate id ${JSON.stringify(id)} (first on line ${first})`, { file, where });
  seen.set(id, line);
  return id;
}

export async function readPredictions(file: string): Promise<PredictionSet> {
  const predictions = new Map<string, string>();
  const seen = new Map<string, number>();
  for (const { line, value } of await readJsonLines(file)) {
    const where = `line ${line}`;
    const id = readId(value, file, where, seen, line);
    if (typeof value.prediction !== 'string') throw new InputError('"prediction" must be a string', { file, where });
    predictions.set(id, value.prediction);
  }
  return { file, predictions, lines: seen };
}

export async function readReferences(file: string): Promise<ReferenceSet> {
  const references = new Map<string, string[]>();
  const labels = new Map<string, Labels>();
  const seen = new Map<string, number>();
  for (const { line, value } of await readJsonLines(file)) {
    const where = `line ${line}`;
    const id = readId(value, file, where, seen, line);
    const refs = value.references;
    if (!Array.isArray(refs) || refs.length === 0 || refs.some((r) => typeof r !== 'string')) {
      throw new InputError('"references" must be a non-empty list of strings', { file, where });
    }
    references.set(id, refs as string[]);
    if (value.labels !== undefined) {
      const l = value.labels;
      if (typeof l !== 'object' || l === null || Array.isArray(l) || Object.values(l).some((x) => typeof x !== 'number' || !Number.isFinite(x))) {
        throw new InputError('"labels" must be an object of finite numbers, e.g. {"SR": 100}', { file, where });
      }
      labels.set(id, l as Labels);
    }
  }
  return { file, references, labels, lines: seen };
}

/** Both files must hold the same ids; the first id found in one file only is reported where it is. */
export function checkSameIds(p: PredictionSet, r: ReferenceSet): void {
  for (const [id, line] of r.lines) {
    if (!p.predictions.has(id)) {
      throw new InputError(`id ${JSON.stringify(id)} has no prediction in ${p.file}`, { file: r.file, where: `line ${line}` });
    }
  }
  for (const [id, line] of p.lines) {
    if (!r.references.has(id)) {
      throw new InputError(`id ${JSON.stringify(id)} has no references in ${r.file}`, { file: p.file, where: `line ${line}` });
    }
  }
}
