import { test } from 'node:test';
import assert from 'node:assert/strict';
import { availableParallelism } from 'node:os';
import type { LoadedParams, ParamsTree } from '../../lib/config/params.ts';
import { loadParams } from '../../lib/config/params.ts';
import { readExperimentPlan } from '../../lib/experiments/plan.ts';
import { InputError } from '../../lib/util/errors.ts';

const PARAMS = new URL('../../params.yaml', import.meta.url).pathname;

function withExperiments(experiments: ParamsTree): LoadedParams {
  return { file: 'params.yaml', profile: 'test', values: { experiments } };
}

const BASE: ParamsTree = {
  datasets: ['ptbxl', 'mimic'],
  backbones: ['gpt2-medium', 'llama-2'],
  zero_shot: { backbones: 'all', directions: ['mimic-to-ptbxl'] },
  robustness: { backbones: ['llama-2'], dataset: 'mimic', perturbations: ['meit-partial-noise', 'gaussian'] },
  ablations: { backbones: ['gpt2-medium'], dataset: 'ptbxl', alignments: ['prefix', 'none'] },
};

test("every profile of the project's params.yaml gives a valid plan; smoke is a strict subset of quick", () => {
  const quick = readExperimentPlan(loadParams(PARAMS, 'quick'));
  assert.equal(quick.backbones.length, 9, 'quick runs the nine paper backbones');
  assert.equal(quick.zeroShot.directions.length, 2);
  const smoke = readExperimentPlan(loadParams(PARAMS, 'smoke'));
  assert.ok(smoke.backbones.length < quick.backbones.length);
  for (const b of smoke.backbones) assert.ok(quick.backbones.includes(b));
  for (const profile of ['full', 'paper']) readExperimentPlan(loadParams(PARAMS, profile));
});

test('the plan resolves "all", directions and the example defaults', () => {
  const plan = readExperimentPlan(withExperiments(BASE));
  assert.deepEqual(plan.zeroShot.backbones, ['gpt2-medium', 'llama-2']);
  assert.deepEqual(plan.zeroShot.directions, [{ from: 'mimic', to: 'ptbxl' }]);
  assert.deepEqual(plan.example, { dataset: 'ptbxl', backbone: 'gpt2-medium', index: 0 });
  assert.deepEqual(plan.ablations.alignments, ['prefix', 'none']);
});

function rejects(change: ParamsTree, pattern: RegExp) {
  assert.throws(
    () => readExperimentPlan(withExperiments({ ...BASE, ...change })),
    (err: unknown) => err instanceof InputError && err.file === 'params.yaml' && pattern.test(err.message),
  );
}

test('bad plans are InputErrors naming the key', () => {
  rejects({ backbones: ['gpt-5'] }, /experiments\.backbones: "gpt-5" is not allowed/);
  rejects({ zero_shot: { backbones: ['opt'], directions: [] } }, /zero_shot\.backbones: opt not in experiments\.backbones/);
  rejects({ zero_shot: { directions: ['ptbxl-to-ptbxl'] } }, /two different datasets/);
  rejects({ zero_shot: { directions: ['mimic>ptbxl'] } }, /must look like mimic-to-ptbxl/);
  rejects({ robustness: { ...(BASE.robustness as ParamsTree), perturbations: ['meit-partial-noise', 'powerline'] } }, /"powerline" is not allowed here \(it is in mV/);
  rejects({ robustness: { ...(BASE.robustness as ParamsTree), perturbations: ['gaussian'] } }, /needs meit-partial-noise and at least one other/);
  rejects({ robustness: { ...(BASE.robustness as ParamsTree), dataset: 'chapman' } }, /robustness\.dataset: "chapman" is not allowed/);
  rejects({ datasets: ['ptbxl'], zero_shot: { directions: [] } }, /robustness\.dataset: mimic is not in experiments\.datasets/);
  rejects({ ablations: { ...(BASE.ablations as ParamsTree), alignments: ['meit'] } }, /alignments: "meit" is not allowed/);
  rejects({ example: { index: -1 } }, /example\.index must be a non-negative integer/);
});

test('extra seeds: integers, distinct from each other and from seed', () => {
  const plan = (extra: unknown, seed = 0) =>
    readExperimentPlan({ file: 'params.yaml', profile: 'test', values: { seed, experiments: { ...BASE, extra_seeds: extra as ParamsTree[string] } } });
  assert.deepEqual(plan([1, 2]).extraSeeds, [1, 2]);
  assert.deepEqual(readExperimentPlan(withExperiments(BASE)).extraSeeds, []);
  assert.throws(() => plan([0]), (e: unknown) => e instanceof InputError && /must differ/.test(e.message));
  assert.throws(() => plan([1, 1]), /must differ/);
  assert.throws(() => plan([1.5]), /non-negative integers/);
});

test('workers: auto is one per core (none on one core), or an explicit count', () => {
  const cores = availableParallelism();
  assert.equal(readExperimentPlan(withExperiments(BASE)).workers, cores > 1 ? cores : 0);
  assert.equal(readExperimentPlan(withExperiments({ ...BASE, workers: 'auto' })).workers, cores > 1 ? cores : 0);
  assert.equal(readExperimentPlan(withExperiments({ ...BASE, workers: 0 })).workers, 0);
  assert.equal(readExperimentPlan(withExperiments({ ...BASE, workers: 3 })).workers, 3);
  rejects({ workers: -1 }, /experiments\.workers must be auto or an integer from 0 to 64/);
  rejects({ workers: 'many' }, /experiments\.workers must be auto/);
});
