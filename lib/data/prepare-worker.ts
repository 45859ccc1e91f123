/**
 * Parallel record preparation over worker threads: both sides of the protocol.
 *
 * The main thread's RecordPool hands record paths to idle workers and resolves one promise
 * per record; callers await those promises in submission order, so the output order never
 * depends on which worker finished first. A worker runs prepareRecord and sends the signal
 * back as a transferred buffer (no copy). Input errors cross the thread boundary as data and
 * become InputErrors again on the main side.
 *
 * With size 0 the pool runs records in the main thread (tests, tiny datasets, debugging).
 */
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { InputError } from '../util/errors.ts';
import { prepareRecord, type PreparedSignal, type RecordOptions } from './prepare-record.ts';

const ROLE = 'meit-prepare-worker';

interface Task {
  recordPath: string;
}

type Reply =
  | { ok: true; result: PreparedSignal }
  | { ok: false; input: boolean; message: string; file?: string; where?: string; stack?: string };

interface Pending {
  task: Task;
  resolve: (r: PreparedSignal) => void;
  reject: (e: Error) => void;
}

export class RecordPool {
  private readonly workers: Worker[] = [];
  private readonly idle: Worker[] = [];
  private readonly queue: Pending[] = [];
  private readonly running = new Map<Worker, Pending>();
  private failure: Error | undefined;

  constructor(
    readonly size: number,
    private readonly options: RecordOptions,
  ) {
    for (let i = 0; i < size; i++) this.spawn();
  }

  /** Prepares one record (in a worker when the pool has any). */
  process(recordPath: string): Promise<PreparedSignal> {
    if (this.size === 0) return prepareRecord(recordPath, this.options);
    return new Promise((resolve, reject) => {
      if (this.failure) return reject(this.failure);
      this.queue.push({ task: { recordPath }, resolve, reject });
      this.dispatch();
    });
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }

  private spawn(): void {
    // The worker must compile TypeScript too: register tsx inside it, then load this module.
    const tsx = import.meta.resolve('tsx/esm/api');
    const self = import.meta.url;
    const boot = `import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(self)}); });`;
    const worker = new Worker(boot, { eval: true, workerData: { role: ROLE, options: this.options } });
    worker.on('message', (reply: Reply) => this.onReply(worker, reply));
    worker.on('error', (err) => this.fail(err));
    worker.on('exit', (code) => {
      if (code !== 0) this.fail(new Error(`a prepare worker exited with code ${code}`));
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

  private onReply(worker: Worker, reply: Reply): void {
    const pending = this.running.get(worker)!;
    this.running.delete(worker);
    this.idle.push(worker);
    if (reply.ok) pending.resolve(reply.result);
    else pending.reject(reviveError(reply));
    this.dispatch();
  }

  /** A crashed worker fails everything in flight; the caller aborts the run. */
  private fail(err: Error): void {
    this.failure ??= err;
    for (const p of [...this.running.values(), ...this.queue.splice(0)]) p.reject(this.failure);
    this.running.clear();
  }
}

function reviveError(reply: Extract<Reply, { ok: false }>): Error {
  if (reply.input) return new InputError(reply.message, { file: reply.file, where: reply.where });
  const err = new Error(reply.message);
  if (reply.stack) err.stack = reply.stack;
  return err;
}

function serveRecords(port: NonNullable<typeof parentPort>, options: RecordOptions): void {
  port.on('message', async (task: Task) => {
    let reply: Reply;
    try {
      const result = await prepareRecord(task.recordPath, options);
      reply = { ok: true, result };
      port.postMessage(reply, [result.signal.buffer as ArrayBuffer]);
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

if (!isMainThread && (workerData as { role?: string } | null)?.role === ROLE) {
  serveRecords(parentPort!, (workerData as { options: RecordOptions }).options);
}
