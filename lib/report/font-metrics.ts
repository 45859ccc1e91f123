/**
 * Text widths from a TrueType font's own advance widths.
 *
 * vega lays out axes, legends and titles from text widths. Without a canvas package in Node it
 * falls back to a crude estimate (0.8 em per character), which leaves gaps or overlaps once the
 * real font is drawn. Reading the advance widths of the font the figures are rendered with
 * (cmap format 4 → glyph id, hmtx → advance) makes the layout match the pixels. Kerning is
 * ignored: it changes a line's width by well under a character.
 */
import { readFileSync } from 'node:fs';
import { InputError, fileError } from '../util/errors.ts';

export interface FontMetrics {
  /** Width in px of `text` set at `fontSize` px. */
  width(text: string, fontSize: number): number;
}

export function loadFontMetrics(file: string): FontMetrics {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (err) {
    throw fileError(err, file);
  }
  const font = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let advanceEm: (codePoint: number) => number;
  try {
    advanceEm = advanceWidths(font, file);
  } catch (err) {
    if (err instanceof RangeError) throw new InputError('truncated font file', { file, cause: err });
    throw err;
  }
  const cache = new Map<number, number>();
  return {
    width(text, fontSize) {
      let total = 0;
      for (const ch of text) {
        const codePoint = ch.codePointAt(0)!;
        let em = cache.get(codePoint);
        if (em === undefined) cache.set(codePoint, (em = advanceEm(codePoint)));
        total += em;
      }
      return total * fontSize;
    },
  };
}

/** Code point → advance width in em. */
function advanceWidths(font: DataView, file: string): (codePoint: number) => number {
  const tables = tableOffsets(font, file);
  const unitsPerEm = font.getUint16(tables.head + 18);
  const numberOfHMetrics = font.getUint16(tables.hhea + 34);
  const glyphOf = cmapFormat4(font, tables.cmap, file);
  // Glyphs past the last long metric share its advance (monospaced tails).
  return (codePoint) => font.getUint16(tables.hmtx + 4 * Math.min(glyphOf(codePoint), numberOfHMetrics - 1)) / unitsPerEm;
}

function tableOffsets(font: DataView, file: string): Record<'head' | 'hhea' | 'hmtx' | 'cmap', number> {
  const found = new Map<string, number>();
  const numTables = font.getUint16(4);
  for (let i = 0; i < numTables; i++) {
    const record = 12 + 16 * i;
    const tag = String.fromCharCode(...[0, 1, 2, 3].map((k) => font.getUint8(record + k)));
    found.set(tag, font.getUint32(record + 8));
  }
  const need = ['head', 'hhea', 'hmtx', 'cmap'] as const;
  const missing = need.filter((t) => !found.has(t));
  if (missing.length) throw new InputError(`not a TrueType font: no ${missing.join(', ')} table`, { file });
  return Object.fromEntries(need.map((t) => [t, found.get(t)!])) as Record<(typeof need)[number], number>;
}

/** The Unicode BMP mapping (platform 3 encoding 1, or platform 0), as code point → glyph id (0 = missing). */
function cmapFormat4(font: DataView, cmap: number, file: string): (codePoint: number) => number {
  const count = font.getUint16(cmap + 2);
  let sub = -1;
  for (let i = 0; i < count && sub < 0; i++) {
    const record = cmap + 4 + 8 * i;
    const platform = font.getUint16(record);
    const encoding = font.getUint16(record + 2);
    const offset = cmap + font.getUint32(record + 4);
    if ((platform === 3 && encoding === 1) || platform === 0) {
      if (font.getUint16(offset) === 4) sub = offset;
    }
  }
  if (sub < 0) throw new InputError('no Unicode cmap subtable of format 4', { file });
  const segCount = font.getUint16(sub + 6) / 2;
  const endCodes = sub + 14;
  const startCodes = endCodes + 2 * segCount + 2;
  const idDeltas = startCodes + 2 * segCount;
  const idRangeOffsets = idDeltas + 2 * segCount;
  return (codePoint) => {
    if (codePoint > 0xffff) return 0;
    for (let s = 0; s < segCount; s++) {
      if (codePoint > font.getUint16(endCodes + 2 * s)) continue;
      const start = font.getUint16(startCodes + 2 * s);
      if (codePoint < start) return 0;
      const delta = font.getUint16(idDeltas + 2 * s);
      const rangeOffsetAt = idRangeOffsets + 2 * s;
      const rangeOffset = font.getUint16(rangeOffsetAt);
      if (rangeOffset === 0) return (codePoint + delta) & 0xffff;
      const glyph = font.getUint16(rangeOffsetAt + rangeOffset + 2 * (codePoint - start));
      return glyph === 0 ? 0 : (glyph + delta) & 0xffff;
    }
    return 0;
  };
}
