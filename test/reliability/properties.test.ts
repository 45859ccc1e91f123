/**
 * Property-based tests (fast-check) of the two parsers of untrusted text that everything else
 * trusts, and of the metrics:
 *   - WFDB headers: parse ∘ format is the identity on every header the kit can write; text
 *     is a fixpoint of format ∘ parse; on arbitrary or mangled text, parseHeader returns or
 *     throws an InputError naming the file, never anything else (the longer fuzz run is
 *     scripts/fuzz-header.ts);
 *   - metrics: a candidate equal to its reference scores at least as much as any other
 *     candidate, on every metric, in both modes (test/eval/properties.test.ts covers the
 *     values at the maximum for coco mode, ranges and order invariance).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { formatHeader, parseHeader } from '../../lib/ecg/wfdb/index.ts';
import { CAPTION_METRICS } from '../../lib/eval/metrics.ts';
import { scoreCaptions, type ScoreMode } from '../../lib/eval/score.ts';
import { InputError } from '../../lib/util/errors.ts';
import { headerArb, mutatedHeaderText } from './wfdb-arbitraries.ts';

/** Fixed seeds: a failure here reproduces; the fuzz script explores new ones. */
const runs = (numRuns: number) => ({ numRuns, seed: 20240305 });

test('WFDB: parseHeader(formatHeader(h)) gives back h', () => {
  fc.assert(
    fc.property(headerArb, (header) => {
      const parsed = parseHeader(formatHeader(header), 'x.hea');
      // The parser records how many fields each signal line states; the kit writes all nine.
      assert.deepEqual({ ...parsed, signals: parsed.signals.map(({ fieldCount, ...s }) => (assert.equal(fieldCount, 9), s)) }, header);
    }),
    runs(300),
  );
});

test('WFDB: a header with fewer stated fields formats back to the same text', () => {
  const truncated = fc.tuple(headerArb, fc.array(fc.integer({ min: 2, max: 9 }), { minLength: 6, maxLength: 6 })).map(([header, counts]) => ({
    ...header,
    signals: header.signals.map((s, i) => ({ ...s, fieldCount: counts[i] })),
  }));
  fc.assert(
    fc.property(truncated, (header) => {
      const text = formatHeader(header);
      assert.equal(formatHeader(parseHeader(text, 'x.hea')), text);
    }),
    runs(300),
  );
});

/** parseHeader may only return a header or throw an InputError naming the file and a line. */
function parsesOrRefuses(text: string): void {
  try {
    parseHeader(text, 'fuzz.hea');
  } catch (err) {
    if (!(err instanceof InputError)) throw new Error(`${String(err)} on ${JSON.stringify(text)}`, { cause: err });
    assert.equal(err.file, 'fuzz.hea');
    assert.match(err.where ?? '', /^line \d+$/);
  }
}

test('WFDB: parseHeader on arbitrary text returns or throws an InputError naming the file and line', () => {
  fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 300 }), parsesOrRefuses), runs(2000));
});

test('WFDB: parseHeader on mangled valid headers returns or throws an InputError naming the file and line', () => {
  fc.assert(fc.property(mutatedHeaderText, parsesOrRefuses), runs(2000));
});

const WORDS = ['sinus', 'rhythm', 'left', 'axis', 'deviation', 'normal', 'ecg', 'st', 'changes', 'block', 'av', 'qrs', 'possible', 'infarct', 'lvh', 'borderline'];
const sentence = fc.array(fc.constantFrom(...WORDS), { minLength: 1, maxLength: 10 }).map((ws) => ws.join(' '));

test('metrics: a candidate equal to its reference scores at least as much as any other, on every metric, in both modes', () => {
  // One reference: with several, another reference can legitimately score more than the first.
  fc.assert(
    fc.property(sentence, sentence, fc.constantFrom<ScoreMode>('coco', 'meit'), (reference, other, mode) => {
      const score = (candidate: string) => scoreCaptions(new Map([['a', candidate]]), new Map([['a', [reference]]]), { mode });
      const exact = score(reference);
      const rival = score(other);
      for (const m of CAPTION_METRICS) assert.ok(exact[m] >= rival[m] - 1e-9, `${mode} ${m}: ${exact[m]} for the reference itself < ${rival[m]} for ${JSON.stringify(other)}`);
      // Where the maximum is known, the exact candidate reaches it.
      assert.equal(exact['ROUGE-L'], 1);
      if (reference.split(' ').length >= 4) for (const m of ['BLEU-1', 'BLEU-2', 'BLEU-3', 'BLEU-4'] as const) assert.ok(Math.abs(exact[m] - 1) < 1e-6, `${mode} ${m} ${exact[m]}`);
    }),
    runs(200),
  );
});
