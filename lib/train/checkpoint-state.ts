/**
 * Training checkpoints: everything `meit train --resume` needs to continue exactly.
 *
 *   OUT/checkpoints/step-00000040/model/               the model directory (weights incl. BN
 *                                                      statistics, config, tokenizer)
 *   OUT/checkpoints/step-00000040/optimizer.safetensors AdamW moments, `m.<name>` / `v.<name>`
 *   OUT/checkpoints/step-00000040/state.json           position, RNG state, validation record
 *   OUT/checkpoints/LATEST                             the name of the newest complete checkpoint
 *
 * A checkpoint directory is built atomically and only then named in LATEST (itself replaced
 * atomically), so a run killed at any moment leaves a complete checkpoint to resume from;
 * older checkpoints are removed after LATEST moves on. The data position is (epoch, batch):
 * an epoch's batch order and instructions are drawn from a fork of the seeded Rng labelled by
 * the epoch, so they need not be stored; the one Rng that runs on across steps (LoRA dropout)
 * is stored by state.
 */
import { readFile, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { AdamWState } from './adamw.ts';
import { MeitModel } from '../model/multimodal.ts';
import { readSafetensors, readSafetensorsHeader, type TensorToWrite, writeSafetensors } from '../model/safetensors.ts';
import { buildDirAtomic, writeFileAtomic, writeJsonAtomic } from '../util/atomic.ts';
import { InputError, fileError } from '../util/errors.ts';
import type { RngState } from '../util/prng.ts';

export const TRAIN_STATE_FORMAT = 'meit-train-state';
export const TRAIN_STATE_VERSION = 1;

/** Where the next optimizer step starts. */
export interface TrainPosition {
  /** Optimizer steps done. */
  step: number;
  epoch: number;
  /** Index of the next micro-batch in the epoch's batch order. */
  batch: number;
}

export interface ValidationRecord {
  best: number | null;
  bestStep: number | null;
  /** Validations since the last improvement (early stopping). */
  bad: number;
}

export interface TrainState {
  format: typeof TRAIN_STATE_FORMAT;
  version: number;
  /** Hash of everything that defines the run (params, backbone, alignment, seed, data). */
  fingerprint: string;
  position: TrainPosition;
  /** The LoRA-dropout stream. */
  dropoutRng: RngState;
  validation: ValidationRecord;
  /** Lines of the JSONL log written up to this checkpoint (a resumed run cuts the log here). */
  logLines: number;
  /** Loss of the last step (null before the first). */
  lastLoss: number | null;
  /** Training stopped (last step or early stopping). */
  done: boolean;
}

export interface LoadedCheckpoint {
  dir: string;
  state: TrainState;
  model: MeitModel;
  optimizer: AdamWState;
}

const LATEST = 'LATEST';
const checkpointsDir = (out: string) => join(out, 'checkpoints');

/** Writes a checkpoint and makes it the one `--resume` reads. */
export async function writeCheckpoint(out: string, model: MeitModel, tokenizer: object, optimizer: AdamWState, state: TrainState): Promise<void> {
  const root = checkpointsDir(out);
  const name = `step-${String(state.position.step).padStart(8, '0')}`;
  const moments = new Map<string, TensorToWrite>();
  const variables = model.variables();
  for (const [param, { m, v }] of optimizer.moments) {
    const shape = variables.get(param)!.shape;
    moments.set(`m.${param}`, { shape, data: m });
    moments.set(`v.${param}`, { shape, data: v });
  }
  await buildDirAtomic(join(root, name), async (tmp) => {
    await model.save(join(tmp, 'model'), tokenizer);
    await writeSafetensors(join(tmp, 'optimizer.safetensors'), moments, { step: String(optimizer.step) });
    await writeJsonAtomic(join(tmp, 'state.json'), state);
  });
  await writeFileAtomic(join(root, LATEST), name + '\n');
  for (const entry of await readdir(root)) {
    if (entry !== name && entry !== LATEST && entry.startsWith('step-')) await rm(join(root, entry), { recursive: true, force: true });
  }
}

/** The newest checkpoint of a run directory, or null when it has none. */
export async function readCheckpoint(out: string): Promise<LoadedCheckpoint | null> {
  const latestFile = join(checkpointsDir(out), LATEST);
  let name: string;
  try {
    name = (await readFile(latestFile, 'utf8')).trim();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw fileError(err, latestFile);
  }
  if (!/^step-\d+$/.test(name)) throw new InputError(`not a checkpoint name: ${JSON.stringify(name)}`, { file: latestFile });
  const dir = join(checkpointsDir(out), name);
  const state = await readState(join(dir, 'state.json'));
  const model = await MeitModel.load(join(dir, 'model'));
  try {
    return { dir, state, model, optimizer: await readOptimizer(join(dir, 'optimizer.safetensors'), model) };
  } catch (err) {
    model.dispose();
    throw err;
  }
}

/** Removes every checkpoint of a run directory (a fresh run). */
export async function clearCheckpoints(out: string): Promise<void> {
  await rm(checkpointsDir(out), { recursive: true, force: true });
}

async function readState(file: string): Promise<TrainState> {
  let state: Partial<TrainState>;
  try {
    state = JSON.parse(await readFile(file, 'utf8')) as Partial<TrainState>;
  } catch (err) {
    if (err instanceof SyntaxError) throw new InputError(`invalid JSON: ${err.message}`, { file });
    throw fileError(err, file);
  }
  if (state?.format !== TRAIN_STATE_FORMAT) throw new InputError(`not a training state (format is not "${TRAIN_STATE_FORMAT}")`, { file });
  if (state.version !== TRAIN_STATE_VERSION) throw new InputError(`training-state version ${state.version}; this kit reads ${TRAIN_STATE_VERSION}`, { file });
  return state as TrainState;
}

async function readOptimizer(file: string, model: MeitModel): Promise<AdamWState> {
  const stored = await readSafetensors(file);
  const shapes = model.tensorShapes();
  const moments = new Map<string, { m: Float32Array; v: Float32Array }>();
  for (const [name, tensor] of stored) {
    const match = /^m\.(.+)$/.exec(name);
    if (!match) continue;
    const param = match[1]!;
    const v = stored.get(`v.${param}`);
    const shape = shapes.get(param);
    if (!v || !shape || shape.join(',') !== tensor.shape.join(',')) {
      throw new InputError(`optimizer moments of ${param} do not match the model`, { file, where: name });
    }
    moments.set(param, { m: tensor.data, v: v.data });
  }
  const step = Number((await readSafetensorsHeader(file)).metadata.step);
  if (!Number.isInteger(step) || step < 0) throw new InputError('metadata step is missing', { file });
  return { step, moments };
}
