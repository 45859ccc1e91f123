/**
 * Parity with Hugging Face transformers: every committed fixture (a tiny random HF checkpoint
 * and the logits transformers computed for a padded batch; scripts/fixtures/hf_parity.py)
 * loads through checkpoint-hf.ts and reproduces the logits within 1e-4. Also: the fixtures
 * are sensitive to the quirks they are meant to cover, bad checkpoints are one-line input
 * errors, and the `meit models` commands.
 */
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../lib/model/backend.ts';
import { loadHfCheckpoint } from '../../lib/model/checkpoint-hf.ts';
import { PARITY_FIXTURES_DIR, PARITY_TOLERANCE, listParityFixtures, runParityFixture } from '../../lib/model/hf-parity.ts';
import { readSafetensors, writeSafetensors } from '../../lib/model/safetensors.ts';
import { InputError } from '../../lib/util/errors.ts';
import { runMeit } from '../helpers/cli.ts';

const tmp = mkdtempSync(join(tmpdir(), 'meit-parity-'));
before(async () => {
  await initBackend('cpu');
});
after(() => rmSync(tmp, { recursive: true, force: true }));

const FIXTURES = listParityFixtures();

test('there is a parity fixture for every family of the ten presets', () => {
  const presets = new Set(FIXTURES.map((dir) => (JSON.parse(readFileSync(join(dir, 'reference.json'), 'utf8')) as { preset: string }).preset));
  assert.deepEqual([...presets].sort(), ['bloom', 'gpt-j', 'gpt-neo', 'gpt-neox', 'gpt2-large', 'gpt2-medium', 'llama-2', 'llama-3', 'mistral', 'opt']);
});

for (const dir of FIXTURES) {
  const name = dir.split(/[\\/]/).pop()!;
  test(`${name}: logits match transformers within ${PARITY_TOLERANCE}`, async () => {
    const result = await runParityFixture(dir);
    assert.ok(result.compared > 1000, `only ${result.compared} logits compared`);
    assert.ok(result.maxAbsDiff <= PARITY_TOLERANCE, `max |Δlogit| ${result.maxAbsDiff}`);
  });
}

test('the fixtures notice each quirk: changing it breaks parity', async () => {
  const broken = {
    mistral: (c) => c.with({ slidingWindow: null }),
    'gpt-neo': (c) => c.with({ attentionLayers: ['global', 'global'] }),
    // A window one token wider: pins "visible iff 0 ≤ i − j < window".
    'mistral/off-by-one': (c) => c.with({ slidingWindow: c.slidingWindow! + 1 }),
    'gpt-neo/off-by-one': (c) => c.with({ localWindow: c.localWindow + 1 }),
    'llama-3': (c) => c.with({ ropeTheta: 10000 }),
    'gpt-j': (c) => c.with({ rotaryStyle: 'half' }),
    'gpt-neox': (c) => c.with({ rotaryDim: c.headDim }),
    bloom: (c) => c.with({ embeddingNorm: false }),
    opt: (c) => c.with({ positionOffset: 0, maxPositions: c.maxPositions + 2 }),
  } satisfies Record<string, Parameters<typeof runParityFixture>[1]>;
  for (const [change, adjust] of Object.entries(broken)) {
    const { maxAbsDiff } = await runParityFixture(join(PARITY_FIXTURES_DIR, change.split('/')[0]!), adjust);
    assert.ok(maxAbsDiff > 1e-2, `${change}: still within ${maxAbsDiff} after the change`);
  }
});

/** A copy of a fixture with its tensors edited. */
async function editedCopy(fixture: string, edit: (tensors: Map<string, { shape: number[]; data: Float32Array }>) => void): Promise<string> {
  const dir = join(tmp, `${fixture}-${Math.random().toString(36).slice(2)}`);
  cpSync(join(PARITY_FIXTURES_DIR, fixture), dir, { recursive: true });
  const tensors = await readSafetensors(join(dir, 'model.safetensors'));
  edit(tensors as Map<string, { shape: number[]; data: Float32Array }>);
  await writeSafetensors(join(dir, 'model.safetensors'), tensors);
  return dir;
}

function inputError(file: RegExp, message: RegExp) {
  return (e: unknown) => e instanceof InputError && file.test(e.file ?? '') && message.test(e.message);
}

test('published-style checkpoints: no base-model prefix, causal-mask buffers', async () => {
  // openai-community/gpt2-* and bigscience/bloom-* name tensors without "transformer." and carry attn.bias buffers.
  for (const fixture of ['gpt2-medium', 'bloom']) {
    const dir = await editedCopy(fixture, (t) => {
      for (const [name, tensor] of [...t]) {
        t.delete(name);
        t.set(name.replace(/^transformer\./, ''), tensor);
      }
      t.set('h.0.attn.bias', { shape: [1, 1, 4, 4], data: new Float32Array(16) });
    });
    const { maxAbsDiff } = await runParityFixture(dir);
    assert.ok(maxAbsDiff <= PARITY_TOLERANCE, `${fixture}: ${maxAbsDiff}`);
  }
});

