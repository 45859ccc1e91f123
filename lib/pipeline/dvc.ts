/**
 * A typed wrapper over the DVC command line (through execa): repro, status, metrics show/diff,
 * params diff, exp run/show. DVC is found in the project's .venv first, then on PATH; when it
 * is missing, `DvcMissing` says how to install it.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { execa } from 'execa';

export class DvcMissing extends Error {
  constructor() {
    super("DVC is not installed: run 'python3 -m venv .venv && .venv/bin/pip install dvc' (or put dvc on PATH)");
  }
}

export class DvcFailed extends Error {
  constructor(
    readonly args: string[],
    readonly exitCode: number,
    readonly stderr: string,
  ) {
    const last = stderr.trim().split('\n').filter(Boolean).pop() ?? '';
    super(`dvc ${args.join(' ')} exited with ${exitCode}${last ? `: ${last}` : ''}`);
  }
}

/** The dvc executable to use, or undefined when DVC is not installed. */
export async function findDvc(root = '.'): Promise<string | undefined> {
  const local = resolve(root, '.venv', 'bin', 'dvc');
  if (existsSync(local)) return local;
  const probe = await execa('dvc', ['version'], { reject: false }).catch(() => undefined);
  return probe && probe.exitCode === 0 ? 'dvc' : undefined;
}

export class Dvc {
  private constructor(
    readonly bin: string,
    readonly root: string,
  ) {}

  /** Connects to DVC in `root`; throws DvcMissing when it is not installed. */
  static async open(root = '.'): Promise<Dvc> {
    const bin = await findDvc(root);
    if (!bin) throw new DvcMissing();
    return new Dvc(bin, resolve(root));
  }

  /** True when `root` is a DVC project (has .dvc/). */
  isProject(): boolean {
    return existsSync(join(this.root, '.dvc'));
  }

  /** Runs dvc with the output streamed to the terminal. */
  async run(args: string[]): Promise<void> {
    const child = await execa(this.bin, args, { cwd: this.root, stdio: 'inherit', reject: false });
    if (child.exitCode !== 0) throw new DvcFailed(args, child.exitCode ?? 1, '');
  }

  /** Runs dvc and parses its --json output. */
  async json<T>(args: string[]): Promise<T> {
    const child = await execa(this.bin, [...args, '--json'], { cwd: this.root, reject: false });
    if (child.exitCode !== 0) throw new DvcFailed(args, child.exitCode ?? 1, child.stderr);
    return JSON.parse(child.stdout || 'null') as T;
  }

  repro(options: { force?: boolean; targets?: string[] } = {}): Promise<void> {
    return this.run(['repro', ...(options.force ? ['--force'] : []), ...(options.targets ?? [])]);
  }

  status(): Promise<Record<string, unknown>> {
    return this.json(['status']);
  }

  metricsShow(): Promise<Record<string, unknown>> {
    return this.json(['metrics', 'show']);
  }

  metricsDiff(a = 'HEAD', b?: string): Promise<Record<string, unknown>> {
    return this.json(['metrics', 'diff', a, ...(b ? [b] : [])]);
  }

  paramsDiff(a = 'HEAD', b?: string): Promise<Record<string, unknown>> {
    return this.json(['params', 'diff', a, ...(b ? [b] : [])]);
  }

  /** `dvc exp run -S key=value ...`. */
  expRun(set: Record<string, string | number | boolean> = {}, options: { name?: string } = {}): Promise<void> {
    const args = ['exp', 'run', ...(options.name ? ['--name', options.name] : [])];
    for (const [k, v] of Object.entries(set)) args.push('-S', `${k}=${v}`);
    return this.run(args);
  }

  expShow(): Promise<unknown> {
    return this.json(['exp', 'show']);
  }
}
