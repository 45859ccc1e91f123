import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { DataFrame } from 'danfojs-node';
import { ciHigh, ciLow, escapeLatex, frameFromRows, toCsv, toLatex, toMarkdown, writeTable } from '../../lib/report/table.ts';

const columns = ['Model', 'n', 'BLEU-4', ciLow('BLEU-4'), ciHigh('BLEU-4'), 'CIDEr-D', 'Note'];
const rows = [
  { Model: 'gpt2_medium', n: 12, 'BLEU-4': 0.51234, [ciLow('BLEU-4')]: 0.4901, [ciHigh('BLEU-4')]: 0.5299, 'CIDEr-D': 3.7, Note: '50% & more' },
  { Model: 'bloom', n: 3, 'BLEU-4': -0.00001, 'CIDEr-D': null, Note: 'a|b' },
];
const options = { caption: 'Kit vs paper', notes: ['a: [CODE] draw_figures/plot_IT_ablation.py'], decimals: { 'CIDEr-D': 2 } };

let df: DataFrame;
before(async () => {
  df = await frameFromRows(rows, columns);
});

describe('table writers', () => {
  test('Markdown: fixed decimals, CI folded into its column, missing as a dash, caption and notes', () => {
    assert.equal(
      toMarkdown(df, options),
      [
        'Table: Kit vs paper',
        '',
        '| Model       |   n |               BLEU-4 | CIDEr-D | Note       |',
        '| ----------- | --: | -------------------: | ------: | ---------- |',
        '| gpt2_medium |  12 | 0.512 [0.490, 0.530] |    3.70 | 50% & more |',
        '| bloom       |   3 |                0.000 |       – | a\\|b       |',
        '',
        '- a: [CODE] draw_figures/plot_IT_ablation.py',
        '',
      ].join('\n'),
    );
  });

  test('CSV: CI bounds as separate columns, missing as empty fields, no caption', () => {
    assert.equal(
      toCsv(df, options),
      'Model,n,BLEU-4,BLEU-4 lo,BLEU-4 hi,CIDEr-D,Note\n' + 'gpt2_medium,12,0.512,0.490,0.530,3.70,50% & more\n' + 'bloom,3,0.000,,,,a|b\n',
    );
  });

  test('LaTeX: booktabs tabular, escaped text, label and notes', () => {
    assert.equal(
      toLatex(df, { ...options, label: 'tab:demo' }),
      [
        '\\begin{table}[ht]',
        '\\centering',
        '\\caption{Kit vs paper}',
        '\\label{tab:demo}',
        '\\begin{tabular}{lrrrl}',
        '\\toprule',
        'Model & n & BLEU-4 & CIDEr-D & Note \\\\',
        '\\midrule',
        'gpt2\\_medium & 12 & 0.512 [0.490, 0.530] & 3.70 & 50\\% \\& more \\\\',
        'bloom & 3 & 0.000 & -- & a\\textbar{}b \\\\',
        '\\bottomrule',
        '\\end{tabular}',
        '\\par\\smallskip',
        '{\\footnotesize a: [CODE] draw\\_figures/plot\\_IT\\_ablation.py\\par}',
        '\\end{table}',
        '',
      ].join('\n'),
    );
  });

  test('one number of decimals for all float columns; integer columns stay integers', async () => {
    const frame = await frameFromRows([{ x: 1.23456, k: 7 }], ['x', 'k']);
    assert.equal(toCsv(frame, { decimals: 1 }), 'x,k\n1.2,7\n');
  });

  test('an empty frame still has its header', async () => {
    const frame = await frameFromRows([], ['a', 'b']);
    assert.equal(toCsv(frame), 'a,b\n');
  });
});

describe('escapeLatex', () => {
  test('escapes %, _, & and the other specials', () => {
    assert.equal(escapeLatex('5% of x_1 & y'), '5\\% of x\\_1 \\& y');
    assert.equal(escapeLatex('#$ {} ~ ^ \\'), '\\#\\$ \\{\\} \\textasciitilde{} \\textasciicircum{} \\textbackslash{}');
    assert.equal(escapeLatex('MIMIC → PTB-XL, 1 − x'), 'MIMIC $\\rightarrow$ PTB-XL, 1 $-$ x');
  });

  test('a cell starting with "[" cannot be taken for the optional argument of \\\\', () => {
    assert.equal(escapeLatex('[CODE] x'), '{}[CODE] x');
  });
});

describe('writeTable', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'meit-table-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test('writes name.md, name.csv and name.tex, the same bytes every time, no temporaries left', async () => {
    const files = await writeTable(dir, 'demo', df, options);
    assert.deepEqual(files, { md: join(dir, 'demo.md'), csv: join(dir, 'demo.csv'), tex: join(dir, 'demo.tex') });
    const first = await Promise.all(Object.values(files).map((f) => readFile(f)));
    await writeTable(dir, 'demo', await frameFromRows(rows, columns), options);
    const second = await Promise.all(Object.values(files).map((f) => readFile(f)));
    assert.deepEqual(second, first);
    assert.equal(first[1]!.toString(), toCsv(df, options));
    assert.match(first[2]!.toString(), /\\label\{tab:demo\}/);
    assert.deepEqual((await readdir(dir)).sort(), ['demo.csv', 'demo.md', 'demo.tex']);
  });

  test('refuses a name that is a path', async () => {
    await assert.rejects(writeTable(dir, '../evil', df), /plain file name/);
  });
});
