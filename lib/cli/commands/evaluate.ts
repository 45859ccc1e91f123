/** `meit evaluate`: a trained model on the test split → metrics.json + predictions (lib/eval/evaluate.ts). */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from '../command.ts';
import { intOption, requiredOption, stringOption } from '../args.ts';
import { CONTROLS, type Control } from '../../train/options.ts';
import { InputError, UsageError } from '../../util/errors.ts';

const command: Command = {
  name: 'evaluate',
  summary: 'generate reports for the test split and score them, with no-ECG, shuffled-ECG and nearest-neighbour controls',
  description: `
Generates a report for every test example (greedy, at most generation.max_new_tokens = 128
new tokens, batched; prompted with the example's held-out instruction, or as the model was
trained: the official instruction, or none), scores them in both modes (coco: the
pycocoevalcap standard; meit: the official MEIT evaluation) and for clinical efficacy
(micro/macro precision, recall, F1 of the findings), with 95% bootstrap intervals
("..._ci_low", "..._ci_high"), and writes OUT/metrics.json (flat) and OUT/predictions.jsonl
({id, instruction, prediction, reference, labels}). OUT is replaced atomically.

Controls (evaluate.controls in params.yaml, or --controls), each under its own prefix in
metrics.json and in OUT/predictions-<control>.jsonl:
  no-ecg             the same model with the ECG alignment bypassed
  shuffled-ecg       ECGs permuted across the test examples (seeded; none keeps its own)
  nearest-neighbour  the report of the most similar training ECG (the model's ECG encoder,
                     cosine similarity): a baseline without a language model

MODEL is the run directory of \`meit train\` (OUT/model and OUT/train.json) or a model directory.`,
  options: {
    model: { type: 'string', description: 'run directory of `meit train`, or a model directory (required)' },
    data: { type: 'string', description: 'prepared dataset directory; its test split is evaluated (required)' },
    out: { type: 'string', description: 'output directory, replaced atomically (required)' },
    controls: { type: 'string', description: `comma-separated controls: ${CONTROLS.join(', ')}, or none (default: evaluate.controls)` },
    profile: { type: 'string', description: 'params profile (default: the `profile` key of params.yaml)' },
    params: { type: 'string', description: 'params file (default: params.yaml in the current directory)' },
    seed: { type: 'string', description: 'seed of the ECG permutation and the bootstrap (default: `seed` of params.yaml)' },
  },
  examples: [
    'meit evaluate --model models/ptbxl-gpt2 --data data/prepared/ptbxl --out results/ptbxl-gpt2',
    'meit evaluate --model models/ptbxl-gpt2 --data data/prepared/ptbxl --out results/ptbxl-gpt2 --controls no-ecg',
  ],
  async run(args) {
    const model = requiredOption(args, 'model');
    const data = requiredOption(args, 'data');
    const out = requiredOption(args, 'out');
    const seedOption = intOption(args, 'seed', undefined, 0, 2 ** 32 - 1);
    const controls = parseControls(stringOption(args, 'controls'));
    if (!existsSync(join(data, 'manifest.json'))) {
      throw new InputError(existsSync(data) ? 'not a prepared dataset (no manifest.json)' : 'prepared dataset directory not found', { file: data });
    }
    if (!existsSync(join(model, 'config.json')) && !existsSync(join(model, 'model', 'config.json'))) {
      throw new InputError(existsSync(model) ? 'not a model or training run directory (no config.json or model/config.json)' : 'model directory not found', { file: model });
    }

    const { loadParams, param } = await import('../../config/params.ts');
    const { readEvaluateOptions } = await import('../../train/options.ts');
    const { initBackend } = await import('../../model/backend.ts');
    const { evaluateModel } = await import('../../eval/evaluate.ts');
    const params = loadParams(stringOption(args, 'params', 'params.yaml'), stringOption(args, 'profile'));
    const options = readEvaluateOptions(params);
    if (controls) options.controls = controls;
    const backend = await initBackend(params.values.backend === undefined ? 'auto' : (param(params, 'backend', 'string') as 'auto'));
    const seed = seedOption ?? param(params, 'seed', 'number');

    const start = performance.now();
    const result = await evaluateModel({ model, data, out, options, seed });
    const seconds = (performance.now() - start) / 1000;
    const m = result.metrics;
    const show = (prefix: string) => `BLEU-4 ${fmt(m[`${prefix}coco/BLEU-4`])}, clinical micro-F1 ${fmt(m[`${prefix}clinical/micro_f1`])}`;
    const lines = [`model: ${show('')}`, ...options.controls.filter((c) => `${c}/coco/BLEU-4` in m).map((c) => `${c}: ${show(`${c}/`)}`)];
    process.stderr.write(
      `evaluated ${result.examples} test examples (coco mode) — ${lines.join('; ')}; ` +
        `${result.tokensPerSecond.toFixed(0)} generated tokens/s on ${backend}; ${seconds.toFixed(1)} s → ${join(out, 'metrics.json')}\n`,
    );
    return 0;
  },
};

function fmt(x: number | undefined): string {
  return x === undefined || !Number.isFinite(x) ? 'n/a' : x.toFixed(4);
}

function parseControls(raw: string | undefined): Control[] | undefined {
  if (raw === undefined) return undefined;
  if (raw.trim() === 'none') return [];
  const names = raw.split(',').map((s) => s.trim()).filter(Boolean);
  for (const name of names) {
    if (!(CONTROLS as readonly string[]).includes(name)) throw new UsageError(`--controls: unknown control ${JSON.stringify(name)}; expected ${CONTROLS.join(', ')} or none`);
  }
  return [...new Set(names)] as Control[];
}

export default command;
