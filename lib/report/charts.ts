/**
 * The kit's chart specs. Each takes plain rows (one number per row: long format) and returns a
 * vega-lite spec for figure.ts to render; the theme (font, sizes, palette) comes from theme.ts.
 *
 * Every chart draws one panel per metric with its own y scale (CIDEr-D lives on 0–10, the rest
 * on 0–1). Categories keep the order in which they first appear in the rows, so callers control
 * the order of bars, lines and legends. A row may carry a confidence interval (`lo`, `hi`),
 * drawn as an error bar (bars) or a band (curves).
 */
import type { TopLevelSpec } from 'vega-lite';
import { PAPER_ROBUSTNESS, paperCounterpart } from './paper-results.ts';

export interface MetricValue {
  metric: string;
  value: number;
  /** Lower and upper bound of a confidence interval, when there is one. */
  lo?: number;
  hi?: number;
}

export interface BackboneRow extends MetricValue {
  backbone: string;
  dataset: string;
}

export interface ZeroShotRow extends MetricValue {
  backbone: string;
  /** e.g. "in-domain", "zero-shot", "zero-shot, no instruction tuning". */
  setting: string;
}

export interface RobustnessRow extends MetricValue {
  backbone: string;
  /** Largest fraction of the signal the noisy segment may cover (0 = clean). */
  level: number;
  /** Whose number: the kit's own run or the paper's (drawn dashed). Default "kit". */
  source?: 'kit' | 'paper';
}

export interface AblationRow extends MetricValue {
  /** The variant: "MEIT", "prefix", "no ECG", "shuffled ECG", "no instruction tuning"... */
  variant: string;
  /** Needed only when the ablation spans several backbones. */
  backbone?: string;
}

export interface ChartOptions {
  title?: string;
  subtitle?: string;
}

/** Grouped bars per metric: backbones on x, one bar per dataset. */
export function backboneBars(rows: readonly BackboneRow[], options: ChartOptions = {}): TopLevelSpec {
  return groupedBars(rows, {
    x: { field: 'backbone', title: 'Backbone' },
    group: { field: 'dataset', title: 'Dataset' },
    title: options.title ?? 'Report generation by backbone',
    subtitle: options.subtitle,
  });
}

/** Zero-shot comparison: per backbone, in-domain vs transferred (and without instruction tuning). */
export function zeroShotBars(rows: readonly ZeroShotRow[], options: ChartOptions = {}): TopLevelSpec {
  return groupedBars(rows, {
    x: { field: 'backbone', title: 'Backbone' },
    group: { field: 'setting', title: 'Setting' },
    title: options.title ?? 'Zero-shot transfer',
    subtitle: options.subtitle,
  });
}

/** Ablation bars: one bar per variant (grouped by backbone when the rows span several). */
export function ablationBars(rows: readonly AblationRow[], options: ChartOptions = {}): TopLevelSpec {
  const backbones = new Set(rows.map((r) => r.backbone));
  const title = options.title ?? 'Ablations';
  if (backbones.size > 1) {
    return groupedBars(rows, {
      x: { field: 'backbone', title: 'Backbone' },
      group: { field: 'variant', title: 'Variant' },
      title,
      subtitle: options.subtitle,
    });
  }
  return groupedBars(rows, { x: { field: 'variant', title: 'Variant' }, title, subtitle: options.subtitle });
}

/** Robustness curves: metric vs perturbation level, one line per backbone; paper lines dashed. */
export function robustnessCurves(rows: readonly RobustnessRow[], options: ChartOptions = {}): TopLevelSpec {
  const values = rows.map((r) => ({ ...r, source: r.source ?? 'kit' }));
  const backbones = order(values, 'backbone');
  const sources = order(values, 'source');
  const color = { field: 'backbone', type: 'nominal', title: 'Backbone', sort: backbones } as const;
  const x = {
    field: 'level',
    type: 'quantitative',
    title: 'Noisy segment: max fraction of the signal',
    // Padding keeps the clean (0 %) points off the y axis.
    scale: { padding: 14 },
    axis: { format: '.0%', values: order(values, 'level'), labelFlush: false },
  } as const;
  const y = { field: 'value', type: 'quantitative', title: null, scale: { zero: false, padding: 12 } } as const;
  const layers: object[] = [];
  if (values.some(hasInterval)) {
    layers.push({
      transform: [{ filter: 'isValid(datum.lo) && isValid(datum.hi)' }],
      mark: { type: 'area', opacity: 0.15 },
      encoding: { x, y: { field: 'lo', type: 'quantitative' }, y2: { field: 'hi' }, color, detail: { field: 'source' } },
    });
  }
  const lineEncoding: Record<string, object> = { x, y, color, detail: { field: 'source' } };
  if (sources.length > 1) {
    lineEncoding.strokeDash = { field: 'source', type: 'nominal', title: 'Source', sort: sources, scale: { domain: sources, range: sources.map((s) => (s === 'paper' ? [5, 3] : [1, 0])) } };
  }
  layers.push({ mark: 'line', encoding: lineEncoding });
  layers.push({
    mark: 'point',
    encoding: { x, y, color, tooltip: [{ field: 'backbone' }, { field: 'level' }, { field: 'value', format: '.3f' }] },
  });
  return facetByMetric(values, { width: 240, height: 200, layer: layers }, options.title ?? 'Robustness to signal noise', options.subtitle);
}

