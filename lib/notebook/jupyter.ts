/**
 * Jupyter for the project's notebooks, set up inside the checkout only.
 *
 * - The kernel is tslab run by this Node with tsx preloaded (`node --import tsx .../tslab
 *   kernel`), so that cells can load the kit's ESM TypeScript (lib/notebook/load.ts). Its spec
 *   is written to .jupyter/kernels/meit-tslab/kernel.json, and Jupyter is started with
 *   JUPYTER_DATA_DIR=.jupyter: it finds the kernel there (and keeps its runtime files there),
 *   nothing is registered in the user's or the system's Jupyter.
 * - Jupyter itself is Python: the project's .venv (shared with DVC) when it has Jupyter, else
 *   a `python3` on PATH that has it, else it is installed into .venv from
 *   requirements-notebooks.txt.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { writeJsonAtomic } from '../util/atomic.ts';
import { PROJECT_ROOT } from './load.ts';

/** The kernel's name; the notebooks' metadata.kernelspec.name. */
export const KERNEL_NAME = 'meit-tslab';
export const KERNEL_DISPLAY_NAME = 'TypeScript (meit-kit, tslab)';
/** The project's Jupyter data directory (kernel spec, runtime files); git-ignored. */
export const JUPYTER_DATA_DIR = join(PROJECT_ROOT, '.jupyter');
export const NOTEBOOKS_DIR = join(PROJECT_ROOT, 'notebooks');
export const REQUIREMENTS_FILE = join(PROJECT_ROOT, 'requirements-notebooks.txt');
export const VENV_DIR = join(PROJECT_ROOT, '.venv');

/** Python modules each use needs: a Jupyter front end to open, nbclient to execute headlessly. */
export const FRONT_ENDS = ['jupyterlab', 'notebook'] as const;
export const EXECUTION_MODULES = ['nbclient', 'nbformat', 'jupyter_client'] as const;

export interface KernelSpec {
  argv: string[];
  display_name: string;
  language: string;
  metadata: Record<string, unknown>;
}

/**
 * The kernel spec: what `tslab install` writes (argv `tslab kernel --config-path
 * {connection_file}`), with this Node, tsx preloaded and absolute paths, so that the kernel
 * starts the same from any working directory.
 */
export function kernelSpec(nodePath = process.execPath): KernelSpec {
  const tsx = import.meta.resolve('tsx');
  const tslab = join(PROJECT_ROOT, 'node_modules', 'tslab', 'bin', 'tslab');
  return {
    argv: [nodePath, '--import', tsx, tslab, 'kernel', '--config-path', '{connection_file}'],
    display_name: KERNEL_DISPLAY_NAME,
    language: 'typescript',
    metadata: { note: 'written by scripts/notebooks.ts (lib/notebook/jupyter.ts); do not edit' },
  };
}

/** Writes the kernel spec under `dataDir`/kernels and returns the kernel.json path. */
export async function writeKernelSpec(dataDir = JUPYTER_DATA_DIR): Promise<string> {
  const file = join(dataDir, 'kernels', KERNEL_NAME, 'kernel.json');
  await writeJsonAtomic(file, kernelSpec());
  return file;
}

/** The environment Jupyter runs in: the project's data dir first, so it finds the kernel. */
export function jupyterEnv(base: NodeJS.ProcessEnv = process.env, dataDir = JUPYTER_DATA_DIR): NodeJS.ProcessEnv {
  return { ...base, JUPYTER_DATA_DIR: dataDir };
}

/** The Python of the project's venv (which may not exist). */
export function venvPython(venv = VENV_DIR, platform = process.platform): string {
  return platform === 'win32' ? join(venv, 'Scripts', 'python.exe') : join(venv, 'bin', 'python');
}

function systemPython(): string {
  return process.platform === 'win32' ? 'python' : 'python3';
}

/** Whether `python` runs and can import every module in `modules`. */
export async function pythonHas(python: string, modules: readonly string[]): Promise<boolean> {
  const probe = 'import importlib.util, sys; sys.exit(0 if all(importlib.util.find_spec(m) for m in sys.argv[1:]) else 1)';
  const result = await execa(python, ['-c', probe, ...modules], { reject: false }).catch(() => undefined);
  return result?.exitCode === 0;
}

/** The first Python, of the project's .venv then `python3` on PATH, that has all of `modules`. */
export async function findPython(modules: readonly string[]): Promise<string | undefined> {
  const candidates = [venvPython(), systemPython()];
  for (const python of candidates) if (await pythonHas(python, modules)) return python;
  return undefined;
}

/** The first Jupyter front end found (Lab preferred) and the Python that has it. */
export async function findFrontEnd(): Promise<{ python: string; frontEnd: (typeof FRONT_ENDS)[number] } | undefined> {
  for (const frontEnd of FRONT_ENDS) {
    const python = await findPython([frontEnd]);
    if (python) return { python, frontEnd };
  }
  return undefined;
}

/**
 * Installs Jupyter into the project's .venv (creating it if needed) from
 * requirements-notebooks.txt, with pip's output on the terminal; returns the venv's Python.
 */
export async function installJupyter(log: (line: string) => void): Promise<string> {
  const python = venvPython();
  if (!existsSync(python)) {
    log(`creating ${VENV_DIR}`);
    await execa(systemPython(), ['-m', 'venv', VENV_DIR], { stdio: 'inherit' });
  }
  log(`installing Jupyter into ${VENV_DIR} from ${REQUIREMENTS_FILE}`);
  await execa(python, ['-m', 'pip', 'install', '-r', REQUIREMENTS_FILE], { stdio: 'inherit' });
  return python;
}

/** A Python that has `modules`, installing Jupyter into .venv when none has. */
export async function ensurePython(modules: readonly string[], log: (line: string) => void): Promise<string> {
  const found = await findPython(modules);
  if (found) return found;
  log(`no Python with ${modules.join(', ')} found`);
  const python = await installJupyter(log);
  if (!(await pythonHas(python, modules))) {
    throw new Error(`${python} still lacks one of ${modules.join(', ')} after installing ${REQUIREMENTS_FILE}`);
  }
  return python;
}

/** Whether a browser can open here: always on macOS/Windows, on Linux only with a display. */
export function hasDisplay(env: NodeJS.ProcessEnv = process.env, platform = process.platform): boolean {
  if (platform === 'darwin' || platform === 'win32') return true;
  return Boolean(env.DISPLAY || env.WAYLAND_DISPLAY);
}

/** notebooks/*.ipynb, sorted (the numbered lessons run in order). */
export function notebookFiles(dir = NOTEBOOKS_DIR): string[] {
  return readdirSync(dir)
    .filter((name) => name.endsWith('.ipynb'))
    .sort()
    .map((name) => join(dir, name));
}

/** The Python runner that executes one notebook under nbclient. */
export const EXEC_SCRIPT = fileURLToPath(new URL('../../scripts/notebooks-exec.py', import.meta.url));
