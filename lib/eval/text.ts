/**
 * Python's string splitting, which the reference scorers (pycocoevalcap, NLTK) rely on. Two
 * flavours matter: `str.split()` (runs of any Unicode whitespace, no empty pieces) is what BLEU
 * and CIDEr use; `str.split(" ")` (every single space, empty pieces kept) is what pycocoevalcap's
 * ROUGE-L uses, so an empty caption is one empty token there and a newline is not a separator.
 */

// Python's str.isspace() set; differs from JS \s (which adds U+FEFF and lacks U+001C-U+001F, U+0085).
const PY_WHITESPACE = /[\t\n\v\f\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+/;

/** Python `s.split()`. */
export function pySplit(s: string): string[] {
  return s.split(PY_WHITESPACE).filter((w) => w !== '');
}

/** Python `s.split(" ")`. */
export function splitSpaces(s: string): string[] {
  return s.split(' ');
}
