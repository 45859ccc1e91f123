/** `meit data export RECORD [--from A] [--to B]`: a WFDB record as CSV on stdout. */
import type { Command } from '../command.ts';
import { intOption } from '../args.ts';

/** Samples (over all signals) decoded per read: bounds memory for records of any length. */
const CHUNK_SAMPLES = 1 << 22;

const command: Command = {
  name: 'data export',
  summary: 'print a WFDB record as CSV in physical units',
  description: `
Reads RECORD.hea and its signal files (formats 8, 16, 24, 32, 61, 80, 160, 212, 310, 311)
and prints one CSV row per sample index in [A, B): "sample,<signal names as in the header>".
Values are physical, (digital - baseline) / gain, computed in float64 and printed in the
shortest form that reads back to the same float64 (JavaScript's Number to string), so no
precision is lost; an invalid sample (e.g. -32768 in format 16) prints as NaN.
Multi-frequency records: a row is a frame; a signal with several samples per frame prints
their mean, truncated toward zero in digital units, as WFDB's rdsamp and wfdb-python's
smooth_frames do. Use the library (readRecord) for every sample of such signals.`,
  positionals: [{ name: 'RECORD', description: 'WFDB record path without extension (RECORD.hea must exist)' }],
  options: {
    from: { type: 'string', description: 'first sample index, inclusive (default 0)' },
    to: { type: 'string', description: 'end sample index, exclusive (default: the record length)' },
  },
  examples: [
    'meit data export data/ptb-xl/records500/00000/00001_hr > 00001_hr.csv',
    'meit data export mitdb/100 --from 0 --to 3600',
  ],
  async run(args) {
    const { frameValues, physicalValue, readRecord, sampleFormat } = await import('../../ecg/wfdb/index.ts');
    const { csvLine } = await import('../../util/csv.ts');
    const { InputError } = await import('../../util/errors.ts');
    const recordPath = args.positionals[0]!;
    // An empty read checks every signal file against the header before anything is printed,
    // and learns the length when the header omits it.
    const { header } = await readRecord(recordPath, { from: 0, to: 0 });
    const from = intOption(args, 'from', 0, 0)!;
    const to = intOption(args, 'to', header.nSamples, 0)!;
    if (from > to || to > header.nSamples) {
      throw new InputError(`sample range [${from}, ${to}) is outside the record's ${header.nSamples} samples`, { file: `${recordPath}.hea` });
    }

    const frameSamples = Math.max(1, header.signals.reduce((n, s) => n + s.samplesPerFrame, 0));
    const chunk = Math.max(1, Math.floor(CHUNK_SAMPLES / frameSamples));
    const readChunk = (start: number) => readRecord(recordPath, { from: start, to: Math.min(to, start + chunk) });
    // The first chunk is read before anything is printed: what the empty read cannot see (a
    // skew that makes a real read too large to decode) fails with stdout still empty.
    const firstChunk = from < to ? await readChunk(from) : undefined;

    const out = new StdoutWriter();
    await out.write(csvLine(['sample', ...header.signals.map((s, i) => s.description || `signal ${i}`)]));
    for (let start = from; start < to; start += chunk) {
      const rec = start === from ? firstChunk! : await readChunk(start);
      const columns = rec.header.signals.map((spec, i) => ({ values: frameValues(rec, i), spec, invalid: sampleFormat(spec.format).invalid }));
      let text = '';
      for (let t = rec.from; t < rec.to; t++) {
        text += t;
        for (const c of columns) text += ',' + String(physicalValue(c.values[t - rec.from]!, c.spec, c.invalid));
        text += '\n';
      }
      await out.write(text);
    }
    return 0;
  },
};

/** Writes to stdout with backpressure; a closed pipe (`| head`) ends the output quietly. */
class StdoutWriter {
  private failure: NodeJS.ErrnoException | undefined;

  constructor() {
    process.stdout.on('error', (err: NodeJS.ErrnoException) => {
      this.failure = err;
    });
  }

  async write(text: string): Promise<void> {
    if (this.failure) {
      if (this.failure.code === 'EPIPE') return;
      throw this.failure;
    }
    if (process.stdout.write(text)) return;
    await new Promise<void>((resolve) => {
      process.stdout.once('drain', resolve);
      process.stdout.once('error', () => resolve());
    });
  }
}

export default command;
