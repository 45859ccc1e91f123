/**
 * Report text from findings, in two dialects, so that zero-shot transfer between the two
 * synthetic datasets is a real shift in wording and not only in signals:
 *
 * - PTB-XL cardiologist style (the English reports of PTB-XL): lower-case sentences ending in
 *   ". ", ectopics first, then rhythm, intervals, axis, conduction, hypertrophy, infarction,
 *   ST-T, QT, and a conclusion ("normal ecg.") for normal records;
 *   e.g. "sinus rhythm. left axis deviation. q waves in ii, iii, avf consistent with old
 *   inferior myocardial infarction."
 * - MIMIC-IV-ECG machine style (the report_0..report_17 statements of machine_measurements.csv):
 *   capitalised statements without full stops, rhythm first, and a verdict last ("Normal ECG",
 *   "Borderline ECG", "Abnormal ECG").
 *
 * Phrasing varies between records through the caller's Rng. `englishReport` is the
 * deterministic rendering (first phrasing of each template) for any PTB-XL code set; codes
 * without a template fall back to the SCP description of lib/ecg/findings.ts.
 *
 * Codes may include PTB-XL heart_axis labels (LAD, ALAD, RAD, ARAD, AXL, AXR); MID and unknown
 * codes without a description are ignored.
 */
import type { Rng } from '../util/prng.ts';
import { FINDINGS, HEART_AXES, findingByCode } from '../ecg/findings.ts';

type Phrases = readonly string[];

/** PTB-XL-style English phrases (own wording, after the style of the real English reports). */
const PTBXL: Readonly<Record<string, Phrases>> = {
  SR: ['sinus rhythm'],
  SBRAD: ['sinus bradycardia', 'sinus bradycardia. the cause of the bradycardia is not evident'],
  STACH: ['sinus tachycardia'],
  SARRH: ['sinus arrhythmia'],
  AFIB: ['atrial fibrillation', 'atrial fibrillation with irregular ventricular response'],
  AFLT: ['atrial flutter', 'atrial flutter with regular av conduction'],
  PVC: ['premature ventricular contraction(s)', 'ventricular extrasystole(s)'],
  PAC: ['premature atrial contraction(s)', 'atrial extrasystole(s)'],
  '1AVB': ['prolonged pr interval', 'first degree av block', 'pr interval is prolonged'],
  LPR: ['prolonged pr interval'],
  LAD: ['left axis deviation', 'abnormal left axis deviation'],
  ALAD: ['abnormal left axis deviation'],
  RAD: ['right axis deviation', 'rightward axis'],
  ARAD: ['abnormal right axis deviation'],
  AXL: ['leftward axis'],
  AXR: ['rightward axis'],
  CLBBB: ['left bundle branch block', 'left bundle branch block, this is most commonly due to ischaemic heart disease', 'complete left bundle branch block'],
  CRBBB: ['right bundle branch block', 'complete right bundle branch block'],
  LAFB: ['left anterior fascicular block'],
  LVH: ['left ventricular hypertrophy', 'voltages are high in chest leads suggesting lvh', 'voltages are high in limb leads suggesting lvh'],
  LVOLT: ['low qrs voltages in limb and chest leads', 'low limb lead voltage', 'low voltage throughout'],
  IMI: [
    'q waves in ii, iii, avf consistent with old inferior myocardial infarction',
    'q waves in ii, iii, avf suggesting old inferior myocardial infarction',
    'possible old inferior myocardial infarction',
  ],
  ASMI: [
    'qs complexes in v1-3 consistent with old anteroseptal myocardial infarction',
    'qs complexes in v2 and tiny r waves in v3 suggesting old anteroseptal myocardial infarction',
    'anteroseptal myocardial infarction, age undetermined',
  ],
  AMI: ['q waves in v1-4 consistent with old anterior myocardial infarction', 'q waves in chest leads consistent with old anterior myocardial infarction'],
  STE_: ['st segments are elevated', 'st segment elevation, possibly due to injury', 'non-specific st elevation'],
  STD_: ['st segments are depressed in i, ii, v4,5,6', 'st segment depression in lateral leads', 'non-specific st depression'],
  INVT: ['t waves are inverted', 't wave inversion', 'inverted t waves in lateral leads'],
  LNGQT: ['prolonged qt', 'prolonged qt, this may be due to a drug effect or an electrolyte disturbance', 'long qt interval'],
  NORM: ['normal ecg', 'no definite pathology', 'within normal limits'],
};

