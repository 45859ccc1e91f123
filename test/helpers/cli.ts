/** Runs the real `meit` command in a child process, as a user would. */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const MEIT_BIN = fileURLToPath(new URL('../../bin/meit.js', import.meta.url));

export interface MeitResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function runMeit(args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<MeitResult> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [MEIT_BIN, ...args],
      { cwd: options.cwd, env: { ...process.env, MEIT_QUIET: '1', ...options.env }, maxBuffer: 64 << 20 },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}
