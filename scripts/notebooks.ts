/**
 * The project's notebooks in Jupyter, with the tslab kernel registered inside the checkout.
 *
 *   npm run notebooks                    opens Jupyter (Lab, else Notebook) on notebooks/
 *   npm run notebooks -- --port 8890     extra arguments go to Jupyter
 *   npm run notebooks:check              executes every notebook headlessly (profile smoke)
 *   npm run notebooks:check -- notebooks/00-quickstart.ipynb
 *
 * Jupyter is the project's .venv's, else python3's on PATH; when neither has it, it is
 * installed into .venv from requirements-notebooks.txt. The check runs each notebook under
 * the tslab kernel with $MEIT_PROFILE (smoke unless set), executes into a temporary copy
 * (the committed notebooks are never written), prints each notebook's time, and exits 1
 * naming the notebook and the cell when any cell fails. See notebooks/README.md.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join, relative, resolve } from 'node:path';
import { execa } from 'execa';
import {
  EXEC_SCRIPT,
  EXECUTION_MODULES,
  FRONT_ENDS,
  JUPYTER_DATA_DIR,
  KERNEL_NAME,
  NOTEBOOKS_DIR,
  ensurePython,
  findFrontEnd,
  hasDisplay,
  jupyterEnv,
  notebookFiles,
  writeKernelSpec,
} from '../lib/notebook/jupyter.ts';
import { PROJECT_ROOT } from '../lib/notebook/load.ts';
import { PROFILE_ENV } from '../lib/notebook/index.ts';

const CHECK_PROFILE = 'smoke';
const CELL_TIMEOUT_S = 900;

const log = (line: string) => process.stderr.write(`notebooks: ${line}\n`);

async function open(jupyterArgs: string[]): Promise<number> {
  await writeKernelSpec();
  const { python, frontEnd } = (await findFrontEnd()) ?? { python: await ensurePython([FRONT_ENDS[0]], log), frontEnd: FRONT_ENDS[0] };
  const args = [
    '-m',
    frontEnd,
    `--notebook-dir=${NOTEBOOKS_DIR}`,
    ...(hasDisplay() ? [] : ['--no-browser']),
    // Jupyter refuses to run as root (containers, CI) without it.
    ...(process.getuid?.() === 0 ? ['--allow-root'] : []),
    ...jupyterArgs,
  ];
  log(`kernel ${KERNEL_NAME} registered in ${relative(PROJECT_ROOT, JUPYTER_DATA_DIR)}/; starting ${python} ${args.join(' ')}`);
  const child = await execa(python, args, { env: jupyterEnv(), stdio: 'inherit', reject: false });
  return child.exitCode ?? 1;
}

interface ExecResult {
  notebook: string;
  ok: boolean;
  seconds: number;
  cells: number;
  failed_cell: number | null;
  source: string | null;
  error: string | null;
}

async function check(requested: string[]): Promise<number> {
  const notebooks = requested.length ? requested.map((p) => resolve(p)) : notebookFiles();
  if (notebooks.length === 0) {
    log(`no notebooks under ${NOTEBOOKS_DIR}`);
    return 1;
  }
  await writeKernelSpec();
  const python = await ensurePython(EXECUTION_MODULES, log);
  const env = { ...jupyterEnv(), [PROFILE_ENV]: process.env[PROFILE_ENV] || CHECK_PROFILE };
  const outDir = await mkdtemp(join(tmpdir(), 'meit-notebooks-'));
  log(`executing ${notebooks.length} notebook(s) under ${KERNEL_NAME}, ${PROFILE_ENV}=${env[PROFILE_ENV]}`);
  const failures: string[] = [];
  for (const notebook of notebooks) {
    const name = notebook.startsWith(PROJECT_ROOT) ? relative(PROJECT_ROOT, notebook) : notebook;
    const child = await execa(
      python,
      [EXEC_SCRIPT, notebook, '--out', join(outDir, basename(notebook)), '--kernel', KERNEL_NAME, '--cwd', NOTEBOOKS_DIR, '--timeout', String(CELL_TIMEOUT_S)],
      { env, reject: false },
    );
    const result = parseResult(child.stdout);
    if (result?.ok) {
      process.stdout.write(`ok    ${name}  ${result.seconds.toFixed(1)} s (${result.cells} cells)\n`);
      continue;
    }
    const where = result?.failed_cell ? `cell ${result.failed_cell} (${result.source})` : 'kernel or runner';
    const detail = result?.error ?? lastLines(child.stderr || child.stdout || `exit code ${child.exitCode}`, 15);
    process.stdout.write(`FAIL  ${name}  ${where}${result ? `, after ${result.seconds.toFixed(1)} s` : ''}\n${indent(detail)}\n`);
    failures.push(`${name}: ${where}`);
  }
  if (failures.length) {
    log(`${failures.length} notebook(s) failed; executed copies kept in ${outDir}`);
    for (const f of failures) log(`  ${f}`);
    return 1;
  }
  await rm(outDir, { recursive: true, force: true });
  return 0;
}

/** The runner's JSON line (its last line on stdout), if it got that far. */
function parseResult(stdout: string): ExecResult | undefined {
  const last = stdout.trim().split('\n').pop() ?? '';
  try {
    const parsed = JSON.parse(last) as ExecResult;
    return typeof parsed.ok === 'boolean' ? parsed : undefined;
  } catch {
    return undefined;
  }
}

function lastLines(text: string, n: number): string {
  return text.trim().split('\n').slice(-n).join('\n');
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((line) => `      ${line}`)
    .join('\n');
}

const USAGE = `usage: node --import tsx scripts/notebooks.ts [JUPYTER-ARG...]   open Jupyter on notebooks/
       node --import tsx scripts/notebooks.ts check [NOTEBOOK...]  execute notebooks headlessly
(npm run notebooks / npm run notebooks:check; see notebooks/README.md)
`;

async function main(argv: string[]): Promise<number> {
  if (argv[0] === '--help' || argv[0] === '-h') {
    process.stdout.write(USAGE);
    return 0;
  }
  return argv[0] === 'check' ? check(argv.slice(1)) : open(argv);
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    log(`error: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  },
);
