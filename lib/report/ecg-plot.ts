/**
 * 12-lead ECG plots on standard ECG paper: 1 mm minor / 5 mm major grid, 25 mm/s, 10 mm/mV,
 * the usual 3×4 layout (I, II, III | aVR, aVL, aVF | V1, V2, V3 | V4, V5, V6, 2.5 s each) and a
 * 10-s rhythm strip of lead II, with a 1-mV calibration pulse at the start of each row.
 *
 * SVG is drawn in millimetres; `svgToPng` rasterises it with resvg using the bundled DejaVu
 * Sans (lib/report/fonts), so text renders the same on every machine, fonts installed or not.
 */
import { Resvg } from '@resvg/resvg-js';
import { fileURLToPath } from 'node:url';
import { writeFileAtomic } from '../util/atomic.ts';

export interface EcgPlotInput {
  fs: number;
  /** Lead names as in the record's header (case-insensitive: PTB-XL writes AVR, MIMIC aVR). */
  leads: readonly string[];
  /** Physical units (mV), one array per lead. */
  signals: readonly Float32Array[];
  title?: string;
  /** Text lines printed under the tracing (e.g. reference and generated reports). */
  lines?: readonly string[];
}

const MM_PER_S = 25;
const MM_PER_MV = 10;
const COLUMN_S = 2.5;
const ROW_MM = 30;
const MARGIN_MM = 6;
const CAL_MM = 5; // calibration pulse width (0.2 s)
const LINE_MM = 4.2;
const FONT_MM = 3.2;
const LAYOUT = [
  ['I', 'aVR', 'V1', 'V4'],
  ['II', 'aVL', 'V2', 'V5'],
  ['III', 'aVF', 'V3', 'V6'],
] as const;
const RHYTHM_LEAD = 'II';

export const FONT_FILE = fileURLToPath(new URL('./fonts/DejaVuSans.ttf', import.meta.url));
const FONT_FAMILY = 'DejaVu Sans';

/** A drawing in mm: SVG elements plus their extent. */
export interface SvgPanel {
  body: string;
  width: number;
  height: number;
}

/** The ECG as an SVG panel (mm units), for composing several on one page. */
export function ecgPanel(ecg: EcgPlotInput): SvgPanel {
  const seconds = Math.min(10, ecg.signals[0]!.length / ecg.fs);
  const paperW = CAL_MM + 2 + seconds * MM_PER_S;
  const titleH = ecg.title ? LINE_MM + 2 : 0;
  const paperH = ROW_MM * (LAYOUT.length + 1);
  const linesH = (ecg.lines?.length ?? 0) * LINE_MM + (ecg.lines?.length ? 2 : 0);
  const width = paperW + 2 * MARGIN_MM;
  const height = titleH + paperH + linesH + 2 * MARGIN_MM;
  const x0 = MARGIN_MM;
  const y0 = MARGIN_MM + titleH;
  const parts: string[] = [];
  if (ecg.title) parts.push(text(x0, MARGIN_MM + FONT_MM, ecg.title, 'bold'));
  parts.push(grid(x0, y0, paperW, paperH));
  const traceX = x0 + CAL_MM + 2;
  const lead = (name: string) => findLead(ecg, name);
  LAYOUT.forEach((row, r) => {
    const baseline = y0 + ROW_MM * (r + 0.55);
    parts.push(calibration(x0 + 1, baseline));
    row.forEach((name, c) => {
      const from = c * COLUMN_S;
      const to = Math.min(seconds, from + COLUMN_S);
      if (from >= seconds) return;
      const x = traceX + from * MM_PER_S;
      parts.push(trace(lead(name), ecg.fs, from, to, x, baseline));
      parts.push(text(x + 1, baseline - ROW_MM * 0.38, name));
      if (c > 0) parts.push(`<line x1="${mm(x)}" y1="${mm(baseline - 3)}" x2="${mm(x)}" y2="${mm(baseline + 3)}" stroke="#000" stroke-width="0.3"/>`);
    });
  });
  const rhythmBase = y0 + ROW_MM * (LAYOUT.length + 0.55);
  parts.push(calibration(x0 + 1, rhythmBase));
  parts.push(trace(lead(RHYTHM_LEAD), ecg.fs, 0, seconds, traceX, rhythmBase));
  parts.push(text(traceX + 1, rhythmBase - ROW_MM * 0.38, RHYTHM_LEAD));
  parts.push(text(x0 + paperW - 62, y0 + paperH - 1.5, '25 mm/s   10 mm/mV', 'normal', 2.6, '#555'));
  ecg.lines?.forEach((line, i) => parts.push(text(x0, y0 + paperH + 2 + (i + 1) * LINE_MM - 1, line)));
  return { body: parts.join('\n'), width: mm(width), height: mm(height) };
}

/** A whole SVG document for one ECG. */
export function ecgToSvg(ecg: EcgPlotInput): string {
  return panelsToSvg([ecgPanel(ecg)], 1);
}

