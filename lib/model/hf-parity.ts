/**
 * Parity with Hugging Face transformers: each fixture under test/fixtures/hf-parity/ (written by
 * scripts/fixtures/hf_parity.py) is a tiny random HF checkpoint with its family's tokenizer, two
 * texts with the ids transformers' tokenizer gave them, and the logits transformers computed for
 * those ids as a padded batch. The kit must encode the texts to the same ids (loadTokenizer) and,
 * loading the checkpoint through checkpoint-hf.ts, reproduce the logits.
 */
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isDeepStrictEqual } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { InputError } from '../util/errors.ts';
import { readJsonFile } from '../util/files.ts';
import { loadHfCheckpoint } from './checkpoint-hf.ts';
import type { DecoderConfig } from './config.ts';
import { forward } from './decoder.ts';
import { readSafetensors } from './safetensors.ts';
import { loadTokenizer } from './tokenizer.ts';

/** The committed fixtures. */
export const PARITY_FIXTURES_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'test', 'fixtures', 'hf-parity');

/** Max |Δlogit| the decoder may differ from transformers by (float32 on both sides). */
export const PARITY_TOLERANCE = 1e-4;

export interface ParityResult {
  fixture: string;
  /** The kit preset the fixture's architecture stands for. */
  preset: string;
  modelType: string;
  /** Whether loadTokenizer(fixture) encodes every text to the ids transformers gave. */
  tokenIdsMatch: boolean;
  /** Max |Δlogit| over the non-padding positions. */
  maxAbsDiff: number;
  /** Logits compared. */
  compared: number;
}

/** A fixture passes when the token ids are identical and the logits within PARITY_TOLERANCE. */
export function parityOk(result: ParityResult): boolean {
  return result.tokenIdsMatch && result.maxAbsDiff <= PARITY_TOLERANCE;
}

interface Reference {
  preset: string;
  model_type: string;
  texts: string[];
  /** transformers' ids of each text (special tokens included). */
  token_ids: number[][];
  /** The ids as a padded batch [batch][time], 0 where attention_mask is 0. */
  input_ids: number[][];
  attention_mask: number[][];
}

/** reference.json's fields, checked before any tensor is built from them. */
function checkReference(json: unknown, file: string): Reference {
  const fail = (key: string, what: string) => new InputError(`${key} must be ${what}`, { file, where: key });
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new InputError('expected a JSON object', { file });
  const r = json as Partial<Record<keyof Reference, unknown>>;
  for (const key of ['preset', 'model_type'] as const) if (typeof r[key] !== 'string') throw fail(key, 'a string');
  const isIds = (row: unknown): row is number[] => Array.isArray(row) && row.length > 0 && row.every((id) => Number.isInteger(id) && id >= 0);
  if (!Array.isArray(r.texts) || r.texts.length === 0 || !r.texts.every((t) => typeof t === 'string')) throw fail('texts', 'a non-empty list of strings');
  const batch = r.texts.length;
  if (!Array.isArray(r.token_ids) || r.token_ids.length !== batch || !r.token_ids.every(isIds)) throw fail('token_ids', `${batch} non-empty lists of token ids, one per text`);
  if (!Array.isArray(r.input_ids) || r.input_ids.length !== batch || !r.input_ids.every(isIds)) throw fail('input_ids', `a [${batch}][time] matrix of token ids`);
  const time = r.input_ids[0]!.length;
  const isMask = (row: unknown) => Array.isArray(row) && row.length === time && row.every((m) => m === 0 || m === 1);
  if (!Array.isArray(r.attention_mask) || r.attention_mask.length !== batch || !r.attention_mask.every(isMask)) {
    throw fail('attention_mask', `a [${batch}][${time}] matrix of 0/1 like input_ids`);
  }
  // The batch must be made of the texts' ids: what the tokenizer is checked on is what the decoder runs.
  r.input_ids.forEach((row, b) => {
    const kept = row.filter((_, t) => (r.attention_mask as number[][])[b]![t] === 1);
    if (row.length !== time || !isDeepStrictEqual(kept, (r.token_ids as number[][])[b])) throw fail('input_ids', `row ${b} padded from token_ids[${b}]`);
  });
  return r as Reference;
}

/** The fixture directories (those with a reference.json), sorted. */
export function listParityFixtures(root = PARITY_FIXTURES_DIR): string[] {
  if (!existsSync(root)) throw new InputError('parity fixtures directory not found', { file: root });
  return readdirSync(root, { withFileTypes: true })
    .filter((e) => e.isDirectory() && existsSync(join(root, e.name, 'reference.json')))
    .map((e) => join(root, e.name))
    .sort();
}

/** logits.safetensors: transformers' logits, [batch, time, vocab] float32. */
async function readReferenceLogits(file: string, batch: number, time: number): Promise<{ data: Float32Array; vocab: number }> {
  const logits = (await readSafetensors(file)).get('logits');
  if (!logits || logits.shape.length !== 3 || logits.shape[0] !== batch || logits.shape[1] !== time) {
    throw new InputError(`expected a tensor "logits" of shape [${batch}, ${time}, vocab]`, { file });
  }
  return { data: logits.data, vocab: logits.shape[2]! };
}

/**
 * Checks one fixture: the tokenizer's ids for the texts, then the decoder's logits for the padded
 * batch against transformers'. `adjust` alters the loaded config first (tests use it to show that
 * a switch matters).
 */
export async function runParityFixture(dir: string, adjust?: (config: DecoderConfig) => DecoderConfig): Promise<ParityResult> {
  const reference = checkReference(readJsonFile(join(dir, 'reference.json')), join(dir, 'reference.json'));
  const [batch, time] = [reference.input_ids.length, reference.input_ids[0]!.length];
  const expected = await readReferenceLogits(join(dir, 'logits.safetensors'), batch, time);
  const tokenizer = await loadTokenizer(dir);
  const tokenIdsMatch = reference.texts.every((text, b) => isDeepStrictEqual(tokenizer.encode(text), reference.token_ids[b]));

  const loaded = await loadHfCheckpoint(dir);
  const params = adjust ? { ...loaded, config: adjust(loaded.config) } : loaded;
  try {
    const ids = tf.tensor2d(reference.input_ids, undefined, 'int32');
    const mask = tf.tensor2d(reference.attention_mask, undefined, 'float32');
    const { logits } = forward(params, ids, { attentionMask: mask });
    const ours = (await logits.data()) as Float32Array;
    tf.dispose([ids, mask, logits]);
    if (ours.length !== expected.data.length) throw new InputError(`the reference logits have ${expected.vocab} entries per token, the model ${ours.length / (batch * time)}`, { file: join(dir, 'logits.safetensors') });
    let maxAbsDiff = 0;
    let compared = 0;
    for (let b = 0; b < batch; b++) {
      for (let t = 0; t < time; t++) {
        if (reference.attention_mask[b]![t] === 0) continue; // padding: its own output is meaningless
        for (let i = (b * time + t) * expected.vocab, end = i + expected.vocab; i < end; i++, compared++) {
          maxAbsDiff = Math.max(maxAbsDiff, Math.abs(ours[i]! - expected.data[i]!));
        }
      }
    }
    return { fixture: dir.split(/[\\/]/).pop()!, preset: reference.preset, modelType: reference.model_type, tokenIdsMatch, maxAbsDiff, compared };
  } finally {
    tf.dispose([...params.weights.values()]);
  }
}
