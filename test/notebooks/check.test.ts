/**
 * `npm run notebooks:check` for real: every notebook executed under the tslab kernel in
 * Jupyter. It needs Jupyter (nbclient) and takes tens of seconds, so it runs only under
 * CI=true and only where a Python with nbclient is found (.venv or python3).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { EXECUTION_MODULES, KERNEL_NAME, findPython, notebookFiles } from '../../lib/notebook/jupyter.ts';
import { PROJECT_ROOT } from '../../lib/notebook/load.ts';
import { sha256 } from '../../lib/util/hash.ts';

const SCRIPT = join(PROJECT_ROOT, 'scripts', 'notebooks.ts');

function check(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', SCRIPT, 'check', ...args], { cwd: PROJECT_ROOT, maxBuffer: 16 << 20 }, (err, stdout, stderr) =>
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }),
    );
  });
}

const skip = process.env.CI !== 'true' ? 'runs under CI=true only' : (await findPython(EXECUTION_MODULES)) ? false : 'no Python with nbclient (pip install -r requirements-notebooks.txt)';

test('notebooks:check executes every notebook and leaves the committed files untouched', { skip, timeout: 600_000 }, async () => {
  const files = notebookFiles();
  const before = files.map((f) => sha256(readFileSync(f)));
  const r = await check([]);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  for (const f of files) assert.match(r.stdout, new RegExp(`^ok {4}notebooks/${basename(f).replace('.', '\\.')} {2}\\d+\\.\\d s`, 'm'));
  assert.deepEqual(files.map((f) => sha256(readFileSync(f))), before);
});

test('notebooks:check fails naming the notebook and the cell', { skip, timeout: 120_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'meit-nbcheck-'));
  const broken = join(dir, 'broken.ipynb');
  const code = (source: string) => ({ cell_type: 'code', execution_count: null, metadata: {}, outputs: [], source });
  writeFileSync(
    broken,
    JSON.stringify({
      nbformat: 4,
      nbformat_minor: 5,
      metadata: { kernelspec: { name: KERNEL_NAME, display_name: 'TypeScript', language: 'typescript' } },
      cells: [code('console.log(1 + 1);'), code("throw new Error('broken on purpose');"), code('console.log(3);')].map((c, i) => ({ ...c, id: `c${i}` })),
    }),
  );
  const r = await check([broken]);
  assert.equal(r.code, 1, r.stdout + r.stderr);
  assert.match(r.stdout, /^FAIL {2}.*broken\.ipynb {2}cell 2 \(throw new Error\('broken on purpose'\);\)/m);
  assert.match(r.stdout, /broken on purpose/);
});
