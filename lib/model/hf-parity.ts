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
  let reference: Reference;
  try {
    reference = JSON.parse(readFileSync(referenceFile, 'utf8')) as Reference;
  } catch (err) {
    throw new InputError(`cannot read the reference logits: ${(err as Error).message}`, { file: referenceFile });
  }
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
