/**
 * A pool of worker threads that run one module's task handler in parallel: both sides of the
 * protocol.
 *
 * The main thread's WorkerPool hands tasks to idle workers and returns one promise per task, so
 * callers decide the order results are used in, never the workers' timing. A worker module
 * calls serveTasks(role, handler) at import; the pool starts it with that role and with `init`
 * (plain data every task shares). Input errors cross the thread boundary as data and become
 * InputErrors again on the main side; any other failure rejects every task in flight, and the
 * caller aborts.
 *
 * Workers compile TypeScript too: each registers tsx, then imports the worker module.
 */
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { InputError } from './errors.ts';

type Reply<R> =
  | { ok: true; result: R }
  | { ok: false; input: boolean; message: string; file?: string; where?: string; stack?: string };

interface Pending<T, R> {
  task: T;
  resolve: (r: R) => void;
  reject: (e: Error) => void;
}

export interface WorkerPoolOptions {
  /** Environment of the workers (default: the main thread's). */
  env?: NodeJS.ProcessEnv;
}

export class WorkerPool<T, R> {
  private readonly workers: Worker[] = [];
  private readonly idle: Worker[] = [];
  private readonly queue: Pending<T, R>[] = [];
  private readonly running = new Map<Worker, Pending<T, R>>();
  private failure: Error | undefined;
  private closing = false;

  /** `module` is the URL of a module that calls serveTasks(role, ...) when imported. */
  constructor(
    readonly size: number,
    private readonly module: string,
    private readonly role: string,
    private readonly init: unknown,
    private readonly options: WorkerPoolOptions = {},
  ) {
    for (let i = 0; i < size; i++) this.spawn();
  }

  run(task: T): Promise<R> {
    return new Promise((resolve, reject) => {
      if (this.failure) return reject(this.failure);
      this.queue.push({ task, resolve, reject });
      this.dispatch();
    });
  }

  async close(): Promise<void> {
    this.closing = true;
    await Promise.all(this.workers.map((w) => w.terminate()));
  }

  private spawn(): void {
    const tsx = import.meta.resolve('tsx/esm/api');
    const boot = `import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(this.module)}); });`;
    const worker = new Worker(boot, { eval: true, workerData: { role: this.role, init: this.init }, env: this.options.env ?? process.env });
    worker.on('message', (reply: Reply<R>) => this.onReply(worker, reply));
    worker.on('error', (err) => this.fail(err));
    worker.on('exit', (code) => {
      if (code !== 0 && !this.closing) this.fail(new Error(`a ${this.role} worker exited with code ${code}`));
    });
    this.workers.push(worker);
    this.idle.push(worker);
  }

  private dispatch(): void {
    while (this.idle.length && this.queue.length) {
      const worker = this.idle.pop()!;
      const pending = this.queue.shift()!;
      this.running.set(worker, pending);
      worker.postMessage(pending.task);
    }
  }

  private onReply(worker: Worker, reply: Reply<R>): void {
    const pending = this.running.get(worker)!;
    this.running.delete(worker);
    this.idle.push(worker);
    if (reply.ok) pending.resolve(reply.result);
    else pending.reject(reviveError(reply));
    this.dispatch();
  }

  /** A crashed worker fails everything in flight and queued. */
  private fail(err: Error): void {
    this.failure ??= err;
    for (const p of [...this.running.values(), ...this.queue.splice(0)]) p.reject(this.failure);
    this.running.clear();
  }
}

function reviveError(reply: Extract<Reply<unknown>, { ok: false }>): Error {
  if (reply.input) return new InputError(reply.message, { file: reply.file, where: reply.where });
  const err = new Error(reply.message);
  if (reply.stack) err.stack = reply.stack;
  return err;
}

/**
 * In a worker started by a WorkerPool with this role: answers every task with `handler(task,
 * init)`. `transfer` lists buffers of the result to move rather than copy. Elsewhere: nothing.
 */
export function serveTasks<T, R, I>(role: string, handler: (task: T, init: I) => Promise<R>, transfer: (result: R) => ArrayBuffer[] = () => []): void {
  const data = workerData as { role?: string; init: I } | null;
  if (isMainThread || data?.role !== role) return;
  const port = parentPort!;
  port.on('message', async (task: T) => {
    let reply: Reply<R>;
    try {
      const result = await handler(task, data.init);
      reply = { ok: true, result };
      port.postMessage(reply, transfer(result));
      return;
    } catch (err) {
      const e = err instanceof Error ? err : new Error(String(err));
      reply = e instanceof InputError
        ? { ok: false, input: true, message: e.message, file: e.file, where: e.where }
        : { ok: false, input: false, message: e.message, stack: e.stack };
    }
    port.postMessage(reply);
  });
}
