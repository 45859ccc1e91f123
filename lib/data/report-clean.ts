/**
 * Report text of MIMIC-IV-ECG, built as the MEIT code built it.
 *
 * machine_measurements.csv holds the machine's statements in report_0 .. report_17, most of
 * them empty. The report is the non-empty statements joined with ". ", then cleaned. The
 * statements are joined as they are (not trimmed), and spacing left behind by the removed
 * markers is kept, so that the kit's references equal the official ones character for
 * character; the metrics tokenise on whitespace, so the extra spaces do not change scores.
 */

/** The statement columns of machine_measurements.csv, in order. */
export const MIMIC_REPORT_COLUMNS: readonly string[] = Array.from({ length: 18 }, (_, i) => `report_${i}`);

/**
 * Joins a study's statements (report_0 .. report_17 in order) into its cleaned report; ''
 * when every statement is empty. A statement counts as empty when it is blank.
 */
export function mimicReport(statements: readonly string[]): string {
  return cleanMimicReport(statements.filter((s) => s.trim() !== '').join('. '));
}

/**
 * The official cleaning, in this order (the order matters):
 *   1. "EKG" → "ECG"   (before lower-casing, so only the upper-case abbreviation is rewritten)
 *   2. remove "***"    (markers around emphasised statements: "*** Bifascicular block ***")
 *   3. remove "=-"     (before "=", which would otherwise leave a stray "-")
 *   4. remove "="
 *   5. lower-case
 *   6. trim leading and trailing whitespace
 */
export function cleanMimicReport(text: string): string {
  return text
    .replaceAll('EKG', 'ECG')
    .replaceAll('***', '')
    .replaceAll('=-', '')
    .replaceAll('=', '')
    .toLowerCase()
    .trim();
}
