import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../lib/util/prng.ts';

test('same seed, same stream; different seeds differ', () => {
  const a = new Rng(42), b = new Rng(42), c = new Rng(43);
  const xa = Array.from({ length: 5 }, () => a.nextUint32());
  assert.deepEqual(xa, Array.from({ length: 5 }, () => b.nextUint32()));
  assert.notDeepEqual(xa, Array.from({ length: 5 }, () => c.nextUint32()));
});

test('state round trip continues the stream exactly, including the normal spare', () => {
  const a = new Rng('train');
  a.normal();
  const saved = a.state();
  const expected = [a.normal(), a.next(), a.int(0, 10)];
  const b = Rng.fromState(JSON.parse(JSON.stringify(saved)));
  assert.deepEqual([b.normal(), b.next(), b.int(0, 10)], expected);
});

test('uniform and normal have the right moments', () => {
  const r = new Rng(7);
  const n = 200_000;
  let su = 0, sn = 0, sn2 = 0;
  for (let i = 0; i < n; i++) {
    su += r.next();
    const z = r.normal();
    sn += z;
    sn2 += z * z;
  }
  assert.ok(Math.abs(su / n - 0.5) < 0.005);
  assert.ok(Math.abs(sn / n) < 0.01);
  assert.ok(Math.abs(sn2 / n - 1) < 0.02);
});

test('fork is independent of later parent draws', () => {
  const p1 = new Rng(1), p2 = new Rng(1);
  const f1 = p1.fork('record-3');
  const f2 = p2.fork('record-3');
  p1.next();
  assert.equal(f1.next(), f2.next());
  assert.notEqual(new Rng(1).fork('a').next(), new Rng(1).fork('b').next());
});
