import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile, copyFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadTokenizer } from '../../lib/model/tokenizer.ts';
import { InputError } from '../../lib/util/errors.ts';

// Reference ids and decodings written by Python `tokenizers` (scripts/fixtures/tokenizer_reference.py).
const FIXTURES = fileURLToPath(new URL('../fixtures/tokenizers/', import.meta.url));

interface Case {
  text: string;
  ids: number[];
  idsNoSpecial: number[];
  decoded: string;
  decodedSkipSpecial: string;
}
interface Reference {
  vocabSize: number;
  roleIds: Record<string, number>;
  cases: Case[];
}
const reference: Record<string, Reference> = JSON.parse(readFileSync(join(FIXTURES, 'reference.json'), 'utf8'));

test('reference covers byte-level and SentencePiece-style families', () => {
  assert.deepEqual(Object.keys(reference).sort(), ['bloom', 'gpt2', 'llama', 'llama3', 'mistral']);
});

for (const [family, ref] of Object.entries(reference)) {
  test(`${family}: ids and decodings equal Python tokenizers on tricky strings`, async () => {
    const tok = await loadTokenizer(join(FIXTURES, family));
    assert.equal(tok.vocabSize, ref.vocabSize);
    for (const c of ref.cases) {
      const label = `${family} ${JSON.stringify(c.text)}`;
      assert.deepEqual(tok.encode(c.text), c.ids, label);
      assert.deepEqual(tok.encode(c.text, { addSpecialTokens: false }), c.idsNoSpecial, label);
      assert.equal(tok.decode(c.ids), c.decoded, label);
      assert.equal(tok.decode(c.ids, { skipSpecialTokens: true }), c.decodedSkipSpecial, label);
    }
  });

  test(`${family}: role tags are single tokens`, async () => {
    const tok = await loadTokenizer(join(FIXTURES, family, 'tokenizer.json'));
    for (const [tag, id] of Object.entries(ref.roleIds)) {
      assert.equal(tok.tokenId(tag), id);
      assert.deepEqual(tok.encode(tag, { addSpecialTokens: false }), [id]);
    }
    assert.equal(tok.eosId, ref.roleIds['</s>']);
  });
}

test('special token ids come from tokenizer_config.json when present', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'meit-tok-'));
  try {
    await copyFile(join(FIXTURES, 'gpt2', 'tokenizer.json'), join(dir, 'tokenizer.json'));
    await writeFile(join(dir, 'tokenizer_config.json'), JSON.stringify({ eos_token: '<|endoftext|>', bos_token: { content: '<|endoftext|>' }, pad_token: null }));
    const tok = await loadTokenizer(dir);
    const endOfText = tok.tokenId('<|endoftext|>');
    assert.equal(typeof endOfText, 'number');
    assert.equal(tok.eosId, endOfText);
    assert.equal(tok.bosId, endOfText);
    assert.equal(tok.padId, undefined);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('decode of nothing is empty; ids outside the vocabulary are refused', async () => {
  const tok = await loadTokenizer(join(FIXTURES, 'llama'));
  assert.equal(tok.decode([]), '');
  assert.throws(() => tok.decode([tok.vocabSize]), RangeError);
  assert.throws(() => tok.decode([-1]), RangeError);
});

test('bad tokenizer files are InputErrors naming the file', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'meit-tok-'));
  try {
    const notJson = join(dir, 'broken.json');
    await writeFile(notJson, '{"model": ');
    await assert.rejects(loadTokenizer(notJson), (err: unknown) => err instanceof InputError && err.file === notJson);
    const wordPiece = join(dir, 'wordpiece.json');
    await writeFile(wordPiece, JSON.stringify({ model: { type: 'WordPiece', vocab: {} } }));
    await assert.rejects(loadTokenizer(wordPiece), (err: unknown) => err instanceof InputError && /WordPiece/.test(err.message));
    await assert.rejects(loadTokenizer(join(dir, 'missing')), (err: unknown) => err instanceof InputError && /no such file/.test(err.message));
    await assert.rejects(loadTokenizer(dir), (err: unknown) => err instanceof InputError && err.file === join(dir, 'tokenizer.json'));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
