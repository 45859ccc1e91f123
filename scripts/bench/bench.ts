/**
 * `npm run bench`: the kit against PyTorch + transformers, wfdb-python and pycocoevalcap, in
 * the same run, on the same inputs; writes results/bench/bench.json and bench.md.
 *
 *   node --import tsx scripts/bench/bench.ts [--short] [--no-python] [--python PY]
 *        [--native DIR] [--threads N] [--skip-reproduce]
 *        [--reproduce-timeout S] [--out DIR]
 *
 * Each side runs in its own long-lived process (lib/bench/peer.ts): the kit's worker
 * (kit-worker.ts) and the Python peers (torch_peer.py, wfdb_peer.py, coco_peer.py). The
 * orchestrator alternates them round by round, so that load bursts on a shared machine hit
 * both, and reports medians. Peak memory is each process's peak RSS.
 *
 * Python: --python, else MEIT_BENCH_PYTHON, else .venv-bench (created from
 * scripts/bench/requirements.txt when missing, except in --short mode). Without Python, or
 * with --no-python, the peers' figures are null and bench.json says why.
 * Native TensorFlow: --native DIR (or MEIT_BENCH_TFJS_NODE) points at a @tensorflow/tfjs-node
 * built by scripts/setup-native.sh; when the project itself has it installed, the default
 * backend already is native.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { loadParams } from '../../lib/config/params.ts';
import { readHeader } from '../../lib/ecg/wfdb/index.ts';
import { readCsv } from '../../lib/util/csv.ts';
import { writeFileAtomic, writeJsonAtomic } from '../../lib/util/atomic.ts';
import { machineInfo } from '../../lib/bench/machine.ts';
import { Peer } from '../../lib/bench/peer.ts';
import { median, round3 } from '../../lib/bench/stats.ts';
import { toHfConfig } from '../../lib/model/hf-export.ts';
import { PRESET_NAMES, type PresetName, presetFromParams } from '../../lib/model/presets.ts';
import { type BenchResult, type GenerationRow, type MetricsSection, type PrepareRun, type PrepareSection, type TrainRow, type WfdbRow, BENCH_SCHEMA_VERSION, checkBenchResult } from './schema.ts';
import { evaluateTargets, renderMarkdown } from './report.ts';

const ROOT = resolve(import.meta.dirname, '..', '..');
const HERE = join(ROOT, 'scripts', 'bench');
const PARAMS = join(ROOT, 'params.yaml');
/** wfdb-python's sample record 100 (MIT-BIH, format 212) in the shared third-party data. */
const SAMPLE_100 = join(process.env.MEIT_SHARED_DATA ?? resolve(ROOT, '..', 'shared', 'data'), 'wfdb-python', 'sample-data', '100');

const { values: flags } = parseArgs({
  options: {
    short: { type: 'boolean', default: false },
    'no-python': { type: 'boolean', default: false },
    python: { type: 'string' },
    native: { type: 'string' },
    threads: { type: 'string', default: '1' },
    'skip-reproduce': { type: 'boolean', default: false },
    'reproduce-timeout': { type: 'string', default: '150' },
    out: { type: 'string', default: join(ROOT, 'results', 'bench') },
  },
});

/** Sizes of one run: the full benchmark (~10 min on 2 busy cores) or the CI smoke version (~1 min). */
const SIZES = flags.short
  ? {
      presets: ['gpt2-medium', 'llama-3'] as PresetName[],
      batch: 2, seq: 32, steps: 1, rounds: 1,
      genBatch: 2, prompt: 8, newTokens: 8,
      prepareSizes: [8, 24], decodeRepeat100: 1, metricPairs: 20,
      attention: { batch: 2, seq: 32, hidden: 64, heads: 4, reps: 1 }, groupedQuery: { batch: 2, past: 16, hidden: 64, heads: 4, kvHeads: 2, reps: 1 }, batchSweep: [1, 4], leverRounds: 1,
      reproduce: [] as string[],
    }
  : {
      presets: [...PRESET_NAMES],
      batch: 8, seq: 128, steps: 2, rounds: 3,
      genBatch: 8, prompt: 24, newTokens: 64,
      prepareSizes: [150, 600], decodeRepeat100: 4, metricPairs: 500,
      attention: { batch: 8, seq: 128, hidden: 64, heads: 4, reps: 5 }, groupedQuery: { batch: 8, past: 88, hidden: 64, heads: 4, kvHeads: 2, reps: 50 }, batchSweep: [2, 8, 32], leverRounds: 3,
      reproduce: ['smoke', 'quick'],
    };

