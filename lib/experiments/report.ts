/**
 * The report stage: results/tables (Markdown, CSV, LaTeX), results/figures (SVG + PNG) and
 * results/README.md from the experiments' metrics. Nothing here trains or evaluates; the same
 * metrics give the same bytes.
 *
 *   tables:  backbones, zero-shot (MIMIC → PTB-XL, the paper's direction, beside its numbers),
 *            zero-shot-<from>-to-<to> (other directions), robustness (MEIT's partial white
 *            noise, beside the paper's curves), robustness-realistic, ablations, ecg-controls
 *   figures: see figures.ts
 */
import { execFileSync } from 'node:child_process';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { LoadedParams } from '../config/params.ts';
import { type Cell, ciHigh, ciLow, frameFromRows, writeTable } from '../report/table.ts';
import { type Score, ablationsTable, backbonesTable, robustnessTable, writeResultTable, zeroShotTable } from '../report/tables.ts';
import { writeFileAtomic } from '../util/atomic.ts';
import { type CollectedResults, CONTROL_VARIANTS, ECG_CHECK_METRICS, type EcgCheckMetric, collectResults } from './collect.ts';
import { FIGURES, writeFigures } from './figures.ts';
import { readExperimentPlan } from './plan.ts';

export const TABLES_DIR = join('results', 'tables');
export const README_FILE = join('results', 'README.md');

const DATASET_NAMES: Record<string, string> = { mimic: 'MIMIC-IV-ECG', ptbxl: 'PTB-XL' };

export async function runReport(params: LoadedParams): Promise<void> {
  const plan = readExperimentPlan(params);
  const results = collectResults(plan);
  // Only this run's tables: a direction dropped from the plan must not leave its table behind.
  await rm(TABLES_DIR, { recursive: true, force: true });
  const tables = await writeTables(results);
  await writeFigures(results, plan, params);
  await writeReadme(params, tables, results);
}

/** Writes every table; returns their names in reading order. */
async function writeTables(r: CollectedResults): Promise<string[]> {
  const names: string[] = [];
  const write = async (table: Awaited<ReturnType<typeof backbonesTable>>) => {
    await writeResultTable(TABLES_DIR, table);
    names.push(table.name);
  };
  await write(await backbonesTable(r.backbones));
  await write(await zeroShotTable(r.zeroShot.filter((z) => z.from === 'mimic' && z.to === 'ptbxl')));
  const other = r.zeroShot.filter((z) => !(z.from === 'mimic' && z.to === 'ptbxl'));
  for (const key of [...new Set(other.map((z) => `${z.from}-to-${z.to}`))]) {
    const rows = other.filter((z) => `${z.from}-to-${z.to}` === key);
    const direction = `${DATASET_NAMES[rows[0]!.from]} → ${DATASET_NAMES[rows[0]!.to]}`;
    const setting = { 'in-domain': `in-domain (${DATASET_NAMES[rows[0]!.to]})`, 'zero-shot': direction, 'zero-shot-no-it': `${direction}, no instruction tuning` };
    names.push(
      await kitTable(
        `zero-shot-${key}`,
        rows.map((z) => ({ keys: { Backbone: z.backbone, Setting: setting[z.setting] }, scores: z.scores })),
        `Zero-shot transfer ${direction} (the paper has no numbers for this direction).`,
      ),
    );
  }
  await write(await robustnessTable(r.partialNoise));
  names.push(
    await kitTable(
      'robustness-realistic',
      r.perturbed.map((p) => ({ keys: { Backbone: p.backbone, Perturbation: p.perturbation, Step: p.step, Level: p.label }, scores: p.scores })),
      'Robustness to other perturbations of the test ECGs (applied to the normalised signals at evaluation; the paper has no such experiment).',
    ),
  );
  await write(await ablationsTable(r.ablations));
  names.push(
    await kitTable(
      'ecg-controls',
      r.ecgChecks.map((c) => ({
        keys: { Backbone: c.backbone, Dataset: DATASET_NAMES[c.dataset], 'Clinical F1': c.metric, 'Above no-ECG CI': yesNo(c.beatsNoEcg), 'Above shuffled-ECG CI': yesNo(c.beatsShuffled) },
        scores: { MEIT: c.model, ...Object.fromEntries(CONTROL_VARIANTS.flatMap((v) => (c.controls[v] === undefined ? [] : [[v, c.controls[v]!]]))) },
      })),
      'Does the report depend on the ECG? Clinical micro- and macro-F1 of each E1 model beside its controls (95% bootstrap intervals); "yes" when the model\'s interval lies entirely above the control\'s. Micro-F1 is dominated by the common findings, which a report that ignores the ECG can name anyway; macro-F1 weighs every finding the same. Dropping the ECG slot also shifts the decoder\'s input, so shuffled ECGs are the control that keeps the input\'s form.',
    ),
  );
  return names;
}

