/** `meit data prepare`: a dataset in its real layout → prepared shards + manifest. */
import type { Command } from '../command.ts';
import { choiceOption, requiredOption, stringOption } from '../args.ts';

const command: Command = {
  name: 'data prepare',
  summary: 'read PTB-XL or MIMIC-IV-ECG (real or synthetic) into split-wise shards + manifest',
  description: `
Reads a dataset in its real layout, joins signals with reports, splits it, preprocesses every
record and writes OUT/manifest.json, OUT/{train,val,test}.jsonl and OUT/{split}-NNN.f32
(float32 shards, 12 leads in the order I, II, III, aVR, aVL, aVF, V1-V6). The format is
described in docs/data-format.md. Settings come from the prepare: section of params.yaml
(sampling rate, length, filters, normalisation, PTB-XL report language, MIMIC split
fractions, what to do with unreadable records).

  ptbxl  ROOT/ptbxl_database.csv, ROOT/scp_statements.csv, ROOT/records100|records500/...
         split: strat_fold 1-8 train, 9 val, 10 test
  mimic  ROOT/record_list.csv, ROOT/machine_measurements.csv, ROOT/files/...
         joined on study_id; split by subject, seeded

OUT is replaced atomically: a failed or interrupted run leaves the previous OUT as it was.
The same inputs and params give byte-identical outputs.`,
  options: {
    source: { type: 'string', description: 'dataset layout: ptbxl | mimic (required)' },
    root: { type: 'string', description: 'dataset root directory (required)' },
    out: { type: 'string', description: 'output directory, replaced atomically (required)' },
    profile: { type: 'string', description: 'params profile (default: the `profile` key of params.yaml)' },
    params: { type: 'string', description: 'params file (default: params.yaml in the current directory)' },
  },
  examples: [
    'meit data synth --style ptbxl --n 600 --seed 1 --out data/synth/ptbxl',
    'meit data prepare --source ptbxl --root data/synth/ptbxl --out data/prepared/ptbxl',
    'meit data prepare --source mimic --root /data/mimic-iv-ecg/1.0 --out data/prepared/mimic --profile paper',
  ],
  async run(args) {
    const source = choiceOption(args, 'source', ['ptbxl', 'mimic'] as const);
    if (!source) requiredOption(args, 'source');
    const root = requiredOption(args, 'root');
    const out = requiredOption(args, 'out');
    const { loadParams } = await import('../../config/params.ts');
    const { prepareDataset } = await import('../../data/prepare.ts');
    const params = loadParams(stringOption(args, 'params', 'params.yaml'), stringOption(args, 'profile'));
    const result = await prepareDataset({ source: source!, root, out, params });
    const { counts, skipped, records } = result.manifest as typeof result.manifest & {
      skipped: { total: number };
      records: { read: number };
    };
    process.stderr.write(
      `prepared ${records.read} records (train ${counts.train}, val ${counts.val}, test ${counts.test}; skipped ${skipped.total}) ` +
        `in ${result.seconds.toFixed(1)} s (${(records.read / Math.max(result.seconds, 1e-9)).toFixed(1)} rec/s, ` +
        `${result.workers} worker${result.workers === 1 ? '' : 's'}) → ${out}\n`,
    );
    return 0;
  },
};

export default command;
