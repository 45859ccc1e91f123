/**
 * Parallel record preparation over worker threads (lib/util/worker-pool.ts).
 *
 * Callers await one promise per record in submission order, so the output order never depends
 * on which worker finished first. A worker runs prepareRecord and sends the signal back as a
 * transferred buffer (no copy).
 *
 * With size 0 the pool runs records in the main thread (tests, tiny datasets, debugging).
 */
import { WorkerPool, serveTasks } from '../util/worker-pool.ts';
import { prepareRecord, type PreparedSignal, type RecordOptions } from './prepare-record.ts';

const ROLE = 'meit-prepare-worker';

export class RecordPool {
  private readonly pool: WorkerPool<string, PreparedSignal> | undefined;

  constructor(
    readonly size: number,
    private readonly options: RecordOptions,
  ) {
    if (size > 0) this.pool = new WorkerPool(size, import.meta.url, ROLE, options);
  }

  /** Prepares one record (in a worker when the pool has any). */
  process(recordPath: string): Promise<PreparedSignal> {
    return this.pool ? this.pool.run(recordPath) : prepareRecord(recordPath, this.options);
  }

  async close(): Promise<void> {
    await this.pool?.close();
  }
}

serveTasks<string, PreparedSignal, RecordOptions>(ROLE, prepareRecord, (result) => [result.signal.buffer as ArrayBuffer]);
