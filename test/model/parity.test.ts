/**
 * Parity with Hugging Face transformers: every committed fixture (a tiny random HF checkpoint
 * with its family's tokenizer, two texts with transformers' token ids, and the logits
 * transformers computed for them as a padded batch; scripts/fixtures/hf_parity.py) gives the
 * identical ids through loadTokenizer and, loaded through checkpoint-hf.ts, the logits within
 * 1e-4. Also: the fixtures are sensitive to the quirks they are meant to cover, bad checkpoints
 * are one-line input errors, and the `meit models` commands.
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
import { loadTokenizer } from '../../lib/model/tokenizer.ts';
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
  test(`${name}: identical token ids, logits within ${PARITY_TOLERANCE} of transformers`, async () => {
    const result = await runParityFixture(dir);
    assert.ok(result.tokenIdsMatch, 'loadTokenizer encodes the texts to other ids than transformers');
    assert.ok(result.compared > 10_000, `only ${result.compared} logits compared`);
    assert.ok(result.maxAbsDiff <= PARITY_TOLERANCE, `max |Δlogit| ${result.maxAbsDiff}`);
  });
}

/** The token ids transformers gave each text, and the fixture's config and tokenizer. */
async function fixtureTokens(dir: string) {
  const reference = JSON.parse(readFileSync(join(dir, 'reference.json'), 'utf8')) as { preset: string; token_ids: number[][] };
  const config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as { vocab_size: number };
  const spec = JSON.parse(readFileSync(join(dir, 'tokenizer.json'), 'utf8')) as { model: { byte_fallback?: boolean }; pre_tokenizer: unknown };
  return { reference, config, spec, tokenizer: await loadTokenizer(dir) };
}

test("the tokenizers are of their family's kind, with the model's vocabulary size and BOS convention", async () => {
  // BOS prepended by OPT (</s>), LLaMA-2 and Mistral (<s>), LLaMA-3 (<|begin_of_text|>); none by the GPT-2 lineage and BLOOM.
  const bos: Record<string, string | null> = { opt: '</s>', 'llama-2': '<s>', mistral: '<s>', 'llama-3': '<|begin_of_text|>' };
  for (const dir of FIXTURES) {
    const { reference, config, spec, tokenizer } = await fixtureTokens(dir);
    const name = dir.split(/[\\/]/).pop()!;
    assert.equal(tokenizer.vocabSize, config.vocab_size, `${name}: tokenizer and model vocabularies differ`);
    const sentencePiece = ['llama-2', 'mistral'].includes(reference.preset);
    assert.equal(spec.model.byte_fallback === true, sentencePiece, `${name}: byte fallback`);
    assert.equal(JSON.stringify(spec.pre_tokenizer ?? null).includes('ByteLevel'), !sentencePiece, `${name}: byte-level pre-tokenizer`);
    const expectedBos = bos[reference.preset];
    for (const ids of reference.token_ids) {
      if (expectedBos) assert.equal(ids[0], tokenizer.tokenId(expectedBos), `${name}: first id should be ${expectedBos}`);
      else assert.ok(ids.filter((id) => id === tokenizer.bosId).length === 0, `${name}: no BOS expected`);
    }
    // The second text has characters the training corpus never saw: bytes or byte-fallback tokens.
    assert.ok(tokenizer.decode(reference.token_ids[1]!, { skipSpecialTokens: true }).includes('µV'), `${name}: round trip of unseen characters`);
  }
});

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

  const wrongShape = await editedCopy('bloom', (t) => t.set('transformer.h.0.self_attention.dense.weight', { shape: [36, 35], data: new Float32Array(36 * 35) }));
  await assert.rejects(loadHfCheckpoint(wrongShape), inputError(/model\.safetensors$/, /dense\.weight has shape \[36, 35\], expected \[36, 36\]/));

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

test('a reference whose batch is not made of its token ids is an InputError', async () => {
  const dir = join(tmp, 'inconsistent');
  cpSync(join(PARITY_FIXTURES_DIR, 'mistral'), dir, { recursive: true });
  const referenceFile = join(dir, 'reference.json');
  const reference = JSON.parse(readFileSync(referenceFile, 'utf8')) as { token_ids: number[][] };
  reference.token_ids[1]![2]! += 1;
  writeFileSync(referenceFile, JSON.stringify(reference));
  await assert.rejects(runParityFixture(dir), inputError(/reference\.json$/, /input_ids must be row 1 padded from token_ids\[1\]/));
});

test('meit models parity: every family passes; a wrong logit or token id fails; a bad fixtures dir is a one-line error', async () => {
  const r = await runMeit(['models', 'parity', '--json']);
  assert.equal(r.code, 0, r.stderr);
  const report = JSON.parse(r.stdout) as { results: { fixture: string; tokenIdsMatch: boolean; maxAbsDiff: number }[] };
  assert.equal(report.results.length, FIXTURES.length);
  assert.ok(report.results.every((x) => x.tokenIdsMatch && x.maxAbsDiff <= PARITY_TOLERANCE));

  const tampered = join(tmp, 'tampered');
  cpSync(join(PARITY_FIXTURES_DIR, 'opt'), join(tampered, 'opt'), { recursive: true });
  const logitsFile = join(tampered, 'opt', 'logits.safetensors');
  const logits = await readSafetensors(logitsFile);
  logits.get('logits')!.data[0]! += 0.01;
  await writeSafetensors(logitsFile, logits);
  // Another text than the one the ids came from: the kit's ids differ from the reference's.
  cpSync(join(PARITY_FIXTURES_DIR, 'llama-2'), join(tampered, 'llama-2'), { recursive: true });
  const referenceFile = join(tampered, 'llama-2', 'reference.json');
  const reference = JSON.parse(readFileSync(referenceFile, 'utf8')) as { texts: string[] };
  reference.texts[1] = reference.texts[1]!.replace('µV', 'mV');
  writeFileSync(referenceFile, JSON.stringify(reference));
  const failing = await runMeit(['models', 'parity', '--fixtures', tampered]);
  assert.equal(failing.code, 1);
  assert.match(failing.stdout, /llama-2 .*token ids DIFFERENT .*FAIL/);
  assert.match(failing.stdout, /opt .*token ids identical .*FAIL/);

  const bad = await runMeit(['models', 'parity', '--fixtures', join(tmp, 'nope')]);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /^meit: error: .*nope: parity fixtures directory not found\n$/);
});
