/**
 * The compute backend: native TensorFlow when installed, else WebAssembly, else plain JS.
 *
 *   tensorflow  @tensorflow/tfjs-node-gpu or @tensorflow/tfjs-node (optional dependencies that
 *               need a native TensorFlow build; loaded only if present)
 *   wasm        @tensorflow/tfjs-backend-wasm: XNNPACK with SIMD, single-threaded under Node
 *               (the threaded build starts its workers from blob: URLs, which Node refuses)
 *   cpu         @tensorflow/tfjs's pure-JS kernels: slow, but the reference for determinism
 *
 * Precedence: the MEIT_BACKEND environment variable, then the caller's choice (the `backend:`
 * of params.yaml), then 'auto' (the first available, in the order above). The choice is
 * printed on stderr once per run (`meit: backend wasm (SIMD, 1 thread)`), unless MEIT_QUIET=1.
 * Asking explicitly for a backend that is not available is an InputError.
 */
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { InputError } from '../util/errors.ts';
import { registerWasmGradientKernels } from './wasm-gradients.ts';

export const BACKENDS = ['tensorflow', 'wasm', 'cpu'] as const;
export type BackendName = (typeof BACKENDS)[number];
export type BackendPreference = 'auto' | BackendName;

/** What initBackend chose, for logs and run manifests. */
export interface BackendInfo {
  name: BackendName;
  /** e.g. "SIMD, 1 thread" or "@tensorflow/tfjs-node-gpu". */
  detail: string;
}

let current: BackendInfo | undefined;

/**
 * Selects and initialises the backend; returns its name. Calling it again with the same
 * explicit choice is free; a different choice switches backends.
 */
export async function initBackend(preferred: BackendPreference = 'auto'): Promise<string> {
  const { choice, source } = resolvePreference(preferred);
  if (current && choice === current.name && tf.getBackend() === current.name) return current.name;
  const candidates: BackendName[] = choice === 'auto' ? [...BACKENDS] : [choice];
  const failures: string[] = [];
  for (const name of candidates) {
    const outcome = await LOADERS[name]();
    if (typeof outcome === 'string') {
      failures.push(`${name}: ${outcome}`);
      continue;
    }
    if (!(await tf.setBackend(name).catch(() => false))) {
      failures.push(`${name}: initialisation failed`);
      continue;
    }
    // In tfjs 4.22 production mode only silences warnings (such as the cpu backend's "install
    // tfjs-node" banner); it does not change speed.
    tf.enableProdMode();
    const changed = current?.name !== name;
    current = { name, detail: outcome.detail() };
    if (changed && process.env.MEIT_QUIET !== '1') process.stderr.write(`meit: backend ${current.name} (${current.detail})\n`);
    return name;
  }
  throw new InputError(`backend ${choice} is not available (${failures.join('; ')})`, { where: source });
}

/** The backend chosen by the last initBackend, if any. */
export function backendInfo(): BackendInfo | undefined {
  return current;
}

function resolvePreference(preferred: BackendPreference): { choice: BackendPreference; source: string } {
  const fromEnv = process.env.MEIT_BACKEND?.trim();
  const [value, source] = fromEnv ? [fromEnv, 'MEIT_BACKEND'] : [preferred, 'backend'];
  if (value !== 'auto' && !(BACKENDS as readonly string[]).includes(value)) {
    throw new InputError(`unknown backend ${JSON.stringify(value)}; expected auto, ${BACKENDS.join(', ')}`, { where: source });
  }
  return { choice: value as BackendPreference, source };
}

/** A loader registers its backend with tfjs and returns a describer, or the reason it cannot. */
type Loader = () => Promise<{ detail: () => string } | string>;

const LOADERS: Record<BackendName, Loader> = {
  async tensorflow() {
    const pkg = nativeTensorflowPackage();
    if (!pkg) return 'neither @tensorflow/tfjs-node-gpu nor @tensorflow/tfjs-node is installed';
    try {
      await import(pkg);
    } catch (err) {
      return `${pkg} failed to load: ${(err as Error).message.split('\n')[0]}`;
    }
    if (!tf.findBackendFactory('tensorflow')) return `${pkg} loaded but registered no 'tensorflow' backend`;
    return { detail: () => pkg };
  },

  async wasm() {
    wasmLoading ??= loadWasm();
    return wasmLoading;
  },

  async cpu() {
    return { detail: () => 'pure JavaScript' };
  },
};

/**
 * The native TensorFlow binding that is really installed, if any. A package of that name that
 * is something else (npm overrides alias @tensorflow/tfjs-node to plain @tensorflow/tfjs for
 * danfojs-node) does not count.
 */
export function nativeTensorflowPackage(): string | undefined {
  const require = createRequire(import.meta.url);
  for (const pkg of ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node']) {
    try {
      const manifest = require(`${pkg}/package.json`) as { name?: string };
      if (manifest.name === pkg) return pkg;
    } catch {
      // not installed
    }
  }
  return undefined;
}

let wasmLoading: ReturnType<Loader> | undefined;

async function loadWasm(): ReturnType<Loader> {
  let wasmModule: typeof import('@tensorflow/tfjs-backend-wasm');
  try {
    wasmModule = await import('@tensorflow/tfjs-backend-wasm');
  } catch (err) {
    return `@tensorflow/tfjs-backend-wasm failed to load: ${(err as Error).message.split('\n')[0]}`;
  }
  // The .wasm binaries sit beside the package's main file; pointing there keeps Node offline.
  // (Paths must be set once, before the backend first initialises.)
  const main = createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm');
  wasmModule.setWasmPaths(dirname(main) + '/');
  registerWasmGradientKernels();
  return {
    detail: () => {
      const simd = tf.env().getBool('WASM_HAS_SIMD_SUPPORT') ? 'SIMD' : 'no SIMD';
      const threads = wasmModule.getThreadsCount();
      return `${simd}, ${threads} thread${threads === 1 ? '' : 's'}`;
    },
  };
}
