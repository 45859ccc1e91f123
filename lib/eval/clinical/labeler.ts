/**
 * Rule-based clinical labeler: ECG report text → PTB-XL SCP statement codes, for both report
 * dialects of the kit (PTB-XL cardiologist English and MIMIC-IV-ECG machine statements).
 *
 * 1. Normalise the text (lower case, spelling variants folded; see rules.ts) and drop PTB-XL's
 *    annotator notes ("... Edit: NORM 100, ...": they name codes, not findings).
 * 2. Find every rule match (rules.ts); within a rule family, overlapping matches keep the first.
 * 3. Decide, per match, from the words around it in its sentence:
 *    - negated: a cue before it ("no", "not", "without", "absence of", "negative for",
 *      "free of") at most NEGATION_WINDOW words before and with no scope breaker ("but",
 *      "however", ...) in between; or a cue after it ("is unlikely", "is absent", "has
 *      resolved", "is no longer present", "excluded" — but not "cannot be excluded").
 *    - uncertain: "possible", "probable", "likely", "consider", "suggest(s/ing)", "suspect",
 *      "cannot rule out", "may be", "?" before it (UNCERTAINTY_WINDOW words) or inside the
 *      matched phrase, or "cannot be (entirely) excluded / ruled out", "is likely / possible /
 *      probable", "should be considered" after it.
 * 4. A match counts when it is not negated (and, with `uncertain: 'exclude'`, not
 *    uncertain). `labelGroups` gives the counted matches' code groups (several codes in a group
 *    are alternatives, see rules.ts); `labelReport` the flat set of their codes.
 *
 * Uncertain findings count as present by default. That is PTB-XL's convention: hedged
 * statements are coded with a likelihood below 100 but coded nonetheless (record 308, "cannot
 * rule out anteroseptal myocardial damage": AMI 15), and every code in `scp_codes` is a
 * statement of the record. MIMIC's
 * machine statements hedge the same way ("Possible ...", "Probable ...", "... - consider ...")
 * and are meant as findings to be confirmed. `uncertain: 'exclude'` gives the strict reading.
 *
 * The output is SCP codes only unless `axis: true`, which adds the PTB-XL heart_axis labels
 * (LAD, ALAD, AXL, RAD, ARAD, AXR): PTB-XL keeps the axis out of scp_codes, so a comparison
 * with dataset labels must not count "left axis deviation" as a false positive.
 *
 * Pure and deterministic; thousands of reports per second (scripts/validate-labeler.ts measures it).
 */
import { HEART_AXES } from '../../ecg/findings.ts';
import { RULES, type Rule } from './rules.ts';

export interface LabelOptions {
  /** Hedged findings ("possible LVH"): 'include' (default) counts them as present. */
  uncertain?: 'include' | 'exclude';
  /** Also output heart-axis labels (LAD, ALAD, AXL, RAD, ARAD, AXR); default false. */
  axis?: boolean;
}

/** One rule match in a report, with its context decisions. */
export interface Mention {
  /** The codes the phrase names; several are alternatives (a one-of group, see rules.ts). */
  codes: readonly string[];
  /** The matched text (normalised). */
  text: string;
  /** Offsets into the normalised text (`normalizeReport(report)`). */
  start: number;
  end: number;
  negated: boolean;
  uncertain: boolean;
}

/** Words between a negation cue and the finding it negates, at most ("no definite evidence of X"). */
const NEGATION_WINDOW = 6;
const UNCERTAINTY_WINDOW = 8;

const NEGATION_BEFORE = /\b(?:no|not|without|absence of|negative for|free of)\b/g;
const NEGATION_AFTER = /^[\s,]*(?:(?:is|are|was|were|has|have been|is now|are now)\s+)?(?:unlikely|absent|not (?:seen|present)|resolved|no longer (?:present|seen)|(?<!cannot be |not )excluded)\b/;
const UNCERTAIN_BEFORE =
  /\b(?:possible|possibly|probable|probably|likely|consider(?:ed)?|suggest(?:s|ing|ive of)?|suspect(?:ed)?|cannot rule out|cannot exclude|rule out|may be|might be|questionable|query|borderline|\?)(?=\W|$)/g;
const UNCERTAIN_AFTER =
  /^[\s,]*(?:cannot be (?:entirely |completely )?(?:excluded|ruled out)|not (?:be )?excluded|(?:is|are) (?:likely|possible|probable|suspected)|should be considered|\?)/;
const UNCERTAIN_INSIDE = new RegExp(UNCERTAIN_BEFORE.source);
/** Words that end the scope of a cue ("no ST elevation but T wave inversion"). */
const SCOPE_BREAK = /\b(?:but|however|although|though|except|apart from|otherwise|whereas|yet)\b/;

