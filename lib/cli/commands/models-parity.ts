import type { Command } from '../command.ts';
import { choiceOption, stringOption } from '../args.ts';

const command: Command = {
  name: 'models parity',
  summary: 'check the decoder against Hugging Face transformers on the committed tiny checkpoints',
  description: `
For every parity fixture (a tiny random Hugging Face checkpoint per backbone family with its
family's tokenizer, written by scripts/fixtures/hf_parity.py with torch + transformers):
encodes the fixture's texts with the kit's tokenizer and checks the ids are identical to
transformers', then loads the checkpoint through the kit's loader, runs the ids as a padded
batch (one row right-padded, one left-padded) and prints the max |Δlogit| against the logits
transformers computed, over the non-padding positions.
Exit code 1 if any family's token ids differ or its logits differ by more than 1e-4.`,
  options: {
    json: { type: 'boolean', description: 'print JSON ({tolerance, backend, results: [{fixture, preset, modelType, tokenIdsMatch, maxAbsDiff, compared}]}) instead of a table' },
    fixtures: { type: 'string', description: 'fixtures directory (default: test/fixtures/hf-parity of the kit)' },
    backend: { type: 'string', description: 'compute backend: cpu | wasm | tensorflow | auto (default: cpu, the float32 reference)' },
  },
  examples: ['meit models parity', 'meit models parity --json'],
  async run(args) {
    const { initBackend, BACKENDS } = await import('../../model/backend.ts');
    const { listParityFixtures, parityOk, runParityFixture, PARITY_FIXTURES_DIR, PARITY_TOLERANCE } = await import('../../model/hf-parity.ts');
    const backend = await initBackend(choiceOption(args, 'backend', ['auto', ...BACKENDS] as const, 'cpu'));
    const results = [];
    for (const dir of listParityFixtures(stringOption(args, 'fixtures', PARITY_FIXTURES_DIR))) results.push(await runParityFixture(dir));
    const failed = results.filter((r) => !parityOk(r));
    if (args.options.json) {
      process.stdout.write(JSON.stringify({ tolerance: PARITY_TOLERANCE, backend, results }, null, 2) + '\n');
    } else {
      const width = Math.max(...results.map((r) => r.fixture.length));
      for (const r of results) {
        const ids = r.tokenIdsMatch ? 'identical' : 'DIFFERENT';
        process.stdout.write(`${r.fixture.padEnd(width)}  ${r.modelType.padEnd(8)}  token ids ${ids.padEnd(9)}  max |Δlogit| ${r.maxAbsDiff.toExponential(2)}  ${parityOk(r) ? 'ok' : 'FAIL'}\n`);
      }
      process.stdout.write(`${results.length - failed.length}/${results.length} with identical token ids and logits within ${PARITY_TOLERANCE} on ${backend}\n`);
    }
    return failed.length === 0 ? 0 : 1;
  },
};

export default command;
