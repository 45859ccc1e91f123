/**
 * What the notebooks need beyond the kit itself: the params of the profile they run under,
 * and inline display of ECG plots, images and tables through tslab's display API.
 *
 * Load it from a cell with `loadKit('lib/notebook/index.ts')` (lib/notebook/load.ts says why).
 * The renderers (`ecgPng`, `vegaLitePng`, `markdownTable`) are plain functions; only the
 * `show*` functions talk to the kernel, so they work inside a tslab kernel only.
 */
import { existsSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, relative } from 'node:path';
import { loadParams, type LoadedParams } from '../config/params.ts';
import type { WfdbRecord } from '../ecg/wfdb/index.ts';
import { ecgPanel, panelsToSvg, svgToPng, type EcgPlotInput } from '../report/ecg-plot.ts';
import { specToSvg, svgToPng as figureSvgToPng } from '../report/figure.ts';
import type { TopLevelSpec } from 'vega-lite';
import type { DataFrame } from 'danfojs-node';
import { ciHigh, ciLow, toMarkdown, type TableOptions } from '../report/table.ts';
import { PROJECT_ROOT } from './load.ts';

export { PROJECT_ROOT };

/** Environment variable naming the params profile a notebook runs under (notebooks:check sets smoke). */
export const PROFILE_ENV = 'MEIT_PROFILE';

/** The effective params.yaml of the profile in $MEIT_PROFILE (else params.yaml's default profile). */
export function notebookParams(): LoadedParams {
  return loadParams(join(PROJECT_ROOT, 'params.yaml'), process.env[PROFILE_ENV] || undefined);
}

/**
 * The third-party excerpts of PTB-XL and MIMIC-IV-ECG beside the checkout ($MEIT_SHARED_DATA,
 * else ../shared/data), or undefined when this machine does not have them: notebooks show the
 * real-data cells only when they can.
 */
export function sharedDataDir(): string | undefined {
  const dir = process.env.MEIT_SHARED_DATA ?? join(PROJECT_ROOT, '..', 'shared', 'data');
  return existsSync(dir) ? dir : undefined;
}

/** A WFDB record as plot input: lead names from the header, physical units (mV). */
export function recordEcg(record: WfdbRecord, extra: { title?: string; lines?: readonly string[] } = {}): EcgPlotInput {
  return { fs: record.header.fs, leads: record.header.signals.map((s) => s.description), signals: record.physical, ...extra };
}

/**
 * The files under `dir` as an indented listing: every file at the top (a dataset's tables), then
 * at most `shown` files and `shown` subdirectories of each directory below (a dataset has
 * thousands of records; a few say enough).
 */
export function fileTree(dir: string, shown = 2): string {
  const lines: string[] = [];
  const walk = (path: string, depth: number) => {
    const entries = readdirSync(path, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name));
    const pad = '  '.repeat(depth);
    const more = (n: number, what: string) => {
      if (n > 0) lines.push(`${pad}… ${n} more ${what} in ${relative(dir, path) || '.'}/`);
    };
    const files = entries.filter((e) => !e.isDirectory());
    const filesShown = depth === 0 ? files.length : shown;
    for (const file of files.slice(0, filesShown)) lines.push(pad + file.name);
    more(files.length - filesShown, 'files');
    const dirs = entries.filter((e) => e.isDirectory());
    for (const sub of dirs.slice(0, shown)) {
      lines.push(`${pad}${sub.name}/`);
      walk(join(path, sub.name), depth + 1);
    }
    more(dirs.length - shown, 'directories');
  };
  walk(dir, 0);
  return lines.join('\n');
}

/** One or more 12-lead ECGs on ECG paper as a PNG (several: `columns` per row). */
export function ecgPng(ecgs: EcgPlotInput | readonly EcgPlotInput[], options: { columns?: number; pxPerMm?: number } = {}): Uint8Array {
  const list = Array.isArray(ecgs) ? ecgs : [ecgs as EcgPlotInput];
  return svgToPng(panelsToSvg(list.map(ecgPanel), options.columns ?? 1), options.pxPerMm ?? 4);
}

/**
 * A vega-lite chart as a PNG, rendered like the kit's figures (lib/report/figure.ts: the
 * kit's theme, the bundled font), so what a notebook shows is what `results/` would hold.
 */
export async function vegaLitePng(spec: TopLevelSpec, scale = 1.5): Promise<Uint8Array> {
  return figureSvgToPng(await specToSvg(spec), scale);
}

/** A GitHub-flavoured Markdown table of `rows` (columns: the keys of the first row, unless given). */
export function markdownTable(rows: readonly Record<string, unknown>[], columns?: readonly string[]): string {
  const keys = columns ?? Object.keys(rows[0] ?? {});
  const cell = (v: unknown) =>
    String(v ?? '')
      .replace(/\\/g, '\\\\')
      .replace(/\|/g, '\\|')
      .replace(/\r?\n/g, ' ');
  const line = (values: readonly string[]) => `| ${values.join(' | ')} |`;
  return [line(keys.map(cell)), line(keys.map(() => '---')), ...rows.map((r) => line(keys.map((k) => cell(r[k]))))].join('\n');
}

/**
 * A result table of lib/report/tables.ts (a danfojs DataFrame with caption, notes and decimals)
 * as Markdown, narrowed to those of `columns` it has (each with its interval columns, which
 * the Markdown folds into "value [lo, hi]"): the full tables are too wide to read inline, and
 * which columns exist depends on the runs (the "(paper)" ones only where the paper has numbers).
 */
export function resultTableMarkdown(table: TableOptions & { df: DataFrame }, columns?: readonly string[]): string {
  if (!columns) return toMarkdown(table.df, table);
  const present = new Set<string>(table.df.columns);
  const chosen = columns.flatMap((c) => [c, ciLow(c), ciHigh(c)].filter((name) => present.has(name)));
  if (chosen.length === 0) throw new Error(`resultTableMarkdown: none of ${columns.join(', ')} is a column; columns: ${[...present].join(', ')}`);
  return toMarkdown(table.df.loc({ columns: chosen }), table);
}

export function showResultTable(table: TableOptions & { df: DataFrame }, columns?: readonly string[]): void {
  tslabDisplay().markdown(resultTableMarkdown(table, columns));
}

export function showEcg(ecgs: EcgPlotInput | readonly EcgPlotInput[], options: { columns?: number; pxPerMm?: number } = {}): void {
  tslabDisplay().png(ecgPng(ecgs, options));
}

export async function showVegaLite(spec: TopLevelSpec, scale?: number): Promise<void> {
  tslabDisplay().png(await vegaLitePng(spec, scale));
}

export function showTable(rows: readonly Record<string, unknown>[], columns?: readonly string[]): void {
  tslabDisplay().markdown(markdownTable(rows, columns));
}

export function showMarkdown(markdown: string): void {
  tslabDisplay().markdown(markdown);
}

export function showSvg(svg: string): void {
  tslabDisplay().svg(svg);
}

export function showPng(png: Uint8Array): void {
  tslabDisplay().png(png);
}

interface TslabDisplay {
  markdown(s: string): void;
  svg(s: string): void;
  png(b: Uint8Array): void;
}

/**
 * tslab's `display`, required lazily: it is the kernel's own instance (same file in the
 * CommonJS module cache), which knows where the current cell's output goes.
 */
function tslabDisplay(): TslabDisplay {
  const { display } = createRequire(import.meta.url)('tslab') as { display: TslabDisplay };
  return display;
}