const skipped: BenchResult['skipped'] = [];
const memory: BenchResult['memory'] = {};
const log = (line: string) => process.stderr.write(`bench: ${line}\n`);
const skip = (section: string, reason: string) => {
  skipped.push({ section, reason });
  log(`skipped ${section}: ${reason}`);
};
const errorText = (err: unknown) => (err as Error).message.split('\n')[0]!;

// ---------------------------------------------------------------------------------------------
// Python peers

interface PythonSetup {
  python?: string;
  modules: Record<string, boolean>;
}

const PEER_MODULES = ['torch', 'transformers', 'wfdb', 'pycocoevalcap'];

function pythonModules(python: string): Record<string, boolean> | undefined {
  const probe = `import importlib.util, json; print(json.dumps({m: importlib.util.find_spec(m) is not None for m in ${JSON.stringify(PEER_MODULES)}}))`;
  const out = spawnSync(python, ['-c', probe], { encoding: 'utf8' });
  return out.status === 0 ? (JSON.parse(out.stdout) as Record<string, boolean>) : undefined;
}

function setUpPython(): PythonSetup {
  const none = { modules: Object.fromEntries(PEER_MODULES.map((m) => [m, false])) };
  if (flags['no-python']) {
    skip('python', '--no-python: PyTorch, wfdb-python and pycocoevalcap not run');
    return none;
  }
  const venv = join(ROOT, '.venv-bench');
  let python = flags.python ?? process.env.MEIT_BENCH_PYTHON ?? join(venv, 'bin', 'python');
  let modules = existsSync(python) || flags.python ? pythonModules(python) : undefined;
  const missing = () => PEER_MODULES.filter((m) => !modules?.[m]);
  if (missing().length > 0 && !flags.python && !process.env.MEIT_BENCH_PYTHON && !flags.short) {
    log(`setting up ${venv} (pip install -r scripts/bench/requirements.txt; torch is large, this takes minutes)`);
    try {
      if (!existsSync(python)) execFileSync('python3', ['-m', 'venv', venv], { stdio: 'inherit' });
      execFileSync(join(venv, 'bin', 'pip'), ['install', '-q', '-r', join(HERE, 'requirements.txt')], { stdio: 'inherit' });
      python = join(venv, 'bin', 'python');
      modules = pythonModules(python);
    } catch (err) {
      skip('python', `could not set up ${venv}: ${errorText(err)}`);
      return none;
    }
  }
  if (!modules) {
    skip('python', `no usable Python interpreter at ${python}${flags.short ? ' (--short does not create .venv-bench; run the full bench once or pass --python)' : ''}`);
    return none;
  }
  for (const m of missing()) skip(`python:${m}`, `${m} is not installed in ${python}`);
  return { python, modules };
}

const kitWorker = (label = 'kit', env: NodeJS.ProcessEnv = {}) =>
  new Peer(label, process.execPath, ['--import', 'tsx', join(HERE, 'kit-worker.ts')], { cwd: ROOT, env: { MEIT_QUIET: '1', ...env } });
const pythonPeer = (py: PythonSetup, script: string) => new Peer(script, py.python!, [join(HERE, script)], { cwd: HERE, env: { PYTHONUNBUFFERED: '1' } });

