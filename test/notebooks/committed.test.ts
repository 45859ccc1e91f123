/**
 * The notebooks under notebooks/ are committed clean: no outputs, no execution counts, and
 * the project's kernel. (Outputs belong to runs — `npm run notebooks:check` executes into a
 * temporary copy — not to the repository, where they would bloat diffs with base64 images.)
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { KERNEL_NAME, notebookFiles } from '../../lib/notebook/jupyter.ts';

interface Cell {
  cell_type: string;
  source: string | string[];
  outputs?: unknown[];
  execution_count?: number | null;
}

interface Notebook {
  nbformat: number;
  metadata: { kernelspec?: { name?: string } };
  cells: Cell[];
}

/** What is wrong with a notebook as committed ([] when it is clean). */
function problems(nb: Notebook): string[] {
  const found: string[] = [];
  if (nb.nbformat !== 4) found.push(`nbformat ${nb.nbformat}, expected 4`);
  if (nb.metadata.kernelspec?.name !== KERNEL_NAME) found.push(`kernel ${JSON.stringify(nb.metadata.kernelspec?.name)}, expected ${KERNEL_NAME}`);
  nb.cells.forEach((cell, i) => {
    if (cell.cell_type !== 'code') return;
    if (cell.outputs?.length) found.push(`cell ${i + 1} has ${cell.outputs.length} output(s)`);
    if (cell.execution_count !== null) found.push(`cell ${i + 1} has execution_count ${cell.execution_count}`);
  });
  return found;
}

const notebooks = notebookFiles();

test('the lessons are there, in order', () => {
  const names = notebooks.map((f) => basename(f));
  assert.ok(names.includes('00-quickstart.ipynb') && names.includes('01-ecg-data.ipynb'), names.join(', '));
  assert.deepEqual(names, [...names].sort());
});

for (const file of notebooks) {
  test(`${basename(file)} is committed without outputs, under the project's kernel`, () => {
    const nb = JSON.parse(readFileSync(file, 'utf8')) as Notebook;
    assert.deepEqual(problems(nb), []);
    assert.ok(nb.cells.some((c) => c.cell_type === 'markdown') && nb.cells.some((c) => c.cell_type === 'code'));
  });
}

test('the check catches outputs, execution counts and a foreign kernel', () => {
  const dirty: Notebook = {
    nbformat: 4,
    metadata: { kernelspec: { name: 'tslab' } },
    cells: [
      { cell_type: 'markdown', source: '# x' },
      { cell_type: 'code', source: '1', outputs: [{ output_type: 'stream', name: 'stdout', text: '1' }], execution_count: 1 },
      { cell_type: 'code', source: '2', outputs: [], execution_count: null },
    ],
  };
  assert.deepEqual(problems(dirty), ['kernel "tslab", expected meit-tslab', 'cell 2 has 1 output(s)', 'cell 2 has execution_count 1']);
});
