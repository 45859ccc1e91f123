/**
 * `meit data prepare` through the real CLI: every kind of bad input is one stderr line naming
 * the file (and line), exit 2, and the previous output directory stays exactly as it was.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runMeit } from '../helpers/cli.ts';
import { defaultMimicStudies, defaultPtbxlRows, writeMimic, writePtbxl } from '../fixtures/data/datasets.ts';

const PARAMS = new URL('../fixtures/data/params.yaml', import.meta.url).pathname;
const base = mkdtempSync(join(tmpdir(), 'meit-prepare-cli-'));

function edit(path: string, change: (text: string) => string): void {
  writeFileSync(path, change(readFileSync(path, 'utf8')));
}

function snapshot(dir: string): Record<string, string> {
  return Object.fromEntries(readdirSync(dir).sort().map((f) => [f, readFileSync(join(dir, f)).toString('base64')]));
}

type Case = { name: string; source: 'ptbxl' | 'mimic'; damage: (root: string) => void; message: RegExp; extra?: string[] };

const hea = (root: string) => join(root, 'records100/00000/00002_lr.hea');
const dat = (root: string) => join(root, 'records100/00000/00002_lr.dat');

const CASES: Case[] = [
  { name: 'truncated signal file', source: 'ptbxl', damage: (r) => truncateSync(dat(r), 5000), message: /00002_lr\.dat:byte \d+: truncated signal file/ },
  { name: 'missing signal file', source: 'ptbxl', damage: (r) => rmSync(dat(r)), message: /00002_lr\.dat: cannot read: no such file or directory/ },
  { name: 'header/data size mismatch', source: 'ptbxl', damage: (r) => edit(hea(r), (t) => t.replace(/^(\S+ 12 100) 1000/, '$1 1500')), message: /00002_lr\.dat:byte \d+: truncated signal file/ },
  { name: 'fewer signal lines than declared', source: 'ptbxl', damage: (r) => edit(hea(r), (t) => t.split('\n').filter((l) => !/ V6$/.test(l)).join('\n')), message: /00002_lr\.hea:line \d+: .*11/ },
  { name: 'absurd sample count', source: 'ptbxl', damage: (r) => edit(hea(r), (t) => t.replace(/^(\S+ 12 100) 1000/, '$1 1000000000000')), message: /00002_lr\.(hea|dat)/ },
  { name: 'non-numeric header field', source: 'ptbxl', damage: (r) => edit(hea(r), (t) => t.replace(/^(\S+ 12) 100/, '$1 abc')), message: /00002_lr\.hea:line 1: / },
  { name: 'missing lead', source: 'ptbxl', damage: (r) => edit(hea(r), (t) => t.replace(/ V6$/m, ' V7')), message: /00002_lr\.hea: no lead V6 among the 12 signals/ },
  { name: 'CSV row pointing outside the root', source: 'ptbxl', damage: (r) => edit(join(r, 'ptbxl_database.csv'), (t) => t.replace('records100/00000/00002_lr', '../../outside/00002_lr')), message: /ptbxl_database\.csv:line 3, filename_lr: path "\.\.\/\.\.\/outside\/00002_lr" leaves the dataset root/ },
  { name: 'malformed CSV', source: 'ptbxl', damage: (r) => edit(join(r, 'ptbxl_database.csv'), (t) => t + '4,"unterminated\n'), message: /ptbxl_database\.csv:line \d+: unterminated quoted field/ },
  { name: 'missing column', source: 'ptbxl', damage: (r) => edit(join(r, 'ptbxl_database.csv'), (t) => t.replace('scp_codes', 'codes')), message: /ptbxl_database\.csv:line 1: missing column scp_codes/ },
  { name: 'malformed scp_codes', source: 'ptbxl', damage: (r) => edit(join(r, 'ptbxl_database.csv'), (t) => t.replace("{'IMI': 50.0,", "{'IMI': fifty,")), message: /ptbxl_database\.csv:line 3: malformed scp_codes/ },
  { name: 'non-numeric subject_id', source: 'mimic', damage: (r) => edit(join(r, 'record_list.csv'), (t) => t.replace(/\n10000000,/, '\nten,')), message: /record_list\.csv:line 2: subject_id must be a non-negative integer, got "ten"/ },
  { name: 'corrupt record with on_bad_record: fail', source: 'mimic', damage: (r) => truncateSync(join(r, 'files/p1000/p10000000/s40000037/40000037.dat'), 7), message: /40000037\.dat:byte \d+: truncated signal file/, extra: ['--profile', 'mimic-fail'] },
  { name: 'bad params value', source: 'mimic', damage: (r) => writeFileSync(join(r, 'params.yaml'), readFileSync(PARAMS, 'utf8').replace('test: 0.2}', 'test: 0.3}')), message: /params\.yaml: prepare\.mimic\.split: split fractions must be non-negative and sum to 1/, extra: ['--params', 'ROOT/params.yaml'] },
];

test('meit data prepare: bad inputs are one line naming the file, exit 2, previous output untouched', async () => {
  const pristine = { ptbxl: join(base, 'ptbxl'), mimic: join(base, 'mimic') };
  await writePtbxl(pristine.ptbxl, defaultPtbxlRows(3));
  await writeMimic(pristine.mimic, defaultMimicStudies(3));
  // A good previous output for each source, made by the CLI itself.
  const previous = { ptbxl: join(base, 'prev-ptbxl'), mimic: join(base, 'prev-mimic') };
  for (const source of ['ptbxl', 'mimic'] as const) {
    const r = await runMeit(['data', 'prepare', '--source', source, '--root', pristine[source], '--out', previous[source], '--params', PARAMS]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /prepared 3 records/);
  }

  const run = async (c: Case, i: number) => {
    const root = join(base, `case${i}`, 'root');
    cpSync(pristine[c.source], root, { recursive: true });
    c.damage(root);
    const out = join(base, `case${i}`, 'out');
    cpSync(previous[c.source], out, { recursive: true });
    const before = snapshot(out);
    const extra = (c.extra ?? []).map((a) => a.replace('ROOT', root));
    const args = ['data', 'prepare', '--source', c.source, '--root', root, '--out', out, '--params', PARAMS, ...extra];
    const r = await runMeit(args);
    return { c, r, out, before };
  };
  // A few at a time: each is a node process.
  const results = [];
  for (let i = 0; i < CASES.length; i += 4) results.push(...(await Promise.all(CASES.slice(i, i + 4).map((c, j) => run(c, i + j)))));
  for (const { c, r, out, before } of results) {
    assert.equal(r.code, 2, `${c.name}: exit ${r.code}\n${r.stderr}`);
    const lines = r.stderr.trim().split('\n');
    assert.equal(lines.length, 1, `${c.name}: ${r.stderr}`);
    assert.match(lines[0]!, /^meit: error: /, c.name);
    assert.match(lines[0]!, c.message, c.name);
    assert.doesNotMatch(r.stderr, /\n\s+at /, `${c.name}: stack trace`);
    assert.deepEqual(snapshot(out), before, `${c.name}: output changed`);
    assert.deepEqual(readdirSync(join(out, '..')).sort(), ['out', 'root'], `${c.name}: leftovers`);
  }
});

test('meit data prepare: usage errors exit 2; --help documents the options', async () => {
  const bad = await runMeit(['data', 'prepare', '--source', 'ecgdb', '--root', base, '--out', join(base, 'x')]);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--source must be one of ptbxl, mimic/);
  const missing = await runMeit(['data', 'prepare', '--source', 'ptbxl', '--out', join(base, 'x')]);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /missing required option --root/);
  assert.equal(existsSync(join(base, 'x')), false);
  const help = await runMeit(['data', 'prepare', '--help']);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /--source VALUE/);
  assert.match(help.stdout, /docs\/data-format\.md/);
});
