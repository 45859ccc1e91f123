/**
 * Entry point of the clinical-efficacy scores for `meit score` and evaluation runs:
 * `prepareClinical` labels the predictions, takes the reference findings, and returns the
 * per-example statistics with a `score(indices?)` that a bootstrap can call on resamples.
 *
 * Where the reference findings come from (`source`):
 *   dataset  the references' own labels (PTB-XL scp_codes; the synthetic datasets' codes),
 *            through `referenceCodes` — what the kit uses whenever the references carry labels;
 *   labeler  the labeler applied to the reference text (the primary code of each finding, see
 *            rules.ts; the union over a pair's reference texts) — for datasets without
 *            labels, such as MIMIC-IV-ECG;
 *   auto     (default) dataset when every reference carries labels, labeler when none does;
 *            a mix is an input error, since the two are not comparable.
 * Predictions are always labelled by the labeler, as groups of alternative codes (labelGroups;
 * see labelExample for how a group is scored). Heart-axis labels are never scored (PTB-XL
 * keeps them out of scp_codes). `level: 'superclass'` scores the five diagnostic superclasses
 * instead of the statement codes.
 */
import { InputError } from '../../util/errors.ts';
import { labelGroups, type LabelOptions } from './labeler.ts';
import { clinicalScores, labelExample, perCodeScores, referenceCodes, superclassCodes } from './scores.ts';
import type { ClinicalScores, CodeScore, LabelExample } from './scores.ts';

export interface ClinicalOptions {
  source?: 'auto' | 'dataset' | 'labeler';
  /** Hedged findings count as present (default 'include'); applies to every labelled text. */
  uncertain?: LabelOptions['uncertain'];
  /** Dataset labels: drop diagnostic statements below this likelihood (default 0: keep all). */
  minLikelihood?: number;
  level?: 'code' | 'superclass';
  /** The references file, named in input errors. */
  file?: string;
}

export interface PreparedClinical {
  source: 'dataset' | 'labeler';
  level: 'code' | 'superclass';
  /** Example ids in the order of `references`. */
  ids: string[];
  examples: LabelExample[];
  score(indices?: ArrayLike<number>): ClinicalScores;
  perCode(indices?: ArrayLike<number>): Record<string, CodeScore>;
}

export function prepareClinical(
  predictions: ReadonlyMap<string, string>,
  references: ReadonlyMap<string, readonly string[]>,
  labels: ReadonlyMap<string, Readonly<Record<string, number>>>,
  options: ClinicalOptions = {},
): PreparedClinical {
  const labelOptions: LabelOptions = { uncertain: options.uncertain ?? 'include' };
  const level = options.level ?? 'code';
  const ids = [...references.keys()];
  let source = options.source ?? 'auto';
  if (source === 'auto') {
    const labelled = ids.filter((id) => labels.has(id)).length;
    if (labelled > 0 && labelled < ids.length) {
      const first = ids.find((id) => !labels.has(id));
      const message = `${labelled} of ${ids.length} references carry labels; all or none must (first without: ${JSON.stringify(first)})`;
      throw new InputError(message, { file: options.file });
    }
    source = labelled > 0 ? 'dataset' : 'labeler';
  }
  const atLevel = (codes: string[]) => (level === 'superclass' ? superclassCodes(codes) : codes);

  const examples = ids.map((id) => {
    const prediction = predictions.get(id);
    if (prediction === undefined) throw new InputError(`reference ${JSON.stringify(id)} has no prediction`, { file: options.file });
    let reference: string[];
    if (source === 'dataset') {
      const l = labels.get(id);
      if (!l) throw new InputError(`reference ${JSON.stringify(id)} carries no labels`, { file: options.file });
      reference = referenceCodes(l, options.minLikelihood ?? 0);
    } else {
      // The primary reading of each finding: both sides are text, so alternatives of the same
      // words (LPR for "first degree av block") would only count against the prediction.
      reference = [...new Set(references.get(id)!.flatMap((text) => labelGroups(text, labelOptions).map((g) => g[0]!)))];
    }
    const predicted = labelGroups(prediction, labelOptions);
    return labelExample(level === 'superclass' ? predicted.map((group) => superclassCodes(group)) : predicted, atLevel(reference));
  });

  return {
    source,
    level,
    ids,
    examples,
    score: (indices) => clinicalScores(examples, indices),
    perCode: (indices) => perCodeScores(examples, indices),
  };
}

export { labelGroups, labelReport, findMentions, normalizeReport } from './labeler.ts';
export type { LabelOptions, Mention } from './labeler.ts';
export { clinicalScores, perCodeScores, labelExample, referenceCodes, superclassCodes, CLINICAL_SCORE_NAMES } from './scores.ts';
export type { ClinicalScores, CodeScore, LabelExample } from './scores.ts';
