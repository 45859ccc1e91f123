/**
 * The smoke profile end to end, as a user runs it: `meit reproduce --profile smoke` in a fresh
 * copy of the project, once with the kit's runner and once with real DVC (a second runner run
 * when DVC is not installed; under CI=true DVC is required). Both must produce every table,
 * figure and metrics file, byte for byte the same: the pipeline is deterministic. The runner's
 * copy runs the experiments one after the other (experiments.workers: 0), the second in worker
 * threads, so the same bytes also show that parallel runs change nothing.
 *
 * A few minutes on two cores: this is the slowest test of the kit, on purpose the only one.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type MeitResult, runMeit } from '../helpers/cli.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
/** What the pipeline needs of the checkout (no data, models or earlier results). */
const PROJECT_FILES = ['bin', 'lib', 'dvc.yaml', 'params.yaml', 'package.json', 'tsconfig.json', '.dvc/config', '.dvcignore', '.gitignore'];
const DVC_BIN = join(ROOT, '.venv', 'bin');
const hasDvc = existsSync(join(DVC_BIN, 'dvc'));
if (!hasDvc && process.env.CI === 'true') throw new Error(`DVC is required under CI (.ci/run installs it): ${DVC_BIN}/dvc not found`);

/**
 * A fresh project: the pipeline's files, node_modules linked, and a git repository with one
 * commit made at a fixed date, so that every copy has the same commit id (results/README.md
 * names it) and DVC finds the SCM it expects.
 */
function copyProject(label: string): string {
  const dir = mkdtempSync(join(tmpdir(), `meit-smoke-${label}-`));
  for (const file of PROJECT_FILES) {
    if (existsSync(join(ROOT, file))) cpSync(join(ROOT, file), join(dir, file), { recursive: true, filter: (src) => !src.includes('.tmp-') });
  }
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
  const date = '2025-01-01T00:00:00Z';
  const env = { ...process.env, GIT_AUTHOR_NAME: 'smoke', GIT_AUTHOR_EMAIL: 'smoke@example.org', GIT_COMMITTER_NAME: 'smoke', GIT_COMMITTER_EMAIL: 'smoke@example.org', GIT_AUTHOR_DATE: date, GIT_COMMITTER_DATE: date };
  const git = (...args: string[]) => execFileSync('git', args, { cwd: dir, env, stdio: 'ignore' });
  git('init', '-q');
  git('add', '-A');
  git('commit', '-q', '--no-gpg-sign', '-m', 'smoke');
  return dir;
}

/** Every file under `dir`, relative, sorted. */
function listFiles(dir: string, base = dir): string[] {
  return readdirSync(dir)
    .flatMap((name) => (statSync(join(dir, name)).isDirectory() ? listFiles(join(dir, name), base) : [relative(base, join(dir, name))]))
    .sort();
}

function reproduce(dir: string, withDvc: boolean): Promise<MeitResult> {
  const args = ['reproduce', '--profile', 'smoke', ...(withDvc ? [] : ['--no-dvc'])];
  return runMeit(args, { cwd: dir, env: withDvc ? { PATH: `${DVC_BIN}:${process.env.PATH}` } : {} });
}

let runner: { dir: string; result: MeitResult };
let second: { dir: string; result: MeitResult };