/** MIMIC-IV-ECG machine-style statements (own wording, after the style of the real statements). */
const MIMIC: Readonly<Record<string, Phrases>> = {
  SR: ['Sinus rhythm'],
  SBRAD: ['Sinus bradycardia', 'Marked sinus bradycardia'],
  STACH: ['Sinus tachycardia'],
  SARRH: ['Sinus arrhythmia'],
  AFIB: ['Atrial fibrillation', 'Atrial fibrillation with controlled ventricular response'],
  AFLT: ['Atrial flutter', 'Atrial flutter with predominant 2:1 AV block'],
  PVC: ['Ventricular premature complex', 'Premature ventricular contractions', 'with occasional premature ventricular complexes'],
  PAC: ['Atrial premature complex', 'Premature atrial contractions'],
  '1AVB': ['1st degree A-V block', 'Prolonged PR interval'],
  LPR: ['Prolonged PR interval'],
  LAD: ['Left axis deviation'],
  ALAD: ['Left axis deviation'],
  RAD: ['Right axis deviation', 'Rightward axis'],
  ARAD: ['Right axis deviation'],
  AXL: ['Leftward axis'],
  AXR: ['Rightward axis'],
  CLBBB: ['Left bundle branch block', 'LBBB'],
  CRBBB: ['Right bundle branch block', 'RBBB'],
  LAFB: ['Left anterior fascicular block', 'Left anterior hemiblock'],
  LVH: ['Left ventricular hypertrophy', 'LVH with secondary repolarization abnormality', 'Possible left ventricular hypertrophy'],
  LVOLT: ['Low QRS voltages', 'Low voltage QRS', 'Low QRS voltages in limb leads'],
  IMI: ['Inferior infarct - age undetermined', 'Possible inferior infarct - age undetermined', 'Inferior Q waves - probably old infarct'],
  ASMI: ['Anteroseptal infarct - age undetermined', 'Septal infarct - age undetermined'],
  AMI: ['Anterior infarct - age undetermined', 'Probable anterior infarct - age undetermined'],
  STE_: ['ST elevation - consider injury or acute infarct', 'ST elevation', 'Nonspecific ST elevation'],
  STD_: ['ST depression', 'Nonspecific ST depression', 'Lateral ST depression - possible ischemia'],
  INVT: ['T wave inversion', 'Lateral T wave inversion', 'Diffuse T wave inversion'],
  LNGQT: ['Prolonged QT interval', 'Long QT interval'],
};

/** Statement order: ectopics, rhythm, PR, axis, conduction, hypertrophy, voltage, infarction, ST-T, QT, verdict. */
const RANK: Readonly<Record<string, number>> = {
  PVC: 0, PAC: 0, 'PRC(S)': 0, BIGU: 0, TRIGU: 0,
  '1AVB': 2, LPR: 2, '2AVB': 2, '3AVB': 2,
  LAD: 3, ALAD: 3, RAD: 3, ARAD: 3, AXL: 3, AXR: 3,
  VCLVH: 5,
  LVOLT: 6, HVOLT: 6, ABQRS: 6,
  QWAVE: 7,
  STE_: 8, STD_: 8, INVT: 8, LOWT: 8, NT_: 8, TAB_: 8,
  LNGQT: 9,
  NORM: 10,
};

function rank(code: string): number {
  if (code in RANK) return RANK[code]!;
  const f = findingByCode(code);
  if (!f) return 5;
  if (f.kind === 'rhythm') return 1;
  switch (f.superclass) {
    case 'CD': return 4;
    case 'HYP': return 5;
    case 'MI': return 7;
    default: return 8;
  }
}

