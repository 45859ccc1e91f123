/**
 * Logit parity against Hugging Face transformers: each fixture under test/fixtures/hf-parity/
 * (written by scripts/fixtures/hf_parity.py) is a tiny random HF checkpoint plus the logits
 * transformers computed for a padded batch. Loading the checkpoint through checkpoint-hf.ts
 * and running the decoder must reproduce them.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { InputError } from '../util/errors.ts';
import { loadHfCheckpoint } from './checkpoint-hf.ts';
import type { DecoderConfig } from './config.ts';
import { forward } from './decoder.ts';

/** The committed fixtures. */
export const PARITY_FIXTURES_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'test', 'fixtures', 'hf-parity');

/** Max |Δlogit| the decoder may differ from transformers by (float32 on both sides). */
export const PARITY_TOLERANCE = 1e-4;

export interface ParityResult {
  fixture: string;
  /** The kit preset the fixture's architecture stands for. */
  preset: string;
  modelType: string;
  /** Max |Δlogit| over the non-padding positions. */
  maxAbsDiff: number;
  /** Logits compared. */
  compared: number;
}

interface Reference {
  preset: string;
  model_type: string;
  input_ids: number[][];
  attention_mask: number[][];
  logits: number[][][];
}

/** reference.json's fields, checked before any tensor is built from them. */
function checkReference(json: unknown, file: string): Reference {
  const fail = (key: string, what: string) => new InputError(`${key} must be ${what}`, { file, where: key });
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new InputError('expected a JSON object', { file });
  const r = json as Partial<Record<keyof Reference, unknown>>;
  for (const key of ['preset', 'model_type'] as const) if (typeof r[key] !== 'string') throw fail(key, 'a string');
  const isMatrix = (m: unknown, rows: number | undefined, cols: number | undefined): m is number[][] =>
    Array.isArray(m) &&
    m.length > 0 &&
    (rows === undefined || m.length === rows) &&
    m.every((row) => Array.isArray(row) && row.length === (cols ?? (m[0] as unknown[]).length) && row.length > 0 && row.every((x) => Number.isFinite(x)));
  if (!isMatrix(r.input_ids, undefined, undefined) || !r.input_ids.every((row) => row.every((id) => Number.isInteger(id) && id >= 0))) {
    throw fail('input_ids', 'a non-empty [batch][time] matrix of token ids');
  }
  const [batch, time] = [r.input_ids.length, r.input_ids[0]!.length];
  if (!isMatrix(r.attention_mask, batch, time)) throw fail('attention_mask', `a [${batch}][${time}] matrix like input_ids`);
  const logits = r.logits;
  if (!Array.isArray(logits) || logits.length !== batch || !logits.every((m) => isMatrix(m, time, (logits[0] as unknown[][] | undefined)?.[0]?.length))) {
    throw fail('logits', `a [${batch}][${time}][vocab] array of numbers`);
  }
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

/**
 * Loads one fixture's checkpoint, runs the padded batch and compares with the reference logits.
 * `adjust` alters the loaded config first (tests use it to show that a switch matters).
 */
export async function runParityFixture(dir: string, adjust?: (config: DecoderConfig) => DecoderConfig): Promise<ParityResult> {
  const referenceFile = join(dir, 'reference.json');
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(referenceFile, 'utf8'));
  } catch (err) {
    throw new InputError(`cannot read the reference logits: ${(err as Error).message}`, { file: referenceFile });
  }
  const reference = checkReference(json, referenceFile);
  const loaded = await loadHfCheckpoint(dir);
  const params = adjust ? { ...loaded, config: adjust(loaded.config) } : loaded;
  try {
    const ids = tf.tensor2d(reference.input_ids, undefined, 'int32');
    const mask = tf.tensor2d(reference.attention_mask, undefined, 'float32');
    const { logits } = forward(params, ids, { attentionMask: mask });
    const ours = (await logits.array()) as number[][][];
    tf.dispose([ids, mask, logits]);
    let maxAbsDiff = 0;
    let compared = 0;
    reference.logits.forEach((row, b) =>
      row.forEach((expected, t) => {
        if (reference.attention_mask[b]![t] === 0) return; // padding: its own output is meaningless
        expected.forEach((value, v) => {
          maxAbsDiff = Math.max(maxAbsDiff, Math.abs(ours[b]![t]![v]! - value));
          compared++;
        });
      }),
    );
    return { fixture: dir.split(/[\\/]/).pop()!, preset: reference.preset, modelType: reference.model_type, maxAbsDiff, compared };
  } finally {
    tf.dispose([...params.weights.values()]);
  }
}
