import { afterEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { backendInfo, initBackend, nativeTensorflowPackage } from '../../lib/model/backend.ts';
import { InputError } from '../../lib/util/errors.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

const nativeTensorflow = nativeTensorflowPackage() !== undefined;

const savedEnv = process.env.MEIT_BACKEND;
afterEach(() => {
  if (savedEnv === undefined) delete process.env.MEIT_BACKEND;
  else process.env.MEIT_BACKEND = savedEnv;
});

test('explicit choices are honoured and switch tfjs backends', async () => {
  delete process.env.MEIT_BACKEND;
  assert.equal(await initBackend('cpu'), 'cpu');
  assert.equal(tf.getBackend(), 'cpu');
  assert.equal(await initBackend('wasm'), 'wasm');
  assert.equal(tf.getBackend(), 'wasm');
  assert.match(backendInfo()!.detail, /SIMD, \d+ threads?$/);
});

test('auto picks native TensorFlow when installed, else wasm', async () => {
  delete process.env.MEIT_BACKEND;
  await initBackend('cpu');
  assert.equal(await initBackend('auto'), nativeTensorflow ? 'tensorflow' : 'wasm');
});

test('MEIT_BACKEND overrides the requested backend; a bad value is an InputError', async () => {
  process.env.MEIT_BACKEND = 'cpu';
  assert.equal(await initBackend('wasm'), 'cpu');
  process.env.MEIT_BACKEND = 'gpu';
  await assert.rejects(initBackend('auto'), (err: unknown) => err instanceof InputError && err.where === 'MEIT_BACKEND' && /unknown backend "gpu"/.test(err.message));
});

test('an unavailable explicit backend is a clear InputError', { skip: nativeTensorflow && 'native TensorFlow is installed' }, async () => {
  delete process.env.MEIT_BACKEND;
  await assert.rejects(initBackend('tensorflow'), (err: unknown) => err instanceof InputError && /backend tensorflow is not available/.test(err.message) && /tfjs-node/.test(err.message));
});

test('the choice is printed once per run on stderr', async () => {
  const code = `
    import { initBackend } from './lib/model/backend.ts';
    await initBackend('wasm');
    await initBackend('wasm');
    await initBackend('auto');
  `;
  const env = { ...process.env, MEIT_BACKEND: '', MEIT_QUIET: '' };
  const stderr = await new Promise<string>((resolve, reject) => {
    execFile(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { cwd: ROOT, env }, (err, _stdout, stderr) => (err ? reject(err) : resolve(stderr)));
  });
  const lines = stderr.split('\n').filter(Boolean);
  assert.deepEqual(lines, nativeTensorflow ? lines : ['meit: backend wasm (SIMD, 1 thread)']);
});
