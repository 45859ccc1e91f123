/**
 * Result tables: a danfojs DataFrame is the table's data; the writers turn it into Markdown (for
 * READMEs and reviews), CSV (for machines) and LaTeX (booktabs, for the paper), byte-for-byte
 * deterministic.
 *
 * Conventions the writers rely on:
 * - Numbers print with a fixed number of decimals (3 unless told otherwise per column); integer
 *   columns print as integers. Missing values (null, NaN) print as "–" ("--" in LaTeX) and as an
 *   empty field in CSV.
 * - A confidence interval lives in two sibling columns named `ciLow(col)` and `ciHigh(col)`.
 *   CSV keeps them as separate columns; Markdown and LaTeX fold them into `col` as
 *   "0.512 [0.490, 0.530]". Bounds keep the estimate's decimals: with one fewer, a two-decimal
 *   CIDEr-D interval such as [3.49, 3.53] would collapse to [3.5, 3.5].
 *
 * danfojs-node is heavy (it brings tfjs), so it is loaded on first use, never at import time.
 */
import type { DataFrame } from 'danfojs-node';
import { join } from 'node:path';
import { writeFileAtomic } from '../util/atomic.ts';
import { csvLine } from '../util/csv.ts';

export type Cell = string | number | boolean | null | undefined;

export interface TableOptions {
  caption?: string;
  /** Footnotes printed under the table in Markdown and LaTeX (CSV holds data only). */
  notes?: readonly string[];
  /** Decimals of non-integer numeric columns: one for all, or per column (others: 3). */
  decimals?: number | Readonly<Record<string, number>>;
}

export interface TableFiles {
  md: string;
  csv: string;
  tex: string;
}

const DEFAULT_DECIMALS = 3;

export function ciLow(column: string): string {
  return `${column} lo`;
}

export function ciHigh(column: string): string {
  return `${column} hi`;
}

/** A DataFrame with exactly `columns`, in that order, from row objects (absent keys are missing values). */
export async function frameFromRows(rows: readonly Record<string, Cell>[], columns: readonly string[]): Promise<DataFrame> {
  const { DataFrame } = await import('danfojs-node');
  if (rows.length === 0) return new DataFrame([], { columns: [...columns] });
  return new DataFrame(Object.fromEntries(columns.map((c) => [c, rows.map((r) => r[c] ?? null)])));
}

/** Writes `dir/name.md`, `dir/name.csv` and `dir/name.tex` (each atomically, after all three are built). */
export async function writeTable(dir: string, name: string, df: DataFrame, options: TableOptions = {}): Promise<TableFiles> {
  if (!/^[A-Za-z0-9][\w.-]*$/.test(name)) throw new Error(`table name must be a plain file name, got "${name}"`);
  const texts = { md: toMarkdown(df, options), csv: toCsv(df, options), tex: toLatex(df, { ...options, label: `tab:${name}` }) };
  const files = { md: join(dir, `${name}.md`), csv: join(dir, `${name}.csv`), tex: join(dir, `${name}.tex`) };
  for (const kind of ['md', 'csv', 'tex'] as const) await writeFileAtomic(files[kind], texts[kind]);
  return files;
}

export function toCsv(df: DataFrame, options: TableOptions = {}): string {
  const table = readFrame(df, options);
  const lines = [csvLine(table.columns.map((c) => c.name))];
  for (const row of table.rows) lines.push(csvLine(table.columns.map((c, i) => formatNumberOrText(row[i], c.decimals, ''))));
  return lines.join('');
}

export function toMarkdown(df: DataFrame, options: TableOptions = {}): string {
  const { header, body, numeric } = displayCells(readFrame(df, options), '–');
  const escape = (s: string) => s.replace(/\|/g, '\\|');
  const grid = [header, ...body].map((row) => row.map(escape));
  const widths = header.map((_, j) => Math.max(3, ...grid.map((row) => [...row[j]!].length)));
  const pad = (s: string, j: number) => (numeric[j] ? s.padStart(widths[j]!) : s.padEnd(widths[j]!));
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  const rule = widths.map((w, j) => (numeric[j] ? '-'.repeat(w - 1) + ':' : '-'.repeat(w)));
  const out: string[] = [];
  if (options.caption) out.push(`Table: ${options.caption}`, '');
  out.push(line(grid[0]!.map(pad)), line(rule), ...grid.slice(1).map((row) => line(row.map(pad))));
  if (options.notes?.length) out.push('', ...options.notes.map((n) => `- ${n}`));
  return out.join('\n') + '\n';
}

