/**
 * The kit's model directory:
 *
 *   config.json          {"format": "meit-kit-model", "version": 1, "model": MeitModelConfig}
 *   model.safetensors    every tensor of MeitModel.variables() (decoder, LoRA, encoder with its
 *                        BN running statistics, alignment), F32, by checkpoint name
 *   tokenizer.json       the tokenizer the model was trained with (+ tokenizer_config.json
 *                        when the source had one), so `loadTokenizer(dir)` reads it back
 *
 * The directory is built atomically (a crashed save leaves the previous one intact). Loading
 * checks the config and every tensor's presence and shape before touching any weight: a bad
 * directory is an InputError naming the file and the tensor. `saveMergedModel` exports a LoRA
 * model with the adapters folded into the decoder (a plain fully fine-tuned model).
 */
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { buildDirAtomic, writeJsonAtomic } from '../util/atomic.ts';
import { InputError } from '../util/errors.ts';
import { readJsonFile } from '../util/files.ts';
import { Rng } from '../util/prng.ts';
import { type MeitModelConfig, MeitModel, disposeMerged } from './multimodal.ts';
import { type TensorToWrite, withSafetensors, writeSafetensors } from './safetensors.ts';
import { writeTokenizerFiles } from './tokenizer.ts';

export const CHECKPOINT_FORMAT = 'meit-kit-model';
export const CHECKPOINT_VERSION = 1;
export const CONFIG_FILE = 'config.json';
export const WEIGHTS_FILE = 'model.safetensors';
export const TOKENIZER_FILE = 'tokenizer.json';

/**
 * Writes the model directory. `tokenizer`: the path of a tokenizer.json (its
 * tokenizer_config.json sibling is copied too) or the parsed tokenizer.json object.
 */
export async function saveModel(model: MeitModel, dir: string, tokenizer: string | object): Promise<void> {
  await writeModelDir(dir, model.config, model.variables(), tokenizer);
}

/**
 * Writes the model with its LoRA adapters folded into the decoder weights (W + A·B·α/r): a
 * plain fully fine-tuned model for export, which loadModel reads like any other (same logits
 * up to float rounding). A model without adapters is saved as it is.
 */
export async function saveMergedModel(model: MeitModel, dir: string, tokenizer: string | object): Promise<void> {
  const merged = model.mergedDecoderWeights();
  try {
    const tensors = new Map([...model.variables()].filter(([name]) => !name.startsWith('decoder.') && !name.startsWith('lora.')));
    for (const [name, w] of merged) tensors.set(`decoder.${name}`, w);
    await writeModelDir(dir, { ...model.config, finetune: 'full', lora: null }, tensors, tokenizer);
  } finally {
    disposeMerged(model, merged);
  }
}

async function writeModelDir(dir: string, config: MeitModelConfig, variables: Map<string, tf.Tensor>, tokenizer: string | object): Promise<void> {
  const tensors = new Map<string, TensorToWrite>();
  for (const name of [...variables.keys()].sort()) {
    const v = variables.get(name)!;
    tensors.set(name, { shape: v.shape, data: (await v.data()) as Float32Array });
  }
  await buildDirAtomic(dir, async (tmp) => {
    await writeJsonAtomic(join(tmp, CONFIG_FILE), { format: CHECKPOINT_FORMAT, version: CHECKPOINT_VERSION, model: config });
    await writeSafetensors(join(tmp, WEIGHTS_FILE), tensors, { format: CHECKPOINT_FORMAT });
    await writeTokenizerFiles(tmp, tokenizer);
  });
}

/** The model of a directory written by saveModel (its tokenizer: `loadTokenizer(dir)`). */
export async function loadModel(dir: string): Promise<MeitModel> {
  const configFile = join(dir, CONFIG_FILE);
  const config = await readModelConfig(configFile);
  let model: MeitModel;
  try {
    // The fresh initialisation is overwritten below; its seed does not matter.
    model = MeitModel.fromConfig(config, new Rng(0));
  } catch (err) {
    if (err instanceof InputError || err instanceof RangeError) throw new InputError(`invalid model config: ${err.message}`, { file: configFile, where: 'model' });
    throw err;
  }
  const weightsFile = join(dir, WEIGHTS_FILE);
  try {
    await withSafetensors(weightsFile, (file) => {
      // Names and shapes are checked from the header, before any data is read.
      const stored = new Map(file.header.entries.map((e) => [e.name, e]));
      const variables = model.variables();
      for (const [name, v] of variables) {
        const saved = stored.get(name);
        if (!saved) throw new InputError(`tensor ${name} is missing`, { file: weightsFile, where: name });
        if (saved.shape.join(',') !== v.shape.join(',')) {
          throw new InputError(`tensor ${name} has shape [${saved.shape.join(', ')}], expected [${v.shape.join(', ')}]`, { file: weightsFile, where: name });
        }
      }
      for (const name of stored.keys()) {
        if (!variables.has(name)) throw new InputError(`unexpected tensor ${name} (not part of this model's config)`, { file: weightsFile, where: name });
      }
      for (const [name, v] of variables) {
        const saved = stored.get(name)!;
        tf.tidy(() => v.assign(tf.tensor(file.read(saved), saved.shape)));
      }
    });
  } catch (err) {
    model.dispose();
    throw err;
  }
  return model;
}

/** Reads and checks config.json's envelope; the model fields are checked by building the model. */
async function readModelConfig(file: string): Promise<MeitModelConfig> {
  const json = readJsonFile(file);
  const envelope = json as { format?: unknown; version?: unknown; model?: unknown } | null;
  if (typeof envelope !== 'object' || envelope === null || envelope.format !== CHECKPOINT_FORMAT) {
    throw new InputError(`not a meit-kit model directory (format is not "${CHECKPOINT_FORMAT}")`, { file });
  }
  if (envelope.version !== CHECKPOINT_VERSION) throw new InputError(`unsupported version ${JSON.stringify(envelope.version)} (this kit reads ${CHECKPOINT_VERSION})`, { file });
  const model = envelope.model as Partial<MeitModelConfig> | undefined;
  if (typeof model !== 'object' || model === null || typeof model.decoder !== 'object' || typeof model.alignment !== 'object' || model.encoder === undefined) {
    throw new InputError('model must hold decoder, alignment, encoder, finetune and lora', { file, where: 'model' });
  }
  return model as MeitModelConfig;
}

