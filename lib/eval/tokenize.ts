/**
 * The tokenisation of coco mode: what pycocoevalcap's PTBTokenizer produces, without Java.
 *
 * pycocoevalcap runs the Stanford CoreNLP 3.4.1 PTBTokenizer (`-preserveLines -lowerCase`) over
 * each caption and then drops the punctuation tokens in its PUNCTUATIONS list. This module
 * reproduces the effect of that lexer on report-style text: lower-casing; splitting off
 * punctuation, brackets, symbols and the clitics 's 're 'll 'm 've 'd n't; keeping a word's final
 * period only on the abbreviations and acronyms the Stanford lexer knows ("e.g.", "i.", "ms.",
 * "dr.", "jan."); splitting a decimal number from a unit glued to it ("0.12s" -> "0.12 s") while
 * an integer keeps it ("120ms"); bracket tokens as -lrb- / -rrb- / -lsb- ... Two quirks of
 * pycocoevalcap survive on purpose: its PUNCTUATIONS list spells "-LRB-" in upper case while the
 * tokens are lower-cased, so "-lrb-" and friends are *not* removed; and runs such as "!!" or "?!"
 * are single tokens that are not in the list either.
 *
 * Not covered (the CoreNLP lexer is a large JFlex grammar): URLs, e-mail addresses, emoticons,
 * SGML, fractions like "1 1/2", non-Latin scripts, and the rarer abbreviations. The fixtures in
 * test/fixtures/metrics/coco.json hold the jar's tokens for every string they use.
 */

/** pycocoevalcap's PUNCTUATIONS, verbatim (note the upper-case bracket names). */
const REMOVED = new Set(["''", "'", '``', '`', '-LRB-', '-RRB-', '-LCB-', '-RCB-', '.', '?', '!', ',', ':', '-', '--', '...', ';']);

/** Words the Stanford lexer keeps with their final period (lower-cased; its rules are case-insensitive in effect). */
const ABBREVIATIONS = new Set(
  [
    // titles
    'mr mrs ms miss dr drs prof profs sen sens rep reps atty attys lt col gen messrs gov govs adm rev maj sgt cpl',
    'pvt capt st ste ave pres lieut hon brig cmdr comdr pfc spc supt supts det mme mmes mlle mlles jr sr bros blvd rd esq',
    // companies, months, days, US states, Latin and references
    'inc co cos corp pty ltd plc bancorp dept bhd assn univ intl sys',
    'jan feb mar apr jun jul aug sep sept oct nov dec mon tue tues wed thu thurs fri',
    'ala ariz ark calif colo conn ct dak del fla ga ill ind kan kans ky la mass md mich minn mo mont neb nev okla ore pa',
    'penn tenn tex va vt wash wis wisc wyo etc al seq vs no nos fig figs vol',
  ]
    .join(' ')
    .split(' '),
);

const BRACKETS: Record<string, string> = { '(': '-lrb-', ')': '-rrb-', '[': '-lsb-', ']': '-rsb-', '{': '-lcb-', '}': '-rcb-' };
const CLITIC = /^(.*[a-z0-9])('s|'re|'ll|'m|'ve|'d|n't)$/;

/**
 * One token at a time, first alternative that matches wins:
 * acronym or single-letter initial with periods | decimal or signed number | word (letters, digits and
 * inner - / . ' @ +, trailing +) | clitic or '90s | runs of dots, !?, *, -, = | any other char.
 */
const TOKEN = new RegExp(
  [
    /[a-z](?:\.[a-z])+\.?(?![a-z0-9])/,
    /[a-z]\.(?![a-z0-9])/,
    /[+-]?\d*[.,]\d+(?:[.,]\d+)*/,
    /[+-]\d+/,
    /[a-z0-9@](?:[a-z0-9@]|[-/.'](?=[a-z0-9])|\+)*/,
    /'(?:s|re|ll|m|ve|d|\d+s?)(?![a-z0-9])/,
    /n't(?![a-z0-9])/,
    /\.{2,}|[!?]+|\*+|-{2,}|=+/,
    /[^]/u,
  ]
    .map((r) => r.source)
    .join('|'),
  'gy',
);

function lexChunk(chunk: string, out: string[]): void {
  TOKEN.lastIndex = 0;
  for (let m = TOKEN.exec(chunk); m; m = TOKEN.exec(chunk)) {
    let tok = m[0];
    const end = TOKEN.lastIndex;
    // A word directly followed by "." that the lexer knows as an abbreviation keeps the period.
    if (chunk[end] === '.' && ABBREVIATIONS.has(tok) && !/[a-z0-9]/.test(chunk[end + 1] ?? '')) {
      out.push(tok + '.');
      TOKEN.lastIndex = end + 1;
      continue;
    }
    const clitic = CLITIC.exec(tok);
    if (clitic) {
      out.push(clitic[1]!, clitic[2]!);
      continue;
    }
    if (/^\.{2,}$/.test(tok)) tok = '...';
    else if (tok === '"') tok = "''";
    else if (tok === '¢') tok = 'cents';
    else if (BRACKETS[tok]) tok = BRACKETS[tok]!;
    out.push(tok);
  }
}

/** The PTB tokens of `text`, lower-cased, punctuation tokens removed (pycocoevalcap coco mode). */
export function ptbTokens(text: string): string[] {
  const raw: string[] = [];
  for (const chunk of text.toLowerCase().split(/\s+/)) if (chunk) lexChunk(chunk, raw);
  return raw.filter((t) => !REMOVED.has(t));
}

/** The tokenised caption as pycocoevalcap hands it to the scorers: tokens joined by one space. */
export function ptbTokenize(text: string): string {
  return ptbTokens(text).join(' ');
}
