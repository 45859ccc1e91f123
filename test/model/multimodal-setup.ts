/**
 * Shared set-up of the multimodal tests: a small BPE tokenizer trained on a few reports, a
 * tiny MEIT model (mini llama-2 shrunk further, tiny ECG encoder) and random ECGs.
 */
import * as tf from '@tensorflow/tfjs';
import { type ReportExample } from '../../lib/model/batch.ts';
import { trainBpe } from '../../lib/model/bpe-train.ts';
import { type MeitModelOptions, MeitModel } from '../../lib/model/multimodal.ts';
import { type Tokenizer, tokenizerFromJson } from '../../lib/model/tokenizer.ts';
import { Rng } from '../../lib/util/prng.ts';

export const REPORTS = [
  'sinus rhythm. normal ecg',
  'sinus bradycardia. left axis deviation. borderline ecg',
  'atrial fibrillation with rapid ventricular response. abnormal ecg',
  'sinus tachycardia. st elevation in anterior leads. abnormal ecg',
  'sinus rhythm. left ventricular hypertrophy. abnormal ecg',
  'sinus rhythm with first degree av block. borderline ecg',
];

export const SPECIAL_TOKENS = ['<pad>', '</s>', '<|user|>', '<|assistant|>'];

/** tokenizer.json of a 320-token BPE over the reports and the prompt tags. */
export function tinyTokenizerJson(): Record<string, unknown> {
  return trainBpe([...REPORTS, 'Describe this ECG.', 'Write the report of this ECG.'], { vocabSize: 320, specialTokens: SPECIAL_TOKENS });
}

export function tinyTokenizer(): Tokenizer {
  return tokenizerFromJson(tinyTokenizerJson());
}

/** Sizes small enough for a test step in milliseconds. */
export const TINY_SIZE = { layers: 2, hidden: 32, heads: 4, intermediate: 64, max_positions: 128 } as const;
export const ECG_SAMPLES = 200;

export function tinyModel(tokenizer: Tokenizer, options: Partial<MeitModelOptions> = {}, seed = 1): MeitModel {
  return MeitModel.create({ backbone: 'llama-2', sizeOverrides: { ...TINY_SIZE }, vocabSize: tokenizer.vocabSize, encoder: 'tiny', ...options }, new Rng(seed));
}

/** `n` ECGs of 12 leads with a seeded random waveform each. */
export function randomEcgs(n: number, seed = 7, samples = ECG_SAMPLES): Float32Array[][] {
  const rng = new Rng(seed);
  return Array.from({ length: n }, () => Array.from({ length: 12 }, () => Float32Array.from({ length: samples }, () => rng.normal(0, 1))));
}

export function examples(n: number, seed = 7): ReportExample[] {
  const ecgs = randomEcgs(n, seed);
  return ecgs.map((ecg, i) => ({ instruction: 'Describe this ECG.', report: REPORTS[i % REPORTS.length]!, ecg }));
}

/**
 * Sets the decoder, LoRA and alignment weights (B and the gates included) to random values, so
 * that no path is a no-op. Norm gains stay near 1; the freshly initialised encoder is kept.
 */
export function randomiseAll(model: MeitModel, seed = 3): void {
  const rng = new Rng(seed);
  for (const [name, v] of model.variables()) {
    if (!/^(decoder|lora|align)\./.test(name)) continue;
    const base = /norm\.weight$/.test(name) ? 1 : 0;
    tf.tidy(() => v.assign(tf.tensor(Float32Array.from({ length: v.size }, () => base + rng.normal(0, 0.1)), v.shape)));
  }
}