async function closeAll(section: string, peers: Record<string, Peer | undefined>): Promise<void> {
  memory[section] ??= {};
  for (const [name, peer] of Object.entries(peers)) {
    if (!peer) continue;
    try {
      const m = await peer.request<{ peakRssMb: number; childrenPeakRssMb?: number }>('memory');
      memory[section]![`${name}_peak_mb`] = round3(m.peakRssMb);
      if (m.childrenPeakRssMb) memory[section]![`${name}_children_peak_mb`] = round3(m.childrenPeakRssMb);
    } catch {
      memory[section]![`${name}_peak_mb`] = null;
    }
    await peer.close();
  }
}

/** The peer's reply, or null when that side does not run (its skip reason is already recorded). */
async function maybe<T>(peer: Peer | undefined, op: string, args: Record<string, unknown>): Promise<T | null> {
  return peer ? peer.request<T>(op, args) : null;
}

const ratio = (a: number | null, b: number | null) => (a === null || b === null ? null : a / b);
const r3 = (x: number | null) => (x === null ? null : round3(x));

// ---------------------------------------------------------------------------------------------
// Train steps and generation

interface ModelSection {
  train: TrainRow[];
  generation: GenerationRow[];
  backend: { name: string; detail: string };
  torch?: Record<string, unknown>;
  native?: { name: string; detail: string };
}

async function modelSection(py: PythonSetup): Promise<ModelSection> {
  const kit = kitWorker();
  const backend = await kit.request<{ name: string; detail: string }>('init');
  const nativeDir = flags.native ?? process.env.MEIT_BENCH_TFJS_NODE;
  let native: Peer | undefined;
  let nativeInfo: { name: string; detail: string } | undefined;
  if (backend.name === 'tensorflow') {
    skip('levers:native', 'the project already runs on native TensorFlow (the default backend is tensorflow)');
  } else if (nativeDir) {
    // The same thread count as PyTorch's (the wasm backend has 1 under Node in any case).
    native = kitWorker('kit-native', { TF_NUM_INTRAOP_THREADS: flags.threads, TF_NUM_INTEROP_THREADS: '1', TF_CPP_MIN_LOG_LEVEL: '2' });
    nativeInfo = await native.request<{ name: string; detail: string }>('init', { nativeModule: resolve(nativeDir) }).catch((err) => {
      skip('levers:native', `cannot load ${nativeDir}: ${errorText(err)}`);
      return undefined;
    });
    if (!nativeInfo) native = void (await native.close());
  } else {
    skip('levers:native', 'no native build given: run `npm run setup:native` (scripts/setup-native.sh), then pass --native DIR or install it');
  }
  let torch: Peer | undefined;
  let torchInfo: Record<string, unknown> | undefined;
  if (py.modules.torch && py.modules.transformers) {
    torch = pythonPeer(py, 'torch_peer.py');
    torchInfo = await torch.request<Record<string, unknown>>('init', { threads: Number(flags.threads) });
  } else if (py.python) skip('torch', 'torch or transformers missing: train and generation have no PyTorch figures');
  else skip('torch', 'no Python: train and generation have no PyTorch figures');

  const params = loadParams(PARAMS);
  const train: TrainRow[] = [];
  const generation: GenerationRow[] = [];
  /** transformers' attention implementation per preset (sdpa by default, eager where unsupported). */
  const attention = new Set<string>();
  const s = SIZES;
  for (const preset of s.presets) {
    log(`model ${preset}`);
    const config = toHfConfig(presetFromParams(params, preset));
    const trainArgs = { preset, params: PARAMS, config, batch: s.batch, seq: s.seq };
    const times: Record<'kit' | 'meit' | 'native' | 'torch', number[]> = { kit: [], meit: [], native: [], torch: [] };
    const tokens = { kit: [] as number[], native: [] as number[], torch: [] as number[] };
    for (let round = 0; round < s.rounds; round++) {
      const warmup = round === 0 ? 1 : 0;
      const step = { ...trainArgs, steps: s.steps, warmup };
      times.kit.push(...(await kit.request<{ ms: number[] }>('train', step)).ms);
      times.meit.push(...(await kit.request<{ ms: number[] }>('train', { ...step, ecg: true })).ms);
      times.native.push(...((await maybe<{ ms: number[] }>(native, 'train', step))?.ms ?? []));
      const torchStep = await maybe<{ ms: number[]; attention: string }>(torch, 'train', step);
      if (torchStep) {
        times.torch.push(...torchStep.ms);
        attention.add(`${preset}: ${torchStep.attention}`);
      }
    }
    for (let round = 0; round < s.rounds; round++) {
      const gen = { preset, params: PARAMS, config, batch: s.genBatch, prompt: s.prompt, newTokens: s.newTokens, warmup: round === 0 };
      for (const [side, peer] of [['kit', kit], ['native', native], ['torch', torch]] as const) {
        const out = await maybe<{ seconds: number; tokens: number }>(peer, 'generate', gen);
        if (out) tokens[side].push(out.tokens / out.seconds);
      }
    }
    for (const peer of [kit, native, torch]) if (peer) await peer.request('release', { preset });

    const med = (xs: number[]) => (xs.length > 0 ? median(xs) : null);
    const kitMs = median(times.kit);
    const torchMs = med(times.torch);
    const nativeMs = med(times.native);
    const perS = (ms: number | null) => (ms === null ? null : r3(((s.batch * s.seq) / ms) * 1000));
    train.push({
      preset, kit_ms: round3(kitMs), torch_ms: r3(torchMs), ratio: r3(ratio(kitMs, torchMs)), kit_meit_ms: round3(median(times.meit)),
      kit_tokens_per_s: perS(kitMs)!, torch_tokens_per_s: perS(torchMs),
      ...(nativeMs !== null ? { kit_native_ms: round3(nativeMs), native_ratio: r3(ratio(nativeMs, torchMs))! } : {}),
    });
    const kitTps = median(tokens.kit);
    const hfTps = med(tokens.torch);
    const nativeTps = med(tokens.native);
    generation.push({
      preset, kit_tokens_per_s: round3(kitTps), hf_tokens_per_s: r3(hfTps), ratio: r3(ratio(kitTps, hfTps)),
      ...(nativeTps !== null ? { kit_native_tokens_per_s: round3(nativeTps), native_ratio: r3(ratio(nativeTps, hfTps))! } : {}),
    });
  }
  await closeAll('model', { kit, kit_native: native, torch });
  return { train, generation, backend, ...(torchInfo ? { torch: { ...torchInfo, attention: [...attention].join(', ') } } : {}), ...(nativeInfo ? { native: nativeInfo } : {}) };
}

