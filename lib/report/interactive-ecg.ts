/**
 * Interactive 12-lead ECG plots in the browser, for scripts outside Jupyter: plotly traces
 * served by nodeplotlib.
 *
 * `ecgFigure` is plain data in, plain data out: one line trace per lead in the standard order
 * (I, II, III, aVR, aVL, aVF, V1-V6, then any other signal), each in its own panel, stacked on
 * one shared time axis in seconds, y in mV at the same gain in every panel (as on ECG paper).
 *
 * `serveFigure` starts nodeplotlib's server (its NestJS app, socket.io gateway and plotly web
 * page) rather than calling its `plot()`, which cannot be told the interface to bind, does not
 * return the port it chose, stops by itself whenever no page is connected, and whose page loads
 * plotly.js from a CDN. Here the server listens on the loopback interface only, reports its URL,
 * runs until `close()`, and serves plotly.js from node_modules when the plotly.js-dist-min
 * package is installed, so the page works offline. nodeplotlib itself still opens the browser,
 * as its `plot()` would.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { LEADS } from '../ecg/synth/leads.ts';
import { InputError } from '../util/errors.ts';

const PANEL_PX = 110;
const MARGIN = { l: 64, r: 24, t: 64, b: 56 } as const;

export interface InteractiveEcgInput {
  fs: number;
  /** Lead names as in the record's header. */
  leads: readonly string[];
  /** Physical units (mV), one array per lead, all sampled at `fs`. */
  signals: readonly Float32Array[];
  title?: string;
  /** Text lines shown under the title (e.g. a report). */
  lines?: readonly string[];
}

/** A plotly line trace: `y` sampled every `dx` seconds from `x0` = 0 (plotly's uniform-x form). */
export interface LeadTrace {
  type: 'scatter';
  mode: 'lines';
  name: string;
  x0: 0;
  dx: number;
  /** mV; null where the record has an invalid sample (plotly leaves a gap). */
  y: (number | null)[];
  xaxis: 'x';
  /** 'y' for the first panel, 'y2' ... for the next. */
  yaxis: string;
  line: { color: string; width: number };
  hovertemplate: string;
}

/** A plotly figure: what nodeplotlib sends to its page (plain JSON). */
export interface EcgFigure {
  data: LeadTrace[];
  layout: Record<string, unknown>;
  config: Record<string, unknown>;
}

/** The record as a plotly figure: one panel per lead, stacked, on a shared time axis. */
export function ecgFigure(ecg: InteractiveEcgInput): EcgFigure {
  const order = leadOrder(ecg.leads);
  const n = order.length;
  const data: LeadTrace[] = order.map(({ index, name }, panel) => ({
    type: 'scatter',
    mode: 'lines',
    name,
    x0: 0,
    dx: 1 / ecg.fs,
    y: Array.from(ecg.signals[index]!, (v) => (Number.isFinite(v) ? v : null)),
    xaxis: 'x',
    yaxis: axisId('y', panel),
    line: { color: '#111', width: 1 },
    hovertemplate: '%{y:.3f} mV at %{x:.3f} s',
  }));
  const layout: Record<string, unknown> = {
    title: { text: titleText(ecg), x: 0.01, xanchor: 'left' },
    height: n * PANEL_PX + MARGIN.t + MARGIN.b,
    margin: MARGIN,
    showlegend: false,
    // One time axis for all panels, its ticks under the last one: zooming in time zooms every lead.
    xaxis: { title: { text: 'time (s)' }, anchor: axisId('y', n - 1), showgrid: true, gridcolor: '#f0c8c0', zeroline: false },
  };
  const gap = 0.12 / n; // between panels, as a fraction of the plot height
  order.forEach(({ name }, panel) => {
    layout[axisId('yaxis', panel)] = {
      domain: [1 - (panel + 1) / n + gap / 2, 1 - panel / n - gap / 2],
      title: { text: escapeText(name) },
      // The same mV per pixel in every panel, so amplitudes compare across leads as on ECG paper.
      ...(panel > 0 ? { scaleanchor: 'y', scaleratio: 1 } : {}),
      gridcolor: '#f0c8c0',
      zeroline: false,
    };
  });
  return { data, layout, config: { displaylogo: false, scrollZoom: true } };
}

/**
 * The 12 standard leads first, in their usual order and spelling whatever the header's case
 * (PTB-XL writes AVR), then any other signal in file order.
 */
function leadOrder(leads: readonly string[]): { index: number; name: string }[] {
  const standard = LEADS.flatMap((name) => {
    const index = leads.findIndex((l) => l.toLowerCase() === name.toLowerCase());
    return index < 0 ? [] : [{ index, name }];
  });
  const taken = new Set(standard.map((s) => s.index));
  const others = leads.flatMap((name, index) => (taken.has(index) ? [] : [{ index, name }]));
  return [...standard, ...others];
}

/** Plotly's axis ids: 'y', 'y2', 'y3'... (and 'yaxis', 'yaxis2'... as layout keys). */
function axisId(prefix: string, panel: number): string {
  return panel === 0 ? prefix : `${prefix}${panel + 1}`;
}

