/**
 * The trainer: a prepared dataset in, a trained MEIT model out.
 *
 *   OUT/model/              the final model (config.json, model.safetensors, tokenizer.json)
 *   OUT/train.json          what was run (settings, data, backend) and how it went
 *   OUT/train-log.jsonl     one line per optimizer step and per validation
 *   OUT/checkpoints/        the newest checkpoint (checkpoint-state.ts), for --resume
 *   OUT/best/               the model of the best validation loss (train.restore_best)
 *
 * Each epoch draws, from forks of the seeded Rng labelled by the epoch, one training
 * instruction per example (`instruction: bank`; `fixed` uses the official one, `none` the
 * no-instruction ablation) and a length-bucketed batch order. A step runs `gradAccum`
 * micro-batches, averages their gradients, clips them to `clipNorm` and applies AdamW with the
 * scheduled learning rate. The loss covers the report tokens only (MeitModel.loss).
 *
 * Deterministic: the same data, params and seed give the same weights, bit for bit, on one
 * backend — and so does a run killed at any point and resumed from its last checkpoint,
 * because a checkpoint holds every piece of state the next step reads (weights, BN
 * statistics, AdamW moments and step, the dropout Rng, the position in the epoch).
 */
import { cp, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type { AlignmentKind } from '../model/alignment.ts';
import { type ReportExample, buildBatch, disposeBatch, encodeExample } from '../model/batch.ts';
import { trainBpe } from '../model/bpe-train.ts';
import { type MeitBatch, MeitModel, type MeitModelOptions } from '../model/multimodal.ts';
import { tokenizerFromJson } from '../model/tokenizer.ts';
import { HELDOUT_INSTRUCTIONS, OFFICIAL_INSTRUCTIONS, TRAIN_INSTRUCTIONS, type InstructionSource } from '../data/instructions.ts';
import { ASSISTANT_TAG, DEFAULT_EOS, USER_TAG } from '../data/prompt.ts';
import { type PreparedDataset, type PreparedExample, openPrepared } from '../data/shards.ts';
import type { Split } from '../data/splits.ts';
import { buildDirAtomic, writeJsonAtomic } from '../util/atomic.ts';
import { InputError } from '../util/errors.ts';
import { sha256 } from '../util/hash.ts';
import { Progress } from '../util/progress.ts';
import { Rng } from '../util/prng.ts';
import { AdamW, clipByGlobalNorm } from './adamw.ts';
import { type TrainPosition, type TrainState, TRAIN_STATE_FORMAT, TRAIN_STATE_VERSION, clearCheckpoints, readCheckpoint, writeCheckpoint } from './checkpoint-state.ts';
import { TrainLog } from './log.ts';
import type { TrainInstructionPolicy, TrainOptions } from './options.ts';
import { learningRate } from './schedule.ts';
import { bucketedBatches } from './batching.ts';

/** The kit BPE's special tokens: padding, end of report, and the two role tags kept whole. */
export const KIT_SPECIAL_TOKENS = ['<pad>', DEFAULT_EOS, USER_TAG, ASSISTANT_TAG];

export interface TrainRequest {
  /** A prepared dataset directory (docs/data-format.md). */
  data: string;
  /** The run directory. */
  out: string;
  /** The model (meitOptionsFromParams); its vocabulary is set to the trained BPE's. */
  model: MeitModelOptions;
  seed: number;
  options: TrainOptions;
  /** Size of the kit BPE trained on the training reports (params models.vocab_size). */
  vocabSize: number;
  /** Continue from OUT's newest checkpoint (a fresh run when there is none). */
  resume?: boolean;
  /** Recorded in train.json. */
  backend?: string;
}

export interface TrainSummary {
  steps: number;
  epochs: number;
  stoppedEarly: boolean;
  /** Loss of the last step. */
  trainLoss: number;
  bestValLoss: number | null;
  bestValStep: number | null;
  /** The step a resumed run started from (null: from scratch). */
  resumedFrom: number | null;
  /** Steps run by this process, their mean wall time and throughput (non-padding tokens). */
  stepsRun: number;
  secondsPerStep: number;
  tokensPerSecond: number;
  parameters: { trainable: number; total: number };
}

/** What evaluation needs to know about how a model was trained (OUT/train.json `run`). */
export interface TrainRunInfo {
  backbone: string;
  alignment: AlignmentKind;
  seed: number;
  instruction: TrainInstructionPolicy;
  source: string;
}

export const MODEL_DIR = 'model';
export const BEST_MODEL_DIR = 'best';
export const TRAIN_INFO_FILE = 'train.json';
export const TRAIN_LOG_FILE = 'train-log.jsonl';

/** A line on stderr about the run (MEIT_QUIET=1 silences it, like the progress bar). */
function note(text: string): void {
  if (process.env.MEIT_QUIET !== '1') process.stderr.write(`meit: ${text}`);
}

/** Trains a byte-level BPE of `vocabSize` tokens on the training reports and the prompt texts. */
export function trainKitTokenizer(reports: readonly string[], vocabSize: number): Record<string, unknown> {
  const prompts = [...TRAIN_INSTRUCTIONS, ...HELDOUT_INSTRUCTIONS, ...Object.values(OFFICIAL_INSTRUCTIONS)];
  return trainBpe([...reports, ...prompts], { vocabSize, specialTokens: KIT_SPECIAL_TOKENS });
}

/** The instruction of a training example in an epoch (null: no instruction). */
function trainingInstruction(policy: TrainInstructionPolicy, source: InstructionSource, rng: Rng): string | null {
  if (policy === 'none') return null;
  if (policy === 'fixed') return OFFICIAL_INSTRUCTIONS[source];
  return rng.pick(TRAIN_INSTRUCTIONS);
}

/** The instruction an evaluation or validation example is prompted with. */
export function promptInstruction(policy: TrainInstructionPolicy, source: InstructionSource, example: PreparedExample): string | null {
  if (policy === 'none') return null;
  if (policy === 'fixed') return OFFICIAL_INSTRUCTIONS[source];
  return example.instruction;
}

/** The prepared dataset's source, for the official instruction. */
export function datasetSource(data: PreparedDataset): InstructionSource {
  const source = data.manifest.source;
  if (source !== 'ptbxl' && source !== 'mimic') throw new InputError(`unknown source ${JSON.stringify(source)}`, { file: join(data.dir, 'manifest.json'), where: 'source' });
  return source;
}

interface EpochPlan {
  batches: number[][];
  instructions: (string | null)[];
}

/**
 * Batch norm (the ECG encoder) cannot train on a batch of one example, which a remainder
 * batch can be: such an example joins the batch before it (or after it, if it is first).
 */
export function withoutSingletons(batches: number[][]): number[][] {
  const out = batches.map((b) => [...b]);
  for (let i = 0; i < out.length && out.length > 1; i++) {
    if (out[i]!.length !== 1) continue;
    const [lone] = out.splice(i, 1)[0]!;
    out[Math.max(0, i - 1)]!.push(lone!);
    i--;
  }
  return out;
}

/**
 * One optimizer step's gradients, by checkpoint name: the mean over micro-batches (each built
 * only when its turn comes), with their mean loss and their non-padding tokens.
 */
function stepGradients(
  model: MeitModel,
  variables: Map<string, tf.Variable>,
  batches: (() => Required<MeitBatch>)[],
  rng: Rng,
): { loss: number; tokens: number; grads: Map<string, tf.Tensor> } {
  const keyOf = new Map([...variables].map(([key, v]) => [v.name, key]));
  const summed = new Map<string, tf.Tensor>();
  let loss = 0;
  let tokens = 0;
  for (const makeBatch of batches) {
    const batch = makeBatch();
    const { value, grads } = tf.variableGrads(() => model.loss(batch, { training: true, rng }), [...variables.values()]);
    loss += value.dataSync()[0]!;
    tokens += tf.tidy(() => batch.attentionMask.sum().dataSync()[0]!);
    tf.dispose(value);
    disposeBatch(batch);
    for (const [name, g] of Object.entries(grads)) {
      const key = keyOf.get(name)!;
      const prev = summed.get(key);
      summed.set(key, prev ? tf.add(prev, g) : g);
      if (prev) tf.dispose([prev, g]);
    }
  }
  if (batches.length === 1) return { loss, tokens, grads: summed };
  const grads = new Map([...summed].map(([key, g]) => [key, tf.div(g, batches.length)]));
  tf.dispose([...summed.values()]);
  return { loss: loss / batches.length, tokens, grads };
}

/** Loads examples `indices` of a split as model inputs. */
function loadExamples(data: PreparedDataset, split: Split, indices: readonly number[], instructions: readonly (string | null)[], withEcg: boolean): ReportExample[] {
  const all = data.examples(split);
  return indices.map((i, k) => ({ instruction: instructions[k]!, report: all[i]!.report, ecg: withEcg ? data.readSignal(split, i) : [] }));
}

export async function train(request: TrainRequest): Promise<TrainSummary> {
  const { options, out } = request;
  const data = openPrepared(request.data);
  try {
    return await runTraining(request, data, options, out);
  } finally {
    data.close();
  }
}

async function runTraining(request: TrainRequest, data: PreparedDataset, options: TrainOptions, out: string): Promise<TrainSummary> {
  const trainExamples = data.examples('train');
  if (trainExamples.length < 2) throw new InputError(`${trainExamples.length} training examples; training needs at least 2`, { file: join(data.dir, 'train.jsonl') });
  const source = datasetSource(data);
  const root = new Rng(request.seed).fork('train');
  const alignment = request.model.alignment ?? 'meit';
  const withEcg = alignment !== 'none';

  const { checkpointEvery: _ignored, ...settings } = options;
  const fingerprint = sha256(
    JSON.stringify({ settings, model: { ...request.model, decoder: request.model.decoder?.toInit() }, seed: request.seed, vocab: request.vocabSize, data: data.manifest.files }),
  );

  // The model, tokenizer and optimizer: from the newest checkpoint, or new.
  const checkpoint = request.resume ? await readCheckpoint(out) : null;
  if (!checkpoint) {
    await clearCheckpoints(out);
    await rm(join(out, BEST_MODEL_DIR), { recursive: true, force: true });
  }
  if (checkpoint && checkpoint.state.fingerprint !== fingerprint) {
    checkpoint.model.dispose();
    throw new InputError('the checkpoint was made with other settings, data or seed; run without --resume to start over', { file: join(checkpoint.dir, 'state.json') });
  }
  let tokenizerJson: Record<string, unknown>;
  let model: MeitModel;
  const optimizer = new AdamW({ weightDecay: options.weightDecay });
  let position: TrainPosition = { step: 0, epoch: 0, batch: 0 };
  let validation: TrainState['validation'] = { best: null, bestStep: null, bad: 0 };
  let dropoutRng = root.fork('dropout');
  let log: TrainLog;
  let done = false;
  if (checkpoint) {
    tokenizerJson = JSON.parse(await readFile(join(checkpoint.dir, MODEL_DIR, 'tokenizer.json'), 'utf8')) as Record<string, unknown>;
    model = checkpoint.model;
    optimizer.importState(checkpoint.optimizer, model.trainableVariables());
    ({ position, validation, done } = checkpoint.state);
    dropoutRng = Rng.fromState(checkpoint.state.dropoutRng);
    log = TrainLog.open(join(out, TRAIN_LOG_FILE), checkpoint.state.logLines);
  } else {
    tokenizerJson = trainKitTokenizer(trainExamples.map((e) => e.report), request.vocabSize);
    model = MeitModel.create({ ...request.model, vocabSize: tokenizerFromJson(tokenizerJson).vocabSize }, root.fork('model'));
    log = TrainLog.open(join(out, TRAIN_LOG_FILE), 0);
  }
  const tokenizer = tokenizerFromJson(tokenizerJson);
  const variables = model.trainableVariables();

  const plans = new Map<number, EpochPlan>();
  const planOf = (epoch: number): EpochPlan => {
    let plan = plans.get(epoch);
    if (!plan) {
      plans.clear();
      const instructionRng = root.fork('instructions').fork(epoch);
      const instructions = trainExamples.map((e) => trainingInstruction(options.instruction, source, instructionRng.fork(e.id)));
      const lengths = trainExamples.map((e, i) => encodeExample(tokenizer, instructions[i]!, e.report).ids.length);
      const batches = withoutSingletons(bucketedBatches(lengths, options.batchSize, root.fork('batches').fork(epoch), options.bucketPool));
      plan = { batches, instructions };
      plans.set(epoch, plan);
    }
    return plan;
  };

  // Steps: every epoch has the same number of batches (only their order changes).
  const batchesPerEpoch = planOf(position.epoch).batches.length;
  const stepsPerEpoch = Math.ceil(batchesPerEpoch / options.gradAccum);
  const totalSteps = Math.min(options.maxSteps ?? Infinity, options.epochs * stepsPerEpoch);
  const schedule = { kind: options.schedule, peak: options.lr, totalSteps, warmupFraction: options.warmup };

  const valIndices = data.examples('val').slice(0, options.valMaxExamples ?? undefined).map((_, i) => i);
  const validate = (): number => {
    const val = data.examples('val');
    let sum = 0;
    let tokens = 0;
    for (let start = 0; start < valIndices.length; start += options.batchSize) {
      const indices = valIndices.slice(start, start + options.batchSize);
      const instructions = indices.map((i) => promptInstruction(options.instruction, source, val[i]!));
      const batch = buildBatch(loadExamples(data, 'val', indices, instructions, withEcg), tokenizer);
      const [loss, count] = tf.tidy(() => [model.loss(batch).dataSync()[0]!, batch.lossMask.sum().dataSync()[0]!]);
      disposeBatch(batch);
      sum += loss! * count!;
      tokens += count!;
    }
    return sum / Math.max(tokens, 1);
  };

  const progress = new Progress('train', totalSteps - position.step, { unit: 'step' });
  const resumedFrom = checkpoint ? position.step : null;
  if (resumedFrom !== null) note(`resuming from step ${resumedFrom} of ${totalSteps} (${checkpoint!.dir})\n`);
  else if (request.resume) note(`no checkpoint in ${out}; starting from step 0\n`);
  let trainLoss = checkpoint?.state.lastLoss ?? NaN;
  let stepsRun = 0;
  let stepSeconds = 0;
  let tokensRun = 0;

  const saveCheckpoint = () =>
    writeCheckpoint(out, model, tokenizerJson, optimizer.exportState(), {
      format: TRAIN_STATE_FORMAT,
      version: TRAIN_STATE_VERSION,
      fingerprint,
      position,
      dropoutRng: dropoutRng.state(),
      validation,
      logLines: log.lines,
      lastLoss: Number.isNaN(trainLoss) ? null : trainLoss,
      done,
    });

  while (!done && position.step < totalSteps) {
    const started = performance.now();
    const plan = planOf(position.epoch);
    const micro = plan.batches.slice(position.batch, position.batch + options.gradAccum);
    const makeBatch = (indices: number[]) => buildBatch(loadExamples(data, 'train', indices, indices.map((i) => plan.instructions[i]!), withEcg), tokenizer);
    const { loss: stepLoss, tokens, grads: averaged } = stepGradients(model, variables, micro.map((indices) => () => makeBatch(indices)), dropoutRng);
    const { norm, grads } = clipByGlobalNorm(averaged, options.clipNorm ?? Infinity);
    tf.dispose([...averaged.values()]);
    const lr = learningRate(position.step, schedule);
    optimizer.apply(variables, grads, lr);
    tf.dispose([...grads.values()]);

    // Advance the data position.
    const epochBefore = position.epoch;
    let batch = position.batch + micro.length;
    let epoch = position.epoch;
    if (batch >= plan.batches.length) {
      epoch++;
      batch = 0;
    }
    position = { step: position.step + 1, epoch, batch };

    trainLoss = stepLoss;
    const seconds = (performance.now() - started) / 1000;
    stepsRun++;
    stepSeconds += seconds;
    tokensRun += tokens;
    log.write({ step: position.step, epoch: epochBefore, loss: trainLoss, lr, grad_norm: norm, tokens_per_s: tokens / seconds });

    const epochEnded = epoch !== epochBefore;
    const last = position.step === totalSteps;
    if (valIndices.length > 0 && (options.valEvery === null ? epochEnded || last : position.step % options.valEvery === 0 || last)) {
      const valLoss = validate();
      log.write({ step: position.step, epoch: epochBefore, val_loss: valLoss });
      if (validation.best === null || valLoss < validation.best) {
        validation = { best: valLoss, bestStep: position.step, bad: 0 };
        // Written before the checkpoint that records it: a resumed run rewrites it identically.
        if (options.restoreBest) await model.save(join(out, BEST_MODEL_DIR), tokenizerJson);
      } else {
        validation = { ...validation, bad: validation.bad + 1 };
      }
      if (options.patience !== null && validation.bad >= options.patience) {
        done = true;
        note(`early stopping at step ${position.step}: no better validation loss for ${validation.bad} validations (best ${validation.best!.toFixed(4)} at step ${validation.bestStep})\n`);
      }
    }
    if (last) done = true;
    progress.tick(1, `loss ${trainLoss.toFixed(4)} | ${Math.round(tokensRun / stepSeconds)} tok/s | epoch ${epochBefore + 1}/${options.epochs}`);
    if (done || position.step % options.checkpointEvery === 0) await saveCheckpoint();
  }
  progress.finish();

  if (options.restoreBest && validation.bestStep !== null) {
    const best = join(out, BEST_MODEL_DIR);
    await buildDirAtomic(join(out, MODEL_DIR), (tmp) => cp(best, tmp, { recursive: true }));
  } else {
    await model.save(join(out, MODEL_DIR), tokenizerJson);
  }
  const summary: TrainSummary = {
    steps: position.step,
    epochs: position.epoch + (position.batch > 0 ? 1 : 0),
    stoppedEarly: position.step < totalSteps,
    trainLoss,
    bestValLoss: validation.best,
    bestValStep: validation.bestStep,
    resumedFrom,
    stepsRun,
    secondsPerStep: stepsRun ? stepSeconds / stepsRun : 0,
    tokensPerSecond: stepSeconds ? tokensRun / stepSeconds : 0,
    parameters: model.parameterCounts(),
  };
  const run: TrainRunInfo = { backbone: request.model.backbone, alignment, seed: request.seed, instruction: options.instruction, source };
  await writeJsonAtomic(join(out, TRAIN_INFO_FILE), {
    run,
    options,
    data: { dir: request.data, counts: data.manifest.counts },
    backend: request.backend ?? tf.getBackend(),
    totalSteps,
    summary,
  });
  model.dispose();
  optimizer.dispose();
  return summary;
}