/** A table of the kit's own numbers only: key columns, then each score with its interval. */
async function kitTable(name: string, rows: readonly { keys: Record<string, Cell>; scores: Record<string, Score> }[], caption: string): Promise<string> {
  const metrics = [...new Set(rows.flatMap((r) => Object.keys(r.scores)))];
  const cells = rows.map((r) => {
    const row: Record<string, Cell> = { ...r.keys };
    for (const [m, s] of Object.entries(r.scores)) {
      if (typeof s === 'number') row[m] = s;
      else Object.assign(row, { [m]: s.value, [ciLow(m)]: s.lo, [ciHigh(m)]: s.hi });
    }
    return row;
  });
  const columns = [...Object.keys(rows[0]?.keys ?? {}), ...metrics.flatMap((m) => [m, ciLow(m), ciHigh(m)])].filter((c) => cells.some((r) => r[c] !== undefined && r[c] !== null));
  const decimals = Object.fromEntries(metrics.map((m) => [m, m.startsWith('CIDEr-D') ? 2 : 3]));
  await writeTable(TABLES_DIR, name, await frameFromRows(cells, columns), { caption, decimals, notes: ['The paper has no numbers for this table.'] });
  return name;
}

function yesNo(value: boolean | undefined): string {
  return value === undefined ? 'n/a' : value ? 'yes' : 'no';
}

/** results/README.md: how the results were made, the tables, the figures. */
async function writeReadme(params: LoadedParams, tables: readonly string[], r: CollectedResults): Promise<void> {
  const count = (metric: EcgCheckMetric, key: 'beatsNoEcg' | 'beatsShuffled') => {
    const checks = r.ecgChecks.filter((c) => c.metric === metric && c[key] !== undefined);
    return `${checks.filter((c) => c[key]).length} of ${checks.length}`;
  };
  const ecgCheck = (Object.keys(ECG_CHECK_METRICS) as EcgCheckMetric[]).map((m) => `on clinical ${m}, the MEIT model's interval lies above the no-ECG control's in ${count(m, 'beatsNoEcg')} backbone × dataset runs and above the shuffled-ECG control's in ${count(m, 'beatsShuffled')}`);
  const lines = [
    '# meit-kit results',
    '',
    `Generated by \`meit reproduce\` (stage \`report\`) with profile **${params.profile}** at commit \`${commit()}\`.`,
    'Do not edit: every file under results/ is rewritten by the pipeline from params.yaml.',
    '',
    'Scores: the paper\'s metric names carry the kit\'s *meit* scoring mode (the official evaluation, which the paper\'s numbers used);',
    '"(coco)" columns are the standard pycocoevalcap scores; intervals ("lo", "hi") are 95% percentile bootstrap intervals.',
    'Data are synthetic unless params.yaml points prepare.<dataset>.root at a real copy: the paper\'s numbers stand beside the kit\'s for reference, not as a target.',
    '',
    `ECG check (table ecg-controls): ${ecgCheck.join('; ')}.`,
    '',
  ];
  for (const name of tables) {
    lines.push(`## Table: ${name}`, '', `Files: [${name}.md](tables/${name}.md), [${name}.csv](tables/${name}.csv), [${name}.tex](tables/${name}.tex)`, '');
    lines.push((await readFile(join(TABLES_DIR, `${name}.md`), 'utf8')).trim(), '');
  }
  lines.push('## Figures', '');
  for (const f of FIGURES) lines.push(`### ${f.title}`, '', `![${f.title}](figures/${f.name}.png)`, '');
  await writeFileAtomic(README_FILE, lines.join('\n'));
}

/** The commit of the checkout, or "unknown" outside git. */
function commit(): string {
  try {
    return execFileSync('git', ['rev-parse', '--short=12', 'HEAD'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return 'unknown (not a git checkout)';
  }
}
