import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { MEIT_BIN, runMeit } from '../helpers/cli.ts';
import { logWithoutTimings, runWeights, temp, tinyDataset, tinyParams } from './trainer-setup.ts';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

test('a run killed with SIGKILL after its first checkpoint and resumed ends with the weights of an uninterrupted run', async () => {
  const dir = temp('resume');
  const data = await tinyDataset(dir);
  // 3 epochs × 4 steps, a checkpoint every 2 steps: the kill lands well before the end.
  tinyParams(dir, ['epochs: 3', 'checkpoint_every: 2', 'val_every: 5']);
  const args = (out: string) => ['train', '--data', data, '--backbone', 'gpt2-medium', '--out', join(dir, out), '--params', join(dir, 'params.yaml')];

  const uninterrupted = runMeit(args('full'));

  const child = spawn(process.execPath, [MEIT_BIN, ...args('killed')], { env: { ...process.env, MEIT_QUIET: '1' }, stdio: 'ignore' });
  const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
  const latest = join(dir, 'killed', 'checkpoints', 'LATEST');
  while (!existsSync(latest) && child.exitCode === null) await sleep(5);
  child.kill('SIGKILL');
  assert.equal(await exited, 'SIGKILL', 'the run was killed, not finished');
  assert.ok(!existsSync(join(dir, 'killed', 'model')), 'killed before the final model was written');

  const resumed = await runMeit([...args('killed'), '--resume']);
  assert.equal(resumed.code, 0, resumed.stderr);
  const full = await uninterrupted;
  assert.equal(full.code, 0, full.stderr);

  assert.ok(runWeights(join(dir, 'killed')).equals(runWeights(join(dir, 'full'))), 'resumed weights equal the uninterrupted run');
  const records = (run: string) => logWithoutTimings(join(dir, run));
  assert.deepEqual(records('killed'), records('full'), 'the log is cut back to the checkpoint and continued');
  assert.deepEqual(records('full').filter((r) => 'val_loss' in r).map((r) => r.step), [5, 10, 12], 'validation every 5 steps and at the end');
});

test('--resume refuses a checkpoint made with other settings', async () => {
  const dir = temp('resume-mismatch');
  const data = await tinyDataset(dir);
  tinyParams(dir, ['max_steps: 2']);
  const args = ['train', '--data', data, '--backbone', 'gpt2-medium', '--out', join(dir, 'run'), '--params', join(dir, 'params.yaml')];
  assert.equal((await runMeit(args)).code, 0);
  const other = await runMeit([...args, '--resume', '--seed', '5']);
  assert.equal(other.code, 2);
  assert.match(other.stderr, /^meit: error: .*state\.json: the checkpoint was made with other settings/);
  assert.equal(other.stderr.trim().split('\n').length, 1);
});
