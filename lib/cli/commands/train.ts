/** `meit train`: a prepared dataset → a trained MEIT model (lib/train/trainer.ts). */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from '../command.ts';
import { choiceOption, intOption, requiredOption, stringOption } from '../args.ts';
import type { AlignmentKind } from '../../model/alignment.ts';
import { PRESET_NAMES } from '../../model/presets.ts';
import { InputError } from '../../util/errors.ts';

/** lib/model/alignment.ts ALIGNMENTS (not imported: it loads tfjs). */
const ALIGNMENT_CHOICES: readonly AlignmentKind[] = ['meit', 'prefix', 'xattn', 'none'];

const command: Command = {
  name: 'train',
  summary: 'train a MEIT model (ECG encoder + alignment + LoRA decoder) on a prepared dataset',
  description: `
Trains the kit's small byte-level BPE on the training reports, builds the model (the mini
preset of BACKBONE, the ECG encoder, the alignment, LoRA adapters) and trains it with AdamW on
the report tokens of the MEIT prompt "<|user|>\\n{instruction}\\n<|assistant|>\\n{report}</s>".
Settings come from params.yaml: the model from meit: (alignment, ECG encoder, LoRA or full
fine-tuning) and models: (mini sizes, vocabulary), the training from train: (learning rate and
schedule, warmup, batch size, gradient accumulation and clipping, epochs, instruction policy,
checkpoint and validation intervals, early-stopping patience).

Writes OUT/model/ (the model directory that \`meit evaluate\` reads), OUT/train.json (settings
and summary), OUT/train-log.jsonl (step, epoch, loss, lr, grad norm, tokens/s, val loss) and
OUT/checkpoints/ (the newest checkpoint). The same data, params and seed give identical
weights on one backend; --resume continues a killed run from its newest checkpoint and ends
with the same weights as an uninterrupted run.

Backbones: ${PRESET_NAMES.join(', ')} (mini sizes: models.mini in params.yaml).`,
  options: {
    data: { type: 'string', description: 'prepared dataset directory, from `meit data prepare` (required)' },
    backbone: { type: 'string', description: `decoder preset: ${PRESET_NAMES.join(' | ')} (required)` },
    out: { type: 'string', description: 'run directory (required)' },
    alignment: { type: 'string', description: 'how the ECG enters the decoder: meit | prefix | xattn | none (default: meit.alignment of params.yaml, meit)' },
    profile: { type: 'string', description: 'params profile (default: the `profile` key of params.yaml)' },
    params: { type: 'string', description: 'params file (default: params.yaml in the current directory)' },
    seed: { type: 'string', description: 'seed of weights, instructions, batch order and dropout (default: `seed` of params.yaml)' },
    resume: { type: 'boolean', description: 'continue from the newest checkpoint in OUT (default: start over)' },
  },
  examples: [
    'meit train --data data/prepared/ptbxl --backbone gpt2-medium --out models/ptbxl-gpt2',
    'meit train --data data/prepared/mimic --backbone llama-2 --alignment prefix --out models/mimic-llama2-prefix --seed 1',
    'meit train --data data/prepared/ptbxl --backbone gpt2-medium --out models/ptbxl-gpt2 --resume',
  ],
  async run(args) {
    const data = requiredOption(args, 'data');
    const backbone = choiceOption(args, 'backbone', PRESET_NAMES);
    if (!backbone) requiredOption(args, 'backbone');
    const out = requiredOption(args, 'out');
    const alignment = choiceOption(args, 'alignment', ALIGNMENT_CHOICES);
    const seedOption = intOption(args, 'seed', undefined, 0, 2 ** 32 - 1);
    if (!existsSync(join(data, 'manifest.json'))) {
      throw new InputError(existsSync(data) ? 'not a prepared dataset (no manifest.json); run `meit data prepare` first' : 'prepared dataset directory not found', { file: data });
    }

    const { loadParams, param } = await import('../../config/params.ts');
    const { meitOptionsFromParams } = await import('../../model/multimodal-params.ts');
    const { readTrainOptions } = await import('../../train/options.ts');
    const { initBackend } = await import('../../model/backend.ts');
    const { train } = await import('../../train/trainer.ts');
    const params = loadParams(stringOption(args, 'params', 'params.yaml'), stringOption(args, 'profile'));
    const options = readTrainOptions(params);
    const model = meitOptionsFromParams(params, backbone!, alignment ? { alignment } : {});
    const backend = await initBackend(params.values.backend === undefined ? 'auto' : (param(params, 'backend', 'string') as 'auto'));
    const seed = seedOption ?? param(params, 'seed', 'number');
    const vocabSize = model.decoder!.vocabSize;

    const start = performance.now();
    const summary = await train({ data, out, model, seed, options, vocabSize, resume: Boolean(args.options.resume), backend });
    const seconds = (performance.now() - start) / 1000;
    const val = summary.bestValLoss === null ? '' : `, best val loss ${summary.bestValLoss.toFixed(4)} (step ${summary.bestValStep})`;
    process.stderr.write(
      `trained ${backbone} (${model.alignment}) for ${summary.steps} steps${summary.stoppedEarly ? ' (stopped early)' : ''}: ` +
        `loss ${summary.trainLoss.toFixed(4)}${val}; ${(summary.secondsPerStep * 1000).toFixed(0)} ms/step, ` +
        `${summary.tokensPerSecond.toFixed(0)} tokens/s on ${backend}; ${seconds.toFixed(1)} s → ${join(out, 'model')}\n`,
    );
    return 0;
  },
};

export default command;
