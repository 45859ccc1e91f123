/**
 * Atomic outputs: every file the kit writes appears whole or not at all.
 *
 * Files are written beside their destination under a temporary name, flushed, then renamed
 * (rename is atomic within a directory on POSIX). Directories are built under a temporary
 * name and swapped in at the end. A run killed half-way leaves only `*.tmp-*` (and, at the
 * swap, `*.old-*`) siblings, which the next run resolves; earlier outputs stay intact.
 */
import { closeSync, fsyncSync, mkdirSync, openSync, renameSync, writeSync } from 'node:fs';
import { lstat, mkdir, open, readdir, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

let counter = 0;

/** A fresh temporary sibling name for `path`. */
export function tempSibling(path: string): string {
  return `${path}.tmp-${process.pid}-${++counter}`;
}

/** Writes `data` to `path` atomically (parent directories are created). */
export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = tempSibling(path);
  try {
    const handle = await open(tmp, 'w');
    try {
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}

/** Synchronous twin of writeFileAtomic, for exit paths that cannot await. */
export function writeFileAtomicSync(path: string, data: string | Uint8Array): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = tempSibling(path);
  const fd = openSync(tmp, 'w');
  try {
    writeSync(fd, typeof data === 'string' ? Buffer.from(data) : data);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
}

/** JSON with sorted-insertion keys as given, two-space indent and a final newline. */
export async function writeJsonAtomic(path: string, value: unknown): Promise<void> {
  await writeFileAtomic(path, JSON.stringify(value, null, 2) + '\n');
}

/**
 * Builds a directory atomically: `build` fills a temporary directory, which then replaces
 * `dir` (an existing `dir` is removed only after the new one is complete). If `build`
 * throws, the temporary directory is removed and `dir` is untouched.
 *
 * The swap is two renames (`dir` → `dir.old-*`, then the new one → `dir`): a run killed
 * between them leaves no `dir`, but a complete previous output in `dir.old-*` (complete by
 * construction: it was `dir`). The next run puts it back before anything else, so an
 * interrupted run never costs the previous output.
 */
export async function buildDirAtomic<T>(dir: string, build: (tmpDir: string) => Promise<T>): Promise<T> {
  await mkdir(dirname(dir), { recursive: true });
  await restoreInterruptedSwap(dir);
  await removeStaleTemps(dir);
  const tmp = tempSibling(dir);
  await mkdir(tmp, { recursive: true });
  let result: T;
  try {
    result = await build(tmp);
  } catch (err) {
    await rm(tmp, { recursive: true, force: true });
    throw err;
  }
  const old = `${dir}${OLD_INFIX}${process.pid}-${++counter}`;
  let hadOld = true;
  try {
    await rename(dir, old);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    hadOld = false;
  }
  await rename(tmp, dir);
  if (hadOld) await rm(old, { recursive: true, force: true });
  return result;
}

/** Marks a previous output moved aside by buildDirAtomic's swap (vs `.tmp-`: in progress). */
const OLD_INFIX = '.old-';

/** When `dir` is missing but a swap left its previous output aside, renames that back. */
async function restoreInterruptedSwap(dir: string): Promise<void> {
  if (await exists(dir)) return;
  const [aside] = await siblings(dir, OLD_INFIX);
  if (aside !== undefined) await rename(aside, dir);
}

/** Removes the `*.tmp-*` (and `*.old-*`) siblings of `path` left by an interrupted earlier run. */
export async function removeStaleTemps(path: string): Promise<void> {
  const stale = [...(await siblings(path, '.tmp-')), ...(await siblings(path, OLD_INFIX))];
  await Promise.all(stale.map((p) => rm(p, { recursive: true, force: true })));
}

/** The siblings of `path` named `path` + `infix` + anything, sorted. */
async function siblings(path: string, infix: string): Promise<string[]> {
  const parent = dirname(path);
  const prefix = basename(path) + infix;
  let names: string[];
  try {
    names = await readdir(parent);
  } catch {
    return [];
  }
  return names.filter((n) => n.startsWith(prefix)).sort().map((n) => join(parent, n));
}

async function exists(path: string): Promise<boolean> {
  try {
    await lstat(path);
    return true;
  } catch {
    return false;
  }
}