// ---------------------------------------------------------------------------------------------
// WFDB decoding and preparation

function synthesize(n: number, dir: string): string {
  const out = join(dir, `ptbxl-${n}`);
  execFileSync(process.execPath, [join(ROOT, 'bin', 'meit.js'), 'data', 'synth', '--style', 'ptbxl', '--n', String(n), '--seed', '1', '--out', out], {
    cwd: ROOT, env: { ...process.env, MEIT_QUIET: '1' }, stdio: ['ignore', 'ignore', 'inherit'],
  });
  return out;
}

/** Bytes of the signal files the records' headers name (what "MB" means in MB/s). */
async function signalBytes(records: string[]): Promise<number> {
  let bytes = 0;
  for (const record of records) {
    const files = new Set((await readHeader(record)).signals.map((s) => s.fileName));
    for (const file of files) bytes += statSync(join(dirname(record), file)).size;
  }
  return bytes;
}

async function wfdbSection(py: PythonSetup, work: string): Promise<{ wfdb: WfdbRow[]; prepare: PrepareSection }> {
  const [small, large] = SIZES.prepareSizes as [number, number];
  const roots = { small: synthesize(small, work), large: synthesize(large, work) };
  const rows = await readCsv(join(roots.large, 'ptbxl_database.csv'), { required: ['filename_hr', 'filename_lr'] });
  const sets: { label: string; records: string[] }[] = [
    { label: `synthetic PTB-XL records500 (${rows.length} × 12 leads × 10 s, format 16)`, records: rows.map((r) => join(roots.large, r.values.filename_hr!)) },
  ];
  if (existsSync(`${SAMPLE_100}.hea`)) {
    sets.push({ label: `wfdb-python sample-data/100 × ${SIZES.decodeRepeat100} (MIT-BIH, 2 × 650000 samples, format 212)`, records: Array(SIZES.decodeRepeat100).fill(SAMPLE_100) });
  } else {
    skip('wfdb:sample-100', `${SAMPLE_100}.hea not found (../shared/data/wfdb-python)`);
  }

  const kit = kitWorker();
  await kit.request('init');
  let peer: Peer | undefined;
  if (py.modules.wfdb) {
    peer = pythonPeer(py, 'wfdb_peer.py');
    await peer.request('init');
  } else skip('wfdb-python', py.python ? 'wfdb is not installed' : 'no Python: decoding and prepare have no wfdb-python figures');

  const wfdb: WfdbRow[] = [];
  for (const set of sets) {
    log(`wfdb decode: ${set.label}`);
    const mb = (await signalBytes(set.records)) / 1e6;
    const kitS: number[] = [];
    const pyS: number[] = [];
    // One untimed pass warms the page cache for both sides.
    await kit.request('wfdb', { records: set.records });
    for (let round = 0; round < SIZES.rounds; round++) {
      kitS.push((await kit.request<{ seconds: number }>('wfdb', { records: set.records })).seconds);
      const out = await maybe<{ seconds: number }>(peer, 'decode', { records: set.records });
      if (out) pyS.push(out.seconds);
    }
    const kitRate = mb / median(kitS);
    const pyRate = pyS.length > 0 ? mb / median(pyS) : null;
    wfdb.push({ records: set.label, files: set.records.length, megabytes: round3(mb), kit_mb_per_s: round3(kitRate), wfdb_mb_per_s: r3(pyRate), ratio: r3(ratio(kitRate, pyRate)) });
  }
  await closeAll('wfdb_decode', { kit, wfdb_python: peer });

  // Prepare: a fresh kit worker per size, so that its peak RSS is that run's.
  const kitRuns: PrepareRun[] = [];
  for (const [size, root] of [[small, roots.small], [large, roots.large]] as const) {
    log(`prepare ${size} records`);
    const worker = kitWorker();
    await worker.request('init');
    const out = await worker.request<{ seconds: number; records: number; workers: number }>('prepare', { root, out: join(work, `prepared-${size}`), params: PARAMS });
    const mem = await worker.request<{ peakRssMb: number }>('memory');
    await worker.close();
    kitRuns.push({ records: out.records, seconds: round3(out.seconds), records_per_s: round3(out.records / out.seconds), workers: out.workers, peak_rss_mb: round3(mem.peakRssMb) });
  }
  let python: PrepareRun | null = null;
  if (py.modules.wfdb) {
    const p = pythonPeer(py, 'wfdb_peer.py');
    const out = await p.request<{ seconds: number; records: number }>('prepare', { root: roots.large, seconds: 10, tmp: work });
    const mem = await p.request<{ peakRssMb: number }>('memory');
    await p.close();
    python = { records: out.records, seconds: round3(out.seconds), records_per_s: round3(out.records / out.seconds), peak_rss_mb: round3(mem.peakRssMb) };
  }
  const [first, last] = [kitRuns[0]!, kitRuns[kitRuns.length - 1]!];
  const prepare = {
    what: 'kit: `meit data prepare --source ptbxl` (records100, params.yaml defaults) in-process; wfdb-python: rdsamp + NaN→0 + cut/pad + float32 file (signals only)',
    kit: kitRuns,
    wfdb_python: python,
    ratio: python ? r3(last.records_per_s / python.records_per_s) : null,
    memory_growth: { records: `${first.records} → ${last.records}`, peak_rss_mb: `${first.peak_rss_mb} → ${last.peak_rss_mb}`, factor: round3(last.peak_rss_mb / first.peak_rss_mb) },
  };
  return { wfdb, prepare };
}

