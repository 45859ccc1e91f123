import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PREPARED_FORMAT, PREPARED_VERSION, PreparedWriter, openPrepared, verifyPrepared } from '../../lib/data/shards.ts';
import { writeDerivedTestSet } from '../../lib/experiments/testsets.ts';
import { writeJsonAtomic } from '../../lib/util/atomic.ts';

const SAMPLES = 8;

/** A prepared dataset with 2 train and 3 test examples; test example k has value 10k + lead everywhere. */
async function tinyPrepared(): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'meit-testsets-'));
  const writer = await PreparedWriter.create(dir, { fs: 100, samples: SAMPLES, maxShardBytes: 2 * 12 * SAMPLES * 4 });
  const signal = (base: number) => Float32Array.from({ length: 12 * SAMPLES }, (_, i) => base + Math.floor(i / SAMPLES));
  for (let k = 0; k < 2; k++) await writer.add('train', { id: `t${k}`, subject: `s${k}`, instruction: 'train it', report: 'normal ecg', labels: {} }, signal(100));
  for (let k = 0; k < 3; k++) await writer.add('test', { id: `x${k}`, subject: `u${k}`, instruction: `held-out ${k}`, report: `report ${k}`, labels: { NORM: 100 } }, signal(10 * k));
  const layout = await writer.close();
  await writeJsonAtomic(join(dir, 'manifest.json'), { format: PREPARED_FORMAT, version: PREPARED_VERSION, source: 'ptbxl', ...layout });
  return dir;
}

test('a derived test set rewrites the test split only, with changed signals and instructions, and verifies', async () => {
  const source = openPrepared(await tinyPrepared());
  const out = join(mkdtempSync(join(tmpdir(), 'meit-derived-')), 'set');
  await writeDerivedTestSet(source, out, {
    description: 'plus one',
    signal: (leads) => leads.map((lead) => lead.map((v) => v + 1)),
    instruction: (example, i) => `seen ${example.id} ${i}`,
  });
  source.close();
  assert.deepEqual(await verifyPrepared(out), []);
  const derived = openPrepared(out);
  assert.deepEqual(derived.manifest.counts, { train: 0, val: 0, test: 3 });
  assert.equal(derived.manifest.source, 'ptbxl');
  assert.deepEqual(derived.manifest.derived, { from: source.dir, change: 'plus one' });
  const test = derived.examples('test');
  assert.deepEqual(test.map((e) => [e.id, e.instruction, e.report, e.labels]), [
    ['x0', 'seen x0 0', 'report 0', { NORM: 100 }],
    ['x1', 'seen x1 1', 'report 1', { NORM: 100 }],
    ['x2', 'seen x2 2', 'report 2', { NORM: 100 }],
  ]);
  const leads = derived.readSignal('test', 2);
  assert.equal(leads.length, 12);
  assert.deepEqual(Array.from(leads[5]!), new Array(SAMPLES).fill(20 + 5 + 1));
  derived.close();
});

test('a failing change leaves no directory behind', async () => {
  const source = openPrepared(await tinyPrepared());
  const parent = mkdtempSync(join(tmpdir(), 'meit-derived-'));
  await assert.rejects(
    writeDerivedTestSet(source, join(parent, 'set'), {
      description: 'boom',
      signal: (leads, example) => {
        if (example.id === 'x1') throw new Error('boom');
        return leads;
      },
    }),
    /boom/,
  );
  source.close();
  assert.equal(existsSync(join(parent, 'set')), false);
  assert.deepEqual(readdirSync(parent), []);
});
