/**
 * fast-check generators for WFDB headers, shared by the property tests
 * (test/reliability/properties.test.ts) and the fuzz run (scripts/fuzz-header.ts):
 *   - `headerArb`: any header the kit can write, as plain data;
 *   - `mutatedHeaderText`: the text of such a header with random edits, aimed at the parser's
 *     corners (signs, exponents, brackets, huge numbers, binary bytes, line breaks).
 */
import fc from 'fast-check';
import { SUPPORTED_FORMATS, type WfdbHeader, type WfdbSignalSpec } from '../../lib/ecg/wfdb/index.ts';
import { formatHeader } from '../../lib/ecg/wfdb/index.ts';

/** A header token: no whitespace, and not a comment (`#`) nor a null signal (`~`). */
const token = (chars: string, maxLength = 12) =>
  fc.string({ unit: fc.constantFrom(...chars), minLength: 1, maxLength }).filter((s) => !s.startsWith('#') && s !== '~');

const NAME_CHARS = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.';
/** A finite double that prints and parses back to itself (-0 prints as "0", so it is excluded). */
const finite = (options: { min?: number; max?: number; minExcluded?: boolean } = {}) =>
  fc.double({ noNaN: true, noDefaultInfinity: true, ...options }).filter((x) => !Object.is(x, -0) && Number.isFinite(x));
/** Mostly small integers, sometimes anywhere up to the safe-integer limits. */
const safeInt = (min = Number.MIN_SAFE_INTEGER) =>
  fc.oneof(fc.integer({ min: Math.max(min, -1000), max: 1000 }), fc.integer({ min, max: Number.MAX_SAFE_INTEGER }));

const signalArb = (index: number): fc.Arbitrary<WfdbSignalSpec> =>
  fc.record({
    fileName: token(NAME_CHARS).map((n) => `${n}_${index}.dat`),
    format: fc.constantFrom(...SUPPORTED_FORMATS),
    samplesPerFrame: fc.integer({ min: 1, max: 1 << 16 }),
    skew: safeInt(0),
    byteOffset: safeInt(0),
    // A gain of 0 means "the default, 200": not a round trip, so it is not generated.
    adcGain: finite().filter((g) => g !== 0),
    baseline: safeInt(),
    units: token(NAME_CHARS + '/μ%', 8),
    adcResolution: fc.integer({ min: 0, max: 32 }),
    adcZero: safeInt(),
    initialValue: safeInt(),
    checksum: safeInt(),
    blockSize: safeInt(0),
    // The description ends the line and may hold spaces; surrounding blanks are not kept.
    description: fc.string({ minLength: 1, maxLength: 20 }).map((s) => s.replace(/[\r\n\0]/g, ' ').trim()).filter((s) => s !== ''),
  });

const timeArb = fc
  .tuple(fc.integer({ min: 0, max: 23 }), fc.integer({ min: 0, max: 59 }), fc.integer({ min: 0, max: 59 }), fc.option(fc.integer({ min: 0, max: 999 })))
  .map(([h, m, s, ms]) => `${h}:${String(m).padStart(2, '0')}:${String(s).padStart(2, '0')}${ms === null ? '' : `.${ms}`}`);
const dateArb = fc.tuple(fc.integer({ min: 1, max: 31 }), fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 9999 })).map(([d, m, y]) => `${d}/${m}/${y}`);

export const headerArb: fc.Arbitrary<WfdbHeader> = fc
  .integer({ min: 0, max: 6 })
  .chain((n) =>
    fc.record({
      recordName: token(NAME_CHARS),
      fs: finite({ min: 0, minExcluded: true }),
      nSamples: fc.oneof(fc.nat(100_000), fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER })),
      counter: fc.option(fc.tuple(finite(), fc.option(finite()))),
      time: fc.option(fc.tuple(timeArb, fc.option(dateArb))),
      signals: fc.tuple(...Array.from({ length: n }, (_, i) => signalArb(i))),
      comments: fc.array(fc.string({ maxLength: 30 }).map((s) => s.replace(/[\r\n]/g, ' ').trim()).filter((s) => s !== '' && !s.startsWith('#')), { maxLength: 3 }),
    }),
  )
  .map(({ recordName, fs, nSamples, counter, time, signals, comments }) => {
    // fc.record builds objects without a prototype; headers are plain objects.
    const header: WfdbHeader = { recordName, nSignals: signals.length, fs, nSamples, signals: signals.map((s) => ({ ...s })), comments };
    if (counter) {
      header.counterFreq = counter[0];
      if (counter[1] !== null) header.baseCounter = counter[1];
    }
    if (time) {
      header.baseTime = time[0];
      if (time[1] !== null) header.baseDate = time[1];
    }
    return header;
  });

/** Pieces that sit on the parser's edges; the mutator inserts and substitutes them. */
const NASTY = [
  ' ', '\t', '\n', '\r\n', '\r', '#', '~', '/', '(', ')', '+', '-', ':', 'x', '.', 'e', 'E', '0', '9', '-1',
  'NaN', 'Infinity', '1e999', '1e-999', '9007199254740993', '99999999999999999999', '18446744073709551616',
  '4096', '4097', '65537', '\0', '\uFEFF', '\u00a0', '\u2028', '\u2029', '\u0085', '\uD800', 'é', '212', '310', '311', '508', '16x0', '16:',
  '8+', '(0)', '/mV', '..', '../', '/etc/passwd',
];

type Edit = { kind: 'insert' | 'replace' | 'delete' | 'duplicate'; at: number; length: number; piece: string };

const editArb: fc.Arbitrary<Edit> = fc.record({
  kind: fc.constantFrom('insert', 'replace', 'delete', 'duplicate'),
  at: fc.nat(),
  length: fc.integer({ min: 1, max: 12 }),
  piece: fc.oneof(fc.constantFrom(...NASTY), fc.string({ maxLength: 4 }), fc.string({ unit: 'binary', maxLength: 4 })),
}) as fc.Arbitrary<Edit>;

function applyEdit(text: string, e: Edit): string {
  const at = text.length === 0 ? 0 : e.at % (text.length + 1);
  switch (e.kind) {
    case 'insert':
      return text.slice(0, at) + e.piece + text.slice(at);
    case 'replace':
      return text.slice(0, at) + e.piece + text.slice(at + e.length);
    case 'delete':
      return text.slice(0, at) + text.slice(at + e.length);
    case 'duplicate':
      return text.slice(0, at + e.length) + text.slice(at, at + e.length) + text.slice(at + e.length);
  }
}

/** The text of a valid header after 1-8 random edits. */
export const mutatedHeaderText: fc.Arbitrary<string> = fc
  .tuple(headerArb, fc.array(editArb, { minLength: 1, maxLength: 8 }))
  .map(([header, edits]) => edits.reduce(applyEdit, formatHeader(header)));