/**
 * The labeler's view of a report: lower case, one spelling per term, single spaces, without
 * PTB-XL's trailing annotator notes ("Edit: ..."). Offsets of `Mention` refer to this text.
 */
export function normalizeReport(text: string): string {
  let t = text.toLowerCase();
  const edit = t.indexOf('edit:');
  if (edit >= 0) t = t.slice(0, edit);
  return t
    .replace(/\bekg\b/g, 'ecg')
    .replace(/aem/g, 'em') // ischaemia, haemodynamic
    .replace(/\bnon[- ](?=specific|diagnostic)/g, 'non')
    .replace(/\ba-v\b/g, 'av')
    .replace(/\b(t|q|p|r)-(waves?)\b/g, '$1 $2')
    .replace(/\bst[\s.&/-]+t\b/g, 'st-t')
    .replace(/\b1st\b/g, 'first')
    .replace(/\b2nd\b/g, 'second')
    .replace(/\b3rd\b/g, 'third')
    .replace(/\s+/g, ' ')
    .trim();
}

/** Sentence spans: split at full stops (not inside numbers like "0.2"), semicolons and "!". */
function sentenceBounds(t: string): [number, number][] {
  const bounds: [number, number][] = [];
  let start = 0;
  for (let i = 0; i <= t.length; i++) {
    const c = t[i];
    const end = i === t.length || c === ';' || c === '!' || (c === '.' && !/\d/.test(t[i + 1] ?? ''));
    if (end) {
      if (i > start) bounds.push([start, i]);
      start = i + 1;
    }
  }
  return bounds;
}

/** Does a cue occur in `before` (text preceding the match) within `window` words, unbroken? */
function cueBefore(before: string, cues: RegExp, window: number): boolean {
  let last = -1;
  for (const m of before.matchAll(cues)) last = m.index! + m[0].length;
  if (last < 0) return false;
  const between = before.slice(last);
  if (SCOPE_BREAK.test(between)) return false;
  const words = between.trim() === '' ? 0 : between.trim().split(' ').length;
  return words <= window;
}

function matchesOf(t: string, rules: readonly Rule[]): { rule: Rule; start: number; end: number }[] {
  const accepted: { rule: Rule; start: number; end: number }[] = [];
  const byFamily = new Map<string, [number, number][]>();
  for (const r of rules) {
    for (const m of t.matchAll(r.pattern)) {
      const start = m.index!;
      const end = start + m[0].length;
      if (r.family) {
        const taken = byFamily.get(r.family) ?? [];
        if (taken.some(([s, e]) => start < e && s < end)) continue;
        taken.push([start, end]);
        byFamily.set(r.family, taken);
      }
      accepted.push({ rule: r, start, end });
    }
  }
  return accepted.sort((a, b) => a.start - b.start || a.end - b.end);
}

/** Every finding mention of a report, with its negation and uncertainty. */
export function findMentions(report: string): Mention[] {
  const t = normalizeReport(report);
  const sentences = sentenceBounds(t);
  const mentions: Mention[] = [];
  for (const { rule, start, end } of matchesOf(t, RULES)) {
    const [s0, s1] = sentences.find(([s, e]) => start >= s && start < e) ?? [0, t.length];
    const before = t.slice(s0, start);
    const after = t.slice(end, s1);
    const negated = cueBefore(before, NEGATION_BEFORE, NEGATION_WINDOW) || NEGATION_AFTER.test(after);
    const text = t.slice(start, end);
    // A hedge inside the phrase counts too ("q waves ... suggesting old infarction").
    const hedged = cueBefore(before, UNCERTAIN_BEFORE, UNCERTAINTY_WINDOW) || UNCERTAIN_AFTER.test(after) || UNCERTAIN_INSIDE.test(text);
    mentions.push({ codes: rule.codes, text, start, end, negated, uncertain: !negated && hedged });
  }
  return mentions;
}

/**
 * The findings a report asserts, as groups of alternative codes (most groups are one code),
 * without duplicates, in text order. This is what the scores compare with reference labels.
 */
export function labelGroups(report: string, options: LabelOptions = {}): string[][] {
  const includeUncertain = (options.uncertain ?? 'include') === 'include';
  const groups = new Map<string, string[]>();
  for (const m of findMentions(report)) {
    if (m.negated || (m.uncertain && !includeUncertain)) continue;
    const codes = options.axis ? [...m.codes] : m.codes.filter((c) => !Object.hasOwn(HEART_AXES, c));
    if (codes.length) groups.set(codes.join(' '), codes);
  }
  return [...groups.values()];
}

/** Every SCP code (and with `axis`, heart-axis label) a report may assert, sorted. */
export function labelReport(report: string, options: LabelOptions = {}): string[] {
  return [...new Set(labelGroups(report, options).flat())].sort();
}
