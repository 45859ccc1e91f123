import type { Command } from '../command.ts';
import { choiceOption, intOption, requiredOption } from '../args.ts';

const command: Command = {
  name: 'score',
  summary: 'caption metrics of predictions against references (BLEU-1..4, METEOR, ROUGE-L, CIDEr-D)',
  description: `
Reads two JSONL files - predictions {"id", "prediction"} and references {"id", "references": [...]},
one object per line, the same ids in both - and prints the corpus-level scores.

--mode coco (default) is the standard: exactly pycocoevalcap (PTB tokenisation without
punctuation, corpus BLEU with the closest reference length, ROUGE-L, CIDEr-D with IDF over these
references) and METEOR in the manner of Meteor 1.5 (within about 0.01 of the jar).
--mode meit reproduces what the official MEIT evaluation computed: batches of 32 in the order of
the references file, scores averaged over batches, NLTK's METEOR, CIDEr without IDF, and the
literal "<|assistant|>" left in both texts (turn off with --no-assistant-prefix). The two modes
differ by design; see lib/eval/meit-mode.ts for each quirk and where it comes from.

References may carry clinical labels ("labels": {"SR": 100}); they are read and checked, and
clinical scores will be added by the clinical scorer.`,
  options: {
    // Every option spells out `short` and `multiple`: lib/cli/main.ts passes both keys to
    // node's parseArgs, which (Node 20) rejects them when present but undefined.
    predictions: { type: 'string', short: 'p', multiple: false, description: 'predictions JSONL (required)' },
    references: { type: 'string', short: 'r', multiple: false, description: 'references JSONL (required)' },
    mode: { type: 'string', short: 'm', multiple: false, description: 'coco | meit (default: coco)' },
    'batch-size': { type: 'string', short: 'b', multiple: false, description: 'meit mode: pairs per batch (default: 32)' },
    'no-assistant-prefix': {
      type: 'boolean',
      short: 'n',
      multiple: false,
      description: 'meit mode: do not prepend "<|assistant|>\\n" to both texts',
    },
    json: { type: 'boolean', short: 'j', multiple: false, description: 'print one JSON object on stdout instead of a table' },
  },
  examples: [
    'meit score --predictions preds.jsonl --references refs.jsonl',
    'meit score -p preds.jsonl -r refs.jsonl --mode meit --json',
  ],
  async run(args) {
    const { checkSameIds, readPredictions, readReferences } = await import('../../eval/jsonl.ts');
    const { prepareCaptions, SCORE_MODES } = await import('../../eval/score.ts');
    const predictionsFile = requiredOption(args, 'predictions');
    const referencesFile = requiredOption(args, 'references');
    const mode = choiceOption(args, 'mode', SCORE_MODES, 'coco')!;
    const batchSize = intOption(args, 'batch-size', undefined, 1);
    const predictions = await readPredictions(predictionsFile);
    const references = await readReferences(referencesFile);
    checkSameIds(predictions, references);

    const start = performance.now();
    const scores: Record<string, number> = prepareCaptions(predictions.predictions, references.references, {
      mode,
      batchSize,
      assistantPrefix: !args.options['no-assistant-prefix'],
    }).score();
    // Clinical efficacy when the references carry labels (lib/eval/clinical).
    if (references.labels.size > 0) {
      const { prepareClinical } = await import('../../eval/clinical/index.ts');
      const clinical = prepareClinical(predictions.predictions, references.references, references.labels, { file: referencesFile });
      Object.assign(scores, clinical.score());
    }
    const seconds = (performance.now() - start) / 1000;

    if (args.options.json) {
      process.stdout.write(JSON.stringify(scores) + '\n');
    } else {
      const width = Math.max(...Object.keys(scores).map((k) => k.length));
      process.stdout.write(`${mode} mode, ${predictions.predictions.size} pairs\n`);
      for (const [name, value] of Object.entries(scores)) process.stdout.write(`  ${name.padEnd(width)}  ${value.toFixed(4)}\n`);
    }
    process.stderr.write(`meit: scored ${predictions.predictions.size} pairs in ${seconds.toFixed(2)} s\n`);
  },
};

export default command;
