/**
 * Report dialects (lib/data/dialects.ts): the PTB-XL cardiologist style and the MIMIC-IV-ECG
 * machine style from the same findings, seeded phrasing variation, and a deterministic English
 * rendering for any PTB-XL code set.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { englishReport, mimicStatements, ptbxlReport } from '../../lib/data/dialects.ts';
import { FINDINGS } from '../../lib/ecg/findings.ts';
import { Rng } from '../../lib/util/prng.ts';

const VERDICTS = /^(Normal ECG|Otherwise normal ECG|Normal ECG except for rate|Borderline ECG|Abnormal ECG)$/;

test('PTB-XL style: lower-case sentences, ectopics then rhythm then findings, verdict last', () => {
  assert.equal(englishReport(['NORM', 'SR']), 'sinus rhythm. normal ecg.');
  assert.equal(
    englishReport(['IMI', 'SR', 'LAD']),
    'sinus rhythm. left axis deviation. q waves in ii, iii, avf consistent with old inferior myocardial infarction.',
  );
  assert.equal(englishReport(['CRBBB', 'PVC', 'SR']), 'premature ventricular contraction(s). sinus rhythm. right bundle branch block.');
  assert.equal(englishReport(['NORM', 'SBRAD']), 'sinus bradycardia. otherwise normal ecg.');
  for (let i = 0; i < 50; i++) {
    const text = ptbxlReport(['ASMI', 'LVH', 'STD_', 'INVT', '1AVB', 'AFIB', 'PAC'], new Rng(i));
    assert.equal(text, text.toLowerCase());
    assert.match(text, /^([^.]+(\.[^ .][^.]*)*\. )*[^.]+\.$/, 'sentences ending in ". "');
    assert.ok(text.indexOf('atrial') < text.indexOf('myocardial'), 'rhythm before infarction');
  }
});

test('MIMIC style: capitalised statements, rhythm first, a verdict last', () => {
  const rng = new Rng(1);
  assert.deepEqual(mimicStatements(['NORM', 'SR'], rng), ['Sinus rhythm', 'Normal ECG']);
  for (let i = 0; i < 50; i++) {
    const r = new Rng(i);
    const abnormal = mimicStatements(['IMI', 'CLBBB', 'PVC', 'SR'], r);
    assert.equal(abnormal[0], 'Sinus rhythm');
    assert.equal(abnormal[abnormal.length - 1], 'Abnormal ECG');
    // Machine statements: no full stops; capitalised, except the "with ..." continuations the real machines print.
    assert.ok(abnormal.every((s) => /^([A-Z1-9]|with )/.test(s) && !s.endsWith('.')), abnormal.join(' | '));
    assert.equal(mimicStatements(['1AVB', 'SR'], r).at(-1), 'Borderline ECG');
    assert.match(mimicStatements(['NORM', 'STACH'], r).at(-1)!, VERDICTS);
    assert.ok(mimicStatements(['AFIB'], r)[0]!.startsWith('Atrial fibrillation'));
  }
});

test('the same findings read differently in the two dialects (a real zero-shot shift)', () => {
  for (const codes of [['IMI', 'SR'], ['CLBBB', 'SR'], ['LVH', 'SR'], ['AFIB', 'STD_'], ['ASMI', 'LAFB', 'SR', 'LAD']]) {
    const ptbxl = englishReport(codes);
    const mimic = mimicStatements(codes, new Rng(0)).join('. ').toLowerCase();
    assert.notEqual(ptbxl, mimic);
    const words = (s: string) => new Set(s.split(/[^a-z0-9']+/).filter(Boolean));
    const a = words(ptbxl);
    const b = words(mimic);
    const shared = [...a].filter((w) => b.has(w)).length;
    assert.ok(shared / Math.max(a.size, b.size) < 0.8, `${codes}: ${ptbxl} / ${mimic}`);
  }
});

test('phrasing varies with the seed and repeats with it', () => {
  const codes = ['CLBBB', 'LVH', 'IMI', 'SR'];
  const variants = new Set(Array.from({ length: 40 }, (_, i) => ptbxlReport(codes, new Rng(i))));
  assert.ok(variants.size >= 5, `${variants.size} PTB-XL phrasings`);
  const machine = new Set(Array.from({ length: 40 }, (_, i) => mimicStatements(codes, new Rng(i)).join('|')));
  assert.ok(machine.size >= 5, `${machine.size} MIMIC phrasings`);
  assert.equal(ptbxlReport(codes, new Rng(7)), ptbxlReport(codes, new Rng(7)));
  assert.deepEqual(mimicStatements(codes, new Rng(7)), mimicStatements(codes, new Rng(7)));
});

test('englishReport renders every PTB-XL statement; unknown codes are skipped', () => {
  for (const f of FINDINGS) {
    const text = englishReport([f.code]);
    assert.match(text, /^[a-z0-9(][^A-Z]*\.$/, `${f.code}: ${JSON.stringify(text)}`);
    assert.ok(!text.includes('undefined'));
  }
  const all = englishReport(FINDINGS.map((f) => f.code));
  assert.equal(all, englishReport([...FINDINGS.map((f) => f.code)].reverse()), 'order-independent');
  assert.equal(englishReport(['NOT_A_CODE', 'SR', 'MID']), 'sinus rhythm.');
  assert.equal(englishReport([]), '');
  // A real PTB-XL record (ecg_id 8: IMI, ABQRS, SR, heart_axis LAD) in English.
  assert.equal(
    englishReport(['IMI', 'ABQRS', 'SR', 'LAD']),
    'sinus rhythm. left axis deviation. abnormal qrs. q waves in ii, iii, avf consistent with old inferior myocardial infarction.',
  );
});
