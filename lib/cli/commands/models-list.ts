import { existsSync } from 'node:fs';
import type { Command } from '../command.ts';
import { stringOption } from '../args.ts';

const command: Command = {
  name: 'models list',
  summary: 'the decoder backbone presets with their parameter counts (real and mini sizes)',
  description: `
Lists the ten backbone presets (the paper's nine plus LLaMA-3) with their family, the Hugging
Face checkpoint the real size follows, and parameter counts computed from the config: the real
size (e.g. gpt2-medium 354.8M, llama-2 6.74B) and the mini size that runs on a laptop CPU.
Mini sizes come from params.yaml (models.vocab_size, models.mini.<preset>) when that file is
present, else from the built-in defaults.`,
  options: {
    json: { type: 'boolean', description: 'print JSON (one object per preset, configs included) instead of a table' },
    params: { type: 'string', description: 'params file for the mini sizes (default: params.yaml if present)' },
    profile: { type: 'string', description: 'params profile (default: the profile in the params file)' },
  },
  examples: ['meit models list', 'meit models list --json'],
  async run(args) {
    const { PRESET_NAMES, presetConfig, presetFromParams, presetSource } = await import('../../model/presets.ts');
    const { countParameters } = await import('../../model/decoder.ts');
    const { loadParams } = await import('../../config/params.ts');
    const paramsFile = stringOption(args, 'params');
    const file = paramsFile ?? (existsSync('params.yaml') ? 'params.yaml' : undefined);
    const params = file ? loadParams(file, stringOption(args, 'profile')) : undefined;

    const rows = PRESET_NAMES.map((name) => {
      const real = presetConfig(name, 'real');
      const mini = params ? presetFromParams(params, name) : presetConfig(name, 'mini');
      return { name, family: real.family, source: presetSource(name), realParameters: countParameters(real), miniParameters: countParameters(mini), real, mini };
    });
    if (args.options.json) {
      process.stdout.write(JSON.stringify(rows, null, 2) + '\n');
      return 0;
    }
    const table = [['preset', 'family', 'real', 'mini', 'mini size', 'follows']];
    for (const r of rows) {
      const size = `${r.mini.numLayers}L ${r.mini.hiddenSize}d ${r.mini.numHeads}h V${r.mini.vocabSize}`;
      table.push([r.name, r.family, humanCount(r.realParameters), humanCount(r.miniParameters), size, r.source]);
    }
    const widths = table[0]!.map((_, c) => Math.max(...table.map((row) => row[c]!.length)));
    for (const row of table) process.stdout.write(row.map((cell, c) => cell.padEnd(widths[c]!)).join('  ').trimEnd() + '\n');
    return 0;
  },
};

/** 354823168 → "354.8M", 6738415616 → "6.74B". */
function humanCount(n: number): string {
  if (n >= 1e9) return `${(n / 1e9).toFixed(2)}B`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(1)}M`;
  return `${(n / 1e3).toFixed(1)}K`;
}

export default command;