/** Several panels on one page, in a grid of `columns` (row-major), each cell as big as the largest panel. */
export function panelsToSvg(panels: readonly SvgPanel[], columns: number): string {
  const cellW = mm(Math.max(...panels.map((p) => p.width)));
  const cellH = mm(Math.max(...panels.map((p) => p.height)));
  const rows = Math.ceil(panels.length / columns);
  const W = mm(cellW * Math.min(columns, panels.length));
  const H = mm(cellH * rows);
  // Each panel in its own nested <svg>, which clips it: a tall QRS cannot spill into its neighbour.
  const body = panels
    .map((p, i) => {
      const x = mm((i % columns) * cellW);
      const y = mm(Math.floor(i / columns) * cellH);
      return `<svg x="${x}" y="${y}" width="${cellW}" height="${cellH}" viewBox="0 0 ${cellW} ${cellH}">\n${p.body}\n</svg>`;
    })
    .join('\n');
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}mm" height="${H}mm" viewBox="0 0 ${W} ${H}">\n` +
    `<rect width="${W}" height="${H}" fill="#fff"/>\n${body}\n</svg>\n`
  );
}

/** Rasterises an SVG with the bundled font only; `pxPerMm` sets the resolution (5 ≈ 127 dpi). */
export function svgToPng(svg: string, pxPerMm = 5): Uint8Array {
  const widthMm = Number(/viewBox="0 0 ([\d.]+)/.exec(svg)?.[1] ?? 0);
  const resvg = new Resvg(svg, {
    fitTo: widthMm ? { mode: 'width', value: Math.round(widthMm * pxPerMm) } : { mode: 'original' },
    font: { fontFiles: [FONT_FILE], loadSystemFonts: false, defaultFontFamily: FONT_FAMILY },
    background: '#ffffff',
  });
  return resvg.render().asPng();
}

export async function writeEcgPng(path: string, ecg: EcgPlotInput, pxPerMm = 5): Promise<void> {
  await writeFileAtomic(path, svgToPng(ecgToSvg(ecg), pxPerMm));
}

function findLead(ecg: EcgPlotInput, name: string): Float32Array | undefined {
  const i = ecg.leads.findIndex((l) => l.toLowerCase() === name.toLowerCase());
  return i < 0 ? undefined : ecg.signals[i];
}

function grid(x: number, y: number, w: number, h: number): string {
  const minor: string[] = [];
  const major: string[] = [];
  for (let i = 0; i <= Math.floor(w); i++) (i % 5 === 0 ? major : minor).push(`M${x + i} ${y}v${h}`);
  for (let j = 0; j <= Math.floor(h); j++) (j % 5 === 0 ? major : minor).push(`M${x} ${y + j}h${w}`);
  return (
    `<rect x="${x}" y="${y}" width="${w}" height="${h}" fill="#fff7f5"/>` +
    `<path d="${minor.join('')}" stroke="#f5c6c0" stroke-width="0.1" fill="none"/>` +
    `<path d="${major.join('')}" stroke="#e8938a" stroke-width="0.25" fill="none"/>`
  );
}

/** The 1-mV, 0.2-s calibration pulse drawn at the start of each row. */
function calibration(x: number, baseline: number): string {
  const top = mm(baseline - MM_PER_MV);
  return `<path d="M${mm(x)} ${mm(baseline)}h1V${top}h${CAL_MM - 2}V${mm(baseline)}h1" stroke="#000" stroke-width="0.3" fill="none"/>`;
}

/** One lead from `from` to `to` seconds, drawn from x (mm) on the given baseline. */
function trace(signal: Float32Array | undefined, fs: number, from: number, to: number, x: number, baseline: number): string {
  if (!signal) return text(x + 8, baseline, '(lead missing)', 'normal', 2.6, '#999');
  const first = Math.round(from * fs);
  const last = Math.min(signal.length, Math.round(to * fs));
  const points: string[] = [];
  for (let i = first; i < last; i++) {
    const v = signal[i]!;
    const px = x + ((i - first) / fs) * MM_PER_S;
    const py = baseline - (Number.isFinite(v) ? v : 0) * MM_PER_MV;
    points.push(`${px.toFixed(2)} ${py.toFixed(2)}`);
  }
  return `<path d="M${points.join('L')}" stroke="#111" stroke-width="0.3" fill="none" stroke-linejoin="round"/>`;
}

function text(x: number, y: number, content: string, weight = 'normal', size = FONT_MM, fill = '#000'): string {
  return `<text x="${mm(x)}" y="${mm(y)}" font-family="${FONT_FAMILY}" font-size="${size}" font-weight="${weight}" fill="${fill}">${escapeXml(content)}</text>`;
}

/** A coordinate in mm, to 0.01 mm (no float noise such as 17.299999999999997 in the SVG). */
function mm(v: number): number {
  return Math.round(v * 100) / 100;
}

function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}
