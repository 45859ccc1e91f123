/**
 * CSV (RFC 4180): quoted fields, doubled quotes, newlines inside quotes, CRLF or LF.
 *
 * `readCsvRows` streams a file row by row with bounded memory (MIMIC-IV-ECG's tables have
 * ~800k rows) and reports errors with the file and line. Rows come back as objects keyed by
 * the header.
 */
import { createReadStream } from 'node:fs';
import { InputError, fileError } from './errors.ts';

export interface CsvRow {
  /** Line number (1-based) where the row starts. */
  line: number;
  values: Record<string, string>;
}

/** Longest field accepted; a larger one means a broken quote or a binary file. */
const MAX_FIELD = 1 << 20;

/** Incremental RFC 4180 tokenizer: feed chunks, get completed records. */
class CsvTokenizer {
  private field = '';
  private record: string[] = [];
  private inQuotes = false;
  private quoteSeen = false; // just saw a quote inside a quoted field
  private line = 1;
  private recordLine = 1;
  private fieldHasContent = false;

  constructor(private readonly file: string) {}

  feed(chunk: string, emit: (record: string[], line: number) => void): void {
    for (let i = 0; i < chunk.length; i++) {
      const c = chunk[i]!;
      if (this.inQuotes) {
        if (this.quoteSeen) {
          this.quoteSeen = false;
          if (c === '"') {
            this.field += '"';
            continue;
          }
          this.inQuotes = false; // closing quote; fall through to unquoted handling
        } else if (c === '"') {
          this.quoteSeen = true;
          continue;
        } else {
          if (c === '\n') this.line++;
          this.field += c;
          if (this.field.length > MAX_FIELD) this.fail('field longer than 1 MiB (unbalanced quote?)');
          continue;
        }
      }
      if (c === ',') {
        this.record.push(this.field);
        this.field = '';
        this.fieldHasContent = false;
      } else if (c === '\n') {
        this.endRecord(emit);
        this.line++;
        this.recordLine = this.line;
      } else if (c === '\r') {
        // CR of CRLF; a lone CR inside an unquoted field is dropped as well
      } else if (c === '"') {
        if (this.fieldHasContent) this.fail('quote inside an unquoted field');
        this.inQuotes = true;
        this.fieldHasContent = true;
      } else if (c === '\0') {
        this.fail('NUL byte: binary data, not CSV');
      } else {
        this.field += c;
        this.fieldHasContent = true;
        if (this.field.length > MAX_FIELD) this.fail('field longer than 1 MiB');
      }
    }
  }

  end(emit: (record: string[], line: number) => void): void {
    if (this.inQuotes && !this.quoteSeen) this.fail('unterminated quoted field at end of file');
    this.quoteSeen = false;
    this.inQuotes = false;
    if (this.field !== '' || this.record.length > 0) this.endRecord(emit);
  }

  private endRecord(emit: (record: string[], line: number) => void): void {
    this.record.push(this.field);
    this.field = '';
    this.fieldHasContent = false;
    const rec = this.record;
    this.record = [];
    if (rec.length === 1 && rec[0] === '') return; // blank line
    emit(rec, this.recordLine);
  }

  private fail(message: string): never {
    throw new InputError(message, { file: this.file, where: `line ${this.line}` });
  }
}

/**
 * Turns tokenizer records into header-keyed rows: the first record is the header, and every
 * later record must have as many fields.
 */
function rowCollector(file: string, required: readonly string[], out: CsvRow[]) {
  let header: string[] | undefined;
  const emit = (record: string[], line: number) => {
    if (!header) {
      header = record.map((h, i) => (i === 0 ? h.replace(/^\uFEFF/, '') : h).trim());
      checkHeader(header, file, required);
      return;
    }
    if (record.length !== header.length) {
      throw new InputError(`expected ${header.length} fields, found ${record.length}`, { file, where: `line ${line}` });
    }
    const values: Record<string, string> = {};
    for (let i = 0; i < header.length; i++) values[header[i]!] = record[i]!;
    out.push({ line, values });
  };
  const finish = () => {
    if (!header) throw new InputError('empty CSV: no header line', { file });
  };
  return { emit, finish };
}

/** Streams the rows of a CSV file with a header line. */
export async function* readCsvRows(
  path: string,
  options: { required?: readonly string[] } = {},
): AsyncGenerator<CsvRow, void, undefined> {
  const tokenizer = new CsvTokenizer(path);
  const pending: CsvRow[] = [];
  const rows = rowCollector(path, options.required ?? [], pending);
  try {
    for await (const chunk of createReadStream(path, { encoding: 'utf8', highWaterMark: 1 << 16 })) {
      tokenizer.feed(chunk as string, rows.emit);
      yield* pending.splice(0);
    }
  } catch (err) {
    throw fileError(err, path);
  }
  tokenizer.end(rows.emit);
  yield* pending.splice(0);
  rows.finish();
}

/** Reads a whole (small) CSV file. */
export async function readCsv(path: string, options: { required?: readonly string[] } = {}): Promise<CsvRow[]> {
  const out: CsvRow[] = [];
  for await (const row of readCsvRows(path, options)) out.push(row);
  return out;
}

/** Parses CSV text already in memory (`name` is used in error messages). */
export function parseCsv(text: string, name = '<csv>', options: { required?: readonly string[] } = {}): CsvRow[] {
  const tokenizer = new CsvTokenizer(name);
  const out: CsvRow[] = [];
  const rows = rowCollector(name, options.required ?? [], out);
  tokenizer.feed(text, rows.emit);
  tokenizer.end(rows.emit);
  rows.finish();
  return out;
}

function checkHeader(header: string[], file: string, required: readonly string[]): void {
  const missing = required.filter((c) => !header.includes(c));
  if (missing.length) {
    throw new InputError(`missing column${missing.length > 1 ? 's' : ''} ${missing.join(', ')}`, { file, where: 'line 1' });
  }
}

/** Quotes a value for CSV output when needed. */
export function csvField(value: string | number): string {
  const s = String(value);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function csvLine(values: readonly (string | number)[]): string {
  return values.map(csvField).join(',') + '\n';
}
