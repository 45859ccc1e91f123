/**
 * The phrase rules of the clinical labeler: which words in an ECG report name which PTB-XL SCP
 * statement (lib/ecg/findings.ts) or heart-axis label.
 *
 * Patterns run on text already normalised by labeler.ts: lower case, British spellings folded
 * ("ischaemia" → "ischemia"), "non-specific" → "nonspecific", "a-v" → "av", "t-wave" →
 * "t wave", "st-t" for every ST-T spelling, "1st/2nd/3rd" → "first/second/third", "ekg" →
 * "ecg", single spaces.
 *
 * The phrasings come from three places: the SCP descriptions themselves (every one of the 71
 * maps back to its code), the English PTB-XL reports and the MIMIC-IV-ECG machine statements
 * (GE/Philips wording: "Inferior infarct - age undetermined", "Possible right atrial
 * abnormality", "ST elevation, consider anterior injury"), and the usual abbreviations.
 *
 * Coding follows PTB-XL's own practice where its English reports show one (checked on the real
 * reports by scripts/validate-labeler.ts). Where its coders give the same words different
 * codes, the rule names the alternatives (a one-of group, see `Rule.codes`):
 *   - a prolonged PR interval / first-degree AV block: 1AVB and/or LPR;
 *   - high voltages "suggesting LVH": LVH and/or VCLVH (the form statement);
 *   - "q waves ... consistent with old inferior infarction": the MI code, with or without
 *     QWAVE ("q waves" alone is QWAVE; "qs complexes" is not);
 *   - "prolonged qt, this may be due to a drug effect or an electrolyte disturbance": LNGQT,
 *     EL and/or DIG;
 *   - an infarct is coded by its location whatever its age ("age undetermined", "old",
 *     "possibly acute" all give the location's MI code), so does "<location> injury";
 *   - ischaemia with a location is the located ISC code, otherwise ISC_; "ischemic heart
 *     disease" is ISC_ except in the stock comment on LBBB ("most commonly due to ...").
 * Not derivable from text, hence not attempted: lead lists as locations ("q waves in ii, iii,
 * avf" alone), the leads-to-subclass rules of PTB-XL's coders, NDT beyond its own description.
 *
 * Rules of one `family` exclude each other: a match that overlaps an earlier accepted match of
 * the same family is dropped, so "incomplete right bundle branch block" is IRBBB and not also
 * CRBBB, and "abnormal left axis deviation" is ALAD and not also LAD. Rules without a family
 * fire independently. Within a family, earlier rules take precedence.
 *
 * German (the language of most PTB-XL reports) is out of scope; the few German statements that
 * are single unambiguous keywords (GERMAN_RULES) are handled because it costs nothing.
 */

export interface Rule {
  /**
   * SCP statement codes or heart-axis labels the phrase names. Several codes are alternatives
   * that PTB-XL's coders use for the same words, alone or together ("prolonged pr interval" is
   * LPR, 1AVB or both): the phrase asserts a non-empty subset of them (see scores.ts). The
   * first is the primary reading, used when both sides of a comparison are text.
   */
  codes: readonly string[];
  pattern: RegExp;
  family?: string;
}

/** A rule from a pattern source; word boundaries are added at both ends. */
function rule(codes: string | readonly string[], source: string, family?: string): Rule {
  return { codes: typeof codes === 'string' ? [codes] : codes, pattern: new RegExp(`\\b(?:${source})\\b`, 'g'), ...(family ? { family } : {}) };
}

/**
 * Anatomical locations, longest first so that the alternation prefers "inferolateral" to
 * "inferior"; each with its MI, ischaemia and subendocardial-injury code where PTB-XL has one.
 */
