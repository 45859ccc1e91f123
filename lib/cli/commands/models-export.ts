import type { Command } from '../command.ts';
import { requiredOption, stringOption } from '../args.ts';
import { InputError } from '../../util/errors.ts';

const command: Command = {
  name: 'models export',
  summary: 'export a decoder as a Hugging Face checkpoint directory (LoRA merged, HF names and layouts)',
  description: `
Writes a directory that transformers loads with AutoModelForCausalLM.from_pretrained:
config.json (the family's HF config), model.safetensors (F32, HF tensor names and layouts:
transposed linears, fused q/k/v for GPT-2, GPT-NeoX and BLOOM) and the tokenizer
(tokenizer.json + tokenizer_config.json).

--model: a model directory written by \`meit train\`. Its LoRA adapters are folded into the
decoder weights (W + A·B·α/r). The ECG encoder and MEIT's ECG key/value slot have no
counterpart in transformers: the export is the text decoder only.
--hf: a Hugging Face checkpoint, read and written back through the kit (a round trip that
checks the kit's tensor maps; scripts/fixtures/hf_parity.py uses it).
The output directory is written atomically (replaced if it exists).`,
  options: {
    model: { type: 'string', description: 'kit model directory (from meit train) to export' },
    hf: { type: 'string', description: 'Hugging Face checkpoint directory to re-export through the kit' },
    out: { type: 'string', description: 'output directory (required)' },
  },
  examples: ['meit models export --model models/gpt2-medium --out export/gpt2-medium-hf'],
  async run(args) {
    const out = requiredOption(args, 'out');
    const [model, hf] = [stringOption(args, 'model'), stringOption(args, 'hf')];
    if ((model === undefined) === (hf === undefined)) throw new InputError('give exactly one of --model DIR and --hf DIR');
    const { initBackend } = await import('../../model/backend.ts');
    const { join } = await import('node:path');
    const { existsSync } = await import('node:fs');
    await initBackend('cpu');
    if (model !== undefined) {
      const { loadModel } = await import('../../model/checkpoint.ts');
      const { exportMergedHfModel } = await import('../../model/hf-export.ts');
      const loaded = await loadModel(model);
      await exportMergedHfModel(loaded, out, join(model, 'tokenizer.json'));
      loaded.dispose();
    } else {
      const { loadHfCheckpoint } = await import('../../model/checkpoint-hf.ts');
      const { exportHfCheckpoint } = await import('../../model/hf-export.ts');
      const decoder = await loadHfCheckpoint(hf!);
      const tokenizer = join(hf!, 'tokenizer.json');
      await exportHfCheckpoint(decoder, out, existsSync(tokenizer) ? tokenizer : undefined);
    }
    process.stderr.write(`exported to ${out}\n`);
    return 0;
  },
};

export default command;
