/**
 * The experiments' results for the notebooks: the pipeline's own outputs, never numbers of the
 * notebooks' making.
 *
 * - **committed**: the checkout's results/ (what `meit reproduce` wrote; the quick profile's are
 *   committed) — read as they are, whatever profile made them (results/README.md names it);
 * - **computed**: when the checkout has none, the pipeline runs for the notebook's profile in a
 *   scratch copy of the project under the system's temporary directory (its files linked, its
 *   params.yaml set to the profile), with the kit's runner: a stage runs only when its deps or
 *   params changed, so the notebooks that come after the first one reuse its outputs. The
 *   checkout itself is never written.
 *
 * The experiments' code reads and writes paths relative to the working directory (results/,
 * models/, data/), so `inDirectory` runs a function with the working directory moved there.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type LoadedParams, loadParams } from '../config/params.ts';
import { setTopLevelParam } from '../config/set-param.ts';
import { type CollectedResults, collectResults } from '../experiments/collect.ts';
import { type ExperimentPlan, readExperimentPlan } from '../experiments/plan.ts';
import { FIGURES, FIGURES_DIR, writeFigures } from '../experiments/figures.ts';
import { EXPERIMENTS } from '../experiments/runs.ts';
import { type StageResult, runPipeline } from '../pipeline/runner.ts';
import { writeFileAtomic } from '../util/atomic.ts';
import { sha256 } from '../util/hash.ts';
import { PROJECT_ROOT } from './load.ts';

export interface ExperimentResults {
  /** The directory holding results/ (the checkout, or the scratch pipeline). */
  root: string;
  origin: 'committed' | 'computed';
  /** The profile that produced the results, and its params and plan. */
  profile: string;
  params: LoadedParams;
  plan: ExperimentPlan;
  results: CollectedResults;
  /** Stages the runner ran or skipped (computed results only). */
  stages: StageResult[];
  /** Why the results were computed rather than read from the checkout. */
  reason?: string;
}

/** Runs `fn` with the working directory moved to `dir` (restored afterwards, even on error). */
export async function inDirectory<T>(dir: string, fn: () => T | Promise<T>): Promise<T> {
  const before = process.cwd();
  process.chdir(dir);
  try {
    return await fn();
  } finally {
    process.chdir(before);
  }
}

/** The profile named in a results/README.md ("... with profile **quick** ..."), if any. */
export function readmeProfile(root: string): string | undefined {
  const file = join(root, 'results', 'README.md');
  if (!existsSync(file)) return undefined;
  return /with profile \*\*([\w-]+)\*\*/.exec(readFileSync(file, 'utf8'))?.[1];
}

/** Whether `root`/results has the metrics of all four experiments and the report. */
function hasAllResults(root: string): boolean {
  return EXPERIMENTS.every((e) => existsSync(join(root, 'results', e, 'metrics.json'))) && existsSync(join(root, 'results', 'README.md'));
}

/**
 * The results of all four experiments and the report: the checkout's when it has them, else
 * the pipeline's for `active`'s profile, computed in the scratch copy (`log` gets the runner's
 * lines; `describeResults` sums them up). `checkout`: where to look for committed results.
 */
export async function experimentResults(active: LoadedParams, log: (line: string) => void = () => {}, checkout = PROJECT_ROOT): Promise<ExperimentResults> {
  let reason = 'the checkout has no results/';
  if (hasAllResults(checkout)) {
    const profile = readmeProfile(checkout) ?? active.profile;
    try {
      return { root: checkout, origin: 'committed', ...(await collectAt(checkout, profile)), stages: [] };
    } catch (err) {
      reason = `the checkout's results/ lack runs of the ${profile} profile's plan: ${(err as Error).message}`;
    }
  }
  const root = pipelineWorkspace(active.profile);
  const stages = await runWorkspace(root, active.profile, ['report'], log);
  return { root, origin: 'computed', ...(await collectAt(root, active.profile)), stages, reason };
}

