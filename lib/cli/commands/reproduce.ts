import type { Command } from '../command.ts';
import { choiceOption } from '../args.ts';
import { PROFILES } from '../../config/params.ts';

const command: Command = {
  name: 'reproduce',
  summary: "run the whole benchmark (dvc.yaml): the paper's tables and figures",
  description: `
The main job. Runs every stage of dvc.yaml in dependency order: synthetic data (or your real
PTB-XL / MIMIC-IV-ECG, as configured in params.yaml), preparation, the four experiments
(backbones, zero-shot, robustness, ablations) and the report (results/tables, results/figures,
results/README.md). Uses 'dvc repro' when DVC is installed (in ./.venv or on PATH) and the checkout is a DVC
project; otherwise the kit's own runner executes the same stages, skipping those whose deps and
params are unchanged.

--profile sets the top-level 'profile:' key of params.yaml (so DVC tracks the choice) before
running: smoke (CI, minutes), quick (default, the README's job), full (CPU, hours), paper (real
data and checkpoints, GPU).`,
  options: {
    profile: { type: 'string', description: `params profile: ${PROFILES.join(' | ')} (default: the profile in params.yaml)` },
    force: { type: 'boolean', description: 'run every stage even if nothing changed' },
    'no-dvc': { type: 'boolean', description: "use the kit's runner even when DVC is installed" },
  },
  examples: ['meit reproduce', 'meit reproduce --profile smoke', 'meit reproduce --no-dvc --force'],
  async run(args) {
    const { setTopLevelParam } = await import('../../config/set-param.ts');
    const { runPipeline, StageFailed } = await import('../../pipeline/runner.ts');
    const { Dvc, DvcFailed, findDvc } = await import('../../pipeline/dvc.ts');
    const profile = choiceOption(args, 'profile', PROFILES);
    if (profile && (await setTopLevelParam('params.yaml', 'profile', profile))) {
      process.stderr.write(`meit: params.yaml: profile set to ${profile}\n`);
    }
    const start = performance.now();
    const useDvc = !args.options['no-dvc'] && (await findDvc('.')) !== undefined;
    try {
      if (useDvc && (await Dvc.open('.')).isProject()) {
        process.stderr.write('meit: running the pipeline with dvc repro\n');
        await (await Dvc.open('.')).repro({ force: Boolean(args.options.force) });
      } else {
        process.stderr.write(`meit: running the pipeline with the kit's runner${useDvc ? ' (no .dvc/ here)' : ' (DVC not installed)'}\n`);
        await runPipeline({ force: Boolean(args.options.force) });
      }
    } catch (err) {
      if (err instanceof StageFailed || err instanceof DvcFailed) {
        process.stderr.write(`meit: ${err.message}\n`);
        return 1;
      }
      throw err;
    }
    const seconds = (performance.now() - start) / 1000;
    process.stderr.write(`meit: reproduce done in ${seconds.toFixed(1)} s; results in results/\n`);
    return 0;
  },
};

export default command;
