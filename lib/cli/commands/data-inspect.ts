/** `meit data inspect RECORD [--json]`: a WFDB record's header, with its checksums verified. */
import type { Command } from '../command.ts';

const command: Command = {
  name: 'data inspect',
  summary: 'show a WFDB record header and verify its checksums',
  description: `
Parses RECORD.hea, reads every signal file and verifies, per signal, the 16-bit checksum and
the initial value stated in the header against the stored samples (as the WFDB library
computes them: before any skew is applied). A mismatch is reported, not an error. Records
too large to decode in one read (over 2^26 samples) are shown with checksumOk null.
--json prints {record, fs, nSamples, nSignals, durationSeconds, baseTime, baseDate,
counterFreq, baseCounter, comments, signals: [{index, name, file, format, samplesPerFrame,
skew, byteOffset, gain, baseline, units, adcResolution, adcZero, initialValue, checksum,
blockSize, checksumOk, initialValueOk}]}.`,
  positionals: [{ name: 'RECORD', description: 'WFDB record path without extension (RECORD.hea must exist)' }],
  options: {
    json: { type: 'boolean', description: 'print JSON instead of a table (default: table)' },
  },
  examples: ['meit data inspect data/ptb-xl/records500/00000/00001_hr', 'meit data inspect mitdb/100 --json'],
  async run(args) {
    const { inspectRecord, formatInspection } = await import('../../ecg/wfdb/inspect.ts');
    const report = await inspectRecord(args.positionals[0]!);
    process.stdout.write(args.options.json ? JSON.stringify(report, null, 2) + '\n' : formatInspection(report));
    return 0;
  },
};

export default command;
