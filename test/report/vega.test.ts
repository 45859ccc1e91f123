import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, test } from 'node:test';
import ts from 'typescript';
import { loadVega } from '../../lib/report/vega.ts';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

const tinySpec = { data: { values: [{ a: 'x', b: 1 }] }, mark: 'bar', encoding: { x: { field: 'a' }, y: { field: 'b', type: 'quantitative' } } };

describe('loadVega', () => {
  test('from ESM: vega and vega-lite, loaded once', async () => {
    const modules = await loadVega();
    assert.equal(typeof modules.vega.View, 'function');
    assert.equal(typeof modules.vegaLite.compile, 'function');
    assert.equal(await loadVega(), modules);
  });

  test('from CommonJS, as tslab compiles it: the import() survives and loads the ESM packages', async () => {
    // Compile the loader the way tslab does (module: CommonJS), beside a node_modules link so
    // that bare specifiers resolve as they would from lib/report.
    const source = await readFile(join(repoRoot, 'lib/report/vega.ts'), 'utf8');
    const { outputText } = ts.transpileModule(source, {
      compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2020, esModuleInterop: true },
    });
    assert.doesNotMatch(outputText, /\brequire\("vega/, 'vega must not be require()d');
    const dir = await mkdtemp(join(tmpdir(), 'meit-vega-cjs-'));
    try {
      await symlink(join(repoRoot, 'node_modules'), join(dir, 'node_modules'), 'dir');
      await writeFile(join(dir, 'vega.js'), outputText);
      await writeFile(
        join(dir, 'main.cjs'),
        `const { loadVega } = require('./vega.js');
loadVega().then(({ vega, vegaLite }) => {
  const compiled = vegaLite.compile(${JSON.stringify(tinySpec)});
  console.log(JSON.stringify({ view: typeof vega.View, marks: compiled.spec.marks.length }));
});`,
      );
      const { stdout } = await promisify(execFile)(process.execPath, [join(dir, 'main.cjs')], { cwd: dir });
      assert.deepEqual(JSON.parse(stdout), { view: 'function', marks: 1 });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
