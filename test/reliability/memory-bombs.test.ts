/**
 * Memory bombs: small (or sparse) files that claim huge sizes. The kit must refuse them, or
 * process them in bounded memory, before allocating what they claim. Each case runs the real
 * CLI with a preload that reports the child's peak resident set size (getrusage maxrss), so
 * the test measures what the process actually took, not what the code intends.
 *
 * Sparse files cost no disk: `truncate` extends a file without writing its blocks.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { runMeit, type MeitResult } from '../helpers/cli.ts';

const work = mkdtempSync(join(tmpdir(), 'meit-bombs-'));
after(() => rmSync(work, { recursive: true, force: true }));

const MiB = 1 << 20;
/** What a `meit` process takes doing nothing much: node + tsx + the command modules. */
const BASELINE_LIMIT = 160 * MiB;

/** A preload that writes getrusage's maxrss (KiB) to $MEIT_RSS_FILE when the process exits. */
const PROBE = join(work, 'rss-probe.mjs');
writeFileSync(PROBE, "import { writeFileSync } from 'node:fs';\nprocess.on('exit', () => writeFileSync(process.env.MEIT_RSS_FILE, String(process.resourceUsage().maxRSS)));\n");
const preload = (file: string) => `--import=${pathToFileURL(file).href}`;

/** Runs `meit args` and returns its result with the peak RSS of the child, in bytes. */
async function runMeasured(args: string[], t?: { diagnostic(message: string): void }): Promise<MeitResult & { peakRss: number }> {
  const rssFile = join(work, `rss-${process.hrtime.bigint()}`);
  const result = await runMeit(args, { env: { MEIT_RSS_FILE: rssFile, NODE_OPTIONS: preload(PROBE) } });
  let peakRss = NaN;
  try {
    peakRss = Number(readFileSync(rssFile, 'utf8')) * 1024;
  } catch {
    // no exit handler ran: the process was killed or aborted
  }
  t?.diagnostic(`meit ${args.slice(0, 2).join(' ')}: exit ${result.code}, peak RSS ${Number.isNaN(peakRss) ? 'unknown (no exit handler ran)' : mb(peakRss)}`);
  return { ...result, peakRss };
}

function assertOneLineError(r: MeitResult, file: string, message: RegExp): void {
  assert.equal(r.code, 2, r.stderr);
  const lines = r.stderr.trimEnd().split('\n');
  assert.equal(lines.length, 1, r.stderr);
  assert.ok(lines[0]!.includes(file), `${lines[0]} should name ${file}`);
  assert.match(lines[0]!, message);
}

const mb = (bytes: number) => `${(bytes / MiB).toFixed(0)} MiB`;

test('the measurement works: the baseline of a small command, and a process that allocates 300 MiB', async (t) => {
  const help = await runMeasured(['--help'], t);
  assert.equal(help.code, 0);
  assert.ok(help.peakRss > 10 * MiB && help.peakRss < BASELINE_LIMIT, `meit --help peak RSS ${mb(help.peakRss)}`);
  // A preload that fills 300 MiB before meit starts: the probe must see it.
  const dir = join(work, 'alloc');
  mkdirSync(dir);
  const fill = join(dir, 'fill.mjs');
  writeFileSync(fill, `globalThis.ballast = Buffer.alloc(${300 * MiB}, 1);\n`);
  const rssFile = join(dir, 'rss');
  const r = await runMeit(['--help'], { env: { MEIT_RSS_FILE: rssFile, NODE_OPTIONS: `${preload(fill)} ${preload(PROBE)}` } });
  assert.equal(r.code, 0, r.stderr);
  assert.ok(Number(readFileSync(rssFile, 'utf8')) * 1024 > 300 * MiB);
});

test('WFDB: a header claiming 10^12 samples of 12 signals (24 TB) is refused in bounded memory', async (t) => {
  const dir = join(work, 'wfdb-samples');
  mkdirSync(dir);
  const signals = Array.from({ length: 12 }, (_, i) => `bomb.dat 16 200/mV 16 0 0 0 0 lead${i}`).join('\n');
  writeFileSync(join(dir, 'bomb.hea'), `bomb 12 500 1000000000000\n${signals}\n`);
  writeFileSync(join(dir, 'bomb.dat'), Buffer.alloc(2400));
  for (const cmd of ['inspect', 'export']) {
    const r = await runMeasured(['data', cmd, join(dir, 'bomb')], t);
    assertOneLineError(r, 'bomb.dat', /truncated signal file: the header declares 1000000000000 samples/);
    assert.ok(r.peakRss < BASELINE_LIMIT, `${cmd}: peak RSS ${mb(r.peakRss)}`);
  }
});

