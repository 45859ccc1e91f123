/**
 * The SCP-ECG statement vocabulary of PTB-XL: the 71 codes of its scp_statements.csv, each
 * with its English description, kind (diagnostic / form / rhythm; four ST-T statements are
 * both diagnostic and form), diagnostic superclass (NORM, MI, STTC, CD, HYP; diagnostic
 * statements only) and subclass, and the SCP-ECG statement category.
 *
 * The synthetic writer produces scp_statements.csv from this table, the report dialects fall
 * back to `description` for codes without a template, and the clinical-efficacy metrics map
 * codes to superclasses through it.
 *
 * PTB-XL keeps the electrical axis out of the SCP codes, in the `heart_axis` column (LAD,
 * ALAD, RAD, ARAD, AXL, AXR, MID); those labels are in HEART_AXES.
 */

export type FindingKind = 'diagnostic' | 'form' | 'rhythm';
export type Superclass = 'NORM' | 'MI' | 'STTC' | 'CD' | 'HYP';

export interface Finding {
  code: string;
  description: string;
  /** The statement's first kind; `kinds` lists all of them. */
  kind: FindingKind;
  kinds: readonly FindingKind[];
  superclass?: Superclass;
  subclass?: string;
  /** SCP-ECG statement category, as PTB-XL's "Statement Category" column. */
  category: string;
}

type Row = [code: string, description: string, kinds: string, superclass: string, subclass: string, category: string];

