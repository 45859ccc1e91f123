/**
 * An experiment's runs as independent jobs — train a model if asked, then evaluate one — run
 * side by side in worker threads (experiments.workers; one per core by default), or one after
 * the other in this thread. The wasm backend computes on one thread, so two cores run two jobs
 * at once. Every job is seeded by itself and writes only its own directories, so the results
 * are the same whatever the number of workers and the order in which jobs finish.
 */
import type { LoadedParams } from '../config/params.ts';
import { formatDuration } from '../util/progress.ts';
import { WorkerPool, serveTasks } from '../util/worker-pool.ts';
import { type EvaluateSpec, type RunContext, type TrainSpec, evaluateRun, openRunContext, trainRun } from './runs.ts';

const ROLE = 'meit-experiment-job';

/** An evaluation and the run name its metrics go under in the experiment's summary. */
export type NamedEvaluation = EvaluateSpec & { name: string };

export interface RunJob {
  /** Overrides the params' seed (extra seeds of E1). */
  seed?: number;
  /** Trains this model first; the evaluations may read it (a job never reads another job's model). */
  train?: TrainSpec;
  evaluations: NamedEvaluation[];
}

interface JobResult {
  metrics: Record<string, Record<string, number>>;
  seconds: number;
}

async function executeJob(ctx: RunContext, job: RunJob): Promise<JobResult> {
  const started = performance.now();
  const seeded = job.seed === undefined ? ctx : { ...ctx, seed: job.seed };
  if (job.train) await trainRun(seeded, job.train);
  const metrics: JobResult['metrics'] = {};
  for (const { name, ...spec } of job.evaluations) metrics[name] = await evaluateRun(seeded, spec);
  return { metrics, seconds: (performance.now() - started) / 1000 };
}

/** What a job is called in logs: its first run's name, and how many more it evaluates. */
const jobName = (job: RunJob) => job.evaluations[0]!.name + (job.evaluations.length > 1 ? ` (+${job.evaluations.length - 1})` : '');

/**
 * Runs the jobs on `workers` worker threads (0: here, in order) and returns the metrics of every
 * evaluation by run name, in job order. The first failure stops the stage.
 */
export async function runJobs(ctx: RunContext, jobs: readonly RunJob[], workers: number, label: string): Promise<Record<string, Record<string, number>>> {
  const results: Record<string, Record<string, number>> = {};
  const size = Math.min(workers, jobs.length);
  if (size === 0) {
    for (const job of jobs) Object.assign(results, (await executeJob(ctx, job)).metrics);
    return results;
  }
  process.stderr.write(`meit: ${label}: ${plural(jobs.length, 'run')} on ${plural(size, 'worker thread')}\n`);
  // Workers keep quiet (no progress bars racing on one terminal); this thread reports each run.
  const pool = new WorkerPool<RunJob, JobResult>(size, import.meta.url, ROLE, ctx.params, { env: { ...process.env, MEIT_QUIET: '1' } });
  const perJob: JobResult['metrics'][] = [];
  let done = 0;
  try {
    // The first failure rejects at once, and closing the pool stops the jobs still running.
    await Promise.all(
      jobs.map(async (job, i) => {
        const { metrics, seconds } = await pool.run(job);
        perJob[i] = metrics;
        process.stderr.write(`meit: ${label}: ${jobName(job)} done in ${formatDuration(seconds)} (${++done}/${jobs.length})\n`);
      }),
    );
  } finally {
    await pool.close();
  }
  // In job order, not completion order.
  for (const metrics of perJob) Object.assign(results, metrics);
  return results;
}

const plural = (n: number, noun: string) => `${n} ${noun}${n === 1 ? '' : 's'}`;

let workerContext: Promise<RunContext> | undefined;
serveTasks<RunJob, JobResult, LoadedParams>(ROLE, async (job, params) => executeJob(await (workerContext ??= openRunContext(params)), job));
