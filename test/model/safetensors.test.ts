import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { halfToFloat, readSafetensors, readSafetensorsHeader, writeSafetensors } from '../../lib/model/safetensors.ts';
import { InputError } from '../../lib/util/errors.ts';

// Written by Python's safetensors (scripts/fixtures/tokenizer_reference.py).
const FIXTURES = fileURLToPath(new URL('../fixtures/tokenizers/', import.meta.url));
const reference = JSON.parse(readFileSync(join(FIXTURES, 'safetensors-reference.json'), 'utf8')) as {
  metadata: Record<string, string>;
  tensors: Record<string, { dtype: string; shape: number[]; values: number[] }>;
  float32Only: { metadata: Record<string, string>; tensors: Record<string, { shape: number[]; values: number[] }>; bytesHex: string };
};

async function withTempDir(body: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'meit-st-'));
  try {
    await body(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

test('reads every dtype of a file written by Python safetensors', async () => {
  const file = join(FIXTURES, 'reference.safetensors');
  const tensors = await readSafetensors(file);
  assert.deepEqual([...tensors.keys()].sort(), Object.keys(reference.tensors).sort());
  for (const [name, want] of Object.entries(reference.tensors)) {
    const got = tensors.get(name)!;
    assert.equal(got.dtype, want.dtype, name);
    assert.deepEqual(got.shape, want.shape, name);
    assert.deepEqual(Array.from(got.data), want.values.map(Math.fround), name);
  }
  assert.deepEqual((await readSafetensorsHeader(file)).metadata, reference.metadata);
});

test('the writer produces the same bytes as Python safetensors', async () => {
  await withTempDir(async (dir) => {
    const file = join(dir, 'model.safetensors');
    const tensors = new Map(Object.entries(reference.float32Only.tensors).map(([k, t]) => [k, { shape: t.shape, data: Float32Array.from(t.values) }]));
    await writeSafetensors(file, tensors, reference.float32Only.metadata);
    assert.equal((await readFile(file)).toString('hex'), reference.float32Only.bytesHex);
    assert.deepEqual(await readdir(dir), ['model.safetensors'], 'no temporary files left');
  });
});

test('round trip keeps names, shapes, values (incl. NaN, ±0, ±Inf) and metadata', async () => {
  await withTempDir(async (dir) => {
    const file = join(dir, 'x.safetensors');
    const special = Float32Array.from([NaN, -0, 0, Infinity, -Infinity, 1e-45, 3.4028234663852886e38]);
    const tensors = new Map([
      ['z.last', { shape: [7], data: special }],
      ['a.first', { shape: [2, 0, 3], data: new Float32Array(0) }],
      ['m', { shape: [], data: Float32Array.from([1.5]) }],
    ]);
    await writeSafetensors(file, tensors, { step: '12' });
    const back = await readSafetensors(file);
    assert.deepEqual([...back.keys()], ['a.first', 'm', 'z.last'], 'sorted by name');
    for (const [name, t] of tensors) {
      assert.deepEqual(back.get(name)!.shape, t.shape);
      assert.deepEqual(back.get(name)!.data, t.data);
    }
    assert.ok(Object.is(back.get('z.last')!.data[1], -0));
    assert.deepEqual((await readSafetensorsHeader(file)).metadata, { step: '12' });
    const second = join(dir, 'y.safetensors');
    await writeSafetensors(second, new Map([...tensors].reverse()), { step: '12' });
    assert.deepEqual(await readFile(second), await readFile(file), 'insertion order does not change the bytes');
  });
});

test('the writer refuses a shape that disagrees with the data', async () => {
  await withTempDir(async (dir) => {
    await assert.rejects(writeSafetensors(join(dir, 'bad.safetensors'), new Map([['w', { shape: [2, 2], data: new Float32Array(3) }]])), /shape \[2, 2\]/);
    assert.deepEqual(await readdir(dir), []);
  });
});

test('IEEE half precision decoding', () => {
  assert.equal(halfToFloat(0x3c00), 1);
  assert.equal(halfToFloat(0xc000), -2);
  assert.equal(halfToFloat(0x7bff), 65504);
  assert.equal(halfToFloat(0x0001), 2 ** -24);
  assert.equal(halfToFloat(0x7c00), Infinity);
  assert.ok(Number.isNaN(halfToFloat(0x7e00)));
});

/** A file with the given header object (or raw header text) and `dataBytes` of data. */
function craft(header: object | string, dataBytes: number, declaredLength?: bigint): Buffer {
  const json = Buffer.from(typeof header === 'string' ? header : JSON.stringify(header));
  const out = Buffer.alloc(8 + json.length + dataBytes);
  out.writeBigUInt64LE(declaredLength ?? BigInt(json.length), 0);
  json.copy(out, 8);
  return out;
}

const hostile: [string, Buffer, RegExp][] = [
  ['empty file', Buffer.alloc(0), /truncated/],
  ['truncated length', Buffer.from([1, 0, 0]), /truncated/],
  ['header length beyond the file', craft({}, 0, 1000n), /runs past the end/],
  ['header claiming terabytes', craft({}, 0, 1n << 42n), /exceeds/],
  ['non-JSON header', craft('{"a": [1, 2', 0), /not valid UTF-8 JSON/],
  ['header not an object', craft('[1, 2]', 0), /must be a JSON object/],
  ['unknown dtype', craft({ w: { dtype: 'Q4', shape: [1], data_offsets: [0, 1] } }, 1), /unsupported dtype "Q4"/],
  ['offsets beyond the data', craft({ w: { dtype: 'F32', shape: [4], data_offsets: [0, 16] } }, 8), /run past/],
  ['overlapping tensors', craft({ a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] }, b: { dtype: 'F32', shape: [2], data_offsets: [4, 12] } }, 12), /overlaps/],
  ['shape disagreeing with offsets', craft({ w: { dtype: 'F32', shape: [3], data_offsets: [0, 8] } }, 8), /needs 12 bytes/],
  ['negative shape', craft({ w: { dtype: 'F32', shape: [-1], data_offsets: [0, 0] } }, 0), /non-negative/],
  ['reversed offsets', craft({ w: { dtype: 'F32', shape: [0], data_offsets: [8, 0] } }, 8), /end before/],
  ['uncovered data', craft({ w: { dtype: 'F32', shape: [1], data_offsets: [0, 4] } }, 12), /not covered/],
  ['non-string metadata', craft({ __metadata__: { a: 1 } }, 0), /must be a string/],
];

for (const [what, bytes, message] of hostile) {
  test(`hostile file: ${what} → InputError naming the file`, async () => {
    await withTempDir(async (dir) => {
      const file = join(dir, 'hostile.safetensors');
      await writeFile(file, bytes);
      await assert.rejects(readSafetensors(file), (err: unknown) => {
        assert.ok(err instanceof InputError, `expected InputError, got ${String(err)}`);
        assert.equal(err.file, file);
        assert.match(err.message, message);
        return true;
      });
    });
  });
}

test('a missing file is an InputError', async () => {
  await assert.rejects(readSafetensors('/nonexistent/model.safetensors'), (err: unknown) => err instanceof InputError && /no such file/.test(err.message));
});
