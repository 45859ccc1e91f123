import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runMeit } from '../helpers/cli.ts';
import { COCO, PAIRS } from './fixtures.ts';

const dir = mkdtempSync(join(tmpdir(), 'meit-score-'));
const file = (name: string, content: string | Buffer) => {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
};
const jsonl = (rows: object[]) => rows.map((r) => JSON.stringify(r)).join('\n') + '\n';
const preds = file('p.jsonl', jsonl(PAIRS.map((p) => ({ id: p.id, prediction: p.prediction }))));
const refs = file('r.jsonl', jsonl(PAIRS.map((p) => ({ id: p.id, references: p.references }))));

test('meit score --json prints the coco scores as one JSON object', async () => {
  const r = await runMeit(['score', '--predictions', preds, '--references', refs, '--json']);
  assert.equal(r.code, 0, r.stderr);
  const scores = JSON.parse(r.stdout);
  assert.deepEqual(Object.keys(scores), ['BLEU-1', 'BLEU-2', 'BLEU-3', 'BLEU-4', 'METEOR', 'ROUGE-L', 'CIDEr-D']);
  assert.ok(Math.abs(scores['CIDEr-D'] - COCO.scores['CIDEr-D']) < 1e-6);
});

test('malformed inputs: one line naming the file and line, exit 2', async () => {
  const cases: [string, string | Buffer, RegExp][] = [
    ['bad-json.jsonl', '{"id": "a", "prediction": "x"}\n{"id": "b", "prediction": \n', /bad-json\.jsonl:line 2: invalid JSON/],
    ['no-field.jsonl', '{"id": "a", "text": "x"}\n', /no-field\.jsonl:line 1: "prediction" must be a string/],
    ['dup.jsonl', jsonl([{ id: 'a', prediction: 'x' }, { id: 'a', prediction: 'y' }]), /dup\.jsonl:line 2: duplicate id "a" \(first on line 1\)/],
    ['empty.jsonl', '\n\n', /empty\.jsonl: empty file/],
    ['binary.jsonl', Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x00, 0x89, 0x50, 0x4e, 0x47, 0x0a]), /binary\.jsonl:line 1: not UTF-8/],
    ['extra.jsonl', jsonl([...PAIRS.map((p) => ({ id: p.id, prediction: p.prediction })), { id: 'only-here', prediction: 'x' }]), /extra\.jsonl:line 301: id "only-here" has no references/],
  ];
  for (const [name, content, message] of cases) {
    const r = await runMeit(['score', '--predictions', file(name, content), '--references', refs]);
    assert.equal(r.code, 2, `${name}: ${r.stderr}`);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.match(r.stderr, message);
  }
});

test('the JSONL reader streams: lines and UTF-8 characters cut by its 1 MiB reads come back whole', async () => {
  const { readPredictions } = await import('../../lib/eval/jsonl.ts');
  // Lines of varying length with a 3-byte character ("→") in each, so that over 3 MiB the
  // read boundaries fall inside lines, inside characters and next to newlines.
  const rows = Array.from({ length: 300 }, (_, i) => ({ id: `r${i}`, prediction: `${'x'.repeat((i * 7919) % 20000)} → ${i}` }));
  const path = file('streamed.jsonl', jsonl(rows) + '\n{"id": "last", "prediction": "no final newline"}');
  const { predictions, lines } = await readPredictions(path);
  assert.equal(predictions.size, 301);
  for (const row of rows) assert.equal(predictions.get(row.id), row.prediction);
  assert.equal(predictions.get('last'), 'no final newline');
  assert.equal(lines.get('last'), 302, 'blank lines count in the numbering');
});