const LOCATIONS: readonly { words: string; mi: string; isc: string; inj?: string }[] = [
  { words: 'infero-?postero-?lateral', mi: 'IPLMI', isc: 'ISCIL', inj: 'INJIL' },
  { words: 'infero-?posterior', mi: 'IPMI', isc: 'ISCIN', inj: 'INJIN' },
  { words: 'infero-?lateral', mi: 'ILMI', isc: 'ISCIL', inj: 'INJIL' },
  { words: 'inferior', mi: 'IMI', isc: 'ISCIN', inj: 'INJIN' },
  { words: 'antero-?lateral', mi: 'ALMI', isc: 'ISCAL', inj: 'INJAL' },
  { words: 'antero-?septal', mi: 'ASMI', isc: 'ISCAS', inj: 'INJAS' },
  { words: 'septal', mi: 'ASMI', isc: 'ISCAS', inj: 'INJAS' },
  // PTB-XL has no INJAN: anterior injury is coded as anteroseptal.
  { words: 'anterior', mi: 'AMI', isc: 'ISCAN', inj: 'INJAS' },
  { words: '(?:high )?lateral', mi: 'LMI', isc: 'ISCLA', inj: 'INJLA' },
  { words: 'posterior', mi: 'PMI', isc: 'ISC_' },
];

const INFARCT = '(?:old |recent |acute |possible |probable )?(?:myocardial )?(?:infarct(?:ion)?|mi|myocardial damage|wall infarct(?:ion)?)';
const INFARCT_AGE = '(?:(?:old|recent|acute|possible|probable) )?';
const ISCHEMIA = '(?:myocardial |subendocardial )?ischemi[ac]';

function locatedRules(): Rule[] {
  const rules: Rule[] = [];
  for (const loc of LOCATIONS) {
    const w = `(?:${loc.words})`;
    rules.push(
      // "inferior myocardial infarction", "old anteroseptal infarct", "anterior wall mi"
      rule(loc.mi, `${w} (?:wall )?${INFARCT}`),
      // "q waves in ii, iii, avf consistent with old inferior myocardial infarction"
      rule([loc.mi, 'QWAVE'], `q waves? [^.;]{0,40}?(?:consistent with|suggesting|suggestive of|due to|of) (?:an? )?${INFARCT_AGE}${w} ${INFARCT}`, 'qwave'),
      // "inferior q waves - probably old infarct" (MIMIC)
      rule([loc.mi, 'QWAVE'], `${w} q waves?,? -? ?(?:probably |possibly )?(?:old |recent )?infarct(?:ion)?`, 'qwave'),
      // "anterolateral ischemia", "ischemic in inferior leads", "st depression in inferolateral
      // leads suggests ischaemia"
      rule(loc.isc, `${w} ${ISCHEMIA}`, 'ischemia'),
      rule(loc.isc, `ischemi[ac]? (?:changes )?(?:in|of) (?:the )?${w}(?: leads| wall)?`, 'ischemia'),
      rule(loc.isc, `${w} leads? (?:suggests?|suggesting|consistent with|compatible with) ${ISCHEMIA}`, 'ischemia'),
    );
    if (loc.inj) {
      rules.push(
        rule(loc.inj, `subendocardial injury in (?:the )?${w}(?: leads)?`, 'injury'),
        rule(loc.inj, `${w} (?:subendocardial )?injury`, 'injury'),
      );
    }
  }
  return rules;
}

