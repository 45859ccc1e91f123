/**
 * PTB-XL adapter: ptbxl_database.csv + scp_statements.csv + records100/ or records500/.
 *
 * Each row of the database is one record: `ecg_id`, `patient_id`, the German (mostly) free
 * text `report`, `scp_codes` (a Python dict literal of statement → likelihood), `strat_fold`
 * (1–10) and the record paths `filename_lr` (100 Hz) / `filename_hr` (500 Hz), relative to
 * the dataset root. The split is PTB-XL's recommended one (folds 1–8 / 9 / 10).
 *
 * The report text is a choice, because the official MEIT code trained on a private English
 * translation that was never published:
 *   - original:    the `report` column as given (trimmed);
 *   - english:     rendered from the record's SCP statements (lib/data/dialects.ts), with a
 *                  seeded generator per record so a record's text never depends on others;
 *   - translation: a user-supplied CSV with columns ecg_id, report_en.
 *
 * The database is at most ~22k rows, so it is read into memory once and validated whole
 * before any signal is touched.
 */
import { InputError } from '../util/errors.ts';
import { readCsvRows } from '../util/csv.ts';
import { resolveInside } from '../util/paths.ts';
import { resolveRecordInside } from '../ecg/wfdb/record.ts';
import { Rng } from '../util/prng.ts';
import { join } from 'node:path';
import { ptbxlReport } from './dialects.ts';
import { parseScpCodes } from './scp-codes.ts';
import { ptbxlSplit } from './splits.ts';
import type { DatasetSource, SkipSink, SourceRecord } from './prepare.ts';

export const PTBXL_RECORD_SETS = ['records100', 'records500'] as const;
export type PtbxlRecordSet = (typeof PTBXL_RECORD_SETS)[number];
export const PTBXL_REPORTS = ['original', 'english', 'translation'] as const;
export type PtbxlReportMode = (typeof PTBXL_REPORTS)[number];

export interface PtbxlOptions {
  /** The database table inside the root (a subset of the rows is fine). */
  database: string;
  records: PtbxlRecordSet;
  report: PtbxlReportMode;
  /** CSV (ecg_id, report_en) for report "translation". */
  translation?: string;
  /** Seed of the English rendering. */
  seed: number;
}

const STATEMENTS = 'scp_statements.csv';
const DATABASE_COLUMNS = ['ecg_id', 'patient_id', 'report', 'scp_codes', 'strat_fold', 'filename_lr', 'filename_hr'];

export async function openPtbxl(root: string, options: PtbxlOptions, onSkip: SkipSink): Promise<DatasetSource> {
  const statementsFile = join(root, STATEMENTS);
  const databaseFile = resolveInside(root, options.database, { where: 'prepare.ptbxl.database' });
  const known = await readStatementCodes(statementsFile);
  const translations = options.report === 'translation' ? await readTranslation(options.translation) : undefined;
  const pathColumn = options.records === 'records100' ? 'filename_lr' : 'filename_hr';
  const renderSeed = new Rng(options.seed).fork('ptbxl-english-report');

  const records: SourceRecord[] = [];
  const seen = new Set<string>();
  for await (const { line, values } of readCsvRows(databaseFile, { required: DATABASE_COLUMNS })) {
    const where = `line ${line}`;
    const origin = { file: databaseFile, where };
    const id = integerField(values.ecg_id!, 'ecg_id', origin);
    if (seen.has(id)) throw new InputError(`duplicate ecg_id ${id}`, origin);
    seen.add(id);
    const subject = integerField(values.patient_id!, 'patient_id', origin);
    const fold = Number(integerField(values.strat_fold!, 'strat_fold', origin));
    if (fold < 1 || fold > 10) throw new InputError(`strat_fold must be 1..10, got ${fold}`, origin);
    const labels = parseScpCodes(values.scp_codes!, origin);
    for (const code of Object.keys(labels)) {
      if (!known.has(code)) throw new InputError(`scp_codes: unknown statement ${code} (not in ${STATEMENTS})`, origin);
    }
    const recordPath = resolveRecordInside(root, values[pathColumn]!.trim(), { file: databaseFile, where: `${where}, ${pathColumn}` });

    let report: string | undefined;
    if (options.report === 'original') report = values.report!.trim();
    else if (options.report === 'english') {
      // PTB-XL keeps the axis in its own column, not in scp_codes; the report states it.
      const axis = values.heart_axis?.trim();
      report = ptbxlReport([...Object.keys(labels), ...(axis ? [axis] : [])], renderSeed.fork(id));
    }
    else report = translations!.get(id);
    if (!report) {
      onSkip(options.report === 'translation' ? 'no translation for ecg_id' : 'empty report', { id, file: databaseFile, where });
      continue;
    }
    records.push({ id, subject, split: ptbxlSplit(fold), recordPath, report, labels, origin });
  }

  return {
    name: 'ptbxl',
    total: records.length,
    inputs: {
      [STATEMENTS]: statementsFile,
      [options.database]: databaseFile,
      ...(options.report === 'translation' ? { translation: options.translation! } : {}),
    },
    description: {
      records: options.records,
      report: options.report,
      split: 'strat_fold: 1-8 train, 9 val, 10 test',
    },
    records: async function* () {
      yield* records;
    },
  };
}

/** Integer-valued id fields; PTB-XL writes patient_id as a float ("15709.0"). */
function integerField(raw: string, column: string, origin: { file: string; where: string }): string {
  const m = /^\s*(\d{1,15})(\.0*)?\s*$/.exec(raw);
  if (!m) throw new InputError(`${column} must be a non-negative integer, got ${JSON.stringify(raw)}`, origin);
  return String(Number(m[1]));
}

async function readStatementCodes(file: string): Promise<Set<string>> {
  const codes = new Set<string>();
  // The code column has an empty header in the real file (a pandas index).
  for await (const { values } of readCsvRows(file, { required: [''] })) codes.add(values['']!.trim());
  return codes;
}

async function readTranslation(file: string | undefined): Promise<Map<string, string>> {
  if (!file) throw new InputError('prepare.ptbxl.report is "translation" but prepare.ptbxl.translation names no CSV file');
  const out = new Map<string, string>();
  for await (const { line, values } of readCsvRows(file, { required: ['ecg_id', 'report_en'] })) {
    const origin = { file, where: `line ${line}` };
    const id = integerField(values.ecg_id!, 'ecg_id', origin);
    if (out.has(id)) throw new InputError(`duplicate ecg_id ${id}`, origin);
    out.set(id, values.report_en!.trim());
  }
  return out;
}
