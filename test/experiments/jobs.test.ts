import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadParams } from '../../lib/config/params.ts';
import { type RunJob, runJobs } from '../../lib/experiments/jobs.ts';
import { openRunContext } from '../../lib/experiments/runs.ts';
import { InputError } from '../../lib/util/errors.ts';

const PARAMS = new URL('../../params.yaml', import.meta.url).pathname;

test('a job that fails on bad input fails the same way in a worker thread as in this one', async () => {
  process.env.MEIT_QUIET = '1';
  const ctx = await openRunContext(loadParams(PARAMS, 'smoke'));
  const dir = mkdtempSync(join(tmpdir(), 'meit-jobs-'));
  try {
    const missing = join(dir, 'no-such-model');
    const jobs: RunJob[] = [{ evaluations: [{ name: 'run', model: missing, data: join(dir, 'no-such-data'), out: join(dir, 'out') }] }];
    const failure = async (workers: number) => {
      const err = await runJobs(ctx, jobs, workers, 'test').then(
        () => assert.fail('the job should fail'),
        (e: unknown) => e,
      );
      assert.ok(err instanceof InputError, `workers ${workers}: ${String(err)}`);
      return `${err.file}: ${err.message}`;
    };
    const here = await failure(0);
    assert.match(here, /no-such-(model|data)/);
    assert.equal(await failure(1), here);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
