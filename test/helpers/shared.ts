/**
 * The third-party data in ../shared/data (PTB-XL, MIMIC-IV-ECG and wfdb-python excerpts).
 * Tests read it in place, never copy it. When it is absent they skip — except under CI=true,
 * where its absence is a failure (CI always has it).
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join, resolve } from 'node:path';

const repoRoot = resolve(fileURLToPath(new URL('../..', import.meta.url)));

/** Root of the shared data: $MEIT_SHARED_DATA, else ../shared/data beside the checkout. */
export const SHARED_DATA = process.env.MEIT_SHARED_DATA ?? join(repoRoot, '..', 'shared', 'data');

/**
 * `{ skip: reason }` for node:test when the shared data (or `sub` inside it) is missing;
 * throws under CI=true instead, so that CI cannot pass by skipping.
 */
export function sharedData(sub = ''): { path: string; skip: string | false } {
  const path = join(SHARED_DATA, sub);
  if (existsSync(path)) return { path, skip: false };
  if (process.env.CI === 'true') throw new Error(`shared test data missing under CI: ${path}`);
  return { path, skip: `shared data not found at ${path}` };
}
