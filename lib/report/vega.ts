/**
 * Loads vega and vega-lite, which are ESM-only packages with top-level await.
 *
 * The kit itself is ESM, where a plain `import()` would do. Notebooks run under tslab, which
 * compiles each cell (and what it imports) to CommonJS — and TypeScript turns `import()` into
 * `require()` there, which cannot load an ESM module with top-level await. An `import()` hidden
 * in a Function body is invisible to the compiler, so it stays a real dynamic import under both
 * module systems. Bare specifiers resolve from this file, i.e. from the kit's node_modules.
 *
 * This file is self-contained on purpose (no relative imports, no `import.meta`): the tests
 * compile it to CommonJS and load it from a `.cjs` script.
 */
import type * as Vega from 'vega';
import type * as VegaLite from 'vega-lite';

export type VegaModule = typeof Vega;
export type VegaLiteModule = typeof VegaLite;

export interface VegaModules {
  vega: VegaModule;
  vegaLite: VegaLiteModule;
}

const importEsm = new Function('specifier', 'return import(specifier)') as (specifier: string) => Promise<unknown>;

let loaded: Promise<VegaModules> | undefined;

/** vega and vega-lite, loaded once per process (from ESM or CommonJS alike). */
export function loadVega(): Promise<VegaModules> {
  loaded ??= Promise.all([importEsm('vega'), importEsm('vega-lite')]).then(
    ([vega, vegaLite]) => ({ vega: vega as VegaModule, vegaLite: vegaLite as VegaLiteModule }),
    (err: unknown) => {
      loaded = undefined; // let a later call try again
      throw err;
    },
  );
  return loaded;
}
