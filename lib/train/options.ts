/**
 * The `train:` and `evaluate:` sections of params.yaml as typed options (the model itself is
 * the `meit:` section, lib/model/multimodal-params.ts; evaluation decodes greedily with
 * `generation.max_new_tokens`).
 *
 * Every key is optional in the file: a missing key takes the default below (the kit's mini
 * defaults; the paper's values are in the comments of params.yaml). A present key of the
 * wrong type or out of range, or an unknown key (a typo), is an InputError naming params.yaml
 * and the key.
 */
import { type Json, type LoadedParams, isObject } from '../config/params.ts';
import { InputError } from '../util/errors.ts';

export const SCHEDULES = ['linear', 'cosine', 'constant'] as const;
export type ScheduleKind = (typeof SCHEDULES)[number];

/** bank: a training paraphrase per example per epoch; fixed: the official one; none: no instruction (ablation). */
export const TRAIN_INSTRUCTION_POLICIES = ['bank', 'fixed', 'none'] as const;
export type TrainInstructionPolicy = (typeof TRAIN_INSTRUCTION_POLICIES)[number];

export interface TrainOptions {
  /** Peak learning rate. */
  lr: number;
  schedule: ScheduleKind;
  /** Warmup as a fraction of all optimizer steps. */
  warmup: number;
  weightDecay: number;
  /** Examples per micro-batch. */
  batchSize: number;
  /** Micro-batches per optimizer step. */
  gradAccum: number;
  epochs: number;
  /** Cap on optimizer steps (null: the epochs decide). */
  maxSteps: number | null;
  /** Maximum global gradient norm (null: no clipping). */
  clipNorm: number | null;
  instruction: TrainInstructionPolicy;
  /** Optimizer steps between checkpoints (a final one is always written). */
  checkpointEvery: number;
  /** Optimizer steps between validation losses (null: at the end of every epoch). */
  valEvery: number | null;
  /** Validations without improvement before stopping (null: no early stopping). */
  patience: number | null;
  /** Validation examples used (the first ones of val.jsonl; null: all). */
  valMaxExamples: number | null;
  /** The final model is the one of the best validation loss (else the last step's). */
  restoreBest: boolean;
  /** Batches per length-sorting pool of the bucketed batcher. */
  bucketPool: number;
}

export const DEFAULT_TRAIN_OPTIONS: TrainOptions = {
  lr: 2e-3,
  schedule: 'linear',
  warmup: 0.03,
  weightDecay: 0,
  batchSize: 16,
  gradAccum: 1,
  epochs: 5,
  maxSteps: null,
  clipNorm: 1,
  instruction: 'bank',
  checkpointEvery: 50,
  valEvery: null,
  patience: null,
  valMaxExamples: 256,
  restoreBest: false,
  bucketPool: 50,
};

export const CONTROLS = ['no-ecg', 'shuffled-ecg', 'nearest-neighbour'] as const;
export type Control = (typeof CONTROLS)[number];

export interface EvaluateOptions {
  /** Prompts generated together. */
  batchSize: number;
  /** params.yaml generation.max_new_tokens (paper: 128). */
  maxNewTokens: number;
  /** Bootstrap resamples for the 95% intervals (0: no intervals). */
  bootstrap: number;
  controls: Control[];
  /** Test examples used (the first ones of test.jsonl; null: all). */
  maxExamples: number | null;
  /** Training examples the nearest-neighbour baseline searches (the first ones; null: all). */
  nnMaxTrain: number | null;
}

export const DEFAULT_EVALUATE_OPTIONS: EvaluateOptions = {
  batchSize: 16,
  maxNewTokens: 128,
  bootstrap: 1000,
  controls: [...CONTROLS],
  maxExamples: null,
  nnMaxTrain: null,
};

/** Reads a section's values with the checks every key shares. */
class Section {
  private readonly node: { [key: string]: Json };
  /** The keys asked for so far (finish() refuses the others). */
  private readonly read = new Set<string>();

  constructor(
    private readonly file: string,
    private readonly name: string,
    node: Json | undefined,
  ) {
    if (node !== undefined && node !== null && !isObject(node)) throw new InputError(`${name} must be a mapping`, { file });
    this.node = isObject(node) ? node : {};
  }

  private error(key: string, message: string): InputError {
    return new InputError(`${this.name}.${key} ${message}`, { file: this.file });
  }

  private raw(key: string): Json | undefined {
    this.read.add(key);
    return this.node[key];
  }

  /** Refuses keys nobody read: a typo would otherwise be silently ignored. */
  finish(): void {
    const unknown = Object.keys(this.node).filter((key) => !this.read.has(key));
    if (unknown.length) throw this.error(unknown[0]!, `is not a known key (known: ${[...this.read].join(', ')})`);
  }

