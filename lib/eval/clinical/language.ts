/**
 * Which language a PTB-XL report is in. PTB-XL's `report` column is mostly German, with
 * Swedish reports from one device and English ones from another; the labeler reads English
 * only, so its validation (scripts/validate-labeler.ts) and users feeding `report: original`
 * need to tell them apart. A vote of marker words is enough: the three vocabularies barely
 * overlap.
 */

export type ReportLanguage = 'en' | 'de' | 'sv' | 'unknown';

/** Marker words (whole words, lower case) and word stems (prefixes) of each language. */
const MARKERS: Readonly<Record<Exclude<ReportLanguage, 'unknown'>, { words: ReadonlySet<string>; stems: readonly string[] }>> = {
  en: {
    words: new Set(
      ('rhythm ecg the is are of with wave waves lead leads axis deviation possible trace requested atrial fibrillation ' +
        'premature contraction definite pathology bundle branch hypertrophy infarction block').split(' '),
    ),
    stems: [],
  },
  de: {
    words: new Set(
      ('sinusrhythmus normales ekg linkstyp rechtstyp steiltyp lagetyp sonst und mit bei infarkt unbest verdacht auf nicht ' +
        'auszuschliessen niederspannung wahrscheinlich ableitungen linkshypertrophie sinusbradykardie sinustachykardie ' +
        'arrhythmie abnormales unspezifisches unspezifische hemiblock extrasystole').split(' '),
    ),
    stems: ['schenkelblock', 'rechtsschenkel', 'linksschenkel', 'vorhof', 'leitungsst', 'bestimmbar', 'ventrikul', 'supraventrikul'],
  },
  sv: {
    words: new Set(
      ('sinusrytm normalt vänster höger kammarhypertrofi såsom vid eller inget säkert avvikande förlopp bör övervägas ' +
        'myokardskada sinusbradykardi sinustakykardi sinustachykardi ospecifik ospecifikt eljest extraslag').split(' '),
    ),
    stems: ['skänkelblock', 'förmaksflimmer', 'extrasystoli', 'förändring', 'sänkning'],
  },
};

/** The language with the most marker words ('unknown' for none or a tie). */
export function reportLanguage(text: string): ReportLanguage {
  const words = text.toLowerCase().split(/[^a-zäöüåß]+/).filter(Boolean);
  let best: ReportLanguage = 'unknown';
  let bestCount = 0;
  let tie = false;
  for (const [lang, { words: markers, stems }] of Object.entries(MARKERS) as [ReportLanguage, (typeof MARKERS)['en']][]) {
    const count = words.filter((w) => markers.has(w) || stems.some((s) => w.startsWith(s))).length;
    if (count > bestCount) [best, bestCount, tie] = [lang, count, false];
    else if (count === bestCount && count > 0) tie = true;
  }
  return tie ? 'unknown' : best;
}
