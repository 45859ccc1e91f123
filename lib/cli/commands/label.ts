/** `meit label`: the SCP statement codes the clinical labeler reads in report text. */
import type { Command } from '../command.ts';
import { UsageError } from '../../util/errors.ts';

const command: Command = {
  name: 'label',
  summary: 'SCP statement codes of ECG report text (the clinical-efficacy labeler)',
  description: `
Runs the rule-based labeler of the clinical scores (lib/eval/clinical) on report text, so you
can check what it reads. It understands English PTB-XL cardiologist reports and MIMIC-IV-ECG
machine statements (abbreviations such as LAFB, RBBB, IVCD, PVC; negation such as "no
evidence of"; hedges such as "possible", "consider", "cannot be excluded"). German and Swedish
reports are out of scope (a few German keywords are recognised).

--text prints one line per text: the codes, space-separated ("-" for none).
--file reads a JSONL file in the format of 'meit score' - predictions {"id", "prediction"} or
references {"id", "references": [...]} - and prints one JSON object per line:
{"id", "labels": [...]} (for references, the union over the texts of the line).
Hedged findings count as present unless --strict; heart-axis labels (LAD, RAD, ...) are only
printed with --axis, since PTB-XL keeps them out of its SCP codes.`,
  options: {
    text: { type: 'string', short: 't', multiple: true, description: 'report text to label (repeatable)' },
    file: { type: 'string', short: 'f', multiple: false, description: 'JSONL of predictions or references to label' },
    strict: { type: 'boolean', short: 's', multiple: false, description: 'hedged findings ("possible LVH") do not count (default: they do)' },
    axis: { type: 'boolean', short: 'a', multiple: false, description: 'also print heart-axis labels (default: off)' },
    explain: {
      type: 'boolean',
      short: 'e',
      multiple: false,
      description: 'with --text: list every matched phrase with its codes (a|b: either or both) and negated / hedged flags',
    },
  },
  examples: [
    'meit label --text "Sinus rhythm. Possible right atrial abnormality. Borderline ECG"',
    'meit label -t "sinus rhythm. no evidence of lvh. left anterior fascicular block." --explain',
    'meit label --file predictions.jsonl > labels.jsonl',
  ],
  async run(args) {
    const { findMentions, labelReport } = await import('../../eval/clinical/labeler.ts');
    const texts = (args.options.text as string[] | undefined) ?? [];
    const file = args.options.file as string | undefined;
    if (texts.length === 0 && !file) throw new UsageError("give --text TEXT or --file FILE (see 'meit label --help')");
    const options = { uncertain: args.options.strict ? ('exclude' as const) : ('include' as const), axis: Boolean(args.options.axis) };

    for (const text of texts) {
      const codes = labelReport(text, options);
      process.stdout.write((codes.length ? codes.join(' ') : '-') + '\n');
      if (args.options.explain) {
        for (const m of findMentions(text)) {
          const flags = [m.negated && 'negated', m.uncertain && 'hedged'].filter(Boolean).join(', ');
          process.stdout.write(`  ${m.codes.join('|').padEnd(12)} "${m.text}"${flags ? ` (${flags})` : ''}\n`);
        }
      }
    }
    if (file) {
      for (const [id, reports] of await readTexts(file)) {
        const codes = [...new Set(reports.flatMap((r) => labelReport(r, options)))].sort();
        process.stdout.write(JSON.stringify({ id, labels: codes }) + '\n');
      }
    }
    return 0;
  },
};

/** The texts of a predictions or references JSONL file, told apart by the first object's fields. */
async function readTexts(file: string): Promise<Map<string, string[]>> {
  const { readFile } = await import('node:fs/promises');
  const { fileError } = await import('../../util/errors.ts');
  const { readPredictions, readReferences } = await import('../../eval/jsonl.ts');
  let head: string;
  try {
    head = (await readFile(file, 'utf8')).split('\n').find((l) => l.trim() !== '') ?? '';
  } catch (err) {
    throw fileError(err, file);
  }
  if (/"references"\s*:/.test(head)) return (await readReferences(file)).references;
  const predictions = (await readPredictions(file)).predictions;
  return new Map([...predictions].map(([id, text]) => [id, [text]]));
}

export default command;