// ---------------------------------------------------------------------------------------------
// Metrics

async function metricsSection(py: PythonSetup, work: string): Promise<MetricsSection | null> {
  if (!py.modules.pycocoevalcap) {
    skip('metrics', py.python ? 'pycocoevalcap is not installed' : 'no Python: the pairs come from scripts/fixtures/metrics_reference.py, and pycocoevalcap is the reference');
    return null;
  }
  log(`metrics: ${SIZES.metricPairs} pairs`);
  const coco = pythonPeer(py, 'coco_peer.py');
  await coco.request('init');
  const ref = await coco.request<{ seconds: number; pairs: number; scores: Record<string, number>; predictions: string; references: string }>('score', { pairs: SIZES.metricPairs, out: join(work, 'metrics') });
  const kit = kitWorker();
  await kit.request('init');
  const kitS: number[] = [];
  let kitScores: Record<string, number> = {};
  for (let round = 0; round < SIZES.rounds; round++) {
    const out = await kit.request<{ seconds: number; scores: Record<string, number> }>('score', { predictions: ref.predictions, references: ref.references });
    kitS.push(out.seconds);
    kitScores = out.scores;
  }
  await closeAll('metrics', { kit, pycocoevalcap: coco });
  const diff = (k: string) => Math.abs((kitScores[k] ?? NaN) - ref.scores[k]!);
  const diffs = Object.keys(ref.scores).filter((k) => k !== 'METEOR').map(diff);
  const meteorDiff = diff('METEOR');
  const kitRate = ref.pairs / median(kitS);
  const pyRate = ref.pairs / ref.seconds;
  return {
    pairs: ref.pairs,
    what: 'coco mode, corpus BLEU-1..4, METEOR, ROUGE-L, CIDEr-D; pycocoevalcap timed over its whole COCOEvalCap pipeline (PTBTokenizer and Meteor jars included), the kit from its JSONL files',
    kit_pairs_per_s: round3(kitRate),
    pycocoevalcap_pairs_per_s: round3(pyRate),
    ratio: round3(kitRate / pyRate),
    max_abs_diff: diffs.some(Number.isNaN) ? null : Math.max(...diffs),
    meteor_abs_diff: Number.isNaN(meteorDiff) ? null : meteorDiff,
    kit_scores: kitScores,
    pycocoevalcap_scores: ref.scores,
  };
}

