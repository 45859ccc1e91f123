/**
 * `meit data prepare` killed with SIGKILL at random points (no handler runs, no cleanup):
 * while it runs and after it dies, OUT is either the previous output, untouched, or the new
 * output, complete; never missing, never a mix. A rerun then gives exactly the bytes of an
 * uninterrupted run and sweeps the temporary siblings the killed runs left.
 *
 * Data: 300 synthetic PTB-XL records (`meit data synth`); params: the prepare tests' pinned
 * params with two workers and 0.1 MB shards, so a run writes ~150 files from worker threads
 * and is killed in the middle of that. The previous output is a different preparation (English
 * reports), so that any of its files replaced early would show.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Rng } from '../../lib/util/prng.ts';
import { MEIT_BIN, runMeit } from '../helpers/cli.ts';

const PARAMS = fileURLToPath(new URL('../fixtures/data/params.yaml', import.meta.url));
const KILLS = 4;

/** name → sha256 of every file of a prepared directory; undefined when it does not exist. */
function snapshot(dir: string): Record<string, string> | undefined {
  if (!existsSync(dir)) return undefined;
  const out: Record<string, string> = {};
  for (const name of readdirSync(dir).sort()) out[name] = createHash('sha256').update(readFileSync(join(dir, name))).digest('hex');
  return out;
}

/** Cheap identity of a directory's current contents (names, sizes, mtimes), for polling. */
function fingerprint(dir: string): string | undefined {
  if (!existsSync(dir)) return undefined;
  return readdirSync(dir)
    .sort()
    .map((name) => {
      const st = statSync(join(dir, name));
      return `${name}:${st.size}:${st.mtimeMs}`;
    })
    .join('|');
}

const tempSiblings = (dir: string) => readdirSync(join(dir, '..')).filter((n) => n.startsWith('out.tmp-'));

function prepareArgs(root: string, out: string, profile: string): string[] {
  return ['data', 'prepare', '--source', 'ptbxl', '--root', root, '--out', out, '--params', PARAMS, '--profile', profile];
}

