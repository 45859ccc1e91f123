import { test } from 'node:test';
import assert from 'node:assert/strict';
import { prepareCaptions, scoreCaptions } from '../../lib/eval/score.ts';
import type { CocoExample } from '../../lib/eval/coco.ts';
import { COCO, PAIRS, predictionsOf, referencesOf } from './fixtures.ts';

const prepared = prepareCaptions(predictionsOf(PAIRS), referencesOf(PAIRS), { mode: 'coco' });
const scores = prepared.score();

test('coco: BLEU-1..4, ROUGE-L and CIDEr-D equal pycocoevalcap to 1e-6', () => {
  for (const m of ['BLEU-1', 'BLEU-2', 'BLEU-3', 'BLEU-4', 'ROUGE-L', 'CIDEr-D'] as const) {
    assert.ok(Math.abs(scores[m] - COCO.scores[m]) < 1e-6, `${m}: ${scores[m]} vs ${COCO.scores[m]}`);
  }
});

test('coco: per-example ROUGE-L equals pycocoevalcap', () => {
  for (const e of prepared.examples as readonly CocoExample[]) {
    assert.ok(Math.abs(e.rougeL - COCO.perExample[e.id]!.rougeL) < 1e-9, e.id);
  }
});

test('coco: METEOR within the stated gap of the Meteor 1.5 jar (measured 0.0020)', () => {
  const gap = Math.abs(scores.METEOR - COCO.scores.METEOR);
  assert.ok(gap < 0.005, `gap ${gap}`);
});

test('coco: a resample is scored as that subset would be (bootstrap API)', () => {
  const firstHalf = PAIRS.slice(0, 150);
  const direct = scoreCaptions(predictionsOf(firstHalf), referencesOf(firstHalf), { mode: 'coco' });
  const viaIndices = prepared.score(firstHalf.map((_, i) => i));
  for (const m of Object.keys(direct) as (keyof typeof direct)[]) assert.ok(Math.abs(direct[m] - viaIndices[m]) < 1e-12, m);
  assert.notEqual(direct['CIDEr-D'], scores['CIDEr-D']);
});

test('ids must match exactly', () => {
  const preds = predictionsOf(PAIRS);
  preds.delete(PAIRS[3]!.id);
  assert.throws(() => scoreCaptions(preds, referencesOf(PAIRS), { mode: 'coco' }), /without a prediction .*"/);
  const extra = predictionsOf(PAIRS).set('nope', 'sinus rhythm');
  assert.throws(() => scoreCaptions(extra, referencesOf(PAIRS), { mode: 'coco' }), /prediction id\(s\) without references \(first: "nope"\)/);
  assert.throws(() => scoreCaptions({ a: 'x' }, { a: [] }, { mode: 'coco' }), /non-empty list/);
});
