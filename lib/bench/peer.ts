/**
 * A benchmark peer: a long-lived child process (the kit's worker, or a Python peer with torch,
 * wfdb or pycocoevalcap loaded) that answers one JSON request per line on stdin with one JSON
 * line on stdout: `{"op": ..., ...}` → `{"ok": true, "result": ...}` or `{"ok": false, "error": "..."}`.
 *
 * Keeping the peers alive lets the orchestrator interleave the two sides rep by rep (so that a
 * burst of load on the shared machine hits both), and gives each side its own process: its
 * peak RSS is that side's peak memory, and its imports (tfjs, torch) are paid once, outside
 * the timings. stderr is passed through for the peers' own progress and warnings.
 */
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

export class PeerError extends Error {}

export class Peer {
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly pending: { resolve: (value: unknown) => void; reject: (err: Error) => void }[] = [];
  private exited: string | undefined;
  private stderrTail = '';

  constructor(
    readonly label: string,
    command: string,
    args: string[],
    options: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
  ) {
    this.child = spawn(command, args, { cwd: options.cwd, env: { ...process.env, ...options.env }, stdio: ['pipe', 'pipe', 'pipe'] });
    createInterface({ input: this.child.stdout }).on('line', (line) => this.onLine(line));
    this.child.stderr.on('data', (chunk: Buffer) => {
      this.stderrTail = (this.stderrTail + chunk.toString()).slice(-2000);
      if (process.env.MEIT_BENCH_VERBOSE === '1') process.stderr.write(chunk);
    });
    this.child.on('error', (err) => this.fail(`${label}: cannot start ${command}: ${err.message}`));
    this.child.on('exit', (code, signal) => this.fail(`${label} exited (${signal ?? `code ${code}`}): ${this.stderrTail.trim().split('\n').slice(-3).join(' | ')}`));
  }

  /** Sends one request and resolves with its result. Requests are answered in order. */
  request<T>(op: string, args: Record<string, unknown> = {}): Promise<T> {
    if (this.exited) return Promise.reject(new PeerError(this.exited));
    return new Promise<T>((resolve, reject) => {
      this.pending.push({ resolve: resolve as (value: unknown) => void, reject });
      this.child.stdin.write(JSON.stringify({ op, ...args }) + '\n');
    });
  }

  /** Asks the peer to exit and waits for it. */
  async close(): Promise<void> {
    if (this.exited) return;
    const done = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.stdin.end();
    await done;
  }

  private onLine(line: string): void {
    const waiter = this.pending.shift();
    if (!waiter) return; // stray output: not a reply
    let reply: { ok?: boolean; result?: unknown; error?: string };
    try {
      reply = JSON.parse(line) as typeof reply;
    } catch {
      waiter.reject(new PeerError(`${this.label}: not a JSON reply: ${line.slice(0, 200)}`));
      return;
    }
    if (reply.ok) waiter.resolve(reply.result);
    else waiter.reject(new PeerError(`${this.label}: ${reply.error ?? 'failed'}`));
  }

  private fail(message: string): void {
    this.exited ??= message;
    for (const waiter of this.pending.splice(0)) waiter.reject(new PeerError(message));
  }
}
