import { test } from 'node:test';
import assert from 'node:assert/strict';
import { clinicalScores, labelExample, perCodeScores, referenceCodes, superclassCodes } from '../../lib/eval/clinical/scores.ts';
import { prepareClinical } from '../../lib/eval/clinical/index.ts';
import { bootstrapCIs } from '../../lib/eval/bootstrap.ts';
import { InputError } from '../../lib/util/errors.ts';
import { Rng } from '../../lib/util/prng.ts';
import { ptbxlReport } from '../../lib/data/dialects.ts';

// Three examples, worked by hand:
//   1. predicted SR LVH      reference SR LVH        tp SR LVH
//   2. predicted SR AFIB     reference AFIB CLBBB    tp AFIB, fp SR, fn CLBBB
//   3. predicted (none)      reference (none)        exact match
const EXAMPLES = [labelExample(['SR', 'LVH'], ['LVH', 'SR']), labelExample(['SR', 'AFIB', 'SR'], ['AFIB', 'CLBBB']), labelExample([], [])];

test('micro, macro and exact match on a worked example', () => {
  const s = clinicalScores(EXAMPLES);
  // micro: tp 3, fp 1, fn 1
  assert.equal(s['CE-micro-P'], 3 / 4);
  assert.equal(s['CE-micro-R'], 3 / 4);
  assert.equal(s['CE-micro-F1'], 3 / 4);
  // macro over codes in the references: LVH (P 1, R 1), SR (P 1/2, R 1), AFIB (1, 1), CLBBB (0, 0)
  assert.equal(s['CE-macro-P'], (1 + 0.5 + 1 + 0) / 4);
  assert.equal(s['CE-macro-R'], (1 + 1 + 1 + 0) / 4);
  assert.equal(s['CE-macro-F1'], (1 + 2 / 3 + 1 + 0) / 4);
  assert.equal(s['CE-exact'], 2 / 3);
});

test('codes absent from the references: out of the macro mean, in micro precision', () => {
  const withSpurious = [...EXAMPLES, labelExample(['PACE'], [])];
  const s = clinicalScores(withSpurious);
  const before = clinicalScores(EXAMPLES);
  assert.equal(s['CE-macro-F1'], before['CE-macro-F1']);
  assert.equal(s['CE-micro-P'], 3 / 5);
  assert.deepEqual(perCodeScores(withSpurious).PACE, { support: 0, tp: 0, fp: 1, fn: 0, precision: 0, recall: 0, f1: 0 });
});

test('indices select examples and may repeat (a bootstrap resample)', () => {
  const repeated = clinicalScores(EXAMPLES, Uint32Array.from([1, 1, 0]));
  const explicit = clinicalScores([EXAMPLES[1]!, EXAMPLES[1]!, EXAMPLES[0]!]);
  assert.deepEqual(repeated, explicit);
  assert.notDeepEqual(repeated, clinicalScores(EXAMPLES));
});

test('nothing predicted, nothing to find: zero scores, no NaN', () => {
  const s = clinicalScores([labelExample([], ['SR'])]);
  assert.ok(Object.values(s).every((v) => v === 0), JSON.stringify(s));
});

test('reference codes from PTB-XL likelihoods keep 0-likelihood statements', () => {
  const labels = { IMI: 35, ABQRS: 0, SR: 0, LVH: 100 };
  assert.deepEqual(referenceCodes(labels), ['ABQRS', 'IMI', 'LVH', 'SR']);
  assert.deepEqual(referenceCodes(labels, 50), ['ABQRS', 'LVH', 'SR']);
  assert.deepEqual(superclassCodes(['IMI', 'ASMI', 'SR', 'LVH', 'CLBBB', 'NDT']), ['CD', 'HYP', 'MI', 'STTC']);
});

