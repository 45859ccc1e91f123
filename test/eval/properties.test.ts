import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { scoreCaptions } from '../../lib/eval/score.ts';
import { CAPTION_METRICS } from '../../lib/eval/metrics.ts';

const WORDS = ['sinus', 'rhythm', 'left', 'axis', 'deviation', 'normal', 'ecg', 'st', 'changes', 'block', 'av', 'qrs', 'possible', 'infarct', '.', ','];
const sentence = (min: number) => fc.array(fc.constantFrom(...WORDS), { minLength: min, maxLength: 12 }).map((ws) => ws.join(' '));
const corpus = fc.array(fc.tuple(sentence(1), fc.array(sentence(1), { minLength: 1, maxLength: 3 })), { minLength: 1, maxLength: 8 });
const asMaps = (rows: [string, string[]][]) => [
  new Map(rows.map(([p], i) => [`id${i}`, p])),
  new Map(rows.map(([, r], i) => [`id${i}`, r])),
] as const;
const runs = { numRuns: 40 };

test('a candidate equal to its single reference scores BLEU 1 and ROUGE-L 1 (coco)', () => {
  // At least four words after tokenisation, so that 4-grams exist (BLEU's smoothing gives ~0 otherwise).
  const words = fc.array(fc.constantFrom(...WORDS.filter((w) => /\w/.test(w))), { minLength: 4, maxLength: 12 }).map((ws) => ws.join(' '));
  fc.assert(
    fc.property(fc.array(words, { minLength: 1, maxLength: 6 }), (texts) => {
      const s = scoreCaptions(new Map(texts.map((t, i) => [`${i}`, t])), new Map(texts.map((t, i) => [`${i}`, [t]])), { mode: 'coco' });
      for (const m of ['BLEU-1', 'BLEU-2', 'BLEU-3', 'BLEU-4'] as const) assert.ok(Math.abs(s[m] - 1) < 1e-6, `${m} ${s[m]}`);
      assert.equal(s['ROUGE-L'], 1);
      assert.ok(s.METEOR > 0.9, `METEOR ${s.METEOR}`);
    }),
    runs,
  );
});

test('scores stay in range in both modes', () => {
  fc.assert(
    fc.property(corpus, fc.constantFrom('coco', 'meit') as fc.Arbitrary<'coco' | 'meit'>, (rows, mode) => {
      const [p, r] = asMaps(rows);
      const s = scoreCaptions(p, r, { mode, batchSize: 3 });
      for (const m of CAPTION_METRICS) {
        assert.ok(Number.isFinite(s[m]) && s[m] >= 0, `${m} ${s[m]}`);
        assert.ok(s[m] <= (m === 'CIDEr-D' ? 10 + 1e-9 : 1 + 1e-9), `${m} ${s[m]}`);
      }
    }),
    runs,
  );
});

test('coco scores do not depend on the order of the ids', () => {
  fc.assert(
    fc.property(corpus, fc.integer(), (rows, seed) => {
      const [p, r] = asMaps(rows);
      const ids = [...r.keys()];
      // a deterministic permutation from the seed
      const shuffled = ids.map((id, i) => [id, Math.sin(seed + i)] as const).sort((a, b) => a[1] - b[1]).map(([id]) => id);
      const a = scoreCaptions(p, r, { mode: 'coco' });
      const b = scoreCaptions(new Map(shuffled.map((id) => [id, p.get(id)!])), new Map(shuffled.map((id) => [id, r.get(id)!])), { mode: 'coco' });
      for (const m of CAPTION_METRICS) assert.ok(Math.abs(a[m] - b[m]) < 1e-9, m);
    }),
    runs,
  );
});
