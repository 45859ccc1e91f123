import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadDvcYaml } from '../../lib/pipeline/dvc-yaml.ts';
import { orderStages } from '../../lib/pipeline/runner.ts';
import { STAGES } from '../../lib/pipeline/stages.ts';
import { runMeit } from '../helpers/cli.ts';

const ROOT = new URL('../..', import.meta.url).pathname;

test('meit stage: a missing or unexpected item is a one-line usage error', async () => {
  for (const [args, message] of [
    [['stage', 'prepare'], /stage prepare needs an item: one of ptbxl, mimic/],
    [['stage', 'backbones', 'ptbxl'], /stage backbones takes no item, got "ptbxl"/],
    [['stage', 'tables'], /unknown stage "tables"; stages: synth, prepare, backbones, zero-shot, robustness, ablations, report/],
  ] as const) {
    const r = await runMeit([...args], { cwd: ROOT });
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, message);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
  }
});

test("dvc.yaml runs every stage of stages.ts, experiments after E1 and the report last", () => {
  const stages = orderStages(loadDvcYaml(`${ROOT}/dvc.yaml`, `${ROOT}/params.yaml`));
  const names = stages.map((s) => s.name);
  const commands = stages.map((s) => s.cmd.join(' '));
  for (const name of Object.keys(STAGES)) assert.ok(commands.some((c) => c.startsWith(`node bin/meit.js stage ${name}`)), `no stage runs ${name}`);
  const at = (name: string) => names.indexOf(name);
  for (const name of ['zero-shot', 'robustness', 'ablations']) assert.ok(at('backbones') < at(name), `${name} after backbones`);
  assert.equal(names.at(-1), 'report');
  assert.ok(at('prepare@mimic') < at('backbones') && at('prepare@ptbxl') < at('backbones'));
  // The report owns the tables directory and one file per figure (results/figures holds others too).
  const report = stages.find((s) => s.name === 'report')!;
  assert.ok(report.outs.includes('results/tables') && report.plots.includes('results/figures/ecg-example.png'));
});