// prettier-ignore
const ROWS: readonly Row[] = [
  ['NDT', 'non-diagnostic T abnormalities', 'diagnostic+form', 'STTC', 'STTC', 'other ST-T descriptive statements'],
  ['NST_', 'non-specific ST changes', 'diagnostic+form', 'STTC', 'NST_', 'Basic roots for coding ST-T changes and abnormalities'],
  ['DIG', 'digitalis-effect', 'diagnostic+form', 'STTC', 'STTC', 'other ST-T descriptive statements'],
  ['LNGQT', 'long QT-interval', 'diagnostic+form', 'STTC', 'STTC', 'other ST-T descriptive statements'],
  ['NORM', 'normal ECG', 'diagnostic', 'NORM', 'NORM', 'Normal/abnormal'],
  ['IMI', 'inferior myocardial infarction', 'diagnostic', 'MI', 'IMI', 'Myocardial Infarction'],
  ['ASMI', 'anteroseptal myocardial infarction', 'diagnostic', 'MI', 'AMI', 'Myocardial Infarction'],
  ['LVH', 'left ventricular hypertrophy', 'diagnostic', 'HYP', 'LVH', 'Ventricular Hypertrophy'],
  ['LAFB', 'left anterior fascicular block', 'diagnostic', 'CD', 'LAFB/LPFB', 'Intraventricular and intra-atrial Conduction disturbances'],
  ['ISC_', 'non-specific ischemic', 'diagnostic', 'STTC', 'ISC_', 'Basic roots for coding ST-T changes and abnormalities'],
  ['IRBBB', 'incomplete right bundle branch block', 'diagnostic', 'CD', 'IRBBB', 'Intraventricular and intra-atrial Conduction disturbances'],
  ['1AVB', 'first degree AV block', 'diagnostic', 'CD', '_AVB', 'Sinus node dysfunction, atrial and AV-conduction defects'],
  ['IVCD', 'non-specific intraventricular conduction disturbance (block)', 'diagnostic', 'CD', 'IVCD', 'Intraventricular and intra-atrial Conduction disturbances'],
  ['ISCAL', 'ischemic in anterolateral leads', 'diagnostic', 'STTC', 'ISCA', 'ischemic ST-T changes'],
  ['CRBBB', 'complete right bundle branch block', 'diagnostic', 'CD', 'CRBBB', 'Intraventricular and intra-atrial Conduction disturbances'],
  ['CLBBB', 'complete left bundle branch block', 'diagnostic', 'CD', 'CLBBB', 'Intraventricular and intra-atrial Conduction disturbances'],
  ['ILMI', 'inferolateral myocardial infarction', 'diagnostic', 'MI', 'IMI', 'Myocardial Infarction'],
  ['LAO/LAE', 'left atrial overload/enlargement', 'diagnostic', 'HYP', 'LAO/LAE', 'Atrial statements'],
  ['AMI', 'anterior myocardial infarction', 'diagnostic', 'MI', 'AMI', 'Myocardial Infarction'],
  ['ALMI', 'anterolateral myocardial infarction', 'diagnostic', 'MI', 'AMI', 'Myocardial Infarction'],
  ['ISCIN', 'ischemic in inferior leads', 'diagnostic', 'STTC', 'ISCI', 'ischemic ST-T changes'],
  ['INJAS', 'subendocardial injury in anteroseptal leads', 'diagnostic', 'MI', 'AMI', 'ischemic ST-T changes compatible with subendocardial injury'],
  ['LMI', 'lateral myocardial infarction', 'diagnostic', 'MI', 'LMI', 'Myocardial Infarction'],
  ['ISCIL', 'ischemic in inferolateral leads', 'diagnostic', 'STTC', 'ISCI', 'ischemic ST-T changes'],
  ['LPFB', 'left posterior fascicular block', 'diagnostic', 'CD', 'LAFB/LPFB', 'Intraventricular and intra-atrial Conduction disturbances'],
  ['ISCAS', 'ischemic in anteroseptal leads', 'diagnostic', 'STTC', 'ISCA', 'ischemic ST-T changes'],
  ['INJAL', 'subendocardial injury in anterolateral leads', 'diagnostic', 'MI', 'AMI', 'ischemic ST-T changes compatible with subendocardial injury'],
  ['ISCLA', 'ischemic in lateral leads', 'diagnostic', 'STTC', 'ISCA', 'ischemic ST-T changes'],
  ['RVH', 'right ventricular hypertrophy', 'diagnostic', 'HYP', 'RVH', 'Ventricular Hypertrophy'],
  ['ANEUR', 'ST-T changes compatible with ventricular aneurysm', 'diagnostic', 'STTC', 'STTC', 'other ST-T descriptive statements'],
  ['RAO/RAE', 'right atrial overload/enlargement', 'diagnostic', 'HYP', 'RAO/RAE', 'Atrial statements'],
  ['EL', 'electrolytic disturbance or drug (former EDIS)', 'diagnostic', 'STTC', 'STTC', 'physiopathological nature of ST-T changes'],
  ['WPW', 'Wolf-Parkinson-White syndrome', 'diagnostic', 'CD', 'WPW', 'Intraventricular and intra-atrial Conduction disturbances'],
  ['ILBBB', 'incomplete left bundle branch block', 'diagnostic', 'CD', 'ILBBB', 'Intraventricular and intra-atrial Conduction disturbances'],
  ['IPLMI', 'inferoposterolateral myocardial infarction', 'diagnostic', 'MI', 'IMI', 'Myocardial Infarction'],
  ['ISCAN', 'ischemic in anterior leads', 'diagnostic', 'STTC', 'ISCA', 'ischemic ST-T changes'],
  ['IPMI', 'inferoposterior myocardial infarction', 'diagnostic', 'MI', 'IMI', 'Myocardial Infarction'],
  ['SEHYP', 'septal hypertrophy', 'diagnostic', 'HYP', 'SEHYP', 'Ventricular Hypertrophy'],
  ['INJIN', 'subendocardial injury in inferior leads', 'diagnostic', 'MI', 'IMI', 'ischemic ST-T changes compatible with subendocardial injury'],
  ['INJLA', 'subendocardial injury in lateral leads', 'diagnostic', 'MI', 'AMI', 'ischemic ST-T changes compatible with subendocardial injury'],
  ['PMI', 'posterior myocardial infarction', 'diagnostic', 'MI', 'PMI', 'Myocardial Infarction'],
  ['3AVB', 'third degree AV block', 'diagnostic', 'CD', '_AVB', 'Sinus node dysfunction, atrial and AV-conduction defects'],
  ['INJIL', 'subendocardial injury in inferolateral leads', 'diagnostic', 'MI', 'IMI', 'ischemic ST-T changes compatible with subendocardial injury'],
  ['2AVB', 'second degree AV block', 'diagnostic', 'CD', '_AVB', 'Sinus node dysfunction, atrial and AV-conduction defects'],
  ['ABQRS', 'abnormal QRS', 'form', '', '', 'Normal/abnormal'],
  ['PVC', 'ventricular premature complex', 'form', '', '', 'Statements related to ectopic rhythm abnormalities'],
  ['STD_', 'non-specific ST depression', 'form', '', '', 'Basic roots for coding ST-T changes and abnormalities'],
  ['VCLVH', 'voltage criteria (QRS) for left ventricular hypertrophy', 'form', '', '', 'Ventricular Hypertrophy'],
  ['QWAVE', 'Q waves present', 'form', '', '', 'Other QRS morphology descriptive statements'],
  ['LOWT', 'low amplitude T-waves', 'form', '', '', 'other ST-T descriptive statements'],
  ['NT_', 'non-specific T-wave changes', 'form', '', '', 'Basic roots for coding ST-T changes and abnormalities'],
  ['PAC', 'atrial premature complex', 'form', '', '', 'Statements related to ectopic rhythm abnormalities'],
  ['LPR', 'prolonged PR interval', 'form', '', '', 'Statements related to impulse formation (abnormalities)'],
  ['INVT', 'inverted T-waves', 'form', '', '', 'other ST-T descriptive statements'],
  ['LVOLT', 'low QRS voltages in the frontal and horizontal leads', 'form', '', '', 'Other QRS morphology descriptive statements'],
  ['HVOLT', 'high QRS voltage', 'form', '', '', 'Other QRS morphology descriptive statements'],
  ['TAB_', 'T-wave abnormality', 'form', '', '', 'Basic roots for coding ST-T changes and abnormalities'],
  ['STE_', 'non-specific ST elevation', 'form', '', '', 'Basic roots for coding ST-T changes and abnormalities'],
  ['PRC(S)', 'premature complex(es)', 'form', '', '', 'Statements related to ectopic rhythm abnormalities'],
  ['SR', 'sinus rhythm', 'rhythm', '', '', 'Statements related to impulse formation (abnormalities)'],
  ['AFIB', 'atrial fibrillation', 'rhythm', '', '', 'Statements related to impulse formation (abnormalities)'],
  ['STACH', 'sinus tachycardia', 'rhythm', '', '', 'Statements related to impulse formation (abnormalities)'],
  ['SARRH', 'sinus arrhythmia', 'rhythm', '', '', 'Statements related to impulse formation (abnormalities)'],
  ['SBRAD', 'sinus bradycardia', 'rhythm', '', '', 'Statements related to impulse formation (abnormalities)'],
  ['PACE', 'normal functioning artificial pacemaker', 'rhythm', '', '', 'Pacemaker types and pacemaker function'],
  ['SVARR', 'supraventricular arrhythmia', 'rhythm', '', '', 'Statements related to impulse formation (abnormalities)'],
  ['BIGU', 'bigeminal pattern (unknown origin, SV or Ventricular)', 'rhythm', '', '', 'Statements related to ectopic rhythm abnormalities'],
  ['AFLT', 'atrial flutter', 'rhythm', '', '', 'Statements related to impulse formation (abnormalities)'],
  ['SVTAC', 'supraventricular tachycardia', 'rhythm', '', '', 'Statements related to impulse formation (abnormalities)'],
  ['PSVT', 'paroxysmal supraventricular tachycardia', 'rhythm', '', '', 'Statements related to impulse formation (abnormalities)'],
  ['TRIGU', 'trigeminal pattern (unknown origin, SV or Ventricular)', 'rhythm', '', '', 'Statements related to ectopic rhythm abnormalities'],
]

export const FINDINGS: readonly Finding[] = ROWS.map(([code, description, kinds, superclass, subclass, category]) => {
  const list = kinds.split('+') as FindingKind[];
  return {
    code,
    description,
    kind: list[0]!,
    kinds: list,
    ...(superclass ? { superclass: superclass as Superclass, subclass } : {}),
    category,
  };
});

const BY_CODE = new Map(FINDINGS.map((f) => [f.code, f]));

export function findingByCode(code: string): Finding | undefined {
  return BY_CODE.get(code);
}

/** PTB-XL `heart_axis` labels and their meaning. MID (normal axis) is not a finding. */
export const HEART_AXES: Readonly<Record<string, string>> = {
  LAD: 'left axis deviation',
  ALAD: 'abnormal left axis deviation',
  RAD: 'right axis deviation',
  ARAD: 'abnormal right axis deviation',
  AXL: 'leftward axis',
  AXR: 'rightward axis',
  MID: 'normal axis',
};

export const SUPERCLASSES: readonly Superclass[] = ['NORM', 'MI', 'STTC', 'CD', 'HYP'];