// ---------------------------------------------------------------------------------------------
// Whole-pipeline wall times

function copyProject(dir: string): void {
  const tar = spawnSync('bash', ['-c', `tar -C "${ROOT}" --exclude=./node_modules --exclude='./.venv*' --exclude=./.git --exclude=./data --exclude=./models --exclude=./tmp --exclude=./results/bench -cf - . | tar -xf - -C "${dir}"`]);
  if (tar.status !== 0) throw new Error(`copying the project failed: ${tar.stderr}`);
  execFileSync('ln', ['-s', join(ROOT, 'node_modules'), join(dir, 'node_modules')]);
}

/**
 * Runs `meit reproduce --profile P` in the copy, in its own process group so that a run over
 * budget can be stopped with every stage process it started. GNU time, when present, gives the
 * peak RSS of the largest process.
 */
function timedReproduce(dir: string, profile: string, workers: 'auto' | 0, budgetSeconds: number): Promise<BenchResult['reproduce'][number]> {
  const params = join(dir, 'params.yaml');
  writeFileSync(params, readFileSync(params, 'utf8').replace(/^(  workers: )(auto|0)( +# runs side by side)/m, (_, key, _old, rest) => `${key}${String(workers).padEnd(4)}${rest}`));
  const args = [join(dir, 'bin', 'meit.js'), 'reproduce', '--profile', profile, '--no-dvc', '--force'];
  const [command, argv] = existsSync('/usr/bin/time') ? ['/usr/bin/time', ['-f', 'maxrss_kb=%M', process.execPath, ...args]] : [process.execPath, args];
  return new Promise((done) => {
    const start = performance.now();
    const child = spawn(command, argv, { cwd: dir, env: { ...process.env, MEIT_QUIET: '1' }, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const collect = (chunk: Buffer) => (output = (output + chunk.toString()).slice(-200_000));
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    let overBudget = false;
    const timer = setTimeout(() => {
      overBudget = true;
      process.kill(-child.pid!, 'SIGTERM');
    }, budgetSeconds * 1000);
    child.on('close', (code) => {
      clearTimeout(timer);
      const seconds = round3((performance.now() - start) / 1000);
      const rss = /maxrss_kb=(\d+)/.exec(output);
      const stages = [...output.matchAll(/Running stage '([^']+)'/g)].map((m) => m[1]!);
      const ok = code === 0 && !overBudget;
      const note = overBudget
        ? `stopped after the ${budgetSeconds} s budget (--reproduce-timeout) in stage '${stages.at(-1) ?? '?'}'; finished: ${stages.slice(0, -1).join(', ') || 'none'}`
        : ok ? `stages: ${stages.join(', ')}` : `exit ${code}: ${output.trim().split('\n').filter((l) => !l.startsWith('maxrss')).at(-1) ?? ''}`;
      done({ profile, workers, seconds: ok ? seconds : null, peak_rss_mb: ok && rss ? round3(Number(rss[1]) / 1024) : null, ok, note });
    });
  });
}

async function reproduceSection(work: string): Promise<BenchResult['reproduce']> {
  if (flags['skip-reproduce'] || SIZES.reproduce.length === 0) {
    skip('reproduce', flags['skip-reproduce'] ? '--skip-reproduce' : '--short: the smoke and quick profiles are timed by the full run only');
    return [];
  }
  const dir = join(work, 'project');
  execFileSync('mkdir', ['-p', dir]);
  copyProject(dir);
  const out: BenchResult['reproduce'] = [];
  const budget = Number(flags['reproduce-timeout']);
  for (const profile of SIZES.reproduce) {
    log(`reproduce --profile ${profile} (budget ${budget} s)`);
    out.push(await timedReproduce(dir, profile, 'auto', budget));
  }
  // The lever of experiments.workers: the first profile again with its runs one after the other.
  const [first] = SIZES.reproduce;
  if (first) {
    log(`reproduce --profile ${first} with experiments.workers: 0 (budget ${budget} s)`);
    out.push(await timedReproduce(dir, first, 0, budget));
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Levers

async function leversSection(py: PythonSetup, model: ModelSection): Promise<Record<string, unknown>> {
  const kit = kitWorker();
  await kit.request('init');
  const levers: Record<string, unknown> = {};

  const native = model.train.filter((r) => r.kit_native_ms !== undefined);
  if (native.length > 0) {
    const genNative = model.generation.filter((g) => g.kit_native_tokens_per_s !== undefined);
    levers.native = {
      backend: model.native,
      train_speedup_median: round3(median(native.map((r) => r.kit_ms / r.kit_native_ms!))),
      generation_speedup_median: genNative.length > 0 ? round3(median(genNative.map((g) => g.kit_native_tokens_per_s! / g.kit_tokens_per_s))) : null,
    };
  }

  log('lever: attention micro-benchmark');
  levers.fused_attention = await kit.request('attention', SIZES.attention);
  log('lever: grouped-query attention micro-benchmark');
  levers.grouped_query = await kit.request('groupedQuery', SIZES.groupedQuery);

  log('lever: batch size');
  const torch = py.modules.torch && py.modules.transformers ? pythonPeer(py, 'torch_peer.py') : undefined;
  await torch?.request('init', { threads: Number(flags.threads) });
  const preset = SIZES.presets[0]!;
  const config = toHfConfig(presetFromParams(loadParams(PARAMS), preset));
  const sweep = [];
  for (const batch of SIZES.batchSweep) {
    const args = { preset, params: PARAMS, config, batch, seq: SIZES.seq, steps: 1 };
    const kitMs: number[] = [];
    const torchMs: number[] = [];
    for (let round = 0; round < SIZES.leverRounds; round++) {
      kitMs.push(...(await kit.request<{ ms: number[] }>('train', { ...args, warmup: round === 0 ? 1 : 0 })).ms);
      torchMs.push(...((await maybe<{ ms: number[] }>(torch, 'train', { ...args, warmup: round === 0 ? 1 : 0 }))?.ms ?? []));
    }
    await kit.request('release', { preset });
    await torch?.request('release', { preset });
    const tokens = batch * SIZES.seq;
    const k = median(kitMs);
    const t = torchMs.length > 0 ? median(torchMs) : null;
    sweep.push({ batch, kit_ms: round3(k), kit_tokens_per_s: round3((tokens / k) * 1000), torch_tokens_per_s: t === null ? null : round3((tokens / t) * 1000), ratio: r3(ratio(k, t)) });
  }
  levers.batch_size = { preset, seq: SIZES.seq, rows: sweep };

  log('lever: production mode');
  const prod: Record<'on' | 'off', number[]> = { on: [], off: [] };
  const step = { preset, params: PARAMS, batch: SIZES.batch, seq: SIZES.seq, steps: 1 };
  // Twice the rounds of the other levers, the order flipped every round: the effect is small
  // next to the noise of a shared machine.
  for (let round = 0; round < 2 * SIZES.leverRounds; round++) {
    for (const mode of round % 2 === 0 ? (['on', 'off'] as const) : (['off', 'on'] as const)) {
      await kit.request('prodMode', { on: mode === 'on' });
      prod[mode].push(...(await kit.request<{ ms: number[] }>('train', { ...step, warmup: round === 0 ? 1 : 0 })).ms);
    }
  }
  levers.prod_mode = { preset, on_ms: round3(median(prod.on)), off_ms: round3(median(prod.off)), speedup: round3(median(prod.off) / median(prod.on)) };

  levers.wasm_threads = {
    measured_backend: model.backend,
    note: 'lib/model/backend.ts: the threaded tfjs-backend-wasm build starts its workers from blob: URLs, which Node refuses, so the wasm backend runs 1 thread under Node 20 (see the detail string above, reported by the backend itself).',
  };
  await closeAll('levers', { kit, torch });
  return levers;
}

// ---------------------------------------------------------------------------------------------

async function main(): Promise<number> {
  const started = new Date();
  const t0 = performance.now();
  const machineStart = machineInfo();
  log(`${flags.short ? 'short' : 'full'} run; load average ${machineStart.loadAverage.join(' ')} on ${machineStart.cores} cores`);
  const work = mkdtempSync(join(tmpdir(), 'meit-bench-'));
  try {
    const py = setUpPython();
    const model = await modelSection(py);
    const { wfdb, prepare } = await wfdbSection(py, work).catch((err) => {
      skip('wfdb', errorText(err));
      skip('prepare', errorText(err));
      return { wfdb: [], prepare: null };
    });
    const metrics = await metricsSection(py, work).catch((err) => (skip('metrics', errorText(err)), null));
    const reproduce = await reproduceSection(work);
    const levers = await leversSection(py, model).catch((err) => (skip('levers', errorText(err)), {}));

    const result: BenchResult = {
      schema: BENCH_SCHEMA_VERSION,
      mode: flags.short ? 'short' : 'full',
      started: started.toISOString(),
      seconds: 0,
      machine: { ...machineStart, loadAverageEnd: machineInfo().loadAverage },
      backend: model.backend,
      python: { interpreter: py.python ?? null, modules: py.modules, ...model.torch },
      sizes: { ...SIZES },
      train: model.train,
      generation: model.generation,
      wfdb,
      prepare,
      metrics,
      memory,
      reproduce,
      levers,
      targets: [],
      skipped,
    };
    result.targets = evaluateTargets(result);
    result.seconds = round3((performance.now() - t0) / 1000);
    const problems = checkBenchResult(result);
    if (problems.length > 0) throw new Error(`bench.json would be malformed: ${problems.join('; ')}`);
    await writeJsonAtomic(join(flags.out!, 'bench.json'), result);
    await writeFileAtomic(join(flags.out!, 'bench.md'), renderMarkdown(result));
    log(`wrote ${join(flags.out!, 'bench.json')} and bench.md in ${result.seconds} s`);
    return 0;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

process.exitCode = await main();