/**
 * `rows` plus the paper's curves for the same backbones and metrics (dashed in
 * robustnessCurves), named after the kit's backbone so that both share a colour.
 */
export function withPaperRobustness(rows: readonly RobustnessRow[]): RobustnessRow[] {
  const wanted = new Set(rows.map((r) => `${r.backbone}\u0000${r.metric}`));
  const paper = order(rows, 'backbone').flatMap((backbone) =>
    PAPER_ROBUSTNESS.filter((p) => p.model === paperCounterpart(String(backbone)) && wanted.has(`${backbone}\u0000${p.metric}`)).map(
      (p): RobustnessRow => ({ backbone: String(backbone), metric: p.metric, level: p.level, value: p.value.value, source: 'paper' }),
    ),
  );
  return [...rows, ...paper];
}

interface Field {
  field: string;
  title: string;
}

interface GroupedBarsLayout {
  x: Field;
  /** Bars side by side within each x category, coloured by this field; default: colour by x. */
  group?: Field;
  title: string;
  subtitle?: string;
}

function groupedBars(rows: readonly MetricValue[], layout: GroupedBarsLayout): TopLevelSpec {
  const xOrder = order(rows, layout.x.field);
  const colour = layout.group ?? layout.x;
  const colourOrder = order(rows, colour.field);
  const x = { field: layout.x.field, type: 'nominal', title: layout.x.title, sort: xOrder, axis: { labelAngle: xOrder.length > 1 ? -35 : 0 } } as const;
  // Gaps between grouped bars come from the offset scale's padding: the theme's bar
  // discreteBandSize would shift every bar by a fraction of the whole group's band (vega-lite
  // #9177), off its offset band and off the centre where the interval rule is drawn.
  const offset = layout.group ? { xOffset: { field: layout.group.field, type: 'nominal', sort: colourOrder, scale: { paddingInner: 0.15 } } } : {};
  // With xOffset, a width step sizes one bar (vega-lite's default `for: 'offset'`).
  const step = layout.group ? 14 : 36;
  const layers: object[] = [
    {
      mark: { type: 'bar', ...(layout.group ? { width: { band: 1 } } : {}) },
      encoding: {
        x,
        ...offset,
        y: { field: 'value', type: 'quantitative', title: null },
        color: { field: colour.field, type: 'nominal', title: colour.title, sort: colourOrder, legend: layout.group ? {} : null },
        tooltip: [{ field: layout.x.field }, { field: colour.field }, { field: 'value', format: '.3f' }],
      },
    },
  ];
  if (rows.some(hasInterval)) {
    layers.push({
      transform: [{ filter: 'isValid(datum.lo) && isValid(datum.hi)' }],
      mark: { type: 'rule', color: '#333333', strokeWidth: 1.2 },
      encoding: { x, ...offset, y: { field: 'lo', type: 'quantitative' }, y2: { field: 'hi' } },
    });
  }
  return facetByMetric(rows, { width: { step }, height: 200, layer: layers }, layout.title, layout.subtitle, 2);
}

/** One panel per metric (in order of appearance), `columns` to a row, each with its own y scale. */
function facetByMetric(rows: readonly MetricValue[], spec: object, title: string, subtitle?: string, columns = 4): TopLevelSpec {
  const metrics = order(rows, 'metric');
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: subtitle ? { text: title, subtitle } : title,
    data: { values: rows.map((r) => ({ ...r })) },
    facet: { field: 'metric', type: 'nominal', sort: metrics, title: null, header: { labelFontSize: 13 } },
    columns: Math.min(columns, metrics.length),
    // Lay panels out by their plot areas, not their label extents, so a top tick label that
    // sticks out ("0.7") does not shift one panel against its neighbour; spacing holds the labels.
    bounds: 'flush',
    spacing: { column: 44, row: 44 },
    spec,
    resolve: { scale: { y: 'independent' } },
  } as TopLevelSpec;
}

function hasInterval(row: MetricValue): boolean {
  return row.lo !== undefined && row.hi !== undefined;
}

/** Distinct values of `field` in order of first appearance. */
function order<T extends object>(rows: readonly T[], field: string): (string | number)[] {
  return [...new Set(rows.map((r) => (r as Record<string, string | number>)[field]!))];
}
