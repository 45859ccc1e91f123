/**
 * Loads a Hugging Face checkpoint directory into decoder weights: config.json, then either
 * model.safetensors or the shards listed in model.safetensors.index.json, mapped through the
 * family's tensor-name map (hf-names.ts).
 */
import { existsSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { InputError } from '../util/errors.ts';
import { resolveInside } from '../util/paths.ts';
import { readJsonFile } from '../util/files.ts';
import type { DecoderParams } from './decoder.ts';
import { parameterShapes } from './decoder.ts';
import { readHfConfig } from './hf-config.ts';
import { type HfTensor, mapHfTensors } from './hf-names.ts';
import { withSafetensors } from './safetensors.ts';

const SINGLE = 'model.safetensors';
const INDEX = 'model.safetensors.index.json';

/** The safetensors files of a checkpoint directory, with the tensors the index promises in each. */
function shardFiles(dir: string): Map<string, Set<string> | null> {
  const indexPath = join(dir, INDEX);
  if (!existsSync(indexPath)) {
    const single = join(dir, SINGLE);
    if (!existsSync(single)) {
      const pickle = existsSync(join(dir, 'pytorch_model.bin')) || existsSync(join(dir, 'pytorch_model.bin.index.json'));
      const hint = pickle ? ' (pytorch_model.bin is a pickle, which the kit does not load: convert it to safetensors first)' : '';
      throw new InputError(`no ${SINGLE} or ${INDEX} in the checkpoint directory${hint}`, { file: dir });
    }
    return new Map([[single, null]]);
  }
  const index = readJsonFile(indexPath);
  const weightMap = (index as { weight_map?: unknown } | null)?.weight_map;
  if (typeof weightMap !== 'object' || weightMap === null || Array.isArray(weightMap)) {
    throw new InputError('weight_map must map tensor names to shard files', { file: indexPath, where: 'weight_map' });
  }
  const shards = new Map<string, Set<string>>();
  for (const [tensor, shard] of Object.entries(weightMap)) {
    if (typeof shard !== 'string') throw new InputError(`weight_map.${tensor} must be a file name`, { file: indexPath, where: 'weight_map' });
    const path = resolveInside(dir, shard, { file: indexPath, where: `weight_map.${tensor}` });
    if (!shards.has(path)) shards.set(path, new Set());
    shards.get(path)!.add(tensor);
  }
  return shards;
}

/**
 * Opens every shard of the checkpoint and runs `use` on its tensors, checking the index against
 * the shards' headers. A tensor's data is read only when `use` asks for it (`data` is a getter),
 * i.e. after its name and shape have been checked against config.json: a wrong or huge tensor
 * is refused from the header alone.
 */
async function withCheckpointTensors<T>(dir: string, use: (tensors: Map<string, HfTensor>) => T): Promise<T> {
  const tensors = new Map<string, HfTensor>();
  const shards = [...shardFiles(dir)];
  const openShard = async (i: number): Promise<T> => {
    if (i === shards.length) return use(tensors);
    const [file, promised] = shards[i]!;
    return withSafetensors(file, (shard) => {
      const stored = new Set(shard.header.entries.map((e) => e.name));
      for (const entry of shard.header.entries) {
        const name = entry.name;
        if (tensors.has(name)) throw new InputError(`tensor ${name} is also in ${tensors.get(name)!.file}`, { file });
        if (promised && !promised.has(name)) throw new InputError(`tensor ${name} is not listed for this shard in ${INDEX}`, { file });
        tensors.set(name, { shape: entry.shape, file, get data() { return shard.read(entry); } });
      }
      for (const name of promised ?? []) {
        if (!stored.has(name)) throw new InputError(`tensor ${name}, listed in ${INDEX}, is missing from the shard`, { file });
      }
      return openShard(i + 1);
    });
  };
  return openShard(0);
}

/** The decoder (config and weights as tf.Variables) of a Hugging Face checkpoint directory. */
export async function loadHfCheckpoint(dir: string): Promise<DecoderParams> {
  const root = resolve(dir);
  const config = readHfConfig(join(root, 'config.json')).with({ name: basename(root) });
  const mapped = await withCheckpointTensors(root, (tensors) => mapHfTensors(config, tensors, root));
  const weights = new Map<string, tf.Variable>();
  for (const [name, shape] of parameterShapes(config)) weights.set(name, tf.tidy(() => tf.variable(tf.tensor(mapped.get(name)!, shape))));
  return { config, weights };
}
