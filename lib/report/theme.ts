/**
 * The look shared by every figure: one font (the bundled DejaVu Sans, regular weight only —
 * it is the only face bundled, so nothing asks resvg for a bold it would have to substitute),
 * sizes readable at print width, light grid, and a colour-blind-safe categorical palette.
 */
import type { Config } from 'vega-lite';

export const FONT_FAMILY = 'DejaVu Sans';

/**
 * Okabe & Ito's colour-blind-safe palette (minus its yellow, too faint on white), extended with
 * three of Paul Tol's colour-blind-safe colours so that all ten backbones get a colour of their own.
 */
export const PALETTE = [
  '#0072B2', // blue
  '#E69F00', // orange
  '#009E73', // bluish green
  '#D55E00', // vermillion
  '#CC79A7', // reddish purple
  '#56B4E9', // sky blue
  '#000000', // black
  '#882255', // wine
  '#999933', // olive
  '#44AA99', // teal
] as const;

const INK = '#222222';
const MUTED = '#555555';

export const FIGURE_CONFIG: Config = {
  font: FONT_FAMILY,
  background: '#ffffff',
  padding: 12,
  view: { stroke: '#bbbbbb' },
  range: { category: [...PALETTE] },
  title: { fontSize: 16, fontWeight: 'normal', color: INK, anchor: 'start', offset: 12, subtitleFontSize: 12, subtitleColor: MUTED },
  axis: {
    labelFontSize: 11,
    titleFontSize: 12,
    titleFontWeight: 'normal',
    labelColor: INK,
    titleColor: INK,
    gridColor: '#e6e6e6',
    domainColor: '#888888',
    tickColor: '#888888',
  },
  // The top tick label hangs below its tick instead of poking above the plot, so facet headers
  // line up whatever the panels' scales.
  axisY: { labelFlush: true },
  legend: { labelFontSize: 11, titleFontSize: 12, titleFontWeight: 'normal', labelColor: INK, titleColor: INK, symbolSize: 120, symbolOpacity: 1 },
  header: { labelFontSize: 12, titleFontSize: 12, labelFontWeight: 'normal', titleFontWeight: 'normal', labelColor: INK },
  bar: { discreteBandSize: { band: 0.85 } },
  line: { strokeWidth: 2 },
  point: { size: 50, filled: true, opacity: 1 },
};
