/** `meit data synth`: a synthetic 12-lead ECG dataset in the real PTB-XL or MIMIC-IV-ECG layout. */
import { existsSync } from 'node:fs';
import type { Command } from '../command.ts';
import { UsageError } from '../../util/errors.ts';
import { choiceOption, intOption, requiredOption, stringOption } from '../args.ts';

const STYLES = ['ptbxl', 'mimic'] as const;
/** Used when there is no params.yaml to read defaults from. */
const FALLBACK = { ptbxl: { n: 600, seed: 1, fs: 500 }, mimic: { n: 600, seed: 2, fs: 500 } } as const;

const command: Command = {
  name: 'data synth',
  summary: 'write a synthetic 12-lead ECG dataset in the real PTB-XL or MIMIC-IV-ECG layout',
  description: `
Generates N 10-s 12-lead ECGs from a beat model driven by a 3-D cardiac dipole (P, QRS, T
waves; heart-rate variability; baseline wander, muscle noise, powerline), with findings that
change the waveform as in life, each labelled with its PTB-XL SCP code: SR, SBRAD, STACH,
AFIB, AFLT, 1AVB, CLBBB, CRBBB, LAFB, LVH, LVOLT, IMI, ASMI, AMI, STE_, STD_, INVT, LNGQT,
PVC, PAC, NORM (~40% normal), and left / right axis deviation (PTB-XL heart_axis LAD / RAD).
Reports come in the dialect of the layout: PTB-XL cardiologist sentences or MIMIC-IV-ECG
machine statements.

  ptbxl  OUT/ptbxl_database.csv, OUT/scp_statements.csv,
         OUT/records500/NNNNN/NNNNN_hr (fs HZ) and OUT/records100/NNNNN/NNNNN_lr (100 Hz)
  mimic  OUT/record_list.csv, OUT/machine_measurements.csv,
         OUT/files/pNNNN/pNNNNNNNN/sNNNNNNNN/NNNNNNNN (several studies per subject;
         the two tables are in different row orders: join on study_id),
         OUT/synthetic_labels.csv (each study's SCP codes; not in the real layout)

OUT/SYNTHETIC.json records the generator, seed, sizes and label counts. OUT is replaced
atomically. The same style, N, seed and fs give byte-identical files.
Defaults for N, seed and fs come from synth.<style> in params.yaml (when present).`,
  options: {
    style: { type: 'string', description: 'dataset layout: ptbxl | mimic (required)' },
    out: { type: 'string', description: 'output directory, replaced atomically (required)' },
    n: { type: 'string', description: 'number of records (studies for mimic); default synth.<style>.n (600)' },
    seed: { type: 'string', description: 'random seed; default synth.<style>.seed (ptbxl 1, mimic 2)' },
    fs: { type: 'string', description: 'sampling rate in Hz, 100-2000; default synth.<style>.fs (500)' },
    profile: { type: 'string', description: 'params profile for the defaults (default: the `profile` key of params.yaml)' },
    params: { type: 'string', description: 'params file for the defaults (default: params.yaml if it exists)' },
  },
  examples: [
    'meit data synth --style ptbxl --n 600 --seed 1 --out data/synth/ptbxl',
    'meit data synth --style mimic --n 600 --seed 2 --out data/synth/mimic',
    'meit data synth --style ptbxl --out data/synth/ptbxl --profile smoke',
  ],
  async run(args) {
    const style = choiceOption(args, 'style', STYLES);
    if (!style) throw new UsageError('missing required option --style (ptbxl or mimic)');
    const out = requiredOption(args, 'out');
    const defaults = await paramsDefaults(args, style);
    const n = intOption(args, 'n', defaults.n, 1, 1_000_000)!;
    const seed = intOption(args, 'seed', defaults.seed, 0, 2 ** 32 - 1)!;
    const fs = intOption(args, 'fs', defaults.fs, 100, 2000)!;

    const { writeSyntheticDataset } = await import('../../data/synthetic.ts');
    const { Progress } = await import('../../util/progress.ts');
    const progress = new Progress(`synth ${style}`, n, { unit: 'rec' });
    const start = performance.now();
    const manifest = await writeSyntheticDataset(out, { style, n, seed, fs, onRecord: () => progress.tick() });
    const seconds = (performance.now() - start) / 1000;
    progress.finish();
    const normal = manifest.counts.NORM ?? 0;
    process.stderr.write(
      `wrote ${n} synthetic ${style} records (${manifest.subjects} subjects, ${Math.round((100 * normal) / n)}% normal, ${fs} Hz) ` +
        `in ${seconds.toFixed(1)} s (${(n / Math.max(seconds, 1e-9)).toFixed(1)} rec/s) → ${out}\n`,
    );
    return 0;
  },
};

/** n, seed and fs of synth.<style> in params.yaml; built-in values when there is no params file. */
async function paramsDefaults(args: Parameters<Command['run']>[0], style: (typeof STYLES)[number]): Promise<{ n: number; seed: number; fs: number }> {
  const explicit = stringOption(args, 'params');
  const file = explicit ?? 'params.yaml';
  if (!explicit && !existsSync(file)) return FALLBACK[style];
  const { loadParams, param } = await import('../../config/params.ts');
  const p = loadParams(file, stringOption(args, 'profile'));
  return {
    n: param(p, `synth.${style}.n`, 'number'),
    seed: param(p, `synth.${style}.seed`, 'number'),
    fs: param(p, `synth.${style}.fs`, 'number'),
  };
}

export default command;