before(async () => {
  // Both copies first: the same sources, whatever happens to the checkout while they run.
  const a = copyProject('runner');
  const b = copyProject(hasDvc ? 'dvc' : 'runner2');
  // After the commit, so both copies name the same one in results/README.md.
  const params = join(a, 'params.yaml');
  writeFileSync(params, readFileSync(params, 'utf8').replace(/^  workers: auto( +# runs side by side)/m, '  workers: 0   $1'));
  assert.match(readFileSync(params, 'utf8'), /^  workers: 0 +# runs side by side/m);
  runner = { dir: a, result: await reproduce(a, false) };
  second = { dir: b, result: await reproduce(b, hasDvc) };
});

after(() => {
  for (const dir of [runner?.dir, second?.dir]) if (dir) rmSync(dir, { recursive: true, force: true });
});

const TABLES = ['backbones', 'zero-shot', 'robustness', 'ablations'];
const FIGURES = ['backbones', 'zero-shot', 'robustness', 'robustness-realistic', 'ablations'];
const EXPERIMENTS = ['backbones', 'zero-shot', 'robustness', 'ablations'];

test("the kit's runner reproduces the smoke profile: metrics, tables, figures, README", () => {
  assert.equal(runner.result.code, 0, runner.result.stderr.slice(-3000));
  assert.match(runner.result.stderr, /with the kit's runner/);
  const results = join(runner.dir, 'results');
  for (const experiment of EXPERIMENTS) {
    const metrics = JSON.parse(readFileSync(join(results, experiment, 'metrics.json'), 'utf8')) as Record<string, unknown>;
    const values = Object.values(metrics);
    assert.ok(values.length > 0, `${experiment}: metrics`);
    assert.ok(values.every((v) => typeof v === 'number' && Number.isFinite(v)), `${experiment}: flat numeric metrics`);
    const runs = readdirSync(join(results, experiment, 'runs'));
    assert.ok(runs.length > 0, `${experiment}: runs`);
    for (const run of runs) {
      assert.ok(existsSync(join(results, experiment, 'runs', run, 'metrics.json')), `${experiment}/${run}/metrics.json`);
      assert.ok(existsSync(join(results, experiment, 'runs', run, 'predictions.jsonl')), `${experiment}/${run}/predictions.jsonl`);
    }
  }
  // The smoke plan: 2 backbones × 2 datasets in E1, each evaluated with its controls.
  assert.deepEqual(readdirSync(join(results, 'backbones', 'runs')).sort(), ['mimic-gpt2-medium', 'mimic-llama-2', 'ptbxl-gpt2-medium', 'ptbxl-llama-2']);
  assert.ok(existsSync(join(results, 'backbones', 'runs', 'ptbxl-llama-2', 'predictions-no-ecg.jsonl')));
  for (const table of TABLES) for (const ext of ['md', 'csv', 'tex']) assert.ok(existsSync(join(results, 'tables', `${table}.${ext}`)), `table ${table}.${ext}`);
  const png = Buffer.from([0x89, 0x50, 0x4e, 0x47]);
  for (const figure of [...FIGURES, 'ecg-example']) assert.deepEqual(readFileSync(join(results, 'figures', `${figure}.png`)).subarray(0, 4), png, figure);
  for (const figure of FIGURES) assert.match(readFileSync(join(results, 'figures', `${figure}.svg`), 'utf8'), /<svg/);
  const readme = readFileSync(join(results, 'README.md'), 'utf8');
  assert.match(readme, /profile \*\*smoke\*\* at commit `[0-9a-f]{12}`/);
  assert.match(readme, /## Table: backbones/);
  assert.match(readme, /!\[.*\]\(figures\/robustness\.png\)/);
  // The paper's numbers stand beside the kit's (LLaMA-1 for llama-2 in the backbones table).
  assert.match(readFileSync(join(results, 'tables', 'backbones.csv'), 'utf8'), /BLEU-4 \(paper\)/);
});

test('a second reproduce with nothing changed skips every stage', async () => {
  const again = await runMeit(['reproduce', '--no-dvc'], { cwd: runner.dir });
  assert.equal(again.code, 0, again.stderr.slice(-2000));
  assert.doesNotMatch(again.stderr, /Running stage/);
  assert.match(again.stderr, /Stage 'report' didn't change, skipping/);
});

test('two runs of the smoke profile write byte-identical results (the second through DVC when installed)', () => {
  assert.equal(second.result.code, 0, second.result.stderr.slice(-3000));
  const a = join(runner.dir, 'results');
  const b = join(second.dir, 'results');
  const files = listFiles(a);
  assert.deepEqual(listFiles(b), files);
  const differing = files.filter((f) => !readFileSync(join(a, f)).equals(readFileSync(join(b, f))));
  assert.deepEqual(differing, []);
});

test('real DVC: dvc repro ran the pipeline, the workspace is up to date, dvc metrics show reads the metrics', { skip: hasDvc ? false : 'DVC not installed (.venv/bin/dvc)' }, () => {
  assert.match(second.result.stderr, /running the pipeline with dvc repro/);
  const dvc = (...args: string[]) => execFileSync(join(DVC_BIN, 'dvc'), args, { cwd: second.dir, encoding: 'utf8' });
  assert.deepEqual(JSON.parse(dvc('status', '--json')), {});
  const shown = JSON.parse(dvc('metrics', 'show', '--json')) as Record<string, { data: Record<string, { data?: Record<string, unknown> }> }>;
  const files = Object.keys(Object.values(shown)[0]!.data).sort();
  assert.deepEqual(files, EXPERIMENTS.map((e) => `results/${e}/metrics.json`).sort());
  const lock = readFileSync(join(second.dir, 'dvc.lock'), 'utf8');
  for (const stage of ['backbones', 'zero-shot', 'robustness', 'ablations', 'report']) assert.match(lock, new RegExp(`^  ${stage}:`, 'm'));
});
