/**
 * Generation: greedy with the KV cache equals greedy by full recomputation, one beam is greedy,
 * beam search finds what greedy misses, sampling is reproducible per seed, EOS and the token
 * budget stop each row, and left padding makes a batch equal its rows run alone.
 */
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { type AlignmentKind } from '../../lib/model/alignment.ts';
import { initBackend } from '../../lib/model/backend.ts';
import { ecgBatch, encodePrompt } from '../../lib/model/batch.ts';
import type { KvCache } from '../../lib/model/decoder.ts';
import { type SequenceModel, generate } from '../../lib/model/generate.ts';
import { Rng } from '../../lib/util/prng.ts';
import { randomEcgs, randomiseAll, tinyModel, tinyTokenizer } from './multimodal-setup.ts';

before(async () => {
  await initBackend('wasm');
});

const tokenizer = tinyTokenizer();
const EOS = tokenizer.eosId!;
const PROMPTS = [encodePrompt(tokenizer, 'Describe this ECG.'), encodePrompt(tokenizer, 'Write the report of this ECG.'), encodePrompt(tokenizer, null)];
const ecg = ecgBatch(randomEcgs(3));

/**
 * A model without weights: the log-probabilities of the next token are `next(tokens so far)`.
 * Its "cache" remembers the tokens seen so far, so cached and uncached calls see the same
 * history (without beam reordering).
 */
function scriptedModel(vocab: number, next: (history: number[]) => number[]): SequenceModel {
  const histories = new WeakMap<KvCache, number[][]>();
  const model: SequenceModel = {
    forward(inputIds, attentionMask, cache) {
      const ids = inputIds.arraySync();
      const mask = attentionMask.arraySync();
      const past = cache ? histories.get(cache)! : ids.map(() => []);
      const rows = ids.map((row, b) => {
        const history = [...past[b]!];
        return row.map((id, t) => {
          if (mask[b]![t]) history.push(id);
          return next(history);
        });
      });
      const seen = ids.map((row, b) => [...past[b]!, ...row.filter((_, t) => mask[b]![t])]);
      const newCache: KvCache = { layers: [], mask: tf.ones([ids.length, 1]) };
      histories.set(newCache, seen);
      assert.equal(rows[0]![0]!.length, vocab);
      return { logits: tf.tensor3d(rows), cache: newCache };
    },
    selectRows: () => model,
  };
  return model;
}

test('a row stops at EOS (not returned) or after maxNewTokens; finished rows wait for the others', () => {
  // Next token = last + 1, and 5 is the EOS.
  const model = scriptedModel(6, (h) => Array.from({ length: 6 }, (_, id) => (id === (h.at(-1)! + 1) % 6 ? 0 : -5)));
  assert.deepEqual(generate(model, [[2], [0, 4], [1]], { eosId: 5 }), [[3, 4], [], [2, 3, 4]]);
  assert.deepEqual(generate(model, [[2], [1]], { eosId: 5, maxNewTokens: 1 }), [[3], [2]]);
  assert.deepEqual(generate(model, [[2]], { eosId: 5, maxNewTokens: 0 }), [[]]);
  assert.deepEqual(generate(model, [[2]], { eosId: undefined, maxNewTokens: 7 }), [[3, 4, 5, 0, 1, 2, 3]]);
  assert.throws(() => generate(model, [[]], { eosId: 5 }), /at least one token/);
});

test('beam search finds the likelier report that greedy misses (length-normalised)', () => {
  // Tokens: 1 = EOS, 2 = A (p .6, then a flat continuation), 3 = B (p .4, then EOS at .99).
  const model = scriptedModel(5, (h) => {
    const p = h.length === 1 ? [0.0001, 0.0001, 0.6, 0.3998, 0.0001] : h[1] === 2 ? [0.01, 0.34, 0.33, 0.32, 0] : [0.0025, 0.99, 0.0025, 0.0025, 0.0025];
    return p.map((x) => Math.log(x + 1e-12));
  });
  // (Full recomputation: the scripted history does not follow the beams' cache reordering.)
  const options = { eosId: 1, useCache: false };
  assert.deepEqual(generate(model, [[4]], { ...options, strategy: 'greedy' }), [[2]]);
  assert.deepEqual(generate(model, [[4]], { ...options, strategy: 'beam', numBeams: 2 }), [[3]]);
  assert.deepEqual(generate(model, [[4]], { ...options, strategy: 'beam', numBeams: 1 }), [[2]]);
});

