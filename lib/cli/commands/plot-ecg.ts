/** `meit plot ecg RECORD --out X.png`: a 12-lead ECG on standard ECG paper. */
import type { Command } from '../command.ts';
import { UsageError } from '../../util/errors.ts';
import { requiredOption, stringOption } from '../args.ts';

const command: Command = {
  name: 'plot ecg',
  summary: 'draw a WFDB 12-lead record on ECG paper (PNG or SVG)',
  description: `
Draws the first 10 s of RECORD in the standard layout: 25 mm/s, 10 mm/mV, 1 mm / 5 mm grid,
3 x 4 leads of 2.5 s (I, II, III | aVR, aVL, aVF | V1-V3 | V4-V6) and a 10-s rhythm strip
of lead II, with a 1-mV calibration pulse per row. Leads are found by name, in any case
(PTB-XL writes AVR, MIMIC-IV-ECG aVR). The output format follows the extension of --out
(.png or .svg); text uses the bundled DejaVu Sans font.`,
  positionals: [{ name: 'RECORD', description: 'WFDB record path without extension (RECORD.hea must exist)' }],
  options: {
    out: { type: 'string', description: 'output file, .png or .svg (required)' },
    title: { type: 'string', description: 'title above the tracing (default: the record name)' },
    line: { type: 'string', multiple: true, description: 'a text line under the tracing (repeatable), e.g. a report' },
  },
  examples: [
    'meit plot ecg data/synth/ptbxl/records500/00000/00001_hr --out ecg.png',
    'meit plot ecg rec/00042_hr --out ecg.svg --title "record 42" --line "sinus rhythm. normal ecg."',
  ],
  async run(args) {
    const out = requiredOption(args, 'out');
    const format = /\.(png|svg)$/i.exec(out)?.[1]?.toLowerCase();
    if (!format) throw new UsageError(`--out must end in .png or .svg, got ${JSON.stringify(out)}`);
    const { readRecord } = await import('../../ecg/wfdb/index.ts');
    const { ecgToSvg, svgToPng } = await import('../../report/ecg-plot.ts');
    const { writeFileAtomic } = await import('../../util/atomic.ts');
    const record = await readRecord(args.positionals[0]!);
    const lines = args.options.line;
    const svg = ecgToSvg({
      fs: record.header.fs,
      leads: record.header.signals.map((s) => s.description),
      signals: record.physical,
      title: stringOption(args, 'title', record.header.recordName),
      lines: Array.isArray(lines) ? lines : [],
    });
    await writeFileAtomic(out, format === 'svg' ? svg : svgToPng(svg));
    process.stderr.write(`wrote ${out}\n`);
    return 0;
  },
};

export default command;
