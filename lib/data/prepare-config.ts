/**
 * The `prepare:` section of params.yaml, checked and typed (docs/data-format.md lists the
 * keys). Bad values are InputErrors naming params.yaml and the key.
 */
import { dirname, resolve } from 'node:path';
import { InputError } from '../util/errors.ts';
import { param, type Json, type LoadedParams } from '../config/params.ts';
import { parsePreprocessOptions, type PreprocessOptions } from '../ecg/preprocess/index.ts';
import { INSTRUCTION_POLICIES, type InstructionPolicy } from './instructions.ts';
import type { MimicOptions } from './mimic.ts';
import { checkFractions, type SplitFractions } from './splits.ts';
import { PTBXL_RECORD_SETS, PTBXL_REPORTS, type PtbxlOptions } from './ptbxl.ts';
import type { SourceName } from './prepare.ts';

export const ON_BAD_RECORD = ['skip', 'fail'] as const;
export type OnBadRecord = (typeof ON_BAD_RECORD)[number];

export interface PrepareConfig {
  seed: number;
  seconds: number;
  preprocess: PreprocessOptions & { fs: number };
  instruction: InstructionPolicy;
  shardBytes: number;
  /** Worker threads; undefined = automatic (cores − 1, none for tiny datasets). */
  workers: number | undefined;
  onBadRecord: OnBadRecord;
  ptbxl: PtbxlOptions;
  mimic: MimicOptions;
  /** The effective `prepare:` section as written, for the manifest. */
  raw: Json;
}

export function readPrepareConfig(p: LoadedParams, source: SourceName): PrepareConfig {
  const seed = param(p, 'seed', 'number');
  const fs = positive(p, 'prepare.fs');
  const seconds = positive(p, 'prepare.seconds');
  const records = choice(p, 'prepare.ptbxl.records', ['auto', ...PTBXL_RECORD_SETS]);
  const translation = param(p, 'prepare.ptbxl', 'object').translation;
  if (translation !== null && translation !== undefined && typeof translation !== 'string') {
    throw bad(p, 'prepare.ptbxl.translation must be a file name or null');
  }

  return {
    seed,
    seconds,
    preprocess: { ...parsePreprocessOptions(param(p, 'prepare.preprocess', 'object'), p.file, 'prepare.preprocess'), fs },
    instruction: choice(p, 'prepare.instruction', INSTRUCTION_POLICIES),
    shardBytes: Math.round(positive(p, 'prepare.shard_mb') * 1024 * 1024),
    workers: workerCount(p),
    onBadRecord: choice(p, `prepare.${source}.on_bad_record`, ON_BAD_RECORD),
    ptbxl: {
      database: param(p, 'prepare.ptbxl.database', 'string'),
      records: records === 'auto' ? (fs <= 100 ? 'records100' : 'records500') : records,
      report: choice(p, 'prepare.ptbxl.report', PTBXL_REPORTS),
      translation: translation ? resolve(dirname(p.file), translation) : undefined,
      seed,
    },
    mimic: { fractions: splitFractions(p), seed },
    raw: param(p, 'prepare', 'object'),
  };
}

function bad(p: LoadedParams, message: string): InputError {
  return new InputError(`${message} (profile ${p.profile})`, { file: p.file });
}

function positive(p: LoadedParams, path: string): number {
  const v = param(p, path, 'number');
  if (!(v > 0)) throw bad(p, `${path} must be positive, got ${v}`);
  return v;
}

function choice<T extends string>(p: LoadedParams, path: string, choices: readonly T[]): T {
  const v = param(p, path, 'string');
  if (!choices.includes(v as T)) throw bad(p, `${path} must be one of ${choices.join(', ')}; got ${JSON.stringify(v)}`);
  return v as T;
}

/** `workers`: "auto" or a count (0 = no worker threads). */
function workerCount(p: LoadedParams): number | undefined {
  const v = param(p, 'prepare', 'object').workers;
  if (v === 'auto') return undefined;
  if (typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 256) return v;
  throw bad(p, `prepare.workers must be "auto" or an integer 0..256, got ${JSON.stringify(v)}`);
}


function splitFractions(p: LoadedParams): SplitFractions {
  const f = {
    train: param(p, 'prepare.mimic.split.train', 'number'),
    val: param(p, 'prepare.mimic.split.val', 'number'),
    test: param(p, 'prepare.mimic.split.test', 'number'),
  };
  try {
    checkFractions(f);
  } catch (err) {
    throw bad(p, `prepare.mimic.split: ${(err as Error).message}`);
  }
  return f;
}
