import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MIMIC_REPORT_COLUMNS, cleanMimicReport, mimicReport } from '../../lib/data/report-clean.ts';
import { readCsv } from '../../lib/util/csv.ts';
import { sharedData } from '../helpers/shared.ts';

test('MIMIC report: non-empty statements joined with ". " then cleaned', () => {
  assert.equal(mimicReport(['Sinus rhythm', '', 'Borderline ECG', '  ']), 'sinus rhythm. borderline ecg');
  assert.equal(mimicReport(['', '', '']), '');
  assert.equal(MIMIC_REPORT_COLUMNS.length, 18);
  assert.equal(MIMIC_REPORT_COLUMNS[17], 'report_17');
});

test('MIMIC cleaning: EKG→ECG before lower-casing, *** and =- and = removed, trimmed', () => {
  assert.equal(cleanMimicReport('Abnormal EKG'), 'abnormal ecg');
  // Only the upper-case abbreviation is rewritten (step 1 runs before lower-casing).
  assert.equal(cleanMimicReport('ekg'), 'ekg');
  assert.equal(cleanMimicReport('*** Bifascicular block ***'), 'bifascicular block');
  // "=-" goes before "=": a lone "-" must not survive from "=-".
  assert.equal(cleanMimicReport('Lead(s) unsuitable =-'), 'lead(s) unsuitable');
  assert.equal(cleanMimicReport('QRS =- axis = 30'), 'qrs  axis  30');
  assert.equal(cleanMimicReport('  Sinus  rhythm. '), 'sinus  rhythm.');
});

const mimic = sharedData('mimic-iv-ecg');

test('MIMIC report of the real machine_measurements row', { skip: mimic.skip }, async () => {
  const [row] = await readCsv(`${mimic.path}/machine_measurements.csv`);
  const report = mimicReport(MIMIC_REPORT_COLUMNS.map((c) => row!.values[c]!));
  assert.equal(report, 'sinus rhythm. possible right atrial abnormality. borderline ecg');
});
