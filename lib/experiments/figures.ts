/**
 * The report's figures (results/figures/<name>.svg and .png; the ECG example is PNG only):
 *
 *   backbones             bars per metric: backbones × datasets
 *   zero-shot             in-domain vs transferred, with and without instruction tuning
 *   robustness            metric vs MEIT's partial white noise level, the paper's curves dashed
 *   robustness-realistic  metric vs severity step of the other perturbations
 *   ablations             bars per variant (alignments, instruction tuning, controls)
 *   ecg-example           a test ECG on ECG paper with its reference and generated reports
 *
 * The names are fixed (dvc.yaml declares each file), whatever the profile runs.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TopLevelSpec } from 'vega-lite';
import type { LoadedParams } from '../config/params.ts';
import { readPrepareConfig } from '../data/prepare-config.ts';
import { openPrepared } from '../data/shards.ts';
import { type AblationRow, type BackboneRow, type MetricValue, type RobustnessRow, type ZeroShotRow, ablationBars, backboneBars, robustnessCurves, withPaperRobustness, zeroShotBars } from '../report/charts.ts';
import { writeEcgPng } from '../report/ecg-plot.ts';
import { renderFigure } from '../report/figure.ts';
import type { Score } from '../report/tables.ts';
import { FIGURE_CONFIG } from '../report/theme.ts';
import { InputError } from '../util/errors.ts';
import { type CollectedResults, backbonePredictions } from './collect.ts';
import { type ExperimentPlan, datasetRoot } from './plan.ts';
import { experimentPaths } from './runs.ts';

export const FIGURES_DIR = join('results', 'figures');

export const FIGURES = [
  { name: 'backbones', title: 'E1: backbones × datasets' },
  { name: 'zero-shot', title: 'E2: zero-shot transfer' },
  { name: 'robustness', title: "E3: MEIT's partial white noise" },
  { name: 'robustness-realistic', title: 'E3: other perturbations' },
  { name: 'ablations', title: 'E4: ablations and controls' },
  { name: 'ecg-example', title: 'A test ECG with its reference and generated reports' },
] as const;

/** The metrics the bar charts show (table names, see scores.ts). */
const BAR_METRICS = ['BLEU-4', 'METEOR', 'ROUGE-L', 'CIDEr-D', 'Clinical micro-F1', 'Clinical macro-F1'] as const;
const CURVE_METRICS = ['METEOR', 'ROUGE-L', 'BLEU-4', 'Clinical micro-F1'] as const;

const DATASET_NAMES: Record<string, string> = { mimic: 'MIMIC-IV-ECG', ptbxl: 'PTB-XL' };
const SCORING = 'meit scoring mode; bars: 95% bootstrap intervals where the run has them';

export async function writeFigures(r: CollectedResults, plan: ExperimentPlan, params: LoadedParams): Promise<void> {
  const out = (name: string) => join(FIGURES_DIR, name);
  await renderFigure(backboneBars(metricRows(r.backbones, BAR_METRICS, (b) => ({ backbone: b.backbone, dataset: DATASET_NAMES[b.dataset]! })), { subtitle: SCORING }), out('backbones'));
  // Short names: the legend cuts long labels.
  const short: Record<string, string> = { mimic: 'MIMIC', ptbxl: 'PTB-XL' };
  const settingName = (z: CollectedResults['zeroShot'][number]) => {
    const direction = `${short[z.from]} → ${short[z.to]}`;
    return z.setting === 'in-domain' ? `${short[z.to]} in-domain` : z.setting === 'zero-shot' ? direction : `${direction}, no IT`;
  };
  await renderFigure(zeroShotBars(metricRows(r.zeroShot, BAR_METRICS, (z): Omit<ZeroShotRow, keyof MetricValue> => ({ backbone: z.backbone, setting: settingName(z) })), { subtitle: `${SCORING}; IT: instruction tuning` }), out('zero-shot'));
  const noise = metricRows(r.partialNoise, CURVE_METRICS, (p): Omit<RobustnessRow, keyof MetricValue> => ({ backbone: p.backbone, level: p.level }));
  await renderFigure(
    robustnessCurves(withPaperRobustness(noise), {
      title: `Robustness: partial white noise ≤ p% of the signal (${DATASET_NAMES[plan.robustness.dataset]} test set)`,
      subtitle: 'meit scoring mode; dashed: the paper (MIMIC-IV-ECG, 7B backbones)',
    }),
    out('robustness'),
  );
  await renderFigure(perturbationCurves(r.perturbed), out('robustness-realistic'));
  await renderFigure(ablationBars(metricRows(r.ablations, BAR_METRICS, (a): Omit<AblationRow, keyof MetricValue> => ({ backbone: a.backbone, variant: a.variant })), { subtitle: `${DATASET_NAMES[plan.ablations.dataset]}; ${SCORING}` }), out('ablations'));
  await writeEcgExample(plan, params, `${out('ecg-example')}.png`);
}

