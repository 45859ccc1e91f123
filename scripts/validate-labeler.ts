/**
 * Validates the clinical labeler (lib/eval/clinical) on real text: the English reports of
 * PTB-XL, against the cardiologists' scp_codes of the same records.
 *
 *   node --import tsx scripts/validate-labeler.ts [PTBXL_DATABASE_CSV] [OUT_DIR]
 *
 * PTBXL_DATABASE_CSV defaults to ../shared/data/ptb-xl/ptbxl_database.csv (the 500-row
 * subset; $MEIT_SHARED_DATA moves it), OUT_DIR to results/labeler. Writes validation.json
 * (figures) and validation.md (tables and the disagreements).
 *
 * The reports are split by language (lib/eval/clinical/language.ts). English reports that only
 * say "trace only requested." state no finding and are counted but left out of the scores:
 * their codes come from the signal, not from the text a labeler reads. The reference is every
 * code of scp_codes (referenceCodes; rhythm and form statements have likelihood 0 in PTB-XL).
 * Heart-axis statements are not scored (PTB-XL keeps them out of scp_codes). Scores are given
 * with hedged findings counted (the kit's default) and not counted.
 */
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readCsv } from '../lib/util/csv.ts';
import { writeFileAtomic, writeJsonAtomic } from '../lib/util/atomic.ts';
import { parseScpCodes } from '../lib/data/scp-codes.ts';
import { reportLanguage, type ReportLanguage } from '../lib/eval/clinical/language.ts';
import { labelGroups, labelReport, type LabelOptions } from '../lib/eval/clinical/labeler.ts';
import { clinicalScores, labelExample, perCodeScores, referenceCodes, superclassCodes, type LabelExample } from '../lib/eval/clinical/scores.ts';
import { bootstrapCIs } from '../lib/eval/bootstrap.ts';
import { Rng } from '../lib/util/prng.ts';

const repo = resolve(fileURLToPath(new URL('..', import.meta.url)));
const shared = process.env.MEIT_SHARED_DATA ?? join(repo, '..', 'shared', 'data');
const databaseFile = process.argv[2] ?? join(shared, 'ptb-xl', 'ptbxl_database.csv');
const outDir = process.argv[3] ?? join(repo, 'results', 'labeler');

const NO_FINDINGS = /^trace only requested\.?$/;

interface Row {
  id: string;
  report: string;
  reference: string[];
  language: ReportLanguage;
}

const rows: Row[] = (await readCsv(databaseFile, { required: ['ecg_id', 'report', 'scp_codes'] })).map(({ line, values }) => ({
  id: values.ecg_id!,
  report: values.report!.trim(),
  reference: referenceCodes(parseScpCodes(values.scp_codes!, { file: databaseFile, where: `line ${line}` })),
  language: reportLanguage(values.report!),
}));

const byLanguage: Record<string, number> = {};
for (const r of rows) byLanguage[r.language] = (byLanguage[r.language] ?? 0) + 1;
const english = rows.filter((r) => r.language === 'en');
const scored = english.filter((r) => !NO_FINDINGS.test(r.report));
const german = rows.filter((r) => r.language === 'de');

function evaluate(set: Row[], options: LabelOptions) {
  const examples = set.map((r) => labelExample(labelGroups(r.report, options), r.reference));
  return { examples, scores: clinicalScores(examples), perCode: perCodeScores(examples) };
}

const strict = evaluate(scored, { uncertain: 'exclude' });
const main = evaluate(scored, { uncertain: 'include' });
const withTraces = evaluate(english, { uncertain: 'include' });
const germanKeywords = evaluate(german, { uncertain: 'include' });
const superclass = clinicalScores(scored.map((r) => labelExample(labelGroups(r.report).map((g) => superclassCodes(g)), superclassCodes(r.reference))));
// 148 reports is a small sample: how far could the figures move?
const intervals = bootstrapCIs(scored.length, (idx) => clinicalScores(main.examples, idx), { rng: new Rng('validate-labeler'), resamples: 1000 });

/** Most frequent missed and spurious codes, with the reports where it happened. */
function disagreements(set: Row[], examples: LabelExample[]) {
  const tally = (kind: 'fn' | 'fp') => {
    const where = new Map<string, string[]>();
    examples.forEach((e, i) => e[kind].forEach((c) => where.set(c, [...(where.get(c) ?? []), set[i]!.id])));
    return [...where.entries()].sort((a, b) => b[1].length - a[1].length || a[0].localeCompare(b[0])).map(([code, ids]) => ({ code, count: ids.length, ids }));
  };
  return { missed: tally('fn'), spurious: tally('fp') };
}
const disagree = disagreements(scored, main.examples);

const start = performance.now();
const repeats = 20;
for (let k = 0; k < repeats; k++) for (const r of rows) labelReport(r.report);
const reportsPerSecond = (repeats * rows.length) / ((performance.now() - start) / 1000);

