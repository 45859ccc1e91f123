import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LEADS, PREPARED_FORMAT, PREPARED_VERSION, PreparedWriter, openPrepared, verifyPrepared } from '../../lib/data/shards.ts';
import { InputError } from '../../lib/util/errors.ts';
import { sha256 } from '../../lib/util/hash.ts';
import type { Split } from '../../lib/data/splits.ts';

const SAMPLES = 50;

function signalOf(k: number): Float32Array {
  const s = new Float32Array(LEADS.length * SAMPLES);
  for (let i = 0; i < s.length; i++) s[i] = k * 1000 + i * 0.5;
  return s;
}

/** Writes 7 train, 2 val, 0 test examples with 3 examples per shard. */
async function writeSample(): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'meit-shards-'));
  const writer = await PreparedWriter.create(dir, { fs: 5, samples: SAMPLES, maxShardBytes: 3 * LEADS.length * SAMPLES * 4 + 10 });
  assert.equal(writer.examplesPerShard, 3);
  const plan: Split[] = ['train', 'train', 'val', 'train', 'train', 'train', 'val', 'train', 'train'];
  for (let k = 0; k < plan.length; k++) {
    await writer.add(plan[k]!, { id: `r${k}`, subject: `s${k % 4}`, instruction: 'Describe this ECG.', report: `report ${k} ✓`, labels: k % 2 ? { NORM: 100 } : {} }, signalOf(k));
  }
  const layout = await writer.close();
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify({ format: PREPARED_FORMAT, version: PREPARED_VERSION, ...layout }));
  return dir;
}

test('shards: write then read back every example exactly, shards bounded', async () => {
  const dir = await writeSample();
  assert.deepEqual(readdirSync(dir).sort(), ['manifest.json', 'test.jsonl', 'train-000.f32', 'train-001.f32', 'train-002.f32', 'train.jsonl', 'val-000.f32', 'val.jsonl']);
  const data = openPrepared(dir);
  assert.deepEqual(data.manifest.counts, { train: 7, val: 2, test: 0 });
  assert.deepEqual(data.manifest.shards.train.map((s) => s.examples), [3, 3, 1]);
  const train = data.examples('train');
  assert.deepEqual(train.map((e) => e.id), ['r0', 'r1', 'r3', 'r4', 'r5', 'r7', 'r8']);
  assert.deepEqual(train[3], { id: 'r4', subject: 's0', instruction: 'Describe this ECG.', report: 'report 4 ✓', labels: {}, shard: 'train-001.f32', index: 0 });
  assert.deepEqual(data.examples('test'), []);
  for (const [split, list] of [['train', train], ['val', data.examples('val')]] as const) {
    list.forEach((ex, i) => {
      const leads = data.readSignal(split, i);
      assert.equal(leads.length, 12);
      const k = Number(ex.id.slice(1));
      const expected = signalOf(k);
      for (let lead = 0; lead < 12; lead++) assert.deepEqual(leads[lead], expected.subarray(lead * SAMPLES, (lead + 1) * SAMPLES));
    });
  }
  assert.throws(() => data.readSignal('val', 2), RangeError);
  data.close();
  // The manifest's hashes are the files' hashes.
  for (const [name, info] of Object.entries(data.manifest.files)) {
    const bytes = readFileSync(join(dir, name));
    assert.equal(info.sha256, sha256(bytes), name);
    assert.equal(info.bytes, bytes.length, name);
  }
  assert.deepEqual(await verifyPrepared(dir), []);
});

test('shards: the same writes give byte-identical files', async () => {
  const a = await writeSample();
  const b = await writeSample();
  for (const name of readdirSync(a)) assert.deepEqual(readFileSync(join(a, name)), readFileSync(join(b, name)), name);
});

test('shards: a truncated shard or a foreign manifest is an InputError naming the file', async () => {
  const dir = await writeSample();
  truncateSync(join(dir, 'train-001.f32'), 100);
  assert.deepEqual(await verifyPrepared(dir), ['train-001.f32']);
  // Refused when the dataset is opened, before any example is read.
  assert.throws(() => openPrepared(dir), (e: unknown) => e instanceof InputError && /train-001\.f32: truncated shard: 100 bytes/.test(e.oneLine()));
  writeFileSync(join(dir, 'manifest.json'), '{"format": "other"}');
  assert.throws(() => openPrepared(dir), (e: unknown) => e instanceof InputError && /manifest\.json: not a prepared-data manifest/.test(e.oneLine()));
});