  number(key: string, fallback: number, { min = -Infinity, max = Infinity, integer = false } = {}): number {
    const v = this.raw(key);
    if (v === undefined) return fallback;
    if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max || (integer && !Number.isInteger(v))) {
      throw this.error(key, `must be ${integer ? 'an integer' : 'a number'} in [${min}, ${max}], got ${JSON.stringify(v)}`);
    }
    return v;
  }

  nullableNumber(key: string, fallback: number | null, bounds: { min?: number; max?: number; integer?: boolean } = {}): number | null {
    const v = this.raw(key);
    if (v === null) return null;
    if (v === undefined && fallback === null) return null;
    return this.number(key, fallback ?? NaN, bounds);
  }

  boolean(key: string, fallback: boolean): boolean {
    const v = this.raw(key);
    if (v === undefined) return fallback;
    if (typeof v !== 'boolean') throw this.error(key, `must be true or false, got ${JSON.stringify(v)}`);
    return v;
  }

  choice<T extends string>(key: string, choices: readonly T[], fallback: T): T {
    const v = this.raw(key);
    if (v === undefined) return fallback;
    if (typeof v !== 'string' || !choices.includes(v as T)) throw this.error(key, `must be one of ${choices.join(', ')}, got ${JSON.stringify(v)}`);
    return v as T;
  }

  choices<T extends string>(key: string, choices: readonly T[], fallback: T[]): T[] {
    const v = this.raw(key);
    if (v === undefined) return fallback;
    if (v === null) return [];
    if (!Array.isArray(v) || v.some((x) => typeof x !== 'string' || !choices.includes(x as T))) {
      throw this.error(key, `must be a list of ${choices.join(', ')}, got ${JSON.stringify(v)}`);
    }
    return [...new Set(v as T[])];
  }

}

/** The effective `train:` options of a params profile. */
export function readTrainOptions(p: LoadedParams): TrainOptions {
  const s = new Section(p.file, 'train', p.values.train);
  const d = DEFAULT_TRAIN_OPTIONS;
  const options: TrainOptions = {
    lr: s.number('lr', d.lr, { min: 0 }),
    schedule: s.choice('schedule', SCHEDULES, d.schedule),
    warmup: s.number('warmup', d.warmup, { min: 0, max: 1 }),
    weightDecay: s.number('weight_decay', d.weightDecay, { min: 0 }),
    batchSize: s.number('batch_size', d.batchSize, { min: 1, integer: true }),
    gradAccum: s.number('grad_accum', d.gradAccum, { min: 1, integer: true }),
    epochs: s.number('epochs', d.epochs, { min: 1, integer: true }),
    maxSteps: s.nullableNumber('max_steps', d.maxSteps, { min: 1, integer: true }),
    clipNorm: s.nullableNumber('clip_norm', d.clipNorm, { min: Number.MIN_VALUE }),
    instruction: s.choice('instruction', TRAIN_INSTRUCTION_POLICIES, d.instruction),
    checkpointEvery: s.number('checkpoint_every', d.checkpointEvery, { min: 1, integer: true }),
    valEvery: s.nullableNumber('val_every', d.valEvery, { min: 1, integer: true }),
    patience: s.nullableNumber('patience', d.patience, { min: 1, integer: true }),
    valMaxExamples: s.nullableNumber('val_max_examples', d.valMaxExamples, { min: 1, integer: true }),
    restoreBest: s.boolean('restore_best', d.restoreBest),
    bucketPool: s.number('bucket_pool', d.bucketPool, { min: 1, integer: true }),
  };
  s.finish();
  return options;
}

/** The effective `evaluate:` options of a params profile. */
export function readEvaluateOptions(p: LoadedParams): EvaluateOptions {
  const s = new Section(p.file, 'evaluate', p.values.evaluate);
  const d = DEFAULT_EVALUATE_OPTIONS;
  const options: EvaluateOptions = {
    batchSize: s.number('batch_size', d.batchSize, { min: 1, integer: true }),
    maxNewTokens: new Section(p.file, 'generation', p.values.generation).number('max_new_tokens', d.maxNewTokens, { min: 1, integer: true }),
    bootstrap: s.number('bootstrap', d.bootstrap, { min: 0, integer: true }),
    controls: s.choices('controls', CONTROLS, d.controls),
    maxExamples: s.nullableNumber('max_examples', d.maxExamples, { min: 1, integer: true }),
    nnMaxTrain: s.nullableNumber('nn_max_train', d.nnMaxTrain, { min: 1, integer: true }),
  };
  s.finish();
  return options;
}