test('bad checkpoints are InputErrors naming the file and the tensor', async () => {
  const missing = await editedCopy('gpt2-medium', (t) => t.delete('transformer.h.1.mlp.c_fc.bias'));
  await assert.rejects(loadHfCheckpoint(missing), inputError(/gpt2-medium/, /missing tensor transformer\.h\.1\.mlp\.c_fc\.bias/));

  const extra = await editedCopy('llama-3', (t) => t.set('model.layers.0.self_attn.rotary_extra', { shape: [2], data: new Float32Array(2) }));
  await assert.rejects(loadHfCheckpoint(extra), inputError(/model\.safetensors$/, /unexpected tensor model\.layers\.0\.self_attn\.rotary_extra/));

  const wrongShape = await editedCopy('bloom', (t) => t.set('transformer.h.0.self_attention.dense.weight', { shape: [48, 47], data: new Float32Array(48 * 47) }));
  await assert.rejects(loadHfCheckpoint(wrongShape), inputError(/model\.safetensors$/, /dense\.weight has shape \[48, 47\], expected \[48, 48\]/));

  const unknown = join(tmp, 'unknown');
  cpSync(join(PARITY_FIXTURES_DIR, 'opt'), unknown, { recursive: true });
  writeFileSync(join(unknown, 'config.json'), JSON.stringify({ model_type: 't5' }));
  await assert.rejects(loadHfCheckpoint(unknown), inputError(/config\.json$/, /unsupported model_type "t5"/));

  unlinkSync(join(unknown, 'model.safetensors'));
  cpSync(join(PARITY_FIXTURES_DIR, 'opt', 'config.json'), join(unknown, 'config.json'));
  await assert.rejects(loadHfCheckpoint(unknown), inputError(/unknown$/, /no model\.safetensors/));
});

test('sharded checkpoints: the index is checked against the shards and kept inside the directory', async () => {
  const dir = join(tmp, 'sharded');
  cpSync(join(PARITY_FIXTURES_DIR, 'llama-2'), dir, { recursive: true });
  const indexFile = join(dir, 'model.safetensors.index.json');
  const index = JSON.parse(readFileSync(indexFile, 'utf8')) as { weight_map: Record<string, string> };
  assert.ok(new Set(Object.values(index.weight_map)).size > 1, 'the llama-2 fixture should be sharded');
  const params = await loadHfCheckpoint(dir);
  tf.dispose([...params.weights.values()]);

  writeFileSync(indexFile, JSON.stringify({ weight_map: { ...index.weight_map, 'model.norm.weight': '../outside.safetensors' } }));
  await assert.rejects(loadHfCheckpoint(dir), (e: unknown) => e instanceof InputError && /index\.json$/.test(e.file ?? ''));

  const { 'model.norm.weight': shard, ...rest } = index.weight_map;
  writeFileSync(indexFile, JSON.stringify({ weight_map: { ...rest, 'model.ghost.weight': shard } }));
  await assert.rejects(loadHfCheckpoint(dir), inputError(/\.safetensors$/, /not listed|missing from the shard/));
});

test('meit models list --json: ten presets with real and mini parameter counts', async () => {
  const r = await runMeit(['models', 'list', '--json'], { cwd: tmp });
  assert.equal(r.code, 0, r.stderr);
  const rows = JSON.parse(r.stdout) as { name: string; realParameters: number; miniParameters: number }[];
  assert.equal(rows.length, 10);
  assert.equal(rows.find((x) => x.name === 'llama-2')!.realParameters, 6_738_415_616);
  assert.ok(rows.every((x) => x.miniParameters > 0 && x.miniParameters < 1e6));
});

test('meit models parity: every family within tolerance; a bad fixtures dir is a one-line error', async () => {
  const r = await runMeit(['models', 'parity', '--json']);
  assert.equal(r.code, 0, r.stderr);
  const report = JSON.parse(r.stdout) as { results: { fixture: string; maxAbsDiff: number }[] };
  assert.equal(report.results.length, FIXTURES.length);

  const tampered = join(tmp, 'tampered');
  cpSync(join(PARITY_FIXTURES_DIR, 'opt'), join(tampered, 'opt'), { recursive: true });
  const referenceFile = join(tampered, 'opt', 'reference.json');
  const reference = JSON.parse(readFileSync(referenceFile, 'utf8')) as { logits: number[][][] };
  reference.logits[0]![0]![0]! += 0.01;
  writeFileSync(referenceFile, JSON.stringify(reference));
  const failing = await runMeit(['models', 'parity', '--fixtures', tampered]);
  assert.equal(failing.code, 1);
  assert.match(failing.stdout, /opt .*FAIL/);

  const bad = await runMeit(['models', 'parity', '--fixtures', join(tmp, 'nope')]);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /^meit: error: .*nope: parity fixtures directory not found\n$/);
});