const round = (x: number) => Math.round(x * 10000) / 10000;
const roundAll = (o: Record<string, number>) => Object.fromEntries(Object.entries(o).map(([k, v]) => [k, round(v)]));

const result = {
  database: databaseFile.startsWith(shared) ? join('shared/data', databaseFile.slice(shared.length)) : databaseFile,
  rows: rows.length,
  reportsByLanguage: byLanguage,
  english: english.length,
  englishWithoutFindings: english.length - scored.length,
  scored: scored.length,
  scores: roundAll(main.scores),
  bootstrap95: Object.fromEntries(Object.entries(intervals).map(([k, ci]) => [k, [round(ci.low), round(ci.high)]])),
  scoresHedgedExcluded: roundAll(strict.scores),
  scoresSuperclass: roundAll(superclass),
  scoresIncludingTraceOnly: roundAll(withTraces.scores),
  germanKeywordsOnly: { reports: german.length, ...roundAll(germanKeywords.scores) },
  perCode: Object.fromEntries(Object.entries(main.perCode).map(([code, s]) => [code, { ...s, precision: round(s.precision), recall: round(s.recall), f1: round(s.f1) }])),
  disagreements: disagree,
  reportsPerSecond: Math.round(reportsPerSecond),
};

const pct = (x: number) => (100 * x).toFixed(1);
const scoreRow = (name: string, s: Record<string, number>) =>
  `| ${name} | ${pct(s['CE-micro-P']!)} | ${pct(s['CE-micro-R']!)} | ${pct(s['CE-micro-F1']!)} | ${pct(s['CE-macro-P']!)} | ${pct(s['CE-macro-R']!)} | ${pct(s['CE-macro-F1']!)} | ${pct(s['CE-exact']!)} |`;
const examplesOf = (ids: string[]) =>
  ids.slice(0, 3).map((id) => {
    const i = scored.findIndex((r) => r.id === id);
    const e = main.examples[i]!;
    return `  - ${id}: "${scored[i]!.report.replace(/\s+/g, ' ').slice(0, 160)}" — reference ${e.reference.join(' ')}; labeler ${e.predicted.join(' ')}`;
  });

const md = [
  '# Clinical labeler on the real English PTB-XL reports',
  '',
  `Generated by \`scripts/validate-labeler.ts\` from \`${result.database}\` (${rows.length} rows).`,
  `Reports by language: ${Object.entries(byLanguage).map(([l, n]) => `${l} ${n}`).join(', ')}.`,
  `English: ${english.length}, of which ${result.englishWithoutFindings} only say "trace only requested." and are left out;`,
  `${scored.length} scored against every code of their scp_codes (heart axis not scored).`,
  `Speed: ${result.reportsPerSecond} reports/s on this machine.`,
  '',
  '| labeler setting | micro P | micro R | micro F1 | macro P | macro R | macro F1 | exact |',
  '|---|---|---|---|---|---|---|---|',
  scoreRow(`hedged findings count (default), n=${scored.length}`, main.scores),
  `| 95% bootstrap interval (1000 resamples) | ${(['CE-micro-P', 'CE-micro-R', 'CE-micro-F1', 'CE-macro-P', 'CE-macro-R', 'CE-macro-F1', 'CE-exact'] as const).map((k) => `${pct(intervals[k].low)}–${pct(intervals[k].high)}`).join(' | ')} |`,
  scoreRow(`hedged findings do not count, n=${scored.length}`, strict.scores),
  scoreRow(`default, diagnostic superclasses (NORM MI STTC CD HYP), n=${scored.length}`, superclass),
  scoreRow(`default, with "trace only" reports, n=${english.length}`, withTraces.scores),
  scoreRow(`German reports, keyword rules only (out of scope), n=${german.length}`, germanKeywords.scores),
  '',
  'Macro means are over the codes present in the references.',
  '',
  '## Per code (default setting)',
  '',
  '| code | support | tp | fp | fn | precision | recall | F1 |',
  '|---|---|---|---|---|---|---|---|',
  ...Object.entries(main.perCode).map(([c, s]) => `| ${c} | ${s.support} | ${s.tp} | ${s.fp} | ${s.fn} | ${pct(s.precision)} | ${pct(s.recall)} | ${pct(s.f1)} |`),
  '',
  '## Disagreements',
  '',
  'Missed (in scp_codes, not found by the labeler):',
  '',
  ...disagree.missed.flatMap((d) => [`- ${d.code} × ${d.count}`, ...examplesOf(d.ids)]),
  '',
  'Spurious (found by the labeler, not in scp_codes):',
  '',
  ...disagree.spurious.flatMap((d) => [`- ${d.code} × ${d.count}`, ...examplesOf(d.ids)]),
  '',
].join('\n');

await writeJsonAtomic(join(outDir, 'validation.json'), result);
await writeFileAtomic(join(outDir, 'validation.md'), md);
process.stdout.write(md);
