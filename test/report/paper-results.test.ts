import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { PRESET_NAMES } from '../../lib/model/presets.ts';
import {
  PAPER_ABLATIONS,
  PAPER_COUNTERPART,
  PAPER_HUMAN_EVAL,
  PAPER_MAIN,
  PAPER_MODELS,
  PAPER_ROBUSTNESS,
  PAPER_SCALING,
  PAPER_ZERO_SHOT,
  type PaperNumber,
  type PaperScores,
  paperMainScores,
} from '../../lib/report/paper-results.ts';
import { SHARED_DATA } from '../helpers/shared.ts';

function allNumbers(): PaperNumber[] {
  const fromScores = (s: PaperScores) => Object.values(s);
  return [
    ...PAPER_MAIN.flatMap((r) => fromScores(r.scores)),
    ...PAPER_ZERO_SHOT.flatMap((r) => fromScores(r.scores)),
    ...PAPER_ROBUSTNESS.map((r) => r.value),
    ...PAPER_ABLATIONS.flatMap((r) => fromScores(r.scores)),
    ...PAPER_SCALING.flatMap((r) => fromScores(r.scores)),
    ...PAPER_HUMAN_EVAL.flatMap((r) => Object.values(r.scores)),
  ];
}

/** The values of `a` and `b` for the metrics both have. */
function shared(a: PaperScores, b: PaperScores): [string, number, number][] {
  return Object.keys(a)
    .filter((m) => m in b)
    .map((m) => [m, a[m as keyof PaperScores]!.value, b[m as keyof PaperScores]!.value]);
}

describe('published numbers', () => {
  test('every number has a source, and lies in its metric range', () => {
    const numbers = allNumbers();
    assert.ok(numbers.length > 250, `only ${numbers.length} numbers`);
    for (const n of numbers) {
      assert.ok(n.source.tag === 'CODE' || n.source.tag === 'SECONDARY');
      assert.ok(n.source.ref.length > 0);
      assert.ok(n.value > 0 && n.value < 10, String(n.value));
    }
    for (const row of PAPER_MAIN) {
      for (const [metric, n] of Object.entries(row.scores)) if (metric !== 'CIDEr-D') assert.ok(n.value < 1, `${row.model} ${metric}`);
    }
  });

  test('where two tables report the same run, they agree (catches transcription slips)', () => {
    let compared = 0;
    const agree = (a: PaperScores, b: PaperScores, what: string) => {
      for (const [metric, x, y] of shared(a, b)) {
        assert.equal(x, y, `${what} ${metric}`);
        compared++;
      }
    };
    for (const row of PAPER_ZERO_SHOT.filter((r) => r.setting === 'in-domain')) agree(row.scores, paperMainScores(row.model, 'ptbxl'), `${row.model} PTB-XL`);
    for (const row of PAPER_ABLATIONS.filter((r) => r.variant === 'meit')) agree(row.scores, paperMainScores(row.model, 'mimic'), `${row.model} MEIT arm`);
    for (const row of PAPER_ROBUSTNESS.filter((r) => r.level === 0)) {
      agree({ [row.metric]: row.value }, paperMainScores(row.model, 'mimic'), `${row.model} clean`);
    }
    for (const row of PAPER_SCALING.filter((r) => r.size === '7B')) agree(row.scores, paperMainScores('LLaMA-2-Instruct', row.dataset), `LLaMA-2 7B ${row.dataset}`);
    assert.ok(compared >= 50, `only ${compared} overlapping numbers compared`);
  });

  test('every model name is one of the paper models; every preset has its counterpart entry', () => {
    const names = new Set<string>(PAPER_MODELS.map((m) => m.name));
    for (const r of [...PAPER_MAIN, ...PAPER_ZERO_SHOT, ...PAPER_ROBUSTNESS, ...PAPER_ABLATIONS, ...PAPER_HUMAN_EVAL]) assert.ok(names.has(r.model), r.model);
    assert.deepEqual(Object.keys(PAPER_COUNTERPART).sort(), [...PRESET_NAMES].sort());
    for (const [preset, model] of Object.entries(PAPER_COUNTERPART)) {
      if (model) assert.equal(PAPER_MODELS.find((m) => m.name === model)!.preset, preset);
    }
  });

  const notes = join(SHARED_DATA, '..', 'paper-results.md');
  test('every number appears in the shared paper-results.md', { skip: existsSync(notes) ? false : `${notes} not found` }, () => {
    const text = readFileSync(notes, 'utf8');
    const tokens = new Set(text.match(/\d+\.\d+/g));
    for (const n of allNumbers()) {
      // Only exact spellings: 0.55 may be written 0.550, but 0.7147 must not pass as 0.715.
      const spellings = [2, 3, 4].map((d) => n.value.toFixed(d)).filter((s) => Number(s) === n.value);
      assert.ok(spellings.some((s) => tokens.has(s)), `${n.value} (${n.source.ref}) is not in ${notes}`);
    }
  });
});
