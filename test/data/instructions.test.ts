import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  HELDOUT_INSTRUCTIONS,
  OFFICIAL_INSTRUCTIONS,
  TRAIN_INSTRUCTIONS,
  instructionFor,
} from '../../lib/data/instructions.ts';
import { formatPlain, formatPrompt } from '../../lib/data/prompt.ts';
import { Rng } from '../../lib/util/prng.ts';

const key = (s: string) => s.toLowerCase().replace(/[^a-z0-9]+/g, ' ').trim();

test('bank: 48 training + 16 held-out paraphrases, all distinct, none shared', () => {
  assert.equal(TRAIN_INSTRUCTIONS.length, 48);
  assert.equal(HELDOUT_INSTRUCTIONS.length, 16);
  const all = [...TRAIN_INSTRUCTIONS, ...HELDOUT_INSTRUCTIONS];
  assert.equal(new Set(all.map(key)).size, 64, 'paraphrases differ beyond case and punctuation');
});

test('bank wording: tidy, varied, and free of dataset-specific words', () => {
  const all = [...TRAIN_INSTRUCTIONS, ...HELDOUT_INSTRUCTIONS];
  for (const s of all) {
    assert.equal(s, s.trim());
    assert.match(s, /^[A-Z].*[.?]$/, s);
    assert.doesNotMatch(s, /ptb|mimic|physionet|german|machine|embedding/i, s);
  }
  const firstWords = new Set(all.map((s) => s.split(' ')[0]));
  assert.ok(firstWords.size >= 20, `only ${firstWords.size} distinct opening words`);
  const lengths = all.map((s) => s.split(' ').length);
  assert.ok(Math.min(...lengths) <= 3 && Math.max(...lengths) >= 10, 'short and long instructions');
  assert.ok(all.some((s) => s.endsWith('?')) && all.some((s) => /^(Please|Kindly|Could|Can)/.test(s)), 'questions and polite requests');
});

test('instructionFor: bank draws train list for train, held-out list for val/test; fixed is the official string', () => {
  const seen = new Set<string>();
  for (let i = 0; i < 2000; i++) seen.add(instructionFor('bank', 'mimic', 'train', new Rng(1).fork(i)));
  assert.deepEqual([...seen].sort(), [...TRAIN_INSTRUCTIONS].sort());
  for (const split of ['val', 'test'] as const) {
    for (let i = 0; i < 50; i++) assert.ok(HELDOUT_INSTRUCTIONS.includes(instructionFor('bank', 'ptbxl', split, new Rng(2).fork(i))));
  }
  assert.equal(instructionFor('bank', 'ptbxl', 'train', new Rng(5)), instructionFor('bank', 'ptbxl', 'train', new Rng(5)));
  assert.equal(instructionFor('fixed', 'ptbxl', 'test', new Rng(0)), 'generate a description of the ECG embeddings:');
  assert.equal(instructionFor('fixed', 'mimic', 'train', new Rng(0)), OFFICIAL_INSTRUCTIONS.mimic);
  assert.match(OFFICIAL_INSTRUCTIONS.mimic, /^Given the ECG signal embeddings, .*embeddings:$/);
});

test('formatPrompt: the exact MEIT strings, loss split after "<|assistant|>\\n"', () => {
  const { prompt, target } = formatPrompt(' Describe this ECG. ', 'sinus rhythm. normal ecg\n');
  assert.equal(prompt, '<|user|>\nDescribe this ECG.\n<|assistant|>\n');
  assert.equal(target, 'sinus rhythm. normal ecg</s>');
  assert.equal(prompt + target, '<|user|>\nDescribe this ECG.\n<|assistant|>\nsinus rhythm. normal ecg</s>');
  assert.deepEqual(formatPrompt('Describe this ECG.'), { prompt, target: '' });
  assert.equal(formatPrompt('x', 'r', { eos: '<|endoftext|>' }).target, 'r<|endoftext|>');
});

test('formatPlain: no user turn and no role tags; eos optional as in the official ablation', () => {
  assert.deepEqual(formatPlain(' atrial fibrillation '), { prompt: '', target: 'atrial fibrillation</s>' });
  assert.deepEqual(formatPlain('atrial fibrillation', { eos: '' }), { prompt: '', target: 'atrial fibrillation' });
  assert.deepEqual(formatPlain(), { prompt: '', target: '' });
  assert.doesNotMatch(formatPlain('x').target, /<\|/);
});