/** Tie-break within a rank: the vocabulary's order, so that the input's order never matters. */
const VOCABULARY_ORDER = new Map([...FINDINGS.map((f) => f.code), ...Object.keys(HEART_AXES)].map((c, i) => [c, i]));

/** The codes that can be rendered, in statement order. */
function ordered(codes: readonly string[]): string[] {
  const known = [...new Set(codes)].filter((c) => VOCABULARY_ORDER.has(c) && c !== 'MID');
  return known.sort((a, b) => rank(a) - rank(b) || VOCABULARY_ORDER.get(a)! - VOCABULARY_ORDER.get(b)!);
}

function describe(code: string): string {
  return (findingByCode(code)?.description ?? HEART_AXES[code] ?? code).toLowerCase();
}

const RATE_RHYTHMS = new Set(['SBRAD', 'STACH']);

function renderPtbxl(codes: readonly string[], choose: (phrases: Phrases) => string): string {
  const list = ordered(codes);
  const onlyRhythm = list.every((c) => c === 'NORM' || rank(c) === 1);
  const sentences = list.map((code) => {
    if (code === 'NORM') {
      // A normal verdict after other statements reads "otherwise normal ecg" in PTB-XL.
      if (!onlyRhythm || list.some((c) => RATE_RHYTHMS.has(c))) return 'otherwise normal ecg';
      return choose(PTBXL.NORM!);
    }
    return PTBXL[code] ? choose(PTBXL[code]) : describe(code);
  });
  return [...new Set(sentences)].map((s) => `${s}.`).join(' ');
}

/** PTB-XL cardiologist-style English report, phrasing drawn from `rng`. */
export function ptbxlReport(codes: readonly string[], rng: Rng): string {
  return renderPtbxl(codes, (phrases) => rng.pick(phrases));
}

/** Deterministic PTB-XL-style English rendering of any PTB-XL code set (first phrasing of each). */
export function englishReport(codes: readonly string[]): string {
  return renderPtbxl(codes, (phrases) => phrases[0]!);
}

/** Findings that on their own make a machine call the ECG "Borderline" rather than "Abnormal". */
const BORDERLINE = new Set(['SBRAD', 'STACH', 'SARRH', '1AVB', 'LPR', 'PAC', 'LAD', 'AXL', 'AXR', 'RAD', 'LVOLT', 'NT_', 'LOWT']);

/**
 * MIMIC-IV-ECG machine statements (report_0, report_1, ...; raw case, as in
 * machine_measurements.csv), phrasing drawn from `rng`; the last one is the verdict.
 */
export function mimicStatements(codes: readonly string[], rng: Rng): string[] {
  // The machine names the rhythm first, then the ectopics.
  const list = ordered(codes).sort((a, b) => (rank(a) === 1 ? -1 : 0) - (rank(b) === 1 ? -1 : 0));
  const statements: string[] = [];
  for (const code of list) {
    if (code === 'NORM') continue;
    const phrase = MIMIC[code] ? rng.pick(MIMIC[code]) : capitalise(describe(code));
    if (!statements.includes(phrase)) statements.push(phrase);
  }
  const abnormal = list.filter((c) => c !== 'NORM' && rank(c) !== 1);
  const rateOnly = list.every((c) => c === 'NORM' || c === 'SR' || rank(c) === 1);
  let verdict: string;
  if (codes.includes('NORM') && abnormal.length === 0) {
    verdict = list.some((c) => RATE_RHYTHMS.has(c)) ? rng.pick(['Otherwise normal ECG', 'Normal ECG except for rate']) : 'Normal ECG';
  } else if (rateOnly || abnormal.every((c) => BORDERLINE.has(c))) {
    verdict = 'Borderline ECG';
  } else {
    verdict = 'Abnormal ECG';
  }
  statements.push(verdict);
  return statements;
}

function capitalise(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
