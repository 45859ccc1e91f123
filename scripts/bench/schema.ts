/**
 * The shape of results/bench/bench.json, and a checker that the benchmark runs on its own
 * output before writing it (and the CI test runs on the --short output). A section either has
 * its numbers or is listed in `skipped` with the reason; a comparison whose peer did not run
 * keeps its kit figure and has null for the peer and the ratio.
 */

export const BENCH_SCHEMA_VERSION = 1;

export interface TrainRow {
  preset: string;
  /** Median ms of one train step (forward + backward + AdamW of every decoder weight), default backend. */
  kit_ms: number;
  torch_ms: number | null;
  /** kit_ms / torch_ms. */
  ratio: number | null;
  /** The same step with MEIT's ECG slot in every layer (kit only: transformers has no such slot). */
  kit_meit_ms: number;
  kit_tokens_per_s: number;
  torch_tokens_per_s: number | null;
  /** With the native TensorFlow backend (scripts/setup-native.sh), when available. */
  kit_native_ms?: number;
  native_ratio?: number;
}

export interface GenerationRow {
  preset: string;
  kit_tokens_per_s: number;
  hf_tokens_per_s: number | null;
  /** kit / hf. */
  ratio: number | null;
  kit_native_tokens_per_s?: number;
  native_ratio?: number;
}

export interface WfdbRow {
  records: string;
  files: number;
  megabytes: number;
  kit_mb_per_s: number;
  wfdb_mb_per_s: number | null;
  /** kit / wfdb-python. */
  ratio: number | null;
}

export interface PrepareRun {
  records: number;
  seconds: number;
  records_per_s: number;
  /** kit only: prepare's worker threads. */
  workers?: number;
  peak_rss_mb: number;
}

export interface PrepareSection {
  what: string;
  /** One run per dataset size, smallest first, each in a fresh process. */
  kit: PrepareRun[];
  wfdb_python: PrepareRun | null;
  /** kit / wfdb-python records/s on the largest set. */
  ratio: number | null;
  memory_growth: { records: string; peak_rss_mb: string; factor: number };
}

export interface MetricsSection {
  pairs: number;
  what: string;
  kit_pairs_per_s: number;
  pycocoevalcap_pairs_per_s: number;
  ratio: number;
  /** Largest |kit − pycocoevalcap| over BLEU-1..4, ROUGE-L and CIDEr-D; null if a score is missing. */
  max_abs_diff: number | null;
  /** |kit − Meteor 1.5 jar| on METEOR, which the kit approximates (no paraphrase table); null if missing. */
  meteor_abs_diff: number | null;
  kit_scores: Record<string, number>;
  pycocoevalcap_scores: Record<string, number>;
}

export interface Target {
  name: string;
  target: string;
  measured: string;
  /** null: not measurable in this run (its peer was skipped). */
  met: boolean | null;
}

export interface BenchResult {
  schema: number;
  mode: 'full' | 'short';
  started: string;
  seconds: number;
  machine: Record<string, unknown>;
  backend: { name: string; detail: string };
  python: Record<string, unknown>;
  sizes: Record<string, unknown>;
  train: TrainRow[];
  generation: GenerationRow[];
  wfdb: WfdbRow[];
  prepare: PrepareSection | null;
  metrics: MetricsSection | null;
  memory: Record<string, Record<string, number | null>>;
  /** experiments.workers: 'auto' (the default: worker threads, one per core) or 0 (runs one after the other, a lever's baseline). */
  reproduce: { profile: string; workers: 'auto' | 0; seconds: number | null; peak_rss_mb: number | null; ok: boolean; note?: string }[];
  levers: Record<string, unknown>;
  targets: Target[];
  skipped: { section: string; reason: string }[];
}

const SECTIONS = ['train', 'generation', 'wfdb', 'prepare', 'metrics', 'reproduce', 'levers'] as const;

/** Ratios are stored to 3 significant digits, from unrounded medians. */
const closeRatio = (stored: number, computed: number) => Math.abs(stored - computed) <= 0.01 * Math.abs(computed);

const isNum = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x);
const isNumOrNull = (x: unknown) => x === null || isNum(x);

/** Problems with a bench.json value; empty when it is well-formed. */
export function checkBenchResult(value: unknown): string[] {
  const problems: string[] = [];
  const r = value as Partial<BenchResult>;
  if (typeof value !== 'object' || value === null) return ['not an object'];
  if (r.schema !== BENCH_SCHEMA_VERSION) problems.push(`schema must be ${BENCH_SCHEMA_VERSION}`);
  if (r.mode !== 'full' && r.mode !== 'short') problems.push('mode must be full or short');
  if (!r.backend || typeof r.backend.name !== 'string') problems.push('backend.name missing');
  if (!r.machine || !isNum(r.machine.cores)) problems.push('machine.cores missing');
  const skipped = new Set((r.skipped ?? []).map((s) => s.section));
  for (const s of r.skipped ?? []) if (!s.reason) problems.push(`skipped ${s.section} has no reason`);
  // Every section ran (non-empty) or says why not.
  for (const section of SECTIONS) {
    const v = r[section];
    const ran = Array.isArray(v) ? v.length > 0 : v !== null && v !== undefined && Object.keys(v).length > 0;
    if (!ran && !skipped.has(section)) problems.push(`${section}: neither results nor a skip reason`);
  }
  const peerSkipped = (peer: string) => [...skipped].some((s) => s === peer || s.startsWith(`${peer}:`));
  for (const row of r.train ?? []) {
    if (typeof row.preset !== 'string' || !isNum(row.kit_ms) || !isNum(row.kit_meit_ms)) problems.push(`train ${row.preset}: kit figures missing`);
    if (!isNumOrNull(row.torch_ms) || !isNumOrNull(row.ratio)) problems.push(`train ${row.preset}: torch_ms/ratio must be numbers or null`);
    if (row.torch_ms === null && !peerSkipped('torch')) problems.push(`train ${row.preset}: no torch figure and torch not skipped`);
    if (isNum(row.torch_ms) && isNum(row.ratio) && !closeRatio(row.ratio, row.kit_ms / row.torch_ms)) problems.push(`train ${row.preset}: ratio != kit_ms / torch_ms`);
  }
  for (const row of r.generation ?? []) {
    if (typeof row.preset !== 'string' || !isNum(row.kit_tokens_per_s)) problems.push(`generation ${row.preset}: kit figure missing`);
    if (!isNumOrNull(row.hf_tokens_per_s) || !isNumOrNull(row.ratio)) problems.push(`generation ${row.preset}: hf/ratio must be numbers or null`);
    if (row.hf_tokens_per_s === null && !peerSkipped('torch')) problems.push(`generation ${row.preset}: no hf figure and torch not skipped`);
    if (isNum(row.hf_tokens_per_s) && isNum(row.ratio) && !closeRatio(row.ratio, row.kit_tokens_per_s / row.hf_tokens_per_s)) problems.push(`generation ${row.preset}: ratio != kit / hf`);
  }
  for (const row of r.wfdb ?? []) {
    if (!isNum(row.kit_mb_per_s) || !isNumOrNull(row.wfdb_mb_per_s)) problems.push(`wfdb ${row.records}: figures missing`);
  }
  for (const t of r.targets ?? []) if (typeof t.name !== 'string' || !(t.met === null || typeof t.met === 'boolean')) problems.push(`target ${t.name}: bad met`);
  return problems;
}
