/**
 * meit mode: the metrics as the official MEIT code computed them, so that the paper's numbers
 * can be reproduced (and their inflation measured against coco mode).
 *
 * Source: the evaluation of AIoT-MLSys-Lab/MEIT (ECG_LLMs: the test script's loop and
 * eval_metrics.compute_metric_scores), read through the search tool's code corpus (the test
 * script and eval_metrics.py come from a public copy of that code; ecg_llm.py from the repository
 * itself). Its quirks, each replicated here:
 *
 * 1. Batches. The test DataLoader (batch 32, no shuffling) is scored batch by batch and every
 *    metric is the plain mean of the batch scores, so a short last batch weighs as much as a full
 *    one. Batches follow the order of the examples (the order of the references file).
 * 2. "<|assistant|>" left in. Predictions and references were decoded from whole sequences
 *    (`batch_decode(output_ids)` / `batch_decode(input_ids)` with skip_special_tokens), so both
 *    still carried the chat template. `assistantPrefix` (default true) prepends
 *    "<|assistant|>\n" to both. (The official strings began with the user turn and instruction
 *    too, "<|user|>\n{instruction}\n<|assistant|>\n", which inflates scores further; the kit's
 *    API receives the report alone, so only the assistant tag is restored.)
 * 3. No PTB tokenisation, no lower-casing. BLEU, ROUGE-L and CIDEr see
 *    `re.sub(' +', ' ', text.replace('.', ' .'))` (convert_for_pycoco_scorer), then
 *    pycocoevalcap's own splitting: whitespace for BLEU and CIDEr, single spaces for ROUGE-L (so
 *    "<|assistant|>\nsinus" is one ROUGE token and two BLEU tokens).
 * 4. BLEU-1..4: pycocoevalcap Bleu(4), corpus level within the batch ("closest" ref length).
 * 5. ROUGE-L: pycocoevalcap Rouge, mean within the batch. (The published loop adds
 *    `scores['rouge_l']`, a key compute_metric_scores never sets - it stores ROUGE-L under
 *    'rouge' - so as published it would fail or print 0; the paper reports ROUGE-L, so this is
 *    the pycocoevalcap value the scorer computed.)
 * 6. CIDEr-D: its CustomCiderScorer loads document frequencies from a cache file built over the
 *    whole test split with `CiderScorer(refs=all_reports)`, which makes the split ONE document,
 *    so every n-gram has df <= 1 and log(max(1, df)) = 0; and since it calls compute_cider
 *    without compute_doc_freq, the "log N" is log(batch size). Net effect: every n-gram weighs
 *    log(batch size) - uniform weights, no IDF at all - and a batch of one scores 0.
 * 7. METEOR: NLTK's meteor_score per pair on nltk.word_tokenize of the raw strings (alpha 0.9,
 *    beta 3, gamma 0.5), mean within the batch.
 * (ROUGE-1/2 via the `rouge` package and BERTScore were computed too; they are not part of the
 * seven metrics here.)
 */
import { bleuFromStats, bleuStats } from './bleu.ts';
import { ciderD } from './cider.ts';
import { nltkMeteor } from './meteor/nltk.ts';
import { wordnet } from './meteor/wordnet.ts';
import { CAPTION_METRICS, mean, type CaptionScores } from './metrics.ts';
import { counted } from './ngrams.ts';
import { nltkWordTokenize } from './nltk-tokenize.ts';
import { rougeL } from './rouge.ts';
import { pySplit, splitSpaces } from './text.ts';

export const MEIT_BATCH_SIZE = 32;
export const ASSISTANT_PREFIX = '<|assistant|>\n';

export interface MeitExample {
  id: string;
  /** convert_for_pycoco_scorer of the (prefixed) prediction. */
  prediction: string;
  /** convert_for_pycoco_scorer of the (prefixed) references. */
  references: string[];
  /** NLTK METEOR of the pair (per-pair, so it is computed once). */
  meteor: number;
}

/** eval_metrics.convert_for_pycoco_scorer: a space before every period, runs of spaces collapsed. */
export function officialConvert(text: string): string {
  return text.replaceAll('.', ' .').replace(/ +/g, ' ');
}

export function meitExample(id: string, prediction: string, references: readonly string[], assistantPrefix: boolean): MeitExample {
  const add = (s: string) => (assistantPrefix ? ASSISTANT_PREFIX + s : s);
  const pred = add(prediction);
  const refs = references.map(add);
  return {
    id,
    prediction: officialConvert(pred),
    references: refs.map(officialConvert),
    meteor: nltkMeteor(refs.map(nltkWordTokenize), nltkWordTokenize(pred), wordnet()),
  };
}

function batchScores(batch: readonly MeitExample[]): CaptionScores {
  const preds = batch.map((e) => counted(pySplit(e.prediction)));
  const refs = batch.map((e) => e.references.map((r) => counted(pySplit(r))));
  const bleu = bleuFromStats(preds.map((p, k) => bleuStats(p, refs[k]!)));
  const cider = ciderD(
    preds.map((p) => p.counts),
    refs.map((rs) => rs.map((r) => r.counts)),
    { documentFrequency: [] }, // quirk 6: every log(df) is 0
  );
  return {
    'BLEU-1': bleu[0]!,
    'BLEU-2': bleu[1]!,
    'BLEU-3': bleu[2]!,
    'BLEU-4': bleu[3]!,
    METEOR: mean(batch.map((e) => e.meteor)),
    'ROUGE-L': mean(batch.map((e) => rougeL(splitSpaces(e.prediction), e.references.map(splitSpaces)))),
    'CIDEr-D': mean(cider),
  };
}

/** The official per-batch scores of `examples`, in order. */
export function meitBatchScores(examples: readonly MeitExample[], batchSize = MEIT_BATCH_SIZE): CaptionScores[] {
  const batches: CaptionScores[] = [];
  for (let i = 0; i < examples.length; i += batchSize) batches.push(batchScores(examples.slice(i, i + batchSize)));
  return batches;
}

/** The official scores: the mean of the batch scores. */
export function meitScores(examples: readonly MeitExample[], batchSize = MEIT_BATCH_SIZE): CaptionScores {
  const batches = meitBatchScores(examples, batchSize);
  return Object.fromEntries(CAPTION_METRICS.map((m) => [m, mean(batches.map((b) => b[m]))])) as CaptionScores;
}
