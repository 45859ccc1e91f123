/**
 * Meteor 1.5's `-norm` text normalisation for English (edu.cmu.meteor.util.Normalizer, a port of
 * the Moses tokenizer), which pycocoevalcap's Meteor wrapper switches on. Applied to the already
 * PTB-tokenised captions it mostly splits symbols ("qt/qtc" -> "qt / qtc", "***" -> "* * *"),
 * removes hyphens between letters or digits ("1st-degree" -> "1st degree"), splits clitics the
 * Moses way ("'s" -> "' s", "n't" -> "n 't"), drops the periods of acronyms ("e.g." -> "eg") and
 * splits a final period off words that are not non-breaking prefixes ("ms." -> "ms ." at the end).
 * The rules and their order follow the jar; checked on the fixtures through the token counts in
 * the jar's statistics lines.
 */

const ALPHA = 'A-Za-zŠŽšžŸÀ-ÖØ-öø-žЀ-ӿԀ-ԧꙀ-ꙮ꙾-ꚗᴀ-ᵿ';
const ALNUM = `0-9${ALPHA}`;

/** Meteor's nonbreaking/english.prefixes: 1 = always keeps its period, 2 = only before a number. */
const NONBREAKING = new Map<string, number>([
  ...'ABCDEFGHIJKLMNOPQRSTUVWXYZ'.split('').map((c) => [c, 1] as const),
  ...(
    'Adj Adm Adv Asst Bart Bldg Brig Bros Capt Cmdr Col Comdr Con Corp Cpl DR Dr Drs Ens Gen Gov Hon Hr Hosp Insp Lt ' +
    'MM MR MRS MS Maj Messrs Mlle Mme Mr Mrs Ms Msgr Op Ord Pfc Ph Prof Pvt Rep Reps Res Rev Rt Sen Sens Sfc Sgt Sr St ' +
    'Supt Surg v vs i.e rev e.g Nos Nr'
  )
    .split(' ')
    .map((w) => [w, 1] as const),
  ...['No', 'Art', 'pp'].map((w) => [w, 2] as const),
]);

const RULES: [RegExp, string][] = [
  [new RegExp(`([^${ALNUM}\\s.'\`,\\-‘’])`, 'g'), ' $1 '],
];
const HAS_ALPHA = new RegExp(`[${ALPHA}]`);
const DASH_BETWEEN = new RegExp(`([${ALNUM}.])-([${ALNUM}])`, 'g');
const COMMA: RegExp[] = [/([^\d]),([^\d])/g, /(\d),([^\d])/g, /([^\d]),(\d)/g];
const CONTRACTIONS: [RegExp, string][] = [
  [new RegExp(`([^${ALPHA}])'([^${ALPHA}])`, 'g'), "$1 ' $2"],
  [new RegExp(`([^${ALPHA}\\d])'([${ALPHA}])`, 'g'), "$1 ' $2"],
  [new RegExp(`([${ALPHA}])'([^${ALPHA}])`, 'g'), "$1 ' $2"],
  [new RegExp(`([${ALPHA}])'([${ALPHA}])`, 'g'), "$1 '$2"],
  [/(\d)'(s)/g, "$1 '$2"],
];

/** Meteor -norm for English: the token list of `line`. */
export function meteorNormalize(line: string): string[] {
  let s = ` ${line} `;
  for (const [re, sub] of RULES) s = s.replace(re, sub);
  // Runs of periods are protected as DOTMULTI tokens and restored at the end.
  s = s.replace(/\.([.]+)/g, ' DOTMULTI$1');
  while (s.includes('DOTMULTI.')) s = s.replace(/DOTMULTI\.([^.])/g, 'DOTDOTMULTI $1').replaceAll('DOTMULTI.', 'DOTDOTMULTI');
  // The rules below only act on text holding their characters; testing first saves most passes.
  if (s.includes(',')) for (const re of COMMA) s = s.replace(re, '$1 , $2');
  if (/[`‘’“”']/.test(s)) s = s.replace(/([`‘’])/g, "'").replace(/([“”]|'')/g, ' "');
  if (/[-–]/.test(s)) s = s.replaceAll('–', '-').replaceAll('--', '-').replace(DASH_BETWEEN, '$1 $2');
  if (s.includes("'")) for (const [re, sub] of CONTRACTIONS) s = s.replace(re, sub);

  const words = s.split(/[ \t\n\r\f]+/).filter(Boolean);
  const out: string[] = [];
  words.forEach((word, i) => {
    const next = words[i + 1];
    if (word.length > 1 && word.endsWith('.')) {
      const pre = word.slice(0, -1);
      const kind = NONBREAKING.get(pre);
      if (pre.includes('.') && HAS_ALPHA.test(pre)) out.push(word.replaceAll('.', ''));
      else if (kind === 1 || (next !== undefined && /^\p{Ll}/u.test(next))) out.push(word);
      else if (kind === 2 && next !== undefined && /^[0-9]+/.test(next)) out.push(word);
      else out.push(pre, '.');
    } else out.push(word);
  });
  let joined = out.join(' ');
  while (joined.includes('DOTDOTMULTI')) joined = joined.replaceAll('DOTDOTMULTI', 'DOTMULTI.');
  joined = joined.replaceAll('DOTMULTI', '.');
  return joined.split(/\s+/).filter(Boolean);
}
