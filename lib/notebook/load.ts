/**
 * The bridge between a tslab notebook and the kit.
 *
 * tslab compiles every cell with its own TypeScript to CommonJS: a static
 * `import ... from '../lib/x.ts'` fails its type check (the file lies outside the notebook's
 * folder and ends in `.ts`), and a dynamic `import()` in a cell becomes `require()`. The kit,
 * though, is ESM TypeScript. The project's kernel runs Node with tsx (`--import tsx`, see
 * lib/notebook/jupyter.ts), so a cell can `require()` this file; the `import()` calls below
 * then stay real ESM imports, and every kit module a notebook loads through `loadKit` lives in
 * the same ESM module graph as under the `meit` CLI and the tests (one `Rng` class, one
 * `InputError`), with top-level await and `import.meta` working as usual.
 *
 *   const { loadKit } = require('../lib/notebook/load.ts');
 *   const { Rng } = await loadKit('lib/util/prng.ts');
 *
 * This file must stay self-contained (no imports of other kit modules) and stateless: cells
 * load it as CommonJS and lib/notebook/index.ts as ESM, which is harmless for a constant and two
 * functions, but any kit module it imported would exist twice.
 */
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** The checkout's root directory (the one holding package.json and lib/). */
export const PROJECT_ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));

/**
 * Imports a kit module as ESM, `path` relative to the project root ('lib/ecg/synth/index.ts').
 * The result is typed `any` on purpose: notebook cells cannot see the kit's types (above).
 */
export function loadKit<T = any>(path: string): Promise<T> {
  const file = resolve(PROJECT_ROOT, path);
  const inside = relative(PROJECT_ROOT, file);
  if (inside === '' || inside === '..' || inside.startsWith('..' + sep) || isAbsolute(inside)) {
    return Promise.reject(new Error(`loadKit: ${JSON.stringify(path)} is not a path inside the project (${PROJECT_ROOT})`));
  }
  return import(pathToFileURL(file).href) as Promise<T>;
}

/**
 * Imports a package as ESM, resolved from the kit's node_modules: for ESM-only packages such
 * as vega and vega-lite (top-level await), which `require()` cannot load.
 */
export function loadEsm<T = any>(specifier: string): Promise<T> {
  return import(specifier) as Promise<T>;
}
