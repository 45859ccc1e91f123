import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { TopLevelSpec } from 'vega-lite';
import {
  type AblationRow,
  type BackboneRow,
  type RobustnessRow,
  type ZeroShotRow,
  ablationBars,
  backboneBars,
  robustnessCurves,
  withPaperRobustness,
  zeroShotBars,
} from '../../lib/report/charts.ts';
import { loadVega } from '../../lib/report/vega.ts';

const metrics = ['BLEU-4', 'CIDEr-D'];
const backbones = ['opt', 'bloom', 'gpt2-medium']; // deliberately not alphabetical

const backboneRows: BackboneRow[] = backbones.flatMap((backbone, i) =>
  ['PTB-XL', 'MIMIC-IV-ECG'].flatMap((dataset) => metrics.map((metric) => ({ backbone, dataset, metric, value: 0.4 + 0.01 * i, lo: 0.38, hi: 0.42 }))),
);
const zeroShotRows: ZeroShotRow[] = backbones.flatMap((backbone) =>
  ['in-domain', 'zero-shot'].flatMap((setting) => metrics.map((metric) => ({ backbone, setting, metric, value: 0.3 }))),
);
const robustnessRows: RobustnessRow[] = backbones.flatMap((backbone) =>
  (['kit', 'paper'] as const).flatMap((source) => [0, 0.1, 0.2].map((level) => ({ backbone, level, source, metric: 'METEOR', value: 0.7 - level }))),
);
const ablationRows: AblationRow[] = ['MEIT', 'no ECG', 'shuffled ECG'].flatMap((variant) => metrics.map((metric) => ({ variant, metric, value: 0.5 })));

/** Compiles with vega-lite, failing on any warning (unknown channel, bad field, dropped encoding...). */
async function compileStrict(spec: TopLevelSpec): Promise<object> {
  const { vegaLite } = await loadVega();
  const warnings: unknown[] = [];
  const logger = {
    level: () => logger,
    warn: (...args: unknown[]) => (warnings.push(args), logger),
    info: () => logger,
    debug: () => logger,
    error: (...args: unknown[]) => {
      throw new Error(String(args));
    },
  };
  const { spec: vega } = vegaLite.compile(spec, { logger: logger as never });
  assert.deepEqual(warnings, []);
  return vega;
}

type Json = Record<string, any>;

describe('chart specs', () => {
  test('all four compile without a warning', async () => {
    for (const spec of [backboneBars(backboneRows), zeroShotBars(zeroShotRows), robustnessCurves(robustnessRows), ablationBars(ablationRows)]) {
      await compileStrict(spec);
    }
  });

  test('grouped bars: one panel per metric in row order, categories in row order, error bars only with intervals', () => {
    const spec = backboneBars(backboneRows, { title: 'T', subtitle: 'S' }) as Json;
    assert.deepEqual(spec.title, { text: 'T', subtitle: 'S' });
    assert.deepEqual(spec.facet.sort, metrics);
    assert.deepEqual(spec.resolve, { scale: { y: 'independent' } });
    const [bars, rules] = spec.spec.layer;
    assert.deepEqual(bars.encoding.x.sort, backbones);
    assert.deepEqual(bars.encoding.xOffset.sort, ['PTB-XL', 'MIMIC-IV-ECG']);
    assert.equal(bars.encoding.color.field, 'dataset');
    assert.equal(rules.mark.type, 'rule');
    assert.equal(spec.data.values.length, backboneRows.length);

    const plain = zeroShotBars(zeroShotRows) as Json;
    assert.equal(plain.spec.layer.length, 1, 'no interval, no error-bar layer');
    assert.equal(plain.spec.layer[0].encoding.color.field, 'setting');
  });

  test('ablations: variants on x for one backbone, grouped by backbone for several', () => {
    const single = ablationBars(ablationRows) as Json;
    assert.equal(single.spec.layer[0].encoding.x.field, 'variant');
    assert.equal(single.spec.layer[0].encoding.xOffset, undefined);
    const several = ablationBars(backbones.flatMap((backbone) => ablationRows.map((r) => ({ ...r, backbone })))) as Json;
    assert.equal(several.spec.layer[0].encoding.x.field, 'backbone');
    assert.equal(several.spec.layer[0].encoding.xOffset.field, 'variant');
  });

  test('robustness: one line per backbone, the paper dashed, a band only with intervals', () => {
    const spec = robustnessCurves(robustnessRows) as Json;
    const line = spec.spec.layer.find((l: Json) => l.mark === 'line');
    assert.deepEqual(line.encoding.color.sort, backbones);
    assert.deepEqual(line.encoding.strokeDash.scale, { domain: ['kit', 'paper'], range: [[1, 0], [5, 3]] });
    assert.equal(spec.spec.layer.some((l: Json) => l.mark?.type === 'area'), false);

    const kitOnly = robustnessCurves(robustnessRows.filter((r) => r.source === 'kit').map(({ source: _, ...r }) => ({ ...r, lo: r.value - 0.01, hi: r.value + 0.01 }))) as Json;
    assert.equal(kitOnly.spec.layer.find((l: Json) => l.mark === 'line').encoding.strokeDash, undefined, 'no source legend for one source');
    assert.equal(kitOnly.spec.layer[0].mark.type, 'area');
    assert.ok(kitOnly.data.values.every((r: Json) => r.source === 'kit'), 'source defaults to kit');
  });
});

describe('withPaperRobustness', () => {
  test('adds the paper curve of each backbone and metric, under the kit backbone name', () => {
    const kit: RobustnessRow[] = [
      { backbone: 'bloom', metric: 'ROUGE-L', level: 0, value: 0.6 },
      { backbone: 'gpt2-medium', metric: 'ROUGE-L', level: 0, value: 0.5 },
      { backbone: 'llama-2', metric: 'BLEU-4', level: 0, value: 0.4 },
    ];
    const rows = withPaperRobustness(kit);
    assert.deepEqual(rows.slice(0, 3), kit);
    assert.deepEqual(
      rows.slice(3).map((r) => [r.backbone, r.metric, r.level, r.value, r.source]),
      [
        ['bloom', 'ROUGE-L', 0, 0.725, 'paper'],
        ['bloom', 'ROUGE-L', 0.05, 0.7174, 'paper'],
        ['bloom', 'ROUGE-L', 0.1, 0.7113, 'paper'],
        ['bloom', 'ROUGE-L', 0.15, 0.6939, 'paper'],
        ['bloom', 'ROUGE-L', 0.2, 0.6897, 'paper'],
      ],
    );
  });
});