test('SIGKILL during data prepare: OUT is always the previous or the complete new output; a rerun is byte-identical', async () => {
  const base = mkdtempSync(join(tmpdir(), 'meit-kill-'));
  try {
    const root = join(base, 'synth');
    const synth = await runMeit(['data', 'synth', '--style', 'ptbxl', '--n', '300', '--seed', '3', '--fs', '100', '--out', root]);
    assert.equal(synth.code, 0, synth.stderr);

    // The reference: an uninterrupted run, timed to aim the kills.
    const started = performance.now();
    const reference = await runMeit(prepareArgs(root, join(base, 'reference'), 'workers2'));
    const runMs = performance.now() - started;
    assert.equal(reference.code, 0, reference.stderr);
    const expected = snapshot(join(base, 'reference'))!;
    assert.ok(Object.keys(expected).length > 20, 'the run writes many shards, so kills land between files');

    const previousRun = await runMeit(prepareArgs(root, join(base, 'previous'), 'english'));
    assert.equal(previousRun.code, 0, previousRun.stderr);
    const previous = snapshot(join(base, 'previous'))!;
    assert.notDeepEqual(previous, expected);

    const out = join(base, 'work', 'out');
    const rng = new Rng('interrupted-prepare');
    let killedMidRun = 0;
    for (let k = 0; k < KILLS; k++) {
      // Each attempt starts from the previous output (leftover temp dirs of earlier kills stay).
      rmSync(out, { recursive: true, force: true });
      cpSync(join(base, 'previous'), out, { recursive: true });
      const previousPrint = fingerprint(out);
      const child = spawn(process.execPath, [MEIT_BIN, ...prepareArgs(root, out, 'workers2')], {
        env: { ...process.env, MEIT_QUIET: '1' },
        stdio: 'ignore',
      });
      const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
      const killAt = performance.now() + rng.uniform(0.1, 0.95) * runMs;

      // Until the kill, OUT must stay the previous output, or be the complete new one.
      let done = false;
      void exited.then(() => (done = true));
      while (!done && performance.now() < killAt) {
        const print = fingerprint(out);
        if (print !== previousPrint) assert.deepEqual(snapshot(out), expected, `kill ${k}: OUT changed while the run was going and is not the complete new output`);
        await new Promise((r) => setTimeout(r, 20));
      }
      if (!done) killedMidRun++;
      child.kill('SIGKILL');
      await exited;

      const after = snapshot(out);
      assert.ok(after !== undefined, `kill ${k}: OUT is missing after SIGKILL (previous output lost)`);
      assert.ok(
        JSON.stringify(after) === JSON.stringify(previous) || JSON.stringify(after) === JSON.stringify(expected),
        `kill ${k}: OUT is neither the previous nor the complete new output`,
      );
    }
    assert.ok(killedMidRun >= KILLS - 2, `only ${killedMidRun} of ${KILLS} kills landed before the run ended`);

    // The kills interrupted writes: their temporary directories are still there...
    assert.ok(tempSiblings(out).length > 0, 'no kill left a temporary directory: none interrupted a write');
    // ...until the rerun, which gives the bytes of the uninterrupted run and sweeps them.
    const rerun = await runMeit(prepareArgs(root, out, 'workers2'));
    assert.equal(rerun.code, 0, rerun.stderr);
    assert.deepEqual(snapshot(out), expected);
    assert.deepEqual(tempSiblings(out), []);
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
});

/**
 * Writes a preload that SIGKILLs the process (after writing `marker`) at the first call of
 * fs.promises[fn] whose arguments satisfy `when` (a JS expression over `args`).
 */
function killAt(file: string, fn: 'rename' | 'mkdir', when: string, marker: string): string {
  writeFileSync(
    file,
    `import fs from 'node:fs/promises';
import { writeFileSync } from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
const original = fs.${fn};
fs.${fn} = (...args) => {
  if (${when}) {
    writeFileSync(${JSON.stringify(marker)}, args.map(String).join(' -> '));
    process.kill(process.pid, 'SIGKILL');
  }
  return original(...args);
};
syncBuiltinESMExports();
`,
  );
  return `--import=${pathToFileURL(file).href}`;
}

test('SIGKILL between the two renames that swap the new OUT in: the previous output survives', async () => {
  const base = mkdtempSync(join(tmpdir(), 'meit-swap-'));
  try {
    const root = join(base, 'synth');
    assert.equal((await runMeit(['data', 'synth', '--style', 'ptbxl', '--n', '3', '--seed', '3', '--fs', '100', '--out', root])).code, 0);
    const out = join(base, 'out');
    assert.equal((await runMeit(prepareArgs(root, out, 'english'))).code, 0);
    const previous = snapshot(out);
    assert.equal((await runMeit(prepareArgs(root, join(base, 'expected'), 'raw'))).code, 0);
    const expected = snapshot(join(base, 'expected'));

    // 1. Killed at the rename of the finished temporary directory onto OUT, i.e. right after
    //    OUT has been renamed away: the worst moment, made certain. OUT is gone for now, but
    //    the previous output is kept whole beside it.
    const swapMarker = join(base, 'killed-at-swap');
    await runMeit(prepareArgs(root, out, 'raw'), { env: { NODE_OPTIONS: killAt(join(base, 'swap.mjs'), 'rename', `String(args[1]) === ${JSON.stringify(out)}`, swapMarker) } });
    assert.match(readFileSync(swapMarker, 'utf8'), /\.tmp-.* -> /, 'killed at the rename of the temporary directory onto OUT');
    const aside = readdirSync(base).filter((n) => n.startsWith('out.old-'));
    assert.equal(aside.length, 1, `the previous output is kept aside: ${readdirSync(base).join(', ')}`);
    assert.deepEqual(snapshot(join(base, aside[0]!)), previous);

    // 2. The next run puts it back before it builds anything: killed when it creates its own
    //    temporary directory, it leaves OUT as the previous output.
    const mkdirMarker = join(base, 'killed-at-mkdir');
    await runMeit(prepareArgs(root, out, 'raw'), { env: { NODE_OPTIONS: killAt(join(base, 'mkdir.mjs'), 'mkdir', `String(args[0]).includes(${JSON.stringify(`${out}.tmp-`)})`, mkdirMarker) } });
    assert.ok(existsSync(mkdirMarker), 'the second run was killed at the creation of its temporary directory');
    assert.deepEqual(snapshot(out), previous, 'OUT is the previous output again');

    // 3. An uninterrupted run then replaces it and sweeps every sibling.
    assert.equal((await runMeit(prepareArgs(root, out, 'raw'))).code, 0);
    assert.deepEqual(snapshot(out), expected);
    assert.deepEqual(readdirSync(base).filter((n) => n.startsWith('out.')), []);
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
});