export const ENGLISH_RULES: readonly Rule[] = [
  // --- rhythm -------------------------------------------------------------------------------
  rule('SR', '(?:normal )?sinus rhythm'),
  rule('SBRAD', '(?:marked )?sinus bradycardia'),
  rule('STACH', 'sinus tachycardia'),
  rule('SARRH', 'sinus arrhythmia'),
  rule(['AFIB', 'AFLT'], 'atrial fibrillation ?/ ?flutter|atrial flutter ?/ ?fibrillation', 'af'),
  rule('AFIB', 'atrial fibrillation|a-?fib', 'af'),
  rule('AFLT', 'atrial flutter', 'af'),
  rule('PSVT', 'paroxysmal supraventricular tachycardia|psvt', 'svt'),
  rule('SVTAC', 'supraventricular tachycardia|svt', 'svt'),
  rule('SVARR', 'supraventricular arrhythmia'),
  rule('PACE', 'pacemaker|(?:atrial|ventricular|av|dual chamber|electronic)(?:[- ]sensed)?(?:,? ventricular)?[- ]paced (?:rhythm|complexes)|paced rhythm|pacing'),
  rule('BIGU', 'bigeminy|bigeminal(?: pattern| rhythm)?'),
  rule('TRIGU', 'trigeminy|trigeminal(?: pattern| rhythm)?'),

  // --- ectopics: specific before generic ----------------------------------------------------
  rule('PVC', '(?:premature ventricular|ventricular premature) (?:contraction|complex|beat|depolarization)(?:\\(?e?s\\)?)?|ventricular (?:extrasystole|ectopic)(?:\\(?s\\)?)?|v?pvcs?|vpcs?', 'ectopic'),
  rule('PAC', '(?:premature (?:supraventricular|atrial)|(?:supraventricular|atrial) premature) (?:contraction|complex|beat|depolarization)(?:\\(?e?s\\)?)?|(?:supraventricular|atrial) (?:extrasystole|ectopic)(?:\\(?s\\)?)?|pacs?|apcs?', 'ectopic'),
  rule('PRC(S)', 'premature (?:contraction|complex|beat)(?:\\(?e?s\\)?)?|extrasystole(?:\\(?s\\)?)?|ectopic beats?', 'ectopic'),

  // --- AV conduction ------------------------------------------------------------------------
  rule(['1AVB', 'LPR'], 'first degree av block|av block,? first degree|av block i|1 ?avb|prolonged pr(?: interval)?|pr interval (?:is )?prolonged|pr prolongation|long pr(?: interval)?'),
  rule('2AVB', 'second degree av block|av block,? second degree|mobitz(?: type)? (?:i|ii|1|2)|wenckebach|2 ?avb'),
  rule('3AVB', 'third degree av block|complete (?:av|heart) block|av dissociation|3 ?avb'),

  // --- axis (PTB-XL heart_axis labels; opt-in output) ---------------------------------------
  rule('ALAD', '(?:abnormal|marked|extreme) left axis deviation|extreme (?:left )?axis', 'axis'),
  rule('AXL', '(?:borderline|slight|mild) left axis deviation|leftward axis', 'axis'),
  rule('LAD', 'left axis deviation|left axis', 'axis'),
  rule('ARAD', '(?:abnormal|marked|extreme) right axis deviation|right superior axis(?: deviation)?', 'axis'),
  rule('AXR', '(?:borderline|slight|mild) right axis deviation|rightward axis', 'axis'),
  rule('RAD', 'right axis deviation|right axis', 'axis'),

  // --- intraventricular conduction ----------------------------------------------------------
  rule('IRBBB', 'incomplete right bundle branch block|incomplete rbbb|irbbb', 'rbbb'),
  rule('CRBBB', '(?:complete )?right bundle branch block|c?rbbb', 'rbbb'),
  rule('ILBBB', 'incomplete left bundle branch block|incomplete lbbb|ilbbb', 'lbbb'),
  rule('CLBBB', '(?:complete )?left bundle branch block|c?lbbb', 'lbbb'),
  rule('LAFB', 'left anterior (?:fascicular block|hemiblock)|lafb|lahb'),
  rule('LPFB', 'left posterior (?:fascicular block|hemiblock)|lpfb|lphb'),
  rule('IVCD', '(?:nonspecific )?intraventricular (?:conduction )?(?:block|delay|disturbance|defect)|ivcd'),
  rule('WPW', 'wolff?[- ]parkinson[- ]white(?: syndrome| pattern)?|wpw|pre-?excitation'),

  // --- hypertrophy, atria, voltage ----------------------------------------------------------
  rule(['LVH', 'VCLVH'], 'voltages?(?: criteria)?[^.;]{0,40}?(?:for|suggest(?:s|ing)?|of|consistent with|meets?)(?: possible| probable)? (?:left ventricular hypertrophy|lv hypertrophy|lvh)', 'lvh'),
  rule('LVH', 'left ventricular hypertrophy|lv hypertrophy|lvh|biventricular hypertrophy', 'lvh'),
  rule('RVH', 'biventricular hypertrophy'),
  rule('RVH', 'right ventricular hypertrophy|rv hypertrophy|rvh'),
  rule('SEHYP', 'septal hypertrophy'),
  rule('LAO/LAE', 'left atrial (?:overload|enlargement|abnormality|hypertrophy)|lae|p mitrale'),
  rule('RAO/RAE', 'right atrial (?:overload|enlargement|abnormality|hypertrophy)|rae|p pulmonale'),
  rule('LVOLT', 'low (?:qrs |limb lead |limb |chest lead |precordial )?voltages?|low voltage qrs'),
  rule('HVOLT', 'high (?:qrs |v lead |chest lead |limb lead )?voltages?'),

  // --- infarction and ischaemia by location (families keep the located code only) -----------
  ...locatedRules(),
  rule([], 'most commonly due to ischemic heart disease', 'ischemia'),
  rule('ISC_', 'ischemi[ac]', 'ischemia'),
  rule('ANEUR', '(?:ventricular )?aneurysm'),

  // --- QRS, ST, T, QT ------------------------------------------------------------------------
  rule('ABQRS', 'abnormal qrs|qrs\\(?t?\\)? abnormal'),
  rule('QWAVE', 'q waves?', 'qwave'),
  rule('NST_', 'nonspecific (?:minor )?(?:(?:anterior|inferior|lateral|anterolateral|inferolateral|widespread) )?(?:st-t|st and t|st) (?:wave |segment )?(?:changes?|abnormalit(?:y|ies))', 't'),
  rule('STD_', 'st(?: segments?)? depression|st(?: segments?)? (?:are |is )?(?:slightly |markedly )?depressed'),
  rule('STE_', 'st(?: segments?)? elevation|st(?: segments?)? (?:are |is )?(?:slightly |markedly )?elevated'),
  rule('NDT', 'nondiagnostic t(?: wave)? abnormalit(?:y|ies)'),
  rule('NT_', 'nonspecific (?:minor )?t wave (?:changes?|flattening|abnormalit(?:y|ies))|t wave flattening', 't'),
  rule('TAB_', 't wave abnormalit(?:y|ies)|abnormal t waves?', 't'),
  rule('INVT', 't waves? (?:are )?(?:\\w+ )?inverted|(?:\\w+ and )?inverted t waves?|t wave inversions?|inverted in', 'inverted'),
  rule('LOWT', 't waves? (?:are )?(?:low|flat)|low (?:amplitude )?t waves?|flat t waves?'),
  rule(['LNGQT', 'EL', 'DIG'], '(?:long|prolonged) qtc?(?: interval)?,? (?:this )?(?:may be|is possibly|is probably|could be) due to (?:a )?drug effect or (?:an )?electrolyte disturbance', 'qt'),
  rule('LNGQT', '(?:long|prolonged) qt(?:c)?(?:[- ]interval)?|qtc? (?:interval )?(?:is )?prolonged|qtc? prolongation', 'qt'),
  rule('DIG', 'digitalis(?:[- ]effect)?|digoxin(?: effect)?', 'qt'),
  rule('EL', 'electrolyt(?:e|ic)(?: disturbance| abnormality| imbalance)?|drug effect', 'qt'),

  // --- verdict ------------------------------------------------------------------------------
  rule('NORM', '(?:otherwise )?normal ecg|within normal limits|(?:otherwise )?no definite pathology|normal variant'),
];