for (const alignment of ['meit', 'prefix', 'xattn', 'none'] as AlignmentKind[]) {
  test(`${alignment}: greedy with the KV cache equals greedy by full recomputation`, () => {
    const model = tinyModel(tokenizer, { alignment });
    randomiseAll(model);
    const options = { eosId: EOS, maxNewTokens: 12 };
    const cached = model.generate(ecg, PROMPTS, options);
    const recomputed = model.generate(ecg, PROMPTS, { ...options, useCache: false });
    assert.deepEqual(cached, recomputed);
    assert.ok(cached.some((row) => row.length > 3), 'the test generates more than a few tokens');
    model.dispose();
  });
}

test('beam search: one beam is greedy; the cache does not change n-beam results', () => {
  const model = tinyModel(tokenizer);
  randomiseAll(model);
  const greedy = model.generate(ecg, PROMPTS, { eosId: EOS, maxNewTokens: 10 });
  assert.deepEqual(model.generate(ecg, PROMPTS, { eosId: EOS, maxNewTokens: 10, strategy: 'beam', numBeams: 1 }), greedy);
  const beam = model.generate(ecg, PROMPTS, { eosId: EOS, maxNewTokens: 10, strategy: 'beam', numBeams: 3 });
  assert.deepEqual(model.generate(ecg, PROMPTS, { eosId: EOS, maxNewTokens: 10, strategy: 'beam', numBeams: 3, useCache: false }), beam);
  model.dispose();
});

test('sampling is reproducible per seed and differs across seeds; top-k 1 is greedy', () => {
  const model = tinyModel(tokenizer);
  randomiseAll(model);
  const sample = (seed: number, extra = {}) => model.generate(ecg, PROMPTS, { eosId: EOS, maxNewTokens: 12, strategy: 'sample', temperature: 1.5, topP: 0.95, rng: new Rng(seed), ...extra });
  assert.deepEqual(sample(1), sample(1));
  assert.notDeepEqual(sample(1), sample(2));
  assert.deepEqual(sample(3, { topK: 1 }), model.generate(ecg, PROMPTS, { eosId: EOS, maxNewTokens: 12 }));
  assert.throws(() => model.generate(ecg, PROMPTS, { eosId: EOS, strategy: 'sample' }), /rng/);
  model.dispose();
});

test('left padding: a batch of prompts of different lengths generates what each prompt does alone', () => {
  const model = tinyModel(tokenizer);
  randomiseAll(model);
  const batched = model.generate(ecg, PROMPTS, { eosId: EOS, maxNewTokens: 10 });
  const ecgs = randomEcgs(3);
  PROMPTS.forEach((prompt, i) => {
    assert.deepEqual(model.generate(ecgBatch([ecgs[i]!]), [prompt], { eosId: EOS, maxNewTokens: 10 }), [batched[i]]);
  });
  assert.equal(new Set(PROMPTS.map((p) => p.length)).size, 3, 'the prompts really differ in length');
  model.dispose();
});

test('generateText decodes without special tokens', () => {
  const model = tinyModel(tokenizer);
  randomiseAll(model);
  const ids = model.generate(ecg, PROMPTS, { eosId: EOS, maxNewTokens: 8 });
  const texts = model.generateText(ecg, PROMPTS, tokenizer, { maxNewTokens: 8 });
  assert.deepEqual(texts, ids.map((row) => tokenizer.decode(row, { skipSpecialTokens: true }).trim()));
  model.dispose();
});
