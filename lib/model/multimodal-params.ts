/**
 * params.yaml → MeitModel and generation options.
 *
 *   meit:                 the multimodal model (lib/model/multimodal.ts)
 *     alignment: meit     meit | prefix | xattn | none
 *     ecg_slots: 1        ECG vectors per example
 *     ecg_layers: all     all, or a list of decoder layer indices (meit)
 *     xattn_every: 1      a cross-attention block before every n-th layer (xattn)
 *     encoder: tiny       ECG encoder preset: resnet50 (paper) | resnet34 | resnet18 | tiny
 *     finetune: lora      lora | full
 *     lora: {r: 8, alpha: 16, dropout: 0.1}    the paper (real sizes): r 64, alpha 128
 *   generation:
 *     strategy: greedy    greedy (paper) | beam | sample
 *     max_new_tokens: 128
 *     num_beams: 4        length_penalty: 1    temperature: 1    top_k: 0    top_p: 1
 *
 * Every key is optional (the defaults are the ones above); a present key of the wrong type or
 * value is an InputError naming params.yaml.
 */
import { type Json, type LoadedParams, type ParamsTree, isObject, param } from '../config/params.ts';
import { InputError } from '../util/errors.ts';
import type { Rng } from '../util/prng.ts';
import { ALIGNMENTS, type AlignmentKind } from './alignment.ts';
import { ECG_ENCODER_PRESETS } from './ecg-encoder.ts';
import type { GenerationOptions, Strategy } from './generate.ts';
import type { Finetune, MeitModelOptions } from './multimodal.ts';
import { type PresetName, presetFromParams } from './presets.ts';

function has(p: LoadedParams, path: string): boolean {
  let node: Json = p.values;
  for (const key of path.split('.')) {
    if (!isObject(node) || !(key in node)) return false;
    node = node[key]!;
  }
  return true;
}

function optional<T extends number | string>(p: LoadedParams, path: string, kind: 'number' | 'string', fallback: T): T {
  return has(p, path) ? (param(p, path, kind as 'number') as T) : fallback;
}

function oneOf<T extends string>(p: LoadedParams, path: string, allowed: readonly T[], fallback: T): T {
  const value = optional(p, path, 'string', fallback);
  if (!allowed.includes(value as T)) throw new InputError(`${path} must be one of ${allowed.join(', ')}, got ${JSON.stringify(value)}`, { file: p.file });
  return value as T;
}

function inRange(p: LoadedParams, path: string, fallback: number, ok: (x: number) => boolean, what: string): number {
  const value = optional(p, path, 'number', fallback);
  if (!ok(value)) throw new InputError(`${path} must be ${what}, got ${value}`, { file: p.file });
  return value;
}

function positiveInt(p: LoadedParams, path: string, fallback: number, min = 1): number {
  const value = optional(p, path, 'number', fallback);
  if (!Number.isInteger(value) || value < min) throw new InputError(`${path} must be an integer ≥ ${min}, got ${value}`, { file: p.file });
  return value;
}

/** The model options of `backbone` (mini size from `models.*`) under params.yaml's `meit:` section. */
export function meitOptionsFromParams(p: LoadedParams, backbone: PresetName, overrides: { vocabSize?: number; alignment?: AlignmentKind } = {}): MeitModelOptions {
  const options: MeitModelOptions = {
    backbone,
    decoder: presetFromParams(p, backbone),
    alignment: overrides.alignment ?? oneOf(p, 'meit.alignment', ALIGNMENTS, 'meit'),
    ecgSlots: positiveInt(p, 'meit.ecg_slots', 1),
    xattnEvery: positiveInt(p, 'meit.xattn_every', 1),
    encoder: oneOf(p, 'meit.encoder', Object.keys(ECG_ENCODER_PRESETS), 'tiny'),
    finetune: oneOf<Finetune>(p, 'meit.finetune', ['lora', 'full'], 'lora'),
    lora: {
      r: positiveInt(p, 'meit.lora.r', 8),
      alpha: inRange(p, 'meit.lora.alpha', 16, (x) => x > 0, 'positive'),
      dropout: inRange(p, 'meit.lora.dropout', 0.1, (x) => x >= 0 && x < 1, 'in [0, 1)'),
    },
  };
  if (overrides.vocabSize !== undefined) options.vocabSize = overrides.vocabSize;
  const ecgLayers = has(p, 'meit.ecg_layers') ? (p.values.meit as ParamsTree).ecg_layers : 'all';
  if (ecgLayers !== 'all') {
    const layers = options.decoder!.numLayers;
    if (!Array.isArray(ecgLayers) || ecgLayers.length === 0 || !ecgLayers.every((l) => Number.isInteger(l) && (l as number) >= 0 && (l as number) < layers)) {
      throw new InputError(`meit.ecg_layers must be "all" or a non-empty list of layer indices in 0..${layers - 1}, got ${JSON.stringify(ecgLayers)}`, { file: p.file });
    }
    options.ecgLayers = ecgLayers as number[];
  }
  return options;
}

/** Generation options under params.yaml's `generation:` section (the eos comes from the tokenizer). */
export function generationOptionsFromParams(p: LoadedParams, eosId: number | undefined, rng?: Rng): GenerationOptions {
  const options: GenerationOptions = {
    eosId,
    strategy: oneOf<Strategy>(p, 'generation.strategy', ['greedy', 'beam', 'sample'], 'greedy'),
    maxNewTokens: positiveInt(p, 'generation.max_new_tokens', 128, 0),
    numBeams: positiveInt(p, 'generation.num_beams', 4),
    lengthPenalty: optional(p, 'generation.length_penalty', 'number', 1),
    temperature: inRange(p, 'generation.temperature', 1, (x) => x > 0, 'positive'),
    topK: positiveInt(p, 'generation.top_k', 0, 0),
    topP: inRange(p, 'generation.top_p', 1, (x) => x > 0 && x <= 1, 'in (0, 1]'),
  };
  if (rng) options.rng = rng;
  return options;
}