/** Single-keyword German statements of the PTB-XL reports (after the same normalisation). */
export const GERMAN_RULES: readonly Rule[] = [
  rule('SR', 'sinusrhythmus'),
  rule('SBRAD', 'sinusbradykardie'),
  rule('STACH', 'sinustachykardie'),
  rule('SARRH', 'sinus ?arrhythmie'),
  rule('AFIB', 'vorhofflimmern', 'af'),
  rule('AFLT', 'vorhofflattern', 'af'),
  rule('NORM', '(?:sonst )?normales ecg'),
  rule('IRBBB', 'inkompletter rechtsschenkelblock', 'rbbb'),
  rule('CRBBB', '(?:kompletter )?rechtsschenkelblock', 'rbbb'),
  rule('ILBBB', 'inkompletter linksschenkelblock', 'lbbb'),
  rule('CLBBB', '(?:kompletter )?linksschenkelblock', 'lbbb'),
  rule('LAFB', 'linksanteriorer hemiblock'),
  rule('LPFB', 'linksposteriorer hemiblock'),
  rule('LVH', 'linkshypertrophie'),
  rule('LVOLT', 'periphere niederspannung'),
  rule('PVC', 'ventrikul(?:ä|ae)re extrasystole(?:\\(?n\\)?)?', 'ectopic'),
  rule('PAC', 'supraventrikul(?:ä|ae)re extrasystole(?:\\(?n\\)?)?', 'ectopic'),
  rule('PACE', 'pacemaker ecg'),
  rule('LNGQT', 'qt-verl(?:ä|ae)ngerung'),
];

export const RULES: readonly Rule[] = [...ENGLISH_RULES, ...GERMAN_RULES];
