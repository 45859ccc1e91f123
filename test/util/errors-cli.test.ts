import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadParams, param } from '../../lib/config/params.ts';
import { InputError } from '../../lib/util/errors.ts';
import { buildDirAtomic, writeFileAtomic } from '../../lib/util/atomic.ts';
import { parseCsv } from '../../lib/util/csv.ts';
import { resolveInside } from '../../lib/util/paths.ts';
import { runMeit } from '../helpers/cli.ts';

test('meit --help lists commands and exits 0', async () => {
  const r = await runMeit(['--help']);
  assert.equal(r.code, 0);
  assert.match(r.stdout, /Usage: meit COMMAND/);
});

test('an unknown command is a one-line usage error with exit 2', async () => {
  const r = await runMeit(['frobnicate']);
  assert.equal(r.code, 2);
  assert.equal(r.stderr.trim().split('\n').length, 1);
  assert.match(r.stderr, /unknown command "frobnicate"/);
});

test('malformed params.yaml names the file and line', () => {
  const dir = mkdtempSync(join(tmpdir(), 'meit-params-'));
  const file = join(dir, 'params.yaml');
  writeFileSync(file, 'seed: 1\ndata:\n  fs: [1, 2\n');
  assert.throws(() => loadParams(file), (err: unknown) => err instanceof InputError && /params\.yaml:line \d+/.test(err.oneLine()));
});

test('profiles deep-merge over the base and types are checked', () => {
  const dir = mkdtempSync(join(tmpdir(), 'meit-params-'));
  const file = join(dir, 'params.yaml');
  writeFileSync(file, 'seed: 1\ndata: {fs: 500, n: 10}\nprofiles:\n  smoke: {data: {n: 2}}\n');
  const p = loadParams(file, 'smoke');
  assert.equal(param(p, 'data.n', 'number'), 2);
  assert.equal(param(p, 'data.fs', 'number'), 500);
  assert.throws(() => param(p, 'data.fs', 'string'), /data\.fs must be a string/);
  assert.throws(() => loadParams(file, 'nope'), /unknown profile "nope"/);
});

test('atomic directory build leaves the old output intact when the build fails', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'meit-atomic-'));
  const out = join(dir, 'out');
  await buildDirAtomic(out, async (tmp) => writeFileAtomic(join(tmp, 'a.txt'), 'first'));
  await assert.rejects(
    buildDirAtomic(out, async (tmp) => {
      await writeFileAtomic(join(tmp, 'a.txt'), 'second');
      throw new Error('boom');
    }),
    /boom/,
  );
  assert.deepEqual(readdirSync(dir), ['out']);
  assert.deepEqual(readdirSync(out), ['a.txt']);
});

test('CSV: quotes, embedded newlines, field-count errors with line numbers', () => {
  const rows = parseCsv('a,b\n"x, y","multi\nline"\n3,"say ""hi"""\n', 't.csv');
  assert.deepEqual(rows.map((r) => r.values), [
    { a: 'x, y', b: 'multi\nline' },
    { a: '3', b: 'say "hi"' },
  ]);
  assert.equal(rows[1]!.line, 4);
  assert.throws(() => parseCsv('a,b\n1,2,3\n', 't.csv'), (e: unknown) => e instanceof InputError && e.oneLine() === 't.csv:line 2: expected 2 fields, found 3');
  assert.throws(() => parseCsv('a,b\n"1,2\n', 't.csv'), /unterminated/);
});

test('paths from data files cannot leave the root', () => {
  const root = mkdtempSync(join(tmpdir(), 'meit-root-'));
  assert.equal(resolveInside(root, 'records/x'), join(root, 'records/x'));
  assert.throws(() => resolveInside(root, '../etc/passwd'), /leaves the dataset root/);
  assert.throws(() => resolveInside(root, '/etc/passwd'), /absolute/);
});
