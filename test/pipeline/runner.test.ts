import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadDvcYaml } from '../../lib/pipeline/dvc-yaml.ts';
import { orderStages, runPipeline } from '../../lib/pipeline/runner.ts';

function project(dvcYaml: string, params: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'meit-runner-'));
  writeFileSync(join(dir, 'dvc.yaml'), dvcYaml);
  writeFileSync(join(dir, 'params.yaml'), params);
  return dir;
}

const PIPELINE = `
stages:
  report:
    cmd: cat a.txt b.txt > report.txt
    deps: [a.txt, b.txt]
    outs: [report.txt]
  make:
    foreach: [a, b]
    do:
      cmd: echo \${item}-\${size.n} > \${item}.txt
      params: [size.n]
      outs:
        - \${item}.txt
`;

test('foreach expands with DVC names and params interpolate from params.yaml', () => {
  const dir = project(PIPELINE, 'size: {n: 3}\n');
  const stages = loadDvcYaml(join(dir, 'dvc.yaml'), join(dir, 'params.yaml'));
  assert.deepEqual(stages.map((s) => s.name), ['report', 'make@a', 'make@b']);
  assert.deepEqual(stages[1]!.cmd, ['echo a-3 > a.txt']);
  assert.deepEqual(stages[1]!.params, { 'params.yaml': ['size.n'] });
});

test('matrix expands to every combination', () => {
  const dir = project('stages:\n  t:\n    matrix: {d: [x, y], m: [p, q]}\n    cmd: echo ${item.d} ${item.m}\n', '{}\n');
  const names = loadDvcYaml(join(dir, 'dvc.yaml'), join(dir, 'params.yaml')).map((s) => s.name);
  assert.deepEqual(names, ['t@x-p', 't@x-q', 't@y-p', 't@y-q']);
});

test('stages run after the stages producing their deps', () => {
  const dir = project(PIPELINE, 'size: {n: 3}\n');
  const order = orderStages(loadDvcYaml(join(dir, 'dvc.yaml'), join(dir, 'params.yaml'))).map((s) => s.name);
  assert.ok(order.indexOf('report') > order.indexOf('make@a'));
  assert.ok(order.indexOf('report') > order.indexOf('make@b'));
});

test('the runner skips unchanged stages and reruns those whose params changed', async () => {
  const dir = project(PIPELINE, 'size: {n: 3}\n');
  const quiet = { root: dir, log: () => {} };
  const first = await runPipeline(quiet);
  assert.deepEqual(first.map((r) => r.status), ['ran', 'ran', 'ran']);
  assert.equal(readFileSync(join(dir, 'report.txt'), 'utf8'), 'a-3\nb-3\n');
  const second = await runPipeline(quiet);
  assert.deepEqual(second.map((r) => r.status), ['skipped', 'skipped', 'skipped']);
  writeFileSync(join(dir, 'params.yaml'), 'size: {n: 4}\n');
  const third = await runPipeline(quiet);
  assert.deepEqual(third.map((r) => r.status), ['ran', 'ran', 'ran']);
  assert.equal(readFileSync(join(dir, 'report.txt'), 'utf8'), 'a-4\nb-4\n');
});

test('a failing stage stops the run with the stage named', async () => {
  const dir = project('stages:\n  bad:\n    cmd: exit 3\n', '{}\n');
  await assert.rejects(runPipeline({ root: dir, log: () => {} }), /stage 'bad' failed: `exit 3` exited with 3/);
});
