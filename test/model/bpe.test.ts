import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { bytesToUnicode, trainBpe } from '../../lib/model/bpe-train.ts';
import { tokenizerFromJson } from '../../lib/model/tokenizer.ts';
import { Rng } from '../../lib/util/prng.ts';

const SPECIALS = ['<|user|>', '<|assistant|>', '</s>', '<pad>'];
const PHRASES = [
  'sinus rhythm', 'sinus bradycardia', 'atrial fibrillation', 'left axis deviation', 'right bundle branch block',
  'st-t changes', 'nonspecific t wave abnormality', 'possible anterior infarct - age undetermined',
  'left ventricular hypertrophy', 'low qrs voltages', 'prolonged qt', 'borderline ecg', 'normal ecg', 'Überleitung µV',
];

function reports(n: number, seed: string): string[] {
  const rng = new Rng(seed);
  return Array.from({ length: n }, () => {
    const report = Array.from({ length: rng.int(1, 5) }, () => rng.pick(PHRASES) + (rng.bernoulli(0.3) ? ` ${rng.int(40, 180)} ms` : '')).join('. ');
    return `<|user|>\nDescribe the ECG.\n<|assistant|>\n${report}.</s>`;
  });
}

type Model = { vocab: Record<string, number>; merges: [string, string][] };
const model = (json: Record<string, unknown>) => json.model as Model;

/**
 * The textbook algorithm, slowly: recount all pairs after every merge. Same pre-tokenization
 * and tie rule (highest count, then smallest left id, then smallest right id).
 */
function naiveMerges(texts: string[], vocabSize: number, specials: string[]): [string, string][] {
  const byteChars = bytesToUnicode();
  const tokens = [...specials, ...byteChars];
  const id = new Map(tokens.map((t, i) => [t, i]));
  const words = new Map<string, number>();
  for (const text of texts) {
    for (const piece of text.split(new RegExp(specials.map((s) => s.replace(/[|/]/g, '\\$&')).join('|')))) {
      for (const m of piece.matchAll(/'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+/gu)) words.set(m[0], (words.get(m[0]) ?? 0) + 1);
    }
  }
  let split = [...words].map(([w, c]) => ({ symbols: Array.from(new TextEncoder().encode(w), (b) => byteChars[b]!), count: c }));
  const merges: [string, string][] = [];
  while (tokens.length < vocabSize) {
    const pairs = new Map<string, { a: string; b: string; count: number }>();
    for (const { symbols, count } of split) {
      for (let i = 0; i + 1 < symbols.length; i++) {
        const key = `${symbols[i]}\u0000${symbols[i + 1]}`;
        const entry = pairs.get(key) ?? { a: symbols[i]!, b: symbols[i + 1]!, count: 0 };
        entry.count += count;
        pairs.set(key, entry);
      }
    }
    const best = [...pairs.values()].sort((x, y) => y.count - x.count || id.get(x.a)! - id.get(y.a)! || id.get(x.b)! - id.get(y.b)!)[0];
    if (!best || best.count < 2) break;
    merges.push([best.a, best.b]);
    id.set(best.a + best.b, tokens.length);
    tokens.push(best.a + best.b);
    split = split.map(({ symbols, count }) => {
      const out: string[] = [];
      for (let i = 0; i < symbols.length; i++) {
        if (symbols[i] === best.a && symbols[i + 1] === best.b) {
          out.push(best.a + best.b);
          i++;
        } else out.push(symbols[i]!);
      }
      return { symbols: out, count };
    });
  }
  return merges;
}

test('merges equal the textbook algorithm (incremental counts are right)', () => {
  const texts = reports(300, 'naive');
  const json = trainBpe(texts, { vocabSize: 400, specialTokens: SPECIALS });
  const merges = model(json).merges;
  assert.equal(merges.length, 400 - 256 - SPECIALS.length);
  assert.deepEqual(merges, naiveMerges(texts, 400, SPECIALS));
});

test('deterministic: same texts give the same tokenizer, whatever their order', () => {
  const texts = reports(500, 'det');
  const a = JSON.stringify(trainBpe(texts, { vocabSize: 500, specialTokens: SPECIALS }));
  const b = JSON.stringify(trainBpe([...texts].reverse(), { vocabSize: 500, specialTokens: SPECIALS }));
  assert.equal(a, b);
});

test('loadable tokenizer: vocabulary size, special tokens whole, ids from 0', () => {
  const tok = tokenizerFromJson(trainBpe(reports(2000, 'load'), { vocabSize: 600, specialTokens: SPECIALS }));
  assert.equal(tok.vocabSize, 600);
  SPECIALS.forEach((s, i) => {
    assert.equal(tok.tokenId(s), i);
    assert.deepEqual(tok.encode(`x${s}y`, { addSpecialTokens: false }).filter((id) => id === i), [i]);
  });
  assert.equal(tok.eosId, 2);
  assert.equal(tok.padId, 3);
  const ids = tok.encode('sinus rhythm. normal ecg');
  assert.ok(ids.length <= 6, `frequent phrases should compress, got ${ids.length} tokens`);
  assert.equal(tok.decode(tok.encode('<|user|>\nhi\n<|assistant|>\nsinus rhythm.</s>'), { skipSpecialTokens: true }), '\nhi\n\nsinus rhythm.');
});

test('any text survives encode → decode (bytes cover everything)', () => {
  const tok = tokenizerFromJson(trainBpe(reports(500, 'round'), { vocabSize: 450, specialTokens: SPECIALS }));
  fc.assert(
    fc.property(fc.string({ unit: 'grapheme', maxLength: 40 }), (text) => tok.decode(tok.encode(text)) === text),
    { numRuns: 300, seed: 7 },
  );
});

test('bad options are refused', () => {
  assert.throws(() => trainBpe([], { vocabSize: 100 }), /at least 256/);
  assert.throws(() => trainBpe([], { vocabSize: 300, specialTokens: ['</s>', '</s>'] }), /duplicate/);
  const json = trainBpe(['ab ab ab'], { vocabSize: 10_000 });
  assert.ok(model(json).merges.length < 10, 'stops when no pair is frequent enough');
});
