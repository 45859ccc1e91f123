/**
 * Real data never enters git. PTB-XL and MIMIC-IV-ECG come under licences (CC BY 4.0, ODbL,
 * and for the full MIMIC-IV-ECG a credentialed PhysioNet agreement) that the kit must not
 * redistribute, and checkpoints are gigabytes: data/ and models/ are git-ignored and tracked by
 * DVC. These tests look at what git tracks *and* at what it would pick up with `git add .`
 * (untracked, not ignored), since a leak is usually a file that nobody ignored.
 *
 * Read-only git commands only (ls-files, check-ignore).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { sharedData } from '../helpers/shared.ts';

const REPO = fileURLToPath(new URL('../..', import.meta.url));

/** `git ARGS` in the repo, or undefined when this is not a git checkout (e.g. an npm pack). */
function git(args: string[]): string | undefined {
  try {
    return execFileSync('git', args, { cwd: REPO, encoding: 'utf8', maxBuffer: 64 << 20, stdio: ['ignore', 'pipe', 'ignore'] });
  } catch {
    return undefined;
  }
}

const inGit = git(['rev-parse', '--is-inside-work-tree'])?.trim() === 'true';
if (!inGit && process.env.CI === 'true') throw new Error('CI must run the git hygiene tests in a git checkout');
const skip = inGit ? false : 'not a git checkout';

/** Tracked files plus the untracked ones `git add .` would take (not ignored). */
function committable(): string[] {
  const lines = (args: string[]) => (git(args) ?? '').split('\0').filter(Boolean);
  return [...new Set([...lines(['ls-files', '-z']), ...lines(['ls-files', '-z', '--others', '--exclude-standard'])])].sort();
}

/** Files that are real datasets or checkpoints wherever they appear. */
const WFDB = /\.(hea|dat)$/i;
const DATASET_TABLES = new Set(['ptbxl_database.csv', 'scp_statements.csv', 'record_list.csv', 'machine_measurements.csv']);
/** Pickled or framework-native checkpoints: never in git (and never loaded: they run code). */
const PICKLES = /\.(bin|pt|pth|ckpt|pkl|pickle|h5|onnx|gguf)$/i;
const SAFETENSORS = /\.safetensors$/i;

/**
 * The committed files that match the patterns above on purpose. Each is small and made by the
 * project, never copied from a dataset (the sha256 test below checks that against the shared
 * data); anything else matching is a leak.
 */
const ALLOWED: { prefix: string; pattern: RegExp; maxBytes: number; why: string }[] = [
  {
    prefix: 'test/fixtures/hf-parity/',
    pattern: SAFETENSORS,
    maxBytes: 1 << 20, // the smallest real backbone, GPT2-Medium, is 1.4 GB
    why: 'tiny random-weight checkpoints written by scripts/fixtures/hf_parity.py for the parity test',
  },
  {
    prefix: 'test/fixtures/tokenizers/',
    pattern: SAFETENSORS,
    maxBytes: 4 << 10,
    why: 'a few-tensor reference file written by scripts/fixtures/tokenizer_reference.py with Python safetensors',
  },
  {
    prefix: 'test/fixtures/wfdb/hostile/',
    pattern: WFDB,
    maxBytes: 4 << 10, // a real 10-s PTB-XL record is 24 kB (100 Hz) or 120 kB (500 Hz)
    why: 'hand-written hostile headers and signal files of a few bytes (test/ecg/wfdb-cli.test.ts)',
  },
  {
    prefix: 'test/hostile/',
    pattern: /\.(hea|dat|safetensors)$/i,
    maxBytes: 4 << 10,
    why: 'the hostile-input corpus: hand-written files under 4 KB (test/hostile/corpus.test.ts)',
  },
];

function isDataLike(path: string): boolean {
  return WFDB.test(path) || DATASET_TABLES.has(basename(path)) || PICKLES.test(path) || SAFETENSORS.test(path);
}

test('no dataset file or checkpoint is tracked or committable outside the allowed fixtures', { skip }, () => {
  const leaks: string[] = [];
  for (const path of committable().filter(isDataLike)) {
    const allowed = ALLOWED.find((a) => path.startsWith(a.prefix) && a.pattern.test(path));
    if (!allowed) leaks.push(path);
    else if (statSync(join(REPO, path)).size > allowed.maxBytes) leaks.push(`${path} (larger than the ${allowed.maxBytes} bytes allowed there)`);
  }
  assert.deepEqual(leaks, [], 'real data or checkpoints would enter git; move them under data/ or models/ (DVC)');
});

test('the patterns catch what they should (so that the test above can fail)', () => {
  for (const leak of ['data/ptb-xl/records500/00000/00001_hr.dat', 'x/00001_hr.hea', 'ptbxl_database.csv', 'a/record_list.csv', 'models/llama/pytorch_model.bin', 'ckpt/model.safetensors', 'w.pt']) {
    assert.ok(isDataLike(leak), leak);
    assert.ok(!ALLOWED.some((a) => leak.startsWith(a.prefix) && a.pattern.test(leak)), leak);
  }
  for (const fine of ['lib/data/ptbxl.ts', 'test/fixtures/data/params.yaml', 'README.md', 'results/quick/metrics.json']) assert.ok(!isDataLike(fine), fine);
});

test('data/, models/ and every DVC output under them are git-ignored', { skip }, () => {
  const dvc = parse(readFileSync(join(REPO, 'dvc.yaml'), 'utf8')) as { stages: Record<string, { do?: { outs?: unknown[] }; outs?: unknown[] }> };
  const outs = Object.values(dvc.stages).flatMap((s) => s.do?.outs ?? s.outs ?? []);
  const paths = outs.map((o) => (typeof o === 'string' ? o : Object.keys(o as object)[0]!).replace(/\$\{item\}/g, 'ptbxl'));
  const mustIgnore = ['data/anything.dat', 'models/anything/model.safetensors', ...paths.filter((p) => /^(data|models)\//.test(p)).map((p) => `${p}/x`)];
  assert.ok(paths.some((p) => p.startsWith('data/')), 'dvc.yaml declares its data/ outputs');
  const notIgnored = mustIgnore.filter((p) => git(['check-ignore', '-q', '--no-index', p]) === undefined);
  assert.deepEqual(notIgnored, []);
});

/** Every regular file under `dir`, recursively. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath ?? (e as unknown as { path: string }).path, e.name));
}

const sha256 = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');

const shared = sharedData();

test('no committable file is a copy of a file in the shared third-party data', { skip: skip || shared.skip }, () => {
  const third = new Map<string, string>();
  for (const f of filesUnder(shared.path)) {
    if (statSync(f).size > 0) third.set(sha256(f), relative(shared.path, f));
  }
  assert.ok(third.size > 100, `expected the shared data's files, found ${third.size}`);
  const copies: string[] = [];
  for (const path of committable()) {
    const full = join(REPO, path);
    let st;
    try {
      st = statSync(full);
    } catch {
      continue; // tracked but deleted in the working tree
    }
    if (!st.isFile() || st.size === 0) continue;
    const match = third.get(sha256(full));
    if (match) copies.push(`${path} = shared/data/${match}`);
  }
  assert.deepEqual(copies, [], 'third-party data copied into the repository');
});
