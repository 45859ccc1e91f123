import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runMeit } from '../helpers/cli.ts';

const dir = mkdtempSync(join(tmpdir(), 'meit-label-'));
const file = (name: string, content: string) => {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
};

test('meit label --text prints the codes of each text; --strict drops hedged findings', async () => {
  const r = await runMeit(['label', '--text', 'Sinus rhythm. Possible right atrial abnormality. Borderline ECG', '-t', 'no evidence of lvh']);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(r.stdout.split('\n'), ['RAO/RAE SR', '-', '']);
  const strict = await runMeit(['label', '-t', 'Sinus rhythm. Possible right atrial abnormality', '--strict']);
  assert.equal(strict.stdout, 'SR\n');
});

test('meit label --file labels predictions and references JSONL', async () => {
  const preds = file('p.jsonl', '{"id": "a", "prediction": "sinus rhythm. lbbb."}\n{"id": "b", "prediction": "Atrial flutter"}\n');
  const p = await runMeit(['label', '--file', preds]);
  assert.equal(p.code, 0, p.stderr);
  assert.deepEqual(p.stdout.trim().split('\n').map((l) => JSON.parse(l)), [
    { id: 'a', labels: ['CLBBB', 'SR'] },
    { id: 'b', labels: ['AFLT'] },
  ]);
  const refs = file('r.jsonl', '{"id": "a", "references": ["sinus rhythm.", "normal ecg"]}\n');
  const r = await runMeit(['label', '-f', refs]);
  assert.deepEqual(JSON.parse(r.stdout), { id: 'a', labels: ['NORM', 'SR'] });
});

test('meit label: bad input is one line and exit 2', async () => {
  const cases: [string[], RegExp][] = [
    [['label'], /give --text TEXT or --file FILE/],
    [['label', '--file', join(dir, 'missing.jsonl')], /missing\.jsonl: cannot read: no such file/],
    [['label', '--file', file('bad.jsonl', '{"id": "a", "prediction": 3}\n')], /bad\.jsonl:line 1: "prediction" must be a string/],
  ];
  for (const [args, message] of cases) {
    const r = await runMeit(args);
    assert.equal(r.code, 2, r.stderr);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.match(r.stderr, message);
  }
});
