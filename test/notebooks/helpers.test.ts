/** lib/notebook: the kit loader, the display renderers and the Jupyter setup (no Jupyter needed). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import * as prng from '../../lib/util/prng.ts';
import { loadParams } from '../../lib/config/params.ts';
import { InputError } from '../../lib/util/errors.ts';
import { PROJECT_ROOT, loadKit } from '../../lib/notebook/load.ts';
import { ecgPng, fileTree, markdownTable, notebookParams, resultTableMarkdown, vegaLitePng } from '../../lib/notebook/index.ts';
import { describeResults, inDirectory, readmeProfile } from '../../lib/notebook/results.ts';
import { KERNEL_NAME, hasDisplay, jupyterEnv, kernelSpec, writeKernelSpec } from '../../lib/notebook/jupyter.ts';

const run = promisify(execFile);

test('PROJECT_ROOT is the checkout', () => {
  assert.ok(existsSync(join(PROJECT_ROOT, 'package.json')) && existsSync(join(PROJECT_ROOT, 'lib', 'notebook', 'load.ts')));
});

test('loadKit gives the very ESM module the kit itself imports', async () => {
  assert.equal(await loadKit('lib/util/prng.ts'), prng);
});

test('loadKit refuses paths outside the project', async () => {
  await assert.rejects(loadKit('../outside.ts'), /not a path inside the project/);
  await assert.rejects(loadKit('/etc/passwd'), /not a path inside the project/);
});

test('from CommonJS, as in a tslab cell, loadKit and loadEsm still import real ESM', async () => {
  // tslab cells are CommonJS run by a Node with tsx preloaded: the same as this child process.
  const script = `
    const { loadKit, loadEsm } = require(${JSON.stringify(join(PROJECT_ROOT, 'lib', 'notebook', 'load.ts'))});
    (async () => {
      const a = await loadKit('lib/util/prng.ts');
      const plot = await loadKit('lib/report/ecg-plot.ts');          // uses import.meta.url
      const vega = await loadEsm('vega');                              // ESM-only, top-level await
      const { Rng } = await loadKit('lib/util/prng.ts');
      console.log(JSON.stringify({ same: a === (await loadKit('lib/util/prng.ts')), draw: new Rng(7).uniform(), font: plot.FONT_FILE, view: typeof vega.View }));
    })().catch((e) => { console.error(e); process.exit(1); });`;
  const { stdout } = await run(process.execPath, ['--import', 'tsx', '-e', script], { cwd: join(PROJECT_ROOT, 'notebooks') });
  const got = JSON.parse(stdout) as { same: boolean; draw: number; font: string; view: string };
  assert.equal(got.same, true);
  assert.equal(got.draw, new prng.Rng(7).uniform());
  assert.ok(existsSync(got.font), got.font);
  assert.equal(got.view, 'function');
});

test('notebookParams follows $MEIT_PROFILE, and a bad profile is an InputError', () => {
  const saved = process.env.MEIT_PROFILE;
  try {
    process.env.MEIT_PROFILE = 'smoke';
    assert.deepEqual(notebookParams().values, loadParams(join(PROJECT_ROOT, 'params.yaml'), 'smoke').values);
    process.env.MEIT_PROFILE = 'no-such-profile';
    assert.throws(() => notebookParams(), InputError);
  } finally {
    if (saved === undefined) delete process.env.MEIT_PROFILE;
    else process.env.MEIT_PROFILE = saved;
  }
});

test('markdownTable escapes pipes and newlines and keeps the column order', () => {
  const table = markdownTable([{ b: 'x|y', a: 1 }, { b: 'two\nlines' }], ['a', 'b']);
  assert.equal(table, ['| a | b |', '| --- | --- |', '| 1 | x\\|y |', '|  | two lines |'].join('\n'));
});

test('ecgPng renders one or several ECGs as PNG', () => {
  const fs = 100;
  const lead = Float32Array.from({ length: 10 * fs }, (_, i) => Math.sin(i / 5));
  const ecg = { fs, leads: ['I', 'II', 'III', 'aVR', 'aVL', 'aVF', 'V1', 'V2', 'V3', 'V4', 'V5', 'V6'], signals: Array(12).fill(lead) };
  const one = ecgPng(ecg, { pxPerMm: 1 });
  const two = ecgPng([ecg, ecg], { pxPerMm: 1 });
  const png = [0x89, 0x50, 0x4e, 0x47];
  assert.deepEqual([...one.subarray(0, 4)], png);
  const height = (b: Uint8Array) => new DataView(b.buffer, b.byteOffset).getUint32(20);
  assert.ok(height(two) > 1.9 * height(one), `${height(two)} vs ${height(one)}`);
});

test('vegaLitePng renders a vega-lite chart as PNG', async () => {
  const png = await vegaLitePng({ data: { values: [{ x: 'a', y: 1 }] }, mark: 'bar', encoding: { x: { field: 'x', type: 'nominal' }, y: { field: 'y', type: 'quantitative' } } });
  assert.deepEqual([...png.subarray(0, 4)], [0x89, 0x50, 0x4e, 0x47]);
});

test('fileTree shows the top-level files, a few entries below, and how many it left out', () => {
  const dir = mkdtempSync(join(tmpdir(), 'meit-tree-'));
  for (const d of ['a', 'b', 'c']) {
    mkdirSync(join(dir, 'records', d), { recursive: true });
    for (const f of ['1.hea', '1.dat', '2.hea']) writeFileSync(join(dir, 'records', d, f), '');
  }
  for (const table of ['a.csv', 'b.csv', 'c.csv']) writeFileSync(join(dir, table), '');
  assert.equal(
    fileTree(dir, 2),
    ['a.csv', 'b.csv', 'c.csv', 'records/', '  a/', '    1.dat', '    1.hea', '    … 1 more files in records/a/', '  b/', '    1.dat', '    1.hea', '    … 1 more files in records/b/', '  … 1 more directories in records/'].join('\n'),
  );
});

test('the kernel spec runs tslab under this Node with tsx, from absolute paths', async () => {
  const spec = kernelSpec('/opt/node');
  assert.equal(spec.argv[0], '/opt/node');
  assert.deepEqual(spec.argv.slice(1, 2), ['--import']);
  assert.ok(existsSync(fileURLToPath(spec.argv[2]!)), spec.argv[2]);
  assert.ok(existsSync(spec.argv[3]!) && spec.argv[3]!.endsWith(join('tslab', 'bin', 'tslab')), spec.argv[3]);
  assert.deepEqual(spec.argv.slice(4), ['kernel', '--config-path', '{connection_file}']);
  assert.equal(spec.language, 'typescript');

  const dataDir = mkdtempSync(join(tmpdir(), 'meit-jupyter-'));
  const file = await writeKernelSpec(dataDir);
  assert.equal(file, join(dataDir, 'kernels', KERNEL_NAME, 'kernel.json'));
  assert.deepEqual(JSON.parse(readFileSync(file, 'utf8')), kernelSpec());
});

test('Jupyter runs with the project data dir, without touching the caller environment', () => {
  const base = { PATH: '/bin' };
  assert.deepEqual(jupyterEnv(base, '/p/.jupyter'), { PATH: '/bin', JUPYTER_DATA_DIR: '/p/.jupyter' });
  assert.deepEqual(base, { PATH: '/bin' });
});

test('a browser opens only where there is a display', () => {
  assert.equal(hasDisplay({}, 'linux'), false);
  assert.equal(hasDisplay({ DISPLAY: ':0' }, 'linux'), true);
  assert.equal(hasDisplay({ WAYLAND_DISPLAY: 'wayland-0' }, 'linux'), true);
  assert.equal(hasDisplay({}, 'darwin'), true);
});

test('resultTableMarkdown keeps the chosen columns that exist, each with its interval', async () => {
  const { frameFromRows } = await import('../../lib/report/table.ts');
  const df = await frameFromRows(
    [{ Backbone: 'opt', METEOR: 0.5, 'METEOR lo': 0.4, 'METEOR hi': 0.6, 'BLEU-4': 0.25 }],
    ['Backbone', 'BLEU-4', 'METEOR', 'METEOR lo', 'METEOR hi'],
  );
  const md = resultTableMarkdown({ df, caption: 'c' }, ['Backbone', 'METEOR', 'METEOR (paper)']);
  assert.match(md, /^Table: c\n/);
  const [header, , row] = md.split('\n').slice(2);
  assert.deepEqual(header!.split('|').map((s) => s.trim()).filter(Boolean), ['Backbone', 'METEOR']);
  assert.match(row!, /\| opt +\| 0\.500 \[0\.400, 0\.600\] \|/);
  assert.doesNotMatch(md, /BLEU-4/);
  assert.match(resultTableMarkdown({ df }), /BLEU-4/);
  assert.throws(() => resultTableMarkdown({ df }, ['nope']), /none of nope is a column/);
});

test('readmeProfile reads the profile results/README.md names; inDirectory restores the cwd', async () => {
  const root = mkdtempSync(join(tmpdir(), 'meit-results-'));
  assert.equal(readmeProfile(root), undefined);
  mkdirSync(join(root, 'results'));
  writeFileSync(join(root, 'results', 'README.md'), '# meit-kit results\n\nGenerated by `meit reproduce` (stage `report`) with profile **quick** at commit `abc`.\n');
  assert.equal(readmeProfile(root), 'quick');

  const before = process.cwd();
  const { realpathSync } = await import('node:fs');
  assert.equal(await inDirectory(root, () => realpathSync(process.cwd())), realpathSync(root));
  await assert.rejects(inDirectory(root, () => Promise.reject(new Error('inside'))), /inside/);
  assert.equal(process.cwd(), before);
});

test('describeResults says where the results came from', () => {
  const base = { root: '/r', profile: 'smoke', params: loadParams(join(PROJECT_ROOT, 'params.yaml'), 'smoke'), plan: {} as never, results: {} as never };
  assert.equal(describeResults({ ...base, origin: 'committed', stages: [] }, 'quick'), "results: the checkout's results/, made by the smoke profile (this notebook runs under quick)");
  const stages = [{ name: 'synth@ptbxl', status: 'skipped' as const, seconds: 0 }, { name: 'backbones', status: 'ran' as const, seconds: 12.34 }];
  assert.match(describeResults({ ...base, origin: 'computed', stages, reason: 'the checkout has no results/' }, 'smoke'), /computed for the smoke profile in \/r, as the checkout has no results\/ \(ran backbones \(12\.3 s\)\)$/);
  assert.match(describeResults({ ...base, origin: 'computed', stages: stages.slice(0, 1) }, 'smoke'), /\(every stage up to date\)$/);
});
