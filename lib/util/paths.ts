/**
 * Paths that come from data files (a CSV column, a WFDB header's file name) are untrusted:
 * they must stay inside the dataset root. `resolveInside` refuses absolute paths, `..`
 * escapes and symbolic links that lead out of the root.
 */
import { realpathSync } from 'node:fs';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { InputError } from './errors.ts';

export function resolveInside(root: string, untrusted: string, origin?: { file?: string; where?: string }): string {
  const fail = (why: string) =>
    new InputError(`path ${JSON.stringify(untrusted)} ${why}`, { file: origin?.file, where: origin?.where });
  if (untrusted === '' || untrusted.includes('\0')) throw fail('is empty or contains a NUL byte');
  if (isAbsolute(untrusted) || /^[A-Za-z]:[\\/]/.test(untrusted)) throw fail('is absolute; expected a path relative to the dataset root');
  const rootAbs = resolve(root);
  const target = resolve(rootAbs, untrusted);
  if (!isWithin(rootAbs, target)) throw fail(`leaves the dataset root ${rootAbs}`);
  // Symbolic links: compare real paths of the deepest existing ancestor.
  const realRoot = safeRealpath(rootAbs) ?? rootAbs;
  let probe = target;
  while (!isWithin(rootAbs, probe) || safeRealpath(probe) === undefined) {
    const parent = resolve(probe, '..');
    if (parent === probe || !isWithin(rootAbs, parent)) return target;
    probe = parent;
  }
  const real = safeRealpath(probe)!;
  if (!isWithin(realRoot, real)) throw fail(`leads outside the dataset root ${rootAbs} through a symbolic link`);
  return target;
}

export function isWithin(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel === '' || (!rel.startsWith('..' + sep) && rel !== '..' && !isAbsolute(rel));
}

function safeRealpath(path: string): string | undefined {
  try {
    return realpathSync(path);
  } catch {
    return undefined;
  }
}