/** One line on where `r` came from, for a notebook to print (`profile`: the notebook's). */
export function describeResults(r: ExperimentResults, profile: string): string {
  if (r.origin === 'committed') return `results: the checkout's results/, made by the ${r.profile} profile (this notebook runs under ${profile})`;
  const ran = r.stages.filter((s) => s.status === 'ran');
  const stages = ran.length ? `ran ${ran.map((s) => `${s.name} (${s.seconds.toFixed(1)} s)`).join(', ')}` : 'every stage up to date';
  return `results: computed for the ${r.profile} profile in ${r.root}, as ${r.reason ?? 'the checkout has none'} (${stages})`;
}

async function collectAt(root: string, profile: string): Promise<Pick<ExperimentResults, 'profile' | 'params' | 'plan' | 'results'>> {
  const params = loadParams(join(PROJECT_ROOT, 'params.yaml'), profile);
  const plan = readExperimentPlan(params);
  const results = await inDirectory(root, () => collectResults(plan));
  return { profile, params, plan, results };
}

/** What the pipeline needs of the checkout, linked into the scratch copy (params.yaml is copied). */
const LINKED = ['bin', 'lib', 'node_modules', 'package.json', 'tsconfig.json', 'dvc.yaml'];

/**
 * The scratch copy of the project for `profile` (one per checkout and profile, kept between
 * notebooks): the checkout's code linked, params.yaml copied with `profile:` set.
 */
export function pipelineWorkspace(profile: string): string {
  return join(tmpdir(), `meit-notebooks-${sha256(PROJECT_ROOT).slice(0, 12)}`, profile);
}

/**
 * Runs the dvc.yaml stages `targets` (and what they need) in the scratch copy for `profile`,
 * refreshing its params.yaml from the checkout's first; the runner skips what is up to date.
 */
export async function runWorkspace(root: string, profile: string, targets: string[], log: (line: string) => void = () => {}): Promise<StageResult[]> {
  mkdirSync(root, { recursive: true });
  for (const name of LINKED) {
    const link = join(root, name);
    if (!existsSync(link)) symlinkSync(join(PROJECT_ROOT, name), link);
  }
  // Rewritten every time: the runner compares params by value, so an unchanged profile reruns nothing.
  const paramsFile = join(root, 'params.yaml');
  await writeFileAtomic(paramsFile, readFileSync(join(PROJECT_ROOT, 'params.yaml'), 'utf8'));
  await setTopLevelParam(paramsFile, 'profile', profile);
  return runPipeline({ root, targets, log });
}

export interface RegeneratedFigure {
  name: string;
  title: string;
  /** The PNG just rendered. */
  png: string;
  /** The pipeline's PNG of the same figure in the results' root (undefined: it has none). */
  original: string | undefined;
}

/**
 * Renders every figure of the report again (lib/experiments/figures.ts, the report stage's own
 * code) from `r`'s run metrics, into a new temporary directory. The 12-lead example needs the
 * dataset its test ECG comes from: the results' own data/ when they were computed, else the
 * scratch pipeline's synth and prepare stages for the results' profile.
 */
export async function regenerateFigures(r: ExperimentResults, log: (line: string) => void = () => {}): Promise<RegeneratedFigure[]> {
  const dir = mkdtempSync(join(tmpdir(), 'meit-figures-'));
  mkdirSync(join(dir, 'results'));
  for (const experiment of EXPERIMENTS) symlinkSync(join(r.root, 'results', experiment), join(dir, 'results', experiment));
  let data = join(r.root, 'data');
  if (r.origin === 'committed') {
    const workspace = pipelineWorkspace(r.profile);
    await runWorkspace(workspace, r.profile, [`prepare@${r.plan.example.dataset}`], log);
    data = join(workspace, 'data');
  }
  symlinkSync(data, join(dir, 'data'));
  await inDirectory(dir, () => writeFigures(r.results, r.plan, r.params));
  return FIGURES.map(({ name, title }) => {
    const original = join(r.root, FIGURES_DIR, `${name}.png`);
    return { name, title, png: join(dir, FIGURES_DIR, `${name}.png`), original: existsSync(original) ? original : undefined };
  });
}