function titleText(ecg: InteractiveEcgInput): string {
  const head = `${escapeText(ecg.title ?? 'ECG')} <span style="font-size:12px">(${ecg.fs} Hz, mV)</span>`;
  const lines = (ecg.lines ?? []).map((l) => `<span style="font-size:12px">${escapeText(l)}</span>`);
  return [head, ...lines].join('<br>');
}

/** Plotly reads titles as a small HTML subset: keep user text literal. */
function escapeText(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

export interface ServeOptions {
  /** Open the user's browser on the page (nodeplotlib's way: xdg-open, open or start). */
  open: boolean;
  /** TCP port on 127.0.0.1; 0 = a free one chosen by the OS. */
  port: number;
}

export interface FigureServer {
  url: string;
  /** Whether plotly.js is served locally (else the page fetches it from nodeplotlib's CDN). */
  localPlotly: boolean;
  /**
   * Stops the server. For a browser that vanished mid-request, engine.io may still hold a
   * timer for up to 30 s, which keeps a script's process alive that long.
   */
  close(): Promise<void>;
}

/** The file of the plotly.js-dist-min package when it is installed. */
export function localPlotlyScript(): string | undefined {
  try {
    return createRequire(import.meta.url).resolve('plotly.js-dist-min');
  } catch {
    return undefined;
  }
}

/** Serves `figure` with nodeplotlib until `close()`. */
export async function serveFigure(figure: EcgFigure, options: ServeOptions): Promise<FigureServer> {
  // nodeplotlib's own copies of Nest and rxjs: its server module and services must be the
  // very classes the Nest container was built with.
  const nodeplotlibMain = createRequire(import.meta.url).resolve('nodeplotlib');
  const fromNodeplotlib = createRequire(nodeplotlibMain);
  const { NestFactory } = fromNodeplotlib('@nestjs/core') as typeof import('@nestjs/core');
  const { BehaviorSubject, of } = fromNodeplotlib('rxjs') as typeof import('rxjs');
  const { ServerModule } = fromNodeplotlib('./lib/server/server.module') as typeof import('nodeplotlib/src/lib/server/server.module.js');
  const { PlotsService } = fromNodeplotlib('./lib/server/plots/plots.service') as typeof import('nodeplotlib/src/lib/server/plots/plots.service.js');
  const { BridgeService } = fromNodeplotlib('./lib/server/services/bridge.service') as typeof import('nodeplotlib/src/lib/server/services/bridge.service.js');

  const app = await NestFactory.create(ServerModule, { logger: false, abortOnError: false });
  const plotly = localPlotlyScript();
  const page = nodeplotlibPage(join(nodeplotlibMain, '..', 'lib', 'server', 'web', 'index.html'), plotly !== undefined);
  // Ahead of nodeplotlib's static files: its page (served for '/' and for the page's routes,
  // which have no file extension) as adapted by nodeplotlibPage, and plotly.js.
  app.use((req: { method: string; path: string }, res: PageResponse, next: () => void) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return next();
    if (plotly && page.localPlotly && req.path === PLOTLY_PATH) return res.sendFile(plotly);
    if (req.path === '/index.html' || !/\.[^/]*$/.test(req.path)) return res.type('html').send(page.html);
    next();
  });
  try {
    await app.listen(options.port, '127.0.0.1');
  } catch (err) {
    await app.close();
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') throw new InputError(`cannot serve on port ${options.port}: it is in use`);
    if (code === 'EACCES') throw new InputError(`cannot serve on port ${options.port}: permission denied`);
    throw err;
  }
  const { port } = app.getHttpServer().address() as AddressInfo;
  const plot = { data: of(figure.data), layout: of(figure.layout), config: figure.config };
  app.get(PlotsService).setBuffer(new BehaviorSubject([plot]) as Parameters<InstanceType<typeof PlotsService>['setBuffer']>[0]);
  // Telling nodeplotlib's bridge the port is what makes it open a browser window.
  if (options.open) app.get(BridgeService).setPort(port);
  return { url: `http://localhost:${port}`, localPlotly: page.localPlotly, close: () => app.close() };
}

const PLOTLY_PATH = '/plotly.min.js';

interface PageResponse {
  sendFile(path: string): void;
  type(t: string): PageResponse;
  send(body: string): void;
}

/**
 * nodeplotlib's page, adapted: its plots in one full-width column (it tiles them in 500-px
 * columns, too narrow for 10 s of ECG) and, when `localPlotly`, plotly.js loaded from here
 * rather than from its CDN (left as is if the page has no such script tag).
 */
function nodeplotlibPage(indexHtml: string, localPlotly: boolean): { html: string; localPlotly: boolean } {
  const html = readFileSync(indexHtml, 'utf8').replace('</head>', '<style>npl-plots { grid-template-columns: 1fr !important; }</style></head>');
  const cdn = /https:\/\/cdn\.plot\.ly\/plotly-[\w.-]+\.js/;
  return localPlotly && cdn.test(html) ? { html: html.replace(cdn, PLOTLY_PATH), localPlotly: true } : { html, localPlotly: false };
}
