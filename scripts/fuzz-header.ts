/**
 * Fuzz run of the WFDB header parser (lib/ecg/wfdb/header.ts).
 *
 *   node --import tsx scripts/fuzz-header.ts [--runs N] [--seconds S] [--seed K]
 *
 * Feeds parseHeader three kinds of input, in equal parts: arbitrary binary strings, arbitrary
 * Unicode strings, and valid headers mangled by random edits (test/reliability/
 * wfdb-arbitraries.ts). For each input the parser must return a header or throw an InputError
 * naming the file and line; when it returns one, formatting and parsing it again must give
 * the same header and the same text (what the kit writes, it must read back).
 *
 * Prints the count of inputs tried per kind and outcome, and the first few failures (the
 * input as JSON, the error); exits 1 if there were any. The property tests run a fixed-seed
 * slice of the same checks in CI; this is the longer run with a fresh seed.
 */
import { parseArgs } from 'node:util';
import fc from 'fast-check';
import { formatHeader, parseHeader, type WfdbHeader } from '../lib/ecg/wfdb/index.ts';
import { InputError } from '../lib/util/errors.ts';
import { mutatedHeaderText } from '../test/reliability/wfdb-arbitraries.ts';

const { values } = parseArgs({
  options: { runs: { type: 'string', default: '300000' }, seconds: { type: 'string', default: '0' }, seed: { type: 'string' } },
});
const maxRuns = Number(values.runs);
const deadline = Number(values.seconds) > 0 ? performance.now() + Number(values.seconds) * 1000 : Infinity;
const seed = values.seed === undefined ? Date.now() % 2 ** 31 : Number(values.seed);

const KINDS: [string, fc.Arbitrary<string>][] = [
  ['binary strings', fc.string({ unit: 'binary', maxLength: 400 })],
  ['unicode strings', fc.string({ unit: 'grapheme', maxLength: 400 })],
  ['mangled headers', mutatedHeaderText],
];

type Outcome = 'parsed' | 'refused' | 'crash' | 'round-trip';
const counts = new Map<string, Record<Outcome, number>>(KINDS.map(([kind]) => [kind, { parsed: 0, refused: 0, crash: 0, 'round-trip': 0 }]));
const failures: { kind: string; outcome: Outcome; input: string; error: string }[] = [];

function check(text: string): { outcome: Outcome; error?: string } {
  let header: WfdbHeader;
  try {
    header = parseHeader(text, 'fuzz.hea');
  } catch (err) {
    if (err instanceof InputError && err.file === 'fuzz.hea' && /^line \d+$/.test(err.where ?? '')) return { outcome: 'refused' };
    return { outcome: 'crash', error: err instanceof InputError ? `InputError without file/line: ${err.oneLine()}` : String(err) };
  }
  try {
    const again = formatHeader(header);
    const reparsed = parseHeader(again, 'fuzz.hea');
    if (formatHeader(reparsed) !== again) return { outcome: 'round-trip', error: 'format(parse(format(h))) differs from format(h)' };
    // Compared as JSON: "-0" parses to -0 and prints as "0", a difference without consequence.
    const plain = (h: WfdbHeader) => JSON.stringify({ ...h, signals: h.signals.map((s) => ({ ...s, fieldCount: undefined })) });
    if (plain(reparsed) !== plain(header)) return { outcome: 'round-trip', error: 'parse(format(h)) differs from h' };
  } catch (err) {
    return { outcome: 'round-trip', error: `the formatted header does not parse: ${String(err)}` };
  }
  return { outcome: 'parsed' };
}

const started = performance.now();
const BATCH = 1000;
let tried = 0;
for (let batch = 0; tried < maxRuns && performance.now() < deadline; batch++) {
  for (const [kind, arb] of KINDS) {
    for (const text of fc.sample(arb, { numRuns: BATCH, seed: seed + batch * KINDS.length + KINDS.findIndex(([k]) => k === kind) })) {
      const { outcome, error } = check(text);
      counts.get(kind)![outcome]++;
      if (error && failures.length < 10) failures.push({ kind, outcome, input: text, error });
    }
    tried += BATCH;
  }
}

const seconds = (performance.now() - started) / 1000;
console.log(`fuzz-header: ${tried} inputs in ${seconds.toFixed(1)} s (seed ${seed})`);
for (const [kind, c] of counts) console.log(`  ${kind.padEnd(16)} parsed ${c.parsed}, refused (InputError) ${c.refused}, crashes ${c.crash}, round-trip failures ${c['round-trip']}`);
for (const f of failures) console.log(`FAIL [${f.kind}, ${f.outcome}] ${f.error}\n  input: ${JSON.stringify(f.input)}`);
process.exitCode = failures.length ? 1 : 0;
