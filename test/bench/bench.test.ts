/**
 * `npm run bench`: the short run (no Python, tiny sizes) writes a well-formed bench.json in
 * which every section ran or says why not; the config exporter gives PyTorch the kit's exact
 * architecture; the schema check and the targets catch what they should. No timing is asserted.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { toHfConfig } from '../../lib/model/hf-export.ts';
import { median } from '../../lib/bench/stats.ts';
import { fromHfConfig } from '../../lib/model/hf-config.ts';
import { PRESET_NAMES, presetConfig } from '../../lib/model/presets.ts';
import { InputError } from '../../lib/util/errors.ts';
import { sharedData } from '../helpers/shared.ts';
import { type BenchResult, checkBenchResult } from '../../scripts/bench/schema.ts';
import { evaluateTargets, renderMarkdown } from '../../scripts/bench/report.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

test('toHfConfig maps every mini and real preset onto an HF config that maps back to the same DecoderConfig', () => {
  for (const name of PRESET_NAMES) {
    for (const size of ['mini', 'real'] as const) {
      const config = presetConfig(name, size);
      const hf = toHfConfig(config);
      assert.equal(hf.model_type, config.family);
      assert.deepEqual(fromHfConfig(hf, 'x', config.name).toInit(), config.toInit(), `${name} ${size}`);
    }
  }
});

test('toHfConfig refuses a switch the family config.json cannot express', () => {
  const gpt2 = presetConfig('gpt2-medium').with({ parallelResidual: true });
  assert.throws(() => toHfConfig(gpt2), (err: unknown) => err instanceof InputError && /parallelResidual/.test(err.message));
});

test('median of odd and even counts', () => {
  assert.equal(median([5, 1, 3]), 3);
  assert.equal(median([4, 1, 3, 2]), 2.5);
  assert.throws(() => median([]), RangeError);
});

test('the short benchmark writes bench.json and bench.md; every section ran or says why not', { timeout: 180_000 }, async () => {
  const out = mkdtempSync(join(tmpdir(), 'meit-bench-test-'));
  try {
    await promisify(execFile)(process.execPath, ['--import', 'tsx', join(ROOT, 'scripts', 'bench', 'bench.ts'), '--short', '--no-python', '--out', out], {
      cwd: ROOT, env: { ...process.env, MEIT_QUIET: '1' }, maxBuffer: 16 << 20,
    });
    const result = JSON.parse(readFileSync(join(out, 'bench.json'), 'utf8')) as BenchResult;
    assert.deepEqual(checkBenchResult(result), []);
    assert.equal(result.mode, 'short');
    assert.deepEqual(result.train.map((t) => t.preset), ['gpt2-medium', 'llama-3']);
    for (const row of result.train) {
      assert.ok(row.kit_ms > 0 && row.kit_meit_ms > 0);
      assert.equal(row.torch_ms, null);
      assert.equal(row.ratio, null);
    }
    for (const row of result.generation) assert.ok(row.kit_tokens_per_s > 0 && row.hf_tokens_per_s === null);
    assert.ok(result.wfdb.length >= 1 && result.wfdb.every((w) => w.kit_mb_per_s > 0 && w.wfdb_mb_per_s === null));
    // wfdb-python's record 100 is decoded when the shared data is there (under CI=true it must be).
    const sample100 = sharedData('wfdb-python/sample-data/100.hea');
    assert.equal(result.wfdb.some((w) => w.records.includes('sample-data/100')), !sample100.skip);
    const sections = result.skipped.map((s) => s.section);
    for (const section of ['python', 'torch', 'metrics', 'reproduce']) assert.ok(sections.includes(section), `${section} should be listed as skipped`);
    assert.ok(result.skipped.every((s) => s.reason.length > 0));
    // Unmeasurable targets say so rather than pass or fail.
    assert.equal(result.targets.find((t) => t.name === 'caption metrics')?.met, null);
    const md = readFileSync(join(out, 'bench.md'), 'utf8');
    assert.match(md, /## Targets/);
    assert.match(md, /## Skipped/);
    assert.match(md, new RegExp(`Kit backend: ${result.backend.name}`));
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});

/** A minimal full result, valid as it stands; the tests below break it one way at a time. */
function sample(): BenchResult {
  return {
    schema: 1, mode: 'full', started: '2026-01-01T00:00:00Z', seconds: 1,
    machine: { cores: 2, cpuModel: 'x', flags: [], loadAverage: [1, 1, 1], loadAverageEnd: [1, 1, 1], memoryGiB: 1, node: 'v20' },
    backend: { name: 'wasm', detail: 'SIMD, 1 thread' }, python: {}, sizes: {},
    train: [{ preset: 'opt', kit_ms: 30, torch_ms: 10, ratio: 3, kit_meit_ms: 31, kit_tokens_per_s: 1, torch_tokens_per_s: 3 }],
    generation: [{ preset: 'opt', kit_tokens_per_s: 60, hf_tokens_per_s: 100, ratio: 0.6 }],
    wfdb: [{ records: 'r', files: 1, megabytes: 1, kit_mb_per_s: 20, wfdb_mb_per_s: 10, ratio: 2 }],
    prepare: {
      what: 'w', kit: [{ records: 1, seconds: 1, records_per_s: 1, workers: 0, peak_rss_mb: 100 }, { records: 4, seconds: 2, records_per_s: 2, workers: 0, peak_rss_mb: 101 }],
      wfdb_python: null, ratio: null, memory_growth: { factor: 1.01, records: '1 → 4', peak_rss_mb: '100 → 101' },
    },
    metrics: { pairs: 5, what: 'w', kit_pairs_per_s: 50, pycocoevalcap_pairs_per_s: 1, ratio: 50, max_abs_diff: 0, meteor_abs_diff: 0.003, kit_scores: { 'BLEU-1': 0.5 }, pycocoevalcap_scores: { 'BLEU-1': 0.5 } },
    memory: {}, reproduce: [{ profile: 'smoke', workers: 'auto', seconds: 1, peak_rss_mb: 1, ok: true }, { profile: 'smoke', workers: 0, seconds: 1.8, peak_rss_mb: 1, ok: true }], levers: { a: 1 }, targets: [], skipped: [],
  };
}

