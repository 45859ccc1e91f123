/**
 * From (instruction, report, ECG) examples to the tensors MeitModel trains on and prompts with.
 *
 * Tokenisation follows the official code: the whole text (prompt + report + eos) is encoded
 * once, and the loss skips as many tokens as the prompt alone encodes to. Sequences are capped
 * at MAX_SEQUENCE_TOKENS (128): the report is cut at the end and, like the official
 * truncation, loses its eos (`keepEos: true` puts the eos back in the last slot). A prompt
 * that encodes to nothing (the no-instruction ablation with a tokenizer that adds no BOS)
 * starts with the BOS (else the eos) token, so that the first report token is predicted too.
 * Training batches are right-padded; prompts for generation are left-padded by generate.ts.
 */
import * as tf from '@tensorflow/tfjs';
import { MAX_SEQUENCE_TOKENS, formatPlain, formatPrompt } from '../data/prompt.ts';
import type { Tokenizer } from './tokenizer.ts';
import type { MeitBatch } from './multimodal.ts';

export interface ReportExample {
  /** null: the no-instruction ablation (no user turn, no role tags). */
  instruction: string | null;
  report: string;
  /** 12 leads of equal length (lib/data/shards readSignal). */
  ecg: Float32Array[];
}

export interface EncodeOptions {
  /** Default MAX_SEQUENCE_TOKENS (128). */
  maxTokens?: number;
  /** When a report is cut, end it with the eos anyway (default false: the official truncation). */
  keepEos?: boolean;
}

export interface EncodedExample {
  ids: number[];
  /** Tokens ids[0..promptLength) are the prompt (no loss). */
  promptLength: number;
}

/** The eos as text, for the prompt format ("" when the tokenizer has none). */
function eosText(tokenizer: Tokenizer): string {
  return tokenizer.eosId === undefined ? '' : tokenizer.decode([tokenizer.eosId]);
}

/** The start token of an otherwise empty prompt. */
function startIds(tokenizer: Tokenizer): number[] {
  const id = tokenizer.bosId ?? tokenizer.eosId;
  if (id === undefined) throw new Error('the tokenizer has neither a BOS nor an EOS token to start an empty prompt with');
  return [id];
}

/** Token ids of the prompt alone (what generation is conditioned on). */
export function encodePrompt(tokenizer: Tokenizer, instruction: string | null): number[] {
  const { prompt } = instruction === null ? formatPlain() : formatPrompt(instruction);
  const ids = tokenizer.encode(prompt);
  return ids.length > 0 ? ids : startIds(tokenizer);
}

/** Token ids of prompt + report + eos, truncated, and where the report starts. */
export function encodeExample(tokenizer: Tokenizer, instruction: string | null, report: string, options: EncodeOptions = {}): EncodedExample {
  const maxTokens = options.maxTokens ?? MAX_SEQUENCE_TOKENS;
  const eos = eosText(tokenizer);
  const parts = instruction === null ? formatPlain(report, { eos }) : formatPrompt(instruction, report, { eos });
  let ids = tokenizer.encode(parts.prompt + parts.target);
  let promptLength = tokenizer.encode(parts.prompt).length;
  if (promptLength === 0) {
    ids = [...startIds(tokenizer), ...ids];
    promptLength = 1;
  }
  if (ids.length > maxTokens) {
    ids = ids.slice(0, maxTokens);
    if (options.keepEos && tokenizer.eosId !== undefined && promptLength < maxTokens) ids[maxTokens - 1] = tokenizer.eosId;
  }
  return { ids, promptLength: Math.min(promptLength, ids.length) };
}

/** [B, leads, T] from per-example lead arrays (all of one shape). */
export function ecgBatch(ecgs: Float32Array[][]): tf.Tensor3D {
  const leads = ecgs[0]?.length ?? 0;
  const samples = ecgs[0]?.[0]?.length ?? 0;
  const data = new Float32Array(ecgs.length * leads * samples);
  ecgs.forEach((ecg, b) => {
    if (ecg.length !== leads || ecg.some((lead) => lead.length !== samples)) {
      throw new RangeError(`ECG ${b} is not ${leads} leads × ${samples} samples like the first of the batch`);
    }
    ecg.forEach((lead, l) => data.set(lead, (b * leads + l) * samples));
  });
  return tf.tensor3d(data, [ecgs.length, leads, samples]);
}

/** A right-padded training batch; lossMask[b, i] = 1 where token i+1 is a report token. */
export function buildBatch(examples: ReportExample[], tokenizer: Tokenizer, options: EncodeOptions = {}): Required<MeitBatch> {
  if (examples.length === 0) throw new RangeError('buildBatch: no examples');
  const encoded = examples.map((e) => encodeExample(tokenizer, e.instruction, e.report, options));
  const length = Math.max(...encoded.map((e) => e.ids.length));
  const padId = tokenizer.padId ?? tokenizer.eosId ?? 0;
  const b = examples.length;
  const ids = new Int32Array(b * length).fill(padId);
  const attention = new Float32Array(b * length);
  const loss = new Float32Array(b * length);
  encoded.forEach(({ ids: row, promptLength }, i) => {
    ids.set(row, i * length);
    attention.fill(1, i * length, i * length + row.length);
    // Position j predicts token j+1: a report token when j+1 ≥ promptLength.
    for (let j = Math.max(0, promptLength - 1); j < row.length - 1; j++) loss[i * length + j] = 1;
  });
  return {
    ecg: ecgBatch(examples.map((e) => e.ecg)),
    inputIds: tf.tensor2d(ids, [b, length], 'int32'),
    attentionMask: tf.tensor2d(attention, [b, length]),
    lossMask: tf.tensor2d(loss, [b, length]),
  };
}

export function disposeBatch(batch: MeitBatch): void {
  tf.dispose([batch.ecg, batch.inputIds, batch.attentionMask, batch.lossMask].filter((t) => t !== undefined));
}
