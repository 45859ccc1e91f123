/**
 * MIMIC-IV-ECG adapter: record_list.csv + machine_measurements.csv + files/.../NNNN.{hea,dat}.
 *
 * record_list.csv lists the waveforms (subject_id, study_id, path relative to the root);
 * machine_measurements.csv holds the machine's report statements per study. The two are
 * joined on study_id. (The official MEIT code paired the two tables row by row after
 * sorting, which silently mismatches reports and signals whenever the tables differ in
 * order or content; the kit never relies on row order.)
 *
 * The tables have ~800k rows and are streamed (lib/util/csv.ts). What stays in memory:
 *   - the join index study_id → cleaned report, as Map<number, string>, with identical
 *     report strings shared (machine reports repeat a lot), so it grows with the number of
 *     studies (~24 bytes of map entry each) plus the *distinct* report texts;
 *   - subject_id → record count, for the subject-grouped split (~200k subjects);
 *   - during the first pass over record_list only, the set of study_ids seen (duplicates).
 * record_list is read twice: once to validate it, count records per subject and draw the
 * split; once, streaming, to feed the records in file order.
 */
import { join, resolve } from 'node:path';
import { InputError } from '../util/errors.ts';
import { readCsvRows } from '../util/csv.ts';
import { isWithin } from '../util/paths.ts';
import { resolveRecordInside } from '../ecg/wfdb/record.ts';
import { Rng } from '../util/prng.ts';
import { MIMIC_REPORT_COLUMNS, mimicReport } from './report-clean.ts';
import { groupedSplit, type SplitFractions } from './splits.ts';
import type { DatasetSource, SkipSink, SourceRecord } from './prepare.ts';

export interface MimicOptions {
  fractions: SplitFractions;
  seed: number;
}

const RECORD_LIST = 'record_list.csv';
const MEASUREMENTS = 'machine_measurements.csv';

export interface ReportIndex {
  /** study_id → cleaned report ('' when the study has no statement). */
  reports: Map<number, string>;
  rows: number;
  distinctReports: number;
}

/** Streams machine_measurements.csv into the study_id → report join index. */
export async function readReportIndex(file: string): Promise<ReportIndex> {
  const reports = new Map<number, string>();
  const interned = new Map<string, string>();
  let rows = 0;
  for await (const { line, values } of readCsvRows(file, { required: ['study_id', ...MIMIC_REPORT_COLUMNS] })) {
    const origin = { file, where: `line ${line}` };
    const study = idField(values.study_id!, 'study_id', origin);
    if (reports.has(study)) throw new InputError(`duplicate study_id ${study}`, origin);
    const text = mimicReport(MIMIC_REPORT_COLUMNS.map((c) => values[c]!));
    let shared = interned.get(text);
    if (shared === undefined) interned.set(text, (shared = text));
    reports.set(study, shared);
    rows++;
  }
  return { reports, rows, distinctReports: interned.size };
}

export async function openMimic(root: string, options: MimicOptions, onSkip: SkipSink): Promise<DatasetSource> {
  const listFile = join(root, RECORD_LIST);
  const measurementsFile = join(root, MEASUREMENTS);
  const index = await readReportIndex(measurementsFile);

  // Pass 1: validate every row, count usable records per subject, report table-level skips.
  const perSubject = new Map<number, number>();
  const studies = new Set<number>();
  let total = 0;
  for await (const row of readRecordList(root, listFile, true)) {
    if (studies.has(row.study)) throw new InputError(`duplicate study_id ${row.study}`, row.origin);
    studies.add(row.study);
    const report = index.reports.get(row.study);
    if (!report) {
      const reason = report === undefined ? `study_id not in ${MEASUREMENTS}` : 'empty report';
      onSkip(reason, { id: String(row.study), ...row.origin });
      continue;
    }
    perSubject.set(row.subject, (perSubject.get(row.subject) ?? 0) + 1);
    total++;
  }
  studies.clear();
  const splitOf = groupedSplit(perSubject, options.fractions, new Rng(options.seed).fork('mimic-split'));

  return {
    name: 'mimic',
    total,
    inputs: { [RECORD_LIST]: listFile, [MEASUREMENTS]: measurementsFile },
    description: {
      report: 'non-empty report_0..report_17 joined with ". ", cleaned as MEIT (lib/data/report-clean.ts)',
      join: 'study_id',
      split: `subject-grouped, seeded: ${JSON.stringify(options.fractions)} of records`,
      measurementRows: index.rows,
      distinctReports: index.distinctReports,
      subjects: perSubject.size,
    },
    records: async function* (): AsyncGenerator<SourceRecord> {
      for await (const row of readRecordList(root, listFile, false)) {
        const report = index.reports.get(row.study);
        if (!report) continue; // reported in pass 1
        yield {
          id: String(row.study),
          subject: String(row.subject),
          split: splitOf.get(row.subject)!,
          recordPath: row.recordPath,
          report,
          labels: {},
          origin: row.origin,
        };
      }
    },
  };
}

interface RecordListRow {
  subject: number;
  study: number;
  recordPath: string;
  origin: { file: string; where: string };
}

/**
 * The rows of record_list.csv. Record paths are checked in full (no absolute path, no `..`
 * escape, no symbolic link out of the root) when `checkPaths` is set — the first pass; that
 * costs a few realpath calls per row, so the second pass over the same, already checked file
 * only re-checks them lexically.
 */
async function* readRecordList(root: string, file: string, checkPaths: boolean): AsyncGenerator<RecordListRow> {
  for await (const { line, values } of readCsvRows(file, { required: ['subject_id', 'study_id', 'path'] })) {
    const origin = { file, where: `line ${line}` };
    const rel = values.path!.trim();
    const recordPath = checkPaths ? resolveRecordInside(root, rel, { file, where: `line ${line}, path` }) : resolve(root, rel);
    if (!isWithin(root, recordPath)) throw new InputError(`path ${JSON.stringify(rel)} leaves the dataset root`, origin);
    yield {
      subject: idField(values.subject_id!, 'subject_id', origin),
      study: idField(values.study_id!, 'study_id', origin),
      recordPath,
      origin,
    };
  }
}

function idField(raw: string, column: string, origin: { file: string; where: string }): number {
  const s = raw.trim();
  if (!/^\d{1,15}$/.test(s)) throw new InputError(`${column} must be a non-negative integer, got ${JSON.stringify(raw)}`, origin);
  return Number(s);
}