test('checkBenchResult: a missing section needs a skip reason; ratios must match their figures', () => {
  assert.deepEqual(checkBenchResult(sample()), []);
  const noMetrics = { ...sample(), metrics: null };
  assert.match(checkBenchResult(noMetrics).join(), /metrics: neither results nor a skip reason/);
  assert.deepEqual(checkBenchResult({ ...noMetrics, skipped: [{ section: 'metrics', reason: 'no Python' }] }), []);
  const badRatio = sample();
  badRatio.train[0]!.ratio = 0.3;
  assert.match(checkBenchResult(badRatio).join(), /ratio != kit_ms \/ torch_ms/);
  const noTorch = sample();
  noTorch.train[0]!.torch_ms = null;
  noTorch.train[0]!.ratio = null;
  assert.match(checkBenchResult(noTorch).join(), /torch not skipped/);
});

test('evaluateTargets: met, not met, and not measured', () => {
  const targets = new Map(evaluateTargets(sample()).map((t) => [t.name, t.met]));
  assert.equal(targets.get('train step, wasm backend'), false); // 3x > 2x
  assert.equal(targets.get('generation (greedy, KV cache), wasm backend'), true); // 0.6x >= 0.5x
  assert.equal(targets.get('WFDB decoding'), true);
  assert.equal(targets.get('caption metrics'), true);
  assert.equal(targets.get('METEOR'), false); // |Δ| 0.003: an approximation, reported apart
  assert.equal(targets.get('prepare peak memory'), true);
  const unmeasured = { ...sample(), metrics: null, generation: [{ preset: 'opt', kit_tokens_per_s: 1, hf_tokens_per_s: null, ratio: null }] };
  const t2 = new Map(evaluateTargets(unmeasured).map((t) => [t.name, t.met]));
  assert.equal(t2.get('caption metrics'), null);
  assert.equal(t2.get('METEOR'), null);
  assert.equal(t2.get('generation (greedy, KV cache), wasm backend'), null);
  assert.match(renderMarkdown({ ...sample(), targets: evaluateTargets(sample()) }), /\| train step, wasm backend \| .* \| \*\*not met\*\* \|/);
  assert.match(renderMarkdown({ ...sample(), targets: evaluateTargets(sample()) }), /Runs side by side.* 1\.8 s one after the other vs 1 s side by side \(1\.8x/);
});

test('the committed results/bench/bench.json is a well-formed full run', { skip: !existsSync(join(ROOT, 'results', 'bench', 'bench.json')) && 'no committed run yet' }, () => {
  const result = JSON.parse(readFileSync(join(ROOT, 'results', 'bench', 'bench.json'), 'utf8')) as BenchResult;
  assert.deepEqual(checkBenchResult(result), []);
  assert.equal(result.mode, 'full');
  assert.equal(result.train.length, PRESET_NAMES.length);
});
