/**
 * The kit's four result tables — backbones, zero-shot, robustness, ablations — with the paper's
 * number beside the kit's wherever the paper has one.
 *
 * Each builder takes plain result rows and returns a `ResultTable` (a DataFrame plus caption,
 * notes and decimals) for `writeResultTable`, which writes results/tables/<name>.{md,csv,tex}.
 * Paper numbers come from paper-results.ts; every one is traced to its source by a letter in
 * the "Paper source" column, spelled out in the notes.
 */
import type { DataFrame } from 'danfojs-node';
import {
  PAPER_ABLATIONS,
  PAPER_REPOSITORY,
  PAPER_ROBUSTNESS,
  PAPER_ROBUSTNESS_CAVEATS,
  PAPER_ZERO_SHOT,
  type PaperAblationVariant,
  type PaperDataset,
  type PaperNumber,
  type PaperScores,
  type PaperSource,
  type ZeroShotSetting,
  paperCounterpart,
  paperMainScores,
} from './paper-results.ts';
import { type Cell, type TableFiles, type TableOptions, ciHigh, ciLow, frameFromRows, writeTable } from './table.ts';

/** One of the kit's scores: a number, or a number with its confidence interval. */
export type Score = number | { value: number; lo?: number; hi?: number };
export type Scores = Readonly<Record<string, Score>>;

export interface BackboneResult {
  backbone: string;
  dataset: PaperDataset;
  scores: Scores;
}

export interface ZeroShotResult {
  backbone: string;
  setting: ZeroShotSetting;
  scores: Scores;
}

export interface RobustnessResult {
  backbone: string;
  /** Largest fraction of the signal the noisy segment may cover (0 = clean). */
  level: number;
  scores: Scores;
}

export interface AblationResult {
  backbone: string;
  /** The kit's name of the variant ("prefix", "no-ecg", "shuffled-ecg"...). */
  variant: string;
  /** The paper's arm to compare with, when it has one (default: `variant`, if it is one). */
  paperVariant?: PaperAblationVariant;
  scores: Scores;
}

export interface ResultTable extends TableOptions {
  name: 'backbones' | 'zero-shot' | 'robustness' | 'ablations';
  df: DataFrame;
}

/** Writes `table` as `dir/<name>.md`, `.csv` and `.tex`. */
export function writeResultTable(dir: string, table: ResultTable): Promise<TableFiles> {
  return writeTable(dir, table.name, table.df, table);
}

const DATASET_NAMES: Record<PaperDataset, string> = { mimic: 'MIMIC-IV-ECG', ptbxl: 'PTB-XL' };

const SETTING_NAMES: Record<ZeroShotSetting, string> = {
  'in-domain': 'PTB-XL → PTB-XL',
  'zero-shot': 'MIMIC → PTB-XL',
  'zero-shot-no-it': 'MIMIC → PTB-XL, no instruction tuning',
};

const SCORING_NOTE =
  "Paper numbers were scored the official code's way (per-batch averages, NLTK METEOR, batch IDF for CIDEr-D): compare them with the kit's meit scoring mode.";

export async function backbonesTable(results: readonly BackboneResult[]): Promise<ResultTable> {
  const rows = results.map((r) => {
    const model = paperCounterpart(r.backbone);
    const paper = model ? paperMainScores(model, r.dataset) : {};
    return { keys: { Backbone: r.backbone, Dataset: DATASET_NAMES[r.dataset], 'Paper model': nameIfAny(model, paper) }, scores: r.scores, paper };
  });
  return metricTable('backbones', rows, ['Backbone', 'Dataset', 'Paper model'], 'Report generation by backbone and dataset: the kit beside the paper.');
}

export async function zeroShotTable(results: readonly ZeroShotResult[]): Promise<ResultTable> {
  const rows = results.map((r) => {
    const model = paperCounterpart(r.backbone);
    const paper = PAPER_ZERO_SHOT.find((p) => p.model === model && p.setting === r.setting)?.scores ?? {};
    return { keys: { Backbone: r.backbone, Setting: SETTING_NAMES[r.setting], 'Paper model': nameIfAny(model, paper) }, scores: r.scores, paper };
  });
  return metricTable('zero-shot', rows, ['Backbone', 'Setting', 'Paper model'], 'Zero-shot transfer (train on MIMIC-IV-ECG, test on PTB-XL): the kit beside the paper.');
}