test('prepareClinical: dataset labels when references carry them, else the labeler on the reference text', () => {
  const predictions = new Map([
    ['a', 'sinus rhythm. left ventricular hypertrophy.'],
    ['b', 'Atrial fibrillation. Abnormal ECG'],
  ]);
  const references = new Map([
    ['a', ['sinus rhythm. normal ecg.']],
    ['b', ['atrial fibrillation. left bundle branch block.']],
  ]);
  const byLabeler = prepareClinical(predictions, references, new Map());
  assert.equal(byLabeler.source, 'labeler');
  assert.deepEqual(byLabeler.examples.map((e) => e.reference), [['NORM', 'SR'], ['AFIB', 'CLBBB']]);
  assert.equal(byLabeler.score()['CE-micro-P'], 2 / 3);

  const labels = new Map<string, Record<string, number>>([
    ['a', { LVH: 50, SR: 0 }],
    ['b', { AFIB: 0 }],
  ]);
  const byDataset = prepareClinical(predictions, references, labels);
  assert.equal(byDataset.source, 'dataset');
  assert.deepEqual(byDataset.score()['CE-exact'], 1);
  assert.equal(prepareClinical(predictions, references, labels, { minLikelihood: 80 }).score()['CE-exact'], 0.5);

  const superclass = prepareClinical(predictions, references, labels, { level: 'superclass' });
  assert.deepEqual(superclass.examples.map((e) => e.reference), [['HYP'], []]);

  assert.throws(() => prepareClinical(predictions, references, new Map([['a', { SR: 0 }]])), (err: unknown) => {
    return err instanceof InputError && /1 of 2 references carry labels.*"b"/.test(err.message);
  });
});

test('bootstrap over clinical examples: deterministic, brackets the estimate', () => {
  const rng = new Rng('clinical-examples');
  const codes = ['SR', 'AFIB', 'LVH', 'IMI', 'CLBBB'];
  const examples = Array.from({ length: 300 }, () => {
    const reference = codes.filter(() => rng.bernoulli(0.3));
    // A labeller that misses 20% of the codes and adds a spurious one 10% of the time.
    const predicted = [...reference.filter(() => rng.bernoulli(0.8)), ...(rng.bernoulli(0.1) ? [rng.pick(codes)] : [])];
    return labelExample(predicted, reference);
  });
  const run = () => bootstrapCIs(examples.length, (idx) => clinicalScores(examples, idx), { rng: new Rng(5), resamples: 200 });
  const a = run();
  assert.deepEqual(a, run());
  for (const [name, ci] of Object.entries(a)) assert.ok(ci.low <= ci.estimate && ci.estimate <= ci.high && ci.high - ci.low > 0, name);
  assert.ok(a['CE-micro-R'].low > 0.7 && a['CE-micro-R'].high < 0.9, JSON.stringify(a['CE-micro-R']));
});

test('a group of alternative codes: its hits count, the rest is ignored, no hit is one false positive', () => {
  assert.deepEqual(labelExample([['1AVB', 'LPR']], ['LPR']), { predicted: ['LPR'], reference: ['LPR'], tp: ['LPR'], fp: [], fn: [] });
  assert.deepEqual(labelExample([['1AVB', 'LPR']], ['1AVB', 'LPR']).tp, ['1AVB', 'LPR']);
  assert.deepEqual(labelExample([['1AVB', 'LPR']], ['SR']), { predicted: ['1AVB'], reference: ['SR'], tp: [], fp: ['1AVB'], fn: ['SR'] });
  // The same finding read twice ("q waves ... inferior infarction") is one false positive.
  assert.deepEqual(labelExample([['IMI', 'QWAVE'], ['IMI']], []).fp, ['IMI']);
});

test('the same findings in other words score 1 in the PTB-XL dialect, with dataset labels or the labeler', () => {
  const pool = ['SR', 'AFIB', 'AFLT', 'SBRAD', 'STACH', 'IMI', 'ASMI', 'AMI', 'LVH', 'CLBBB', 'CRBBB', 'LAFB', '1AVB', 'STD_', 'STE_', 'INVT', 'LNGQT', 'LVOLT', 'PVC', 'PAC'];
  const rng = new Rng('same-findings');
  const predictions = new Map<string, string>();
  const references = new Map<string, string[]>();
  const labels = new Map<string, Record<string, number>>();
  for (let i = 0; i < 300; i++) {
    const codes = rng.shuffle([...pool]).slice(0, rng.int(1, 5));
    predictions.set(`${i}`, ptbxlReport(codes, rng.fork(`prediction ${i}`)));
    references.set(`${i}`, [ptbxlReport(codes, rng.fork(`reference ${i}`))]);
    labels.set(`${i}`, Object.fromEntries(codes.map((c) => [c, 100])));
  }
  const phrasingsDiffer = [...predictions].filter(([id, p]) => p !== references.get(id)![0]).length;
  assert.ok(phrasingsDiffer > 100, `${phrasingsDiffer}`);
  for (const prepared of [prepareClinical(predictions, references, labels), prepareClinical(predictions, references, new Map())]) {
    assert.ok(Object.values(prepared.score()).every((v) => v === 1), `${prepared.source}: ${JSON.stringify(prepared.score())}`);
  }
});
