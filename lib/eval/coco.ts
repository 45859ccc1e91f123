/**
 * coco mode: the standard caption metrics exactly as pycocoevalcap's COCOEvalCap computes them
 * (PTB tokenisation with punctuation removed, Bleu(4), Meteor 1.5, ROUGE-L, CIDEr-D), corpus
 * level over the whole set.
 *
 * Each example keeps what a bootstrap needs: its BLEU and METEOR statistics (corpus scores are
 * functions of their sums), its ROUGE-L (the corpus score is the mean) and its n-gram counts
 * (CIDEr-D takes its IDF from the evaluated references, so it is recomputed on a resample).
 */
import { bleuFromStats, bleuStats, type BleuStats } from './bleu.ts';
import { ciderD } from './cider.ts';
import { meteorFromStats, meteorSegment, sumMeteorStats, type MeteorStats } from './meteor/meteor15.ts';
import { wordnet } from './meteor/wordnet.ts';
import { counted, type Counted } from './ngrams.ts';
import { rougeL } from './rouge.ts';
import { mean, type CaptionScores } from './metrics.ts';
import { pySplit, splitSpaces } from './text.ts';
import { ptbTokenize } from './tokenize.ts';

export interface CocoExample {
  id: string;
  /** The PTB-tokenised prediction, tokens joined by single spaces (what pycocoevalcap scores). */
  prediction: string;
  /** The PTB-tokenised references. */
  references: string[];
  bleu: BleuStats;
  meteor: MeteorStats;
  rougeL: number;
  /** N-gram counts of prediction and references, kept for CIDEr-D on any resample. */
  ngrams: { prediction: Counted; references: Counted[] };
}

export function cocoExample(id: string, prediction: string, references: readonly string[]): CocoExample {
  const pred = ptbTokenize(prediction);
  const refs = references.map(ptbTokenize);
  const ngrams = { prediction: counted(pySplit(pred)), references: refs.map((r) => counted(pySplit(r))) };
  return {
    id,
    prediction: pred,
    references: refs,
    ngrams,
    bleu: bleuStats(ngrams.prediction, ngrams.references),
    // pycocoevalcap's Meteor._stat strips '|||' and double spaces from the hypothesis only.
    meteor: meteorSegment(pred.replaceAll('|||', '').replaceAll('  ', ' '), refs, wordnet()),
    rougeL: rougeL(splitSpaces(pred), refs.map(splitSpaces)),
  };
}

/** Corpus scores over `examples` (any subset or resample of a set). */
export function cocoScores(examples: readonly CocoExample[]): CaptionScores {
  const bleu = bleuFromStats(examples.map((e) => e.bleu));
  const cider = ciderD(
    examples.map((e) => e.ngrams.prediction.counts),
    examples.map((e) => e.ngrams.references.map((r) => r.counts)),
  );
  return {
    'BLEU-1': bleu[0]!,
    'BLEU-2': bleu[1]!,
    'BLEU-3': bleu[2]!,
    'BLEU-4': bleu[3]!,
    METEOR: meteorFromStats(sumMeteorStats(examples.map((e) => e.meteor))),
    'ROUGE-L': mean(examples.map((e) => e.rougeL)),
    'CIDEr-D': mean(cider),
  };
}
