/** `meit plot ecg RECORD --out X.png | --interactive`: a 12-lead ECG on ECG paper, or in the browser. */
import type { Command, CommandArgs } from '../command.ts';
import type { EcgPlotInput } from '../../report/ecg-plot.ts';
import { UsageError } from '../../util/errors.ts';
import { intOption, stringOption } from '../args.ts';

const command: Command = {
  name: 'plot ecg',
  summary: 'draw a WFDB 12-lead record on ECG paper (PNG or SVG), or interactively in the browser',
  description: `
With --out, draws the first 10 s of RECORD in the standard layout: 25 mm/s, 10 mm/mV, 1 mm /
5 mm grid, 3 x 4 leads of 2.5 s (I, II, III | aVR, aVL, aVF | V1-V3 | V4-V6) and a 10-s rhythm
strip of lead II, with a 1-mV calibration pulse per row. Leads are found by name, in any case
(PTB-XL writes AVR, MIMIC-IV-ECG aVR). The output format follows the extension of --out
(.png or .svg); text uses the bundled DejaVu Sans font.

With --interactive, serves the whole record as an interactive plotly figure with nodeplotlib:
one panel per lead (standard order, then any other signal), a shared time axis in seconds that
zooms all leads together, mV at the same gain in every panel. The server listens on 127.0.0.1
only, prints its URL on stderr and runs until Ctrl-C (or SIGTERM), then exits 0. nodeplotlib
opens your browser on the page (xdg-open, open or start); --no-open only prints the URL, for
scripts, remote sessions (forward the --port over ssh) or a browser of your choice. The page
loads plotly.js from the plotly.js-dist-min package when installed, else from cdn.plot.ly.`,
  positionals: [{ name: 'RECORD', description: 'WFDB record path without extension (RECORD.hea must exist)' }],
  options: {
    out: { type: 'string', description: 'output file, .png or .svg (this or --interactive is required)' },
    interactive: { type: 'boolean', description: 'serve an interactive plot in the browser instead of writing a file' },
    'no-open': { type: 'boolean', description: 'with --interactive: print the URL, open no browser (default: open one)' },
    port: { type: 'string', description: 'with --interactive: TCP port on 127.0.0.1 (default: a free port)' },
    title: { type: 'string', description: 'title above the tracing (default: the record name)' },
    line: { type: 'string', multiple: true, description: 'a text line under the tracing (under the title with --interactive; repeatable), e.g. a report' },
  },
  examples: [
    'meit plot ecg data/synth/ptbxl/records500/00000/00001_hr --out ecg.png',
    'meit plot ecg rec/00042_hr --out ecg.svg --title "record 42" --line "sinus rhythm. normal ecg."',
    'meit plot ecg data/synth/ptbxl/records500/00000/00001_hr --interactive',
    'meit plot ecg rec/00042_hr --interactive --no-open --port 8050',
  ],
  async run(args) {
    const out = stringOption(args, 'out');
    const interactive = args.options.interactive === true;
    if (out !== undefined && interactive) throw new UsageError('give either --out FILE or --interactive, not both');
    if (out === undefined && !interactive) throw new UsageError('missing --out FILE or --interactive');
    for (const option of ['no-open', 'port']) {
      if (!interactive && args.options[option] !== undefined) throw new UsageError(`--${option} goes with --interactive`);
    }
    return interactive ? serveInteractive(args) : writePlot(args, out!);
  },
};

async function writePlot(args: CommandArgs, out: string): Promise<number> {
  const format = /\.(png|svg)$/i.exec(out)?.[1]?.toLowerCase();
  if (!format) throw new UsageError(`--out must end in .png or .svg, got ${JSON.stringify(out)}`);
  const { ecgToSvg, svgToPng } = await import('../../report/ecg-plot.ts');
  const { writeFileAtomic } = await import('../../util/atomic.ts');
  const svg = ecgToSvg(await plotInput(args));
  await writeFileAtomic(out, format === 'svg' ? svg : svgToPng(svg));
  process.stderr.write(`wrote ${out}\n`);
  return 0;
}

async function serveInteractive(args: CommandArgs): Promise<number> {
  const port = intOption(args, 'port', 0, 0, 65535)!;
  const { ecgFigure, serveFigure } = await import('../../report/interactive-ecg.ts');
  const figure = ecgFigure(await plotInput(args));
  const server = await serveFigure(figure, { open: args.options['no-open'] !== true, port });
  const record = args.positionals[0]!;
  if (!server.localPlotly) process.stderr.write('meit: note: plotly.js-dist-min is not installed, so the page loads plotly.js from cdn.plot.ly\n');
  process.stderr.write(`meit: serving the ${figure.data.length}-lead plot of ${record} at ${server.url} — Ctrl-C to stop\n`);
  await interrupted();
  await server.close();
  process.stderr.write('meit: server stopped\n');
  // Exit now: engine.io keeps a 30-s timer for a browser that vanished mid-request, which
  // would hold the process although nothing is left to do.
  process.exit(0);
}

/** The record as plot input, with the title and text lines of the command line. */
async function plotInput(args: CommandArgs): Promise<EcgPlotInput> {
  const { readRecord } = await import('../../ecg/wfdb/index.ts');
  const record = await readRecord(args.positionals[0]!);
  const lines = args.options.line;
  return {
    fs: record.header.fs,
    leads: record.header.signals.map((s) => s.description),
    signals: record.physical,
    title: stringOption(args, 'title', record.header.recordName),
    lines: Array.isArray(lines) ? lines : [],
  };
}

/** Resolves on the first Ctrl-C (SIGINT) or SIGTERM, which then no longer kill the process. */
function interrupted(): Promise<void> {
  return new Promise((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}

export default command;
