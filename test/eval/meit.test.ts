import { test } from 'node:test';
import assert from 'node:assert/strict';
import { meitBatchScores, officialConvert, type MeitExample } from '../../lib/eval/meit-mode.ts';
import { prepareCaptions } from '../../lib/eval/score.ts';
import { MEIT, PAIRS, predictionsOf, referencesOf } from './fixtures.ts';

for (const [key, assistantPrefix] of [['assistantPrefix', true], ['plain', false]] as const) {
  test(`meit mode (${key}): BLEU, ROUGE-L, CIDEr-D equal the official computation per batch and overall`, () => {
    const prepared = prepareCaptions(predictionsOf(PAIRS), referencesOf(PAIRS), { mode: 'meit', assistantPrefix });
    const scores = prepared.score();
    const want = MEIT[key];
    for (const m of ['BLEU-1', 'BLEU-2', 'BLEU-3', 'BLEU-4', 'ROUGE-L', 'CIDEr-D'] as const) {
      assert.ok(Math.abs(scores[m] - want.scores[m]) < 1e-6, `${m}: ${scores[m]} vs ${want.scores[m]}`);
    }
    const batches = meitBatchScores(prepared.examples as readonly MeitExample[], MEIT.batchSize);
    assert.equal(batches.length, want.batches.length);
    batches.forEach((b, k) => assert.ok(Math.abs(b['CIDEr-D'] - want.batches[k]!['CIDEr-D']) < 1e-6, `batch ${k}`));
    // METEOR: NLTK's, through the word_tokenize port (see tokenize.test.ts); measured gap < 1e-4.
    assert.ok(Math.abs(scores.METEOR - want.scores.METEOR) < 1e-3, `METEOR ${scores.METEOR} vs ${want.scores.METEOR}`);
  });
}

test('meit mode inflates scores relative to plain text, and depends on batch order', () => {
  assert.ok(MEIT.assistantPrefix.scores['BLEU-1'] > MEIT.plain.scores['BLEU-1']);
  const reversed = [...PAIRS].reverse();
  const a = prepareCaptions(predictionsOf(PAIRS), referencesOf(PAIRS), { mode: 'meit' }).score();
  const b = prepareCaptions(predictionsOf(reversed), referencesOf(reversed), { mode: 'meit' }).score();
  assert.notEqual(a['CIDEr-D'], b['CIDEr-D']);
});

test('officialConvert is the official regex', () => {
  assert.equal(officialConvert('Sinus rhythm.  Borderline ECG.'), 'Sinus rhythm . Borderline ECG .');
  assert.equal(officialConvert('<|assistant|>\nnormal ecg'), '<|assistant|>\nnormal ecg');
});
