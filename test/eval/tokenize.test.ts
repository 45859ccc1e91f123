import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ptbTokenize } from '../../lib/eval/tokenize.ts';
import { nltkWordTokenize } from '../../lib/eval/nltk-tokenize.ts';
import { meteorNormalize } from '../../lib/eval/meteor/normalize.ts';
import { COCO, MEIT, PAIRS } from './fixtures.ts';

const strings = (pick: (id: string) => { prediction: string; references: string[] }) =>
  PAIRS.flatMap((p) => {
    const want = pick(p.id);
    return [[p.prediction, want.prediction], ...p.references.map((r, k) => [r, want.references[k]!])] as [string, string][];
  });

test('PTB tokens equal the Stanford PTBTokenizer (pycocoevalcap) on every fixture string', () => {
  const cases = strings((id) => COCO.perExample[id]!);
  assert.ok(cases.length > 700);
  for (const [raw, want] of cases) assert.equal(ptbTokenize(raw), want, JSON.stringify(raw));
});

test('PTB tokens equal the jar on the tokenizer probes (units, symbols, clitics, abbreviations)', () => {
  for (const { text, tokens } of COCO.tokenizerProbes) assert.equal(ptbTokenize(text), tokens, JSON.stringify(text));
});

test('NLTK word_tokenize port: equal to NLTK except after "ms." before a capitalised word', () => {
  // Known departure (nltk-tokenize.ts, orthoHeuristic): without Punkt's orthographic table the
  // port cannot tell that "Right"/"Otherwise" start sentences after the abbreviation "ms.".
  const differing = strings((id) => MEIT.nltk[id]!).filter(([raw, want]) => nltkWordTokenize(raw).join(' ') !== want);
  assert.ok(differing.length <= 4, `${differing.length} strings differ`);
  for (const [raw] of differing) assert.match(raw, /ms\. (Right|Otherwise)/);
});

test('Meteor -norm token counts equal the jar statistics (test and reference lengths)', () => {
  for (const [id, e] of Object.entries(COCO.perExample)) {
    const [testLength] = e.meteorStats.split(' ').map(Number);
    assert.equal(meteorNormalize(e.prediction).length, testLength, id);
  }
  assert.deepEqual(meteorNormalize("patient 's ecg is n't normal qt/qtc e.g. ms."), [
    'patient', "'", 's', 'ecg', 'is', 'n', "'t", 'normal', 'qt', '/', 'qtc', 'eg', 'ms', '.',
  ]);
});