/** Long-format chart rows: one per result and metric the result has. */
function metricRows<T extends { scores: Record<string, Score> }, K extends object>(results: readonly T[], metrics: readonly string[], keys: (r: T) => K): (K & MetricValue)[] {
  return results.flatMap((r) =>
    metrics.flatMap((metric) => {
      const s = r.scores[metric];
      if (s === undefined) return [];
      return [{ ...keys(r), metric, ...(typeof s === 'number' ? { value: s } : { value: s.value, lo: s.lo, hi: s.hi }) }];
    }),
  );
}

/** One panel per perturbation kind and metric: the metric against the severity step, a line per backbone. */
function perturbationCurves(points: CollectedResults['perturbed']): TopLevelSpec {
  const values = metricRows(points, ['Clinical micro-F1', 'BLEU-4'], (p) => ({ backbone: p.backbone, perturbation: p.perturbation, step: p.step, label: p.label }));
  const x = { field: 'step', type: 'quantitative', title: 'Severity step', axis: { tickMinStep: 1, format: 'd' } } as const;
  const y = { field: 'value', type: 'quantitative', title: null, scale: { zero: false, padding: 10 } } as const;
  const color = { field: 'backbone', type: 'nominal', title: 'Backbone' } as const;
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: {
      text: 'Robustness to other perturbations of the test ECGs',
      subtitle: 'applied to the normalised signals at evaluation; step 0 = clean, 1–5 mildest to harshest (levels: table robustness-realistic); meit scoring mode',
    },
    data: { values },
    facet: { row: { field: 'metric', type: 'nominal', title: null }, column: { field: 'perturbation', type: 'nominal', title: null } },
    spec: {
      width: 180,
      height: 140,
      layer: [
        { mark: 'line', encoding: { x, y, color } },
        { mark: 'point', encoding: { x, y, color, tooltip: [{ field: 'backbone' }, { field: 'label' }, { field: 'value', format: '.3f' }] } },
      ],
    },
    resolve: { scale: { y: 'independent' } },
    config: FIGURE_CONFIG,
  } as TopLevelSpec;
}

/**
 * The plan's example test ECG, read from its raw record (mV, as recorded) through the dataset
 * adapter, with the reference report and the generated one of the plan's backbone.
 */
async function writeEcgExample(plan: ExperimentPlan, params: LoadedParams, file: string): Promise<void> {
  const { dataset, backbone, index } = plan.example;
  const prepared = openPrepared(experimentPaths.prepared(dataset));
  const example = prepared.examples('test')[index];
  prepared.close();
  const predictionsFile = backbonePredictions(dataset, backbone);
  if (!example) throw new InputError(`experiments.example.index ${index} is past the ${dataset} test split`, { file: params.file });
  const prediction = readFileSync(predictionsFile, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as { id: string; prediction: string })
    .find((p) => p.id === example.id);
  if (!prediction) throw new InputError(`no prediction for test example ${example.id}`, { file: predictionsFile });

  const recordPath = await findRecord(dataset, example.id, params);
  const { readRecord } = await import('../ecg/wfdb/index.ts');
  const record = await readRecord(recordPath);
  await writeEcgPng(file, {
    fs: record.header.fs,
    leads: record.header.signals.map((s) => s.description),
    signals: record.physical,
    title: `${DATASET_NAMES[dataset]} test example ${example.id} — ${backbone} (MEIT alignment)`,
    lines: [...wrap(`Reference: ${example.report}`), ...wrap(`Generated: ${prediction.prediction || '(empty)'}`)],
  });
}

/** The WFDB record of prepared example `id`, found through the dataset's adapter. */
async function findRecord(dataset: ExperimentPlan['example']['dataset'], id: string, params: LoadedParams): Promise<string> {
  const root = datasetRoot(params, dataset);
  const config = readPrepareConfig(params, dataset);
  const ignore = () => {};
  const source =
    dataset === 'ptbxl'
      ? await (await import('../data/ptbxl.ts')).openPtbxl(root, config.ptbxl, ignore)
      : await (await import('../data/mimic.ts')).openMimic(root, config.mimic, ignore);
  for await (const record of source.records()) if (record.id === id) return record.recordPath;
  throw new InputError(`test example ${id} is not in the dataset at ${root}`, { file: params.file, where: `prepare.${dataset}.root` });
}

/** Words into lines of at most `width` characters, for the text under the tracing. */
function wrap(text: string, width = 120): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/)) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(line);
  return lines;
}