export async function ablationsTable(results: readonly AblationResult[]): Promise<ResultTable> {
  const rows = results.map((r) => {
    const model = paperCounterpart(r.backbone);
    const arm = r.paperVariant ?? (isPaperVariant(r.variant) ? r.variant : undefined);
    // LLaMA-1's MEIT arm is in both ablations; the numbers agree, the first one found wins.
    const matches = PAPER_ABLATIONS.filter((p) => p.model === model && p.variant === arm);
    const paper = Object.assign({}, ...matches.map((p) => p.scores).reverse()) as PaperScores;
    const label = matches.map((p) => p.label).join(' / ') || null;
    return { keys: { Backbone: r.backbone, Variant: r.variant, 'Paper model': nameIfAny(model, paper), 'Paper arm': label }, scores: r.scores, paper };
  });
  return metricTable('ablations', rows, ['Backbone', 'Variant', 'Paper model', 'Paper arm'], 'Ablations: the kit beside the paper.');
}

/**
 * Robustness: one row per backbone and metric for the kit, followed by the paper's row where it
 * has one; one column per perturbation level.
 */
export async function robustnessTable(results: readonly RobustnessResult[]): Promise<ResultTable> {
  const levels = [...new Set(results.map((r) => r.level))].sort((a, b) => a - b);
  const levelName = (level: number) => `${+(level * 100).toFixed(2)}%`;
  const sources = new SourceKeys();
  const models = new Set<string>();
  const rows: Record<string, Cell>[] = [];
  for (const backbone of unique(results.map((r) => r.backbone))) {
    const mine = results.filter((r) => r.backbone === backbone);
    const model = paperCounterpart(backbone);
    for (const metric of unique(mine.flatMap((r) => Object.keys(r.scores)))) {
      const kit: Record<string, Cell> = { Backbone: backbone, Metric: metric, Source: 'kit' };
      for (const r of mine) if (r.scores[metric] !== undefined) Object.assign(kit, scoreCells(levelName(r.level), r.scores[metric]!));
      rows.push(kit);
      const published = PAPER_ROBUSTNESS.filter((p) => p.model === model && p.metric === metric && levels.includes(p.level));
      if (!published.length) continue;
      models.add(model!);
      const paper: Record<string, Cell> = { Backbone: backbone, Metric: metric, Source: `paper: ${model} [${sources.keysOf(published.map((p) => p.value))}]` };
      for (const p of published) paper[levelName(p.level)] = p.value.value;
      rows.push(paper);
    }
  }
  const levelColumns = levels.flatMap((l) => [levelName(l), ciLow(levelName(l)), ciHigh(levelName(l))]);
  const notes = [
    'Columns: the largest fraction of the signal covered by the noisy segment (0% = clean); the paper plots 1 − this fraction and calls it SNR.',
    ...sources.notes(),
    ...(sources.used ? [SCORING_NOTE] : []),
    ...PAPER_ROBUSTNESS_CAVEATS.filter((c) => (c.model === null ? sources.used : models.has(c.model))).map((c) => c.text),
  ];
  return {
    name: 'robustness',
    df: await frameFromRows(rows, ['Backbone', 'Metric', 'Source', ...dropEmpty(rows, levelColumns)]),
    caption: 'Robustness to partial white noise on the ECG: the kit beside the paper.',
    notes,
    decimals: Object.fromEntries(levels.map((l) => [levelName(l), 4])), // the paper's robustness numbers have four
  };
}

interface MetricRow {
  keys: Record<string, Cell>;
  scores: Scores;
  paper: PaperScores;
}