test('WFDB: 4096 signals x 65536 samples per frame over a sparse 512 MiB file: inspect does not decode it', async (t) => {
  // Every byte the header promises exists (sparse), so the refusal must come from counting.
  const dir = join(work, 'wfdb-frames');
  mkdirSync(dir);
  const lines = Array.from({ length: 4096 }, (_, i) => `wide.dat 16x65536 200/mV 16 0 0 0 0 s${i}`);
  writeFileSync(join(dir, 'wide.hea'), `wide 4096 500 1\n${lines.join('\n')}\n`);
  writeFileSync(join(dir, 'wide.dat'), '');
  truncateSync(join(dir, 'wide.dat'), 4096 * 65536 * 2);
  const r = await runMeasured(['data', 'inspect', join(dir, 'wide'), '--json'], t);
  assert.equal(r.code, 0, r.stderr);
  const report = JSON.parse(r.stdout) as { signals: { checksumOk: boolean | null }[] };
  assert.equal(report.signals.length, 4096);
  assert.ok(report.signals.every((s) => s.checksumOk === null), 'too large to verify: checksumOk null');
  assert.ok(r.peakRss < 256 * MiB, `peak RSS ${mb(r.peakRss)} for a record of 2^28 samples (1 GiB as int32)`);
});

test('WFDB: a 1 million signal header is refused on its record line', async (t) => {
  const dir = join(work, 'wfdb-signals');
  mkdirSync(dir);
  writeFileSync(join(dir, 'many.hea'), 'many 1000000 500 5000\n');
  const r = await runMeasured(['data', 'inspect', join(dir, 'many')], t);
  assertOneLineError(r, 'many.hea:line 1', /signal count 1000000 is outside/);
  assert.ok(r.peakRss < BASELINE_LIMIT, `peak RSS ${mb(r.peakRss)}`);
});

test('CSV: a 64 MiB field in ptbxl_database.csv is refused at 1 MiB, streaming', async (t) => {
  const root = join(work, 'csv-root');
  const synth = await runMeit(['data', 'synth', '--style', 'ptbxl', '--n', '2', '--seed', '1', '--fs', '100', '--out', root]);
  assert.equal(synth.code, 0, synth.stderr);
  const header = 'ecg_id,patient_id,report,scp_codes,strat_fold,filename_lr,filename_hr\n';
  writeFileSync(join(root, 'ptbxl_database.csv'), header + '1,1,"' + 'x'.repeat(64 * MiB));
  const params = fileURLToPath(new URL('../fixtures/data/params.yaml', import.meta.url));
  const r = await runMeasured(['data', 'prepare', '--source', 'ptbxl', '--root', root, '--out', join(work, 'csv-out'), '--params', params], t);
  assertOneLineError(r, 'ptbxl_database.csv:line 2', /field longer than 1 MiB/);
  assert.ok(r.peakRss < BASELINE_LIMIT, `peak RSS ${mb(r.peakRss)} for a 64 MiB field`);
});

test(
  'JSONL: a 100 MiB predictions line is refused in bounded memory',
  async (t) => {
    const file = join(work, 'long.jsonl');
    writeFileSync(file, '{"id": "a", "prediction": "' + 'sinus rhythm '.repeat(Math.ceil((100 * MiB) / 13)) + '\n');
    const refs = join(work, 'refs.jsonl');
    writeFileSync(refs, '{"id": "a", "references": ["sinus rhythm"]}\n');
    const r = await runMeasured(['score', '-p', file, '-r', refs], t);
    assertOneLineError(r, 'long.jsonl:line 1', /exceeds 16 MiB/);
    // Bounded: not in proportion to the line (a reader with a line-length cap stays near the baseline).
    assert.ok(r.peakRss < BASELINE_LIMIT + 64 * MiB, `peak RSS ${mb(r.peakRss)} for a 100 MiB line`);
  },
);

/** A copy of the gpt2-medium parity fixture whose model.safetensors holds one tensor of `bytes` (sparse). */
function checkpointClaiming(name: string, bytes: number): string {
  const dir = join(work, name);
  cpSync(fileURLToPath(new URL('../fixtures/hf-parity/gpt2-medium', import.meta.url)), join(dir, 'fx'), { recursive: true });
  const json = Buffer.from(JSON.stringify({ 'transformer.wte.weight': { dtype: 'F32', shape: [bytes / 4], data_offsets: [0, bytes] } }).padEnd(128));
  const file = join(dir, 'fx', 'model.safetensors');
  const head = Buffer.alloc(8 + json.length);
  head.writeBigUInt64LE(BigInt(json.length));
  json.copy(head, 8);
  writeFileSync(file, head);
  truncateSync(file, head.length + bytes);
  return dir;
}

test(
  'safetensors: a 512 MiB tensor whose shape the config rejects is refused before it is read',
  async (t) => {
    const r = await runMeasured(['models', 'parity', '--fixtures', checkpointClaiming('st-512m', 512 * MiB)], t);
    assertOneLineError(r, 'model.safetensors', /transformer\.wte\.weight/);
    assert.ok(r.peakRss < 400 * MiB, `peak RSS ${mb(r.peakRss)}`);
  },
);

test(
  'safetensors: a 3 GiB tensor is an input error, not a crash',
  async (t) => {
    const r = await runMeasured(['models', 'parity', '--fixtures', checkpointClaiming('st-3g', 3 * 1024 * MiB)], t);
    assertOneLineError(r, 'model.safetensors', /transformer\.wte\.weight|too large/);
  },
);
