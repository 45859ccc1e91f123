import type { Command } from '../command.ts';
import { stringOption } from '../args.ts';

const command: Command = {
  name: 'stage',
  summary: 'run one pipeline stage with the params of params.yaml (what dvc.yaml calls)',
  description: `
Runs one stage of the pipeline as dvc.yaml declares it, reading the effective params
(params.yaml deep-merged with its profile). 'meit reproduce' runs them all in order; this
command is for DVC and for rerunning a single step by hand.

Stages: synth ITEM, prepare ITEM (ITEM: ptbxl | mimic); backbones, zero-shot, robustness,
ablations (the four experiments, each over the profile's experiments: plan) and report
(tables, figures, results/README.md).`,
  positionals: [
    { name: 'NAME', description: 'stage name: synth, prepare, backbones, zero-shot, robustness, ablations, report' },
    { name: 'ITEM', description: 'the foreach item of synth and prepare: ptbxl or mimic', optional: true },
  ],
  options: {
    profile: { type: 'string', description: 'params profile (default: the `profile` key of params.yaml)' },
    params: { type: 'string', description: 'params file (default: params.yaml)' },
  },
  examples: ['meit stage synth ptbxl', 'meit stage prepare mimic --profile smoke', 'meit stage backbones --profile smoke', 'meit stage report'],
  async run(args) {
    const { loadParams } = await import('../../config/params.ts');
    const { stageDefinition } = await import('../../pipeline/stages.ts');
    const [name, item] = args.positionals as [string, string | undefined];
    const stage = stageDefinition(name, item);
    const params = loadParams(stringOption(args, 'params', 'params.yaml'), stringOption(args, 'profile'));
    await stage.run(params, item ?? '');
    return 0;
  },
};

export default command;