/** Key columns, then per metric the kit's score (with CI) and the paper's, then the paper sources. */
async function metricTable(name: ResultTable['name'], rows: readonly MetricRow[], keyColumns: string[], caption: string): Promise<ResultTable> {
  const metrics = unique(rows.flatMap((r) => Object.keys(r.scores)));
  const sources = new SourceKeys();
  const cells = rows.map((r) => {
    const row: Record<string, Cell> = { ...r.keys };
    const shown: [string, PaperNumber][] = [];
    for (const metric of metrics) {
      if (r.scores[metric] !== undefined) Object.assign(row, scoreCells(metric, r.scores[metric]!));
      const paper = r.paper[metric as keyof PaperScores];
      if (paper) {
        row[paperColumn(metric)] = paper.value;
        shown.push([metric, paper]);
      }
    }
    row['Paper source'] = sources.describe(shown);
    return row;
  });
  const columns = [...keyColumns, ...metrics.flatMap((m) => [m, ciLow(m), ciHigh(m), paperColumn(m)])];
  // Explicit for every metric column, so that one that happens to hold only integers still prints
  // its decimals. CIDEr-D (0–10) gets two, like the paper.
  const decimals = Object.fromEntries(metrics.flatMap((m) => [m, paperColumn(m)].map((c) => [c, m === 'CIDEr-D' ? 2 : 3])));
  return {
    name,
    df: await frameFromRows(cells, [...dropEmpty(cells, columns), ...(sources.used ? ['Paper source'] : [])]),
    caption,
    notes: sources.used ? [...sources.notes(), SCORING_NOTE] : ['The paper has no number for these rows.'],
    decimals,
  };
}

/** The paper model's name where it has numbers for the row (an empty cell otherwise). */
function nameIfAny(model: string | null, paper: PaperScores): string | null {
  return Object.keys(paper).length ? model : null;
}

function paperColumn(metric: string): string {
  return `${metric} (paper)`;
}

function scoreCells(column: string, score: Score): Record<string, Cell> {
  if (typeof score === 'number') return { [column]: score };
  return { [column]: score.value, [ciLow(column)]: score.lo, [ciHigh(column)]: score.hi };
}

/** Letters for the paper sources in order of first use, and the notes that spell them out. */
class SourceKeys {
  private readonly keys = new Map<string, { key: string; source: PaperSource }>();

  get used(): boolean {
    return this.keys.size > 0;
  }

  key(source: PaperSource): string {
    const id = `${source.tag} ${source.ref}`;
    if (!this.keys.has(id)) this.keys.set(id, { key: String.fromCharCode(97 + this.keys.size), source });
    return this.keys.get(id)!.key;
  }

  keysOf(numbers: readonly PaperNumber[]): string {
    return unique(numbers.map((n) => this.key(n.source))).join(', ');
  }

  /** "a" when one source gave all of a row's numbers, else "a: BLEU-1; b: BLEU-4, METEOR". */
  describe(shown: readonly [string, PaperNumber][]): string | null {
    if (!shown.length) return null;
    const byKey = new Map<string, string[]>();
    for (const [metric, n] of shown) byKey.set(this.key(n.source), [...(byKey.get(this.key(n.source)) ?? []), metric]);
    if (byKey.size === 1) return [...byKey.keys()][0]!;
    return [...byKey].map(([key, metrics]) => `${key}: ${metrics.join(', ')}`).join('; ');
  }

  notes(): string[] {
    return [...this.keys.values()].map(({ key, source }) =>
      source.tag === 'CODE' ? `${key}: [CODE] ${PAPER_REPOSITORY} ${source.ref}` : `${key}: [SECONDARY] ${source.ref}`,
    );
  }
}

function isPaperVariant(variant: string): variant is PaperAblationVariant {
  return PAPER_ABLATIONS.some((p) => p.variant === variant);
}

/** `columns` without those that no row fills. */
function dropEmpty(rows: readonly Record<string, Cell>[], columns: readonly string[]): string[] {
  return columns.filter((c) => rows.some((r) => r[c] !== undefined && r[c] !== null));
}

function unique<T>(values: readonly T[]): T[] {
  return [...new Set(values)];
}
