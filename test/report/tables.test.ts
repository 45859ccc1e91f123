import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { toCsv, toMarkdown } from '../../lib/report/table.ts';
import { ablationsTable, backbonesTable, robustnessTable, zeroShotTable } from '../../lib/report/tables.ts';

const CODE = 'AIoT-MLSys-Lab/MEIT@468b888';

describe('result tables put the paper beside the kit', () => {
  test('backbones: counterpart model, paper numbers, a source letter per number, no column for what nobody has', async () => {
    const table = await backbonesTable([
      { backbone: 'llama-2', dataset: 'mimic', scores: { 'BLEU-1': 0.6, 'BLEU-4': { value: 0.41, lo: 0.39, hi: 0.43 }, 'CIDEr-D': 3 } },
      { backbone: 'gpt-neox', dataset: 'ptbxl', scores: { 'BLEU-1': 0.5, 'BLEU-4': { value: 0.3, lo: 0.28, hi: 0.32 }, 'CIDEr-D': 2 } },
    ]);
    assert.equal(table.name, 'backbones');
    assert.equal(
      toCsv(table.df, table),
      'Backbone,Dataset,Paper model,BLEU-1,BLEU-1 (paper),BLEU-4,BLEU-4 lo,BLEU-4 hi,BLEU-4 (paper),CIDEr-D,CIDEr-D (paper),Paper source\n' +
        'llama-2,MIMIC-IV-ECG,LLaMA-1,0.600,0.685,0.410,0.390,0.430,0.543,3.00,5.26,"a: BLEU-1; b: BLEU-4, CIDEr-D"\n' +
        'gpt-neox,PTB-XL,,0.500,,0.300,0.280,0.320,,2.00,,\n',
    );
    assert.deepEqual(table.notes!.slice(0, 2), [
      `a: [CODE] ${CODE} draw_figures/plot_IT_ablation.py`,
      'b: [SECONDARY] paper note quoting the ACL Findings 2025 tables',
    ]);
    assert.match(toMarkdown(table.df, table), /\| 0\.410 \[0\.390, 0\.430\] \|/);
  });

  test('zero-shot: the paper row of the same setting', async () => {
    const table = await zeroShotTable([
      { backbone: 'mistral', setting: 'zero-shot-no-it', scores: { 'BLEU-4': 0.2 } },
      { backbone: 'mistral', setting: 'in-domain', scores: { 'BLEU-4': 0.4 } },
    ]);
    assert.equal(
      toCsv(table.df, table),
      'Backbone,Setting,Paper model,BLEU-4,BLEU-4 (paper),Paper source\n' +
        'mistral,"MIMIC → PTB-XL, no instruction tuning",Mistral,0.200,0.194,a\n' +
        'mistral,PTB-XL → PTB-XL,Mistral,0.400,0.418,a\n',
    );
    assert.equal(table.notes![0], `a: [CODE] ${CODE} draw_figures/plot_zeroshot.py`);
  });

  test('robustness: a kit row, then the paper row, per backbone and metric; levels as columns', async () => {
    const table = await robustnessTable([
      { backbone: 'bloom', level: 0.1, scores: { METEOR: { value: 0.69, lo: 0.68, hi: 0.7 } } },
      { backbone: 'bloom', level: 0, scores: { METEOR: 0.7 } },
      { backbone: 'gpt2-medium', level: 0, scores: { METEOR: 0.6 } },
    ]);
    assert.equal(
      toCsv(table.df, table),
      'Backbone,Metric,Source,0%,10%,10% lo,10% hi\n' +
        'bloom,METEOR,kit,0.7000,0.6900,0.6800,0.7000\n' +
        'bloom,METEOR,paper: BLOOM [a],0.7580,0.7425,,\n' +
        'gpt2-medium,METEOR,kit,0.6000,,,\n',
    );
    assert.ok(table.notes!.some((n) => n.includes('BLOOM run scripts')), 'the BLOOM caveat is shown with BLOOM');
    const withoutBloom = await robustnessTable([{ backbone: 'opt', level: 0, scores: { METEOR: 0.7 } }]);
    assert.ok(!withoutBloom.notes!.some((n) => n.includes('BLOOM')), 'and only with BLOOM');
  });

  test('ablations: kit variants matched to the paper arms, controls without a paper number', async () => {
    const table = await ablationsTable([
      { backbone: 'llama-2', variant: 'prefix', scores: { 'BLEU-4': 0.5 } },
      { backbone: 'bloom', variant: 'no-it', paperVariant: 'no-instruction', scores: { 'BLEU-4': 0.45 } },
      { backbone: 'llama-2', variant: 'shuffled-ecg', scores: { 'BLEU-4': 0.1 } },
    ]);
    assert.equal(
      toCsv(table.df, table),
      'Backbone,Variant,Paper model,Paper arm,BLEU-4,BLEU-4 (paper),Paper source\n' +
        'llama-2,prefix,LLaMA-1,LLaVA-style input concatenation,0.500,0.529,a\n' +
        'bloom,no-it,BLOOM,plain fine-tuning (no instruction),0.450,0.513,b\n' +
        'llama-2,shuffled-ecg,,,0.100,,\n',
    );
  });

  test('a table without any paper number says so and has no paper columns', async () => {
    const table = await backbonesTable([{ backbone: 'gpt-neox', dataset: 'mimic', scores: { 'BLEU-4': 0.3 } }]);
    assert.equal(toCsv(table.df, table), 'Backbone,Dataset,BLEU-4\ngpt-neox,MIMIC-IV-ECG,0.300\n');
    assert.deepEqual(table.notes, ['The paper has no number for these rows.']);
  });
});
