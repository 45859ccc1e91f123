/**
 * vega-lite spec → SVG → PNG, in Node, with the same bytes on every machine.
 *
 * vega renders the scenegraph to an SVG string (no browser, no canvas); text is laid out with
 * the advance widths of the bundled DejaVu Sans (font-metrics.ts) and resvg rasterises with
 * that font only (`loadSystemFonts: false`), so installed fonts cannot change a pixel. The kit's
 * theme (theme.ts) is the base config; a spec's own `config` overrides it key by key.
 */
import { Resvg } from '@resvg/resvg-js';
import type { TopLevelSpec } from 'vega-lite';
import { writeFileAtomic } from '../util/atomic.ts';
import { FONT_FILE } from './ecg-plot.ts';
import { loadFontMetrics } from './font-metrics.ts';
import { FIGURE_CONFIG, FONT_FAMILY } from './theme.ts';
import { loadVega, type VegaModules } from './vega.ts';

export interface RenderOptions {
  /** PNG pixels per SVG pixel (default 2: a 600-px-wide chart becomes a 1200-px PNG). */
  scale?: number;
}

export interface FigureFiles {
  svg: string;
  png: string;
}

/** Renders `spec` to `outBase.svg` and `outBase.png` (both written atomically, after both are rendered). */
export async function renderFigure(spec: TopLevelSpec, outBase: string, options: RenderOptions = {}): Promise<FigureFiles> {
  const svg = await specToSvg(spec);
  const png = svgToPng(svg, options.scale ?? 2);
  const files = { svg: `${outBase}.svg`, png: `${outBase}.png` };
  await writeFileAtomic(files.svg, svg);
  await writeFileAtomic(files.png, png);
  return files;
}

/** The SVG document of a vega-lite spec, themed. */
export async function specToSvg(spec: TopLevelSpec): Promise<string> {
  const { vega, vegaLite } = await loadMeasuredVega();
  const themed = { ...spec, config: mergeConfig(FIGURE_CONFIG, spec.config ?? {}) } as TopLevelSpec;
  const view = new vega.View(vega.parse(vegaLite.compile(themed).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** Rasterises an SVG with the bundled font only; `scale` is PNG pixels per SVG pixel. */
export function svgToPng(svg: string, scale = 2): Uint8Array {
  const resvg = new Resvg(svg, {
    fitTo: { mode: 'zoom', value: scale },
    font: { fontFiles: [FONT_FILE], loadSystemFonts: false, defaultFontFamily: FONT_FAMILY },
    background: '#ffffff',
  });
  return resvg.render().asPng();
}

let measured: Promise<VegaModules> | undefined;

/** vega with its text measurement switched to the bundled font's real widths (once per process). */
function loadMeasuredVega(): Promise<VegaModules> {
  measured ??= loadVega().then((modules) => {
    const metrics = loadFontMetrics(FONT_FILE);
    // Not in vega's typings, but a documented hook: a user-defined width is used everywhere.
    const { textMetrics } = modules.vega as unknown as { textMetrics: { width: (item: TextItem, text?: unknown) => number } };
    textMetrics.width = (item, text) => metrics.width(text == null ? '' : String(text).trim(), item.fontSize ?? 11);
    return modules;
  });
  return measured;
}

interface TextItem {
  fontSize?: number;
}

type Json = Record<string, unknown>;

/** `override` deep-merged onto `base` (objects key by key; arrays and scalars replace). */
function mergeConfig<T extends object>(base: T, override: object): T {
  const out: Json = { ...(base as Json) };
  for (const [key, value] of Object.entries(override)) {
    const prev = out[key];
    out[key] = isPlainObject(prev) && isPlainObject(value) ? mergeConfig(prev, value) : value;
  }
  return out as T;
}

function isPlainObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