export function toLatex(df: DataFrame, options: TableOptions & { label?: string } = {}): string {
  const { header, body, numeric } = displayCells(readFrame(df, options), '--');
  const row = (cells: string[]) => `${cells.map(escapeLatex).join(' & ')} \\\\`;
  const out = ['\\begin{table}[ht]', '\\centering'];
  if (options.caption) out.push(`\\caption{${escapeLatex(options.caption)}}`);
  if (options.label) out.push(`\\label{${options.label}}`);
  out.push(`\\begin{tabular}{${numeric.map((n) => (n ? 'r' : 'l')).join('')}}`, '\\toprule', row(header), '\\midrule');
  out.push(...body.map(row), '\\bottomrule', '\\end{tabular}');
  if (options.notes?.length) {
    out.push('\\par\\smallskip', `{\\footnotesize ${options.notes.map(escapeLatex).join('\\par\n')}\\par}`);
  }
  out.push('\\end{table}');
  return out.join('\n') + '\n';
}

/** Escapes LaTeX's special characters in plain text. */
export function escapeLatex(text: string): string {
  const escaped = text.replace(/[\\&%$#_{}~^|<>→−–]/g, (ch) => LATEX_ESCAPES[ch]!);
  // A cell starting with "[" right after "\\" would be read as the optional argument of "\\".
  return escaped.startsWith('[') ? `{}${escaped}` : escaped;
}

const LATEX_ESCAPES: Record<string, string> = {
  '\\': '\\textbackslash{}',
  '&': '\\&',
  '%': '\\%',
  $: '\\$',
  '#': '\\#',
  _: '\\_',
  '{': '\\{',
  '}': '\\}',
  '~': '\\textasciitilde{}',
  '^': '\\textasciicircum{}',
  // Not special, but the default OT1 font encoding prints other glyphs for these.
  '|': '\\textbar{}',
  '<': '\\textless{}',
  '>': '\\textgreater{}',
  // Unicode the kit's own texts use, which pdfLaTeX's default set-up does not know.
  '→': '$\\rightarrow$',
  '−': '$-$',
  '–': '--',
};

interface Column {
  name: string;
  numeric: boolean;
  /** null: print numbers as they are (integer columns). */
  decimals: number | null;
}

interface PlainTable {
  columns: Column[];
  rows: Cell[][];
}

function readFrame(df: DataFrame, options: TableOptions): PlainTable {
  const names = df.columns;
  const dtypes = df.dtypes as string[];
  const explicit = (name: string): number | undefined =>
    typeof options.decimals === 'number' ? undefined : options.decimals?.[name];
  const fallback = typeof options.decimals === 'number' ? options.decimals : DEFAULT_DECIMALS;
  const columns = names.map((name, i): Column => {
    const numeric = dtypes[i] === 'float32' || dtypes[i] === 'int32';
    // CI bounds follow their value column.
    const owner = names.find((c) => name === ciLow(c) || name === ciHigh(c)) ?? name;
    const ownerIsInt = dtypes[names.indexOf(owner)] === 'int32';
    const decimals = explicit(owner) ?? (ownerIsInt ? null : fallback);
    return { name, numeric, decimals };
  });
  return { columns, rows: df.shape[0] === 0 ? [] : (df.values as Cell[][]) };
}

/** Header and body as display strings, CI columns folded into their value column. */
function displayCells(table: PlainTable, missing: string): { header: string[]; body: string[][]; numeric: boolean[] } {
  const index = new Map(table.columns.map((c, i) => [c.name, i]));
  const interval = (name: string) => {
    const lo = index.get(ciLow(name));
    const hi = index.get(ciHigh(name));
    return lo !== undefined && hi !== undefined ? { lo, hi } : null;
  };
  const folded = new Set(table.columns.flatMap((c) => (interval(c.name) ? [ciLow(c.name), ciHigh(c.name)] : [])));
  const shown = table.columns.map((c, i) => ({ ...c, i })).filter((c) => !folded.has(c.name));
  const body = table.rows.map((row) =>
    shown.map((c) => {
      const text = formatNumberOrText(row[c.i], c.decimals, missing);
      const ci = interval(c.name);
      if (!ci || isMissing(row[ci.lo]) || isMissing(row[ci.hi]) || isMissing(row[c.i])) return text;
      return `${text} [${formatNumberOrText(row[ci.lo], c.decimals, missing)}, ${formatNumberOrText(row[ci.hi], c.decimals, missing)}]`;
    }),
  );
  return { header: shown.map((c) => c.name), body, numeric: shown.map((c) => c.numeric) };
}

function isMissing(value: Cell): boolean {
  return value === null || value === undefined || (typeof value === 'number' && Number.isNaN(value));
}

function formatNumberOrText(value: Cell, decimals: number | null, missing: string): string {
  if (isMissing(value)) return missing;
  if (typeof value !== 'number') return String(value);
  const text = decimals === null ? String(value) : value.toFixed(decimals);
  return /^-0(\.0*)?$/.test(text) ? text.slice(1) : text; // no "-0.000"
}
