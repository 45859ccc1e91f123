/**
 * The kit's side of `npm run bench`: a long-lived worker that the orchestrator (bench.ts)
 * drives over stdin/stdout, one JSON request per line (lib/bench/peer.ts), mirrored by the
 * Python peers. Models built for a request are kept (by key) so that the orchestrator can
 * alternate kit and PyTorch reps without rebuilding; only the timed region is timed.
 *
 * What a train step is here (and in torch_peer.py): forward of the whole decoder on a [B, T]
 * batch of random tokens, mean next-token cross-entropy over all B·(T−1) positions, backward,
 * and one AdamW update (lr 2e-5, no weight decay) of every decoder weight (full fine-tuning:
 * the largest set of weights MEIT ever trains). With `ecg`, each layer also gets MEIT's ECG
 * slot: a fixed [B, 1, hidden] vector through that layer's K/V, as the multimodal model feeds
 * it (the ECG encoder itself is not part of the step; transformers has no such slot).
 */
import { createRequire } from 'node:module';
import { createInterface } from 'node:readline';
import * as tf from '@tensorflow/tfjs';
import { type BackendPreference, backendInfo, initBackend } from '../../lib/model/backend.ts';
import type { DecoderConfig } from '../../lib/model/config.ts';
import { type DecoderParams, type KvCache, forward, initDecoderWeights } from '../../lib/model/decoder.ts';
import { generate } from '../../lib/model/generate.ts';
import { type PresetName, presetFromParams } from '../../lib/model/presets.ts';
import { AdamW } from '../../lib/train/adamw.ts';
import { loadParams } from '../../lib/config/params.ts';
import { readRecord } from '../../lib/ecg/wfdb/index.ts';
import { prepareDataset } from '../../lib/data/prepare.ts';
import { readPredictions, readReferences } from '../../lib/eval/jsonl.ts';
import { scoreCaptions } from '../../lib/eval/score.ts';
import { Rng } from '../../lib/util/prng.ts';
import { peakRssMb } from '../../lib/bench/stats.ts';
import { attentionVariants, groupedQueryVariants } from './attention-lever.ts';

type Request = Record<string, unknown> & { op: string };

interface TrainSetup {
  params: DecoderParams;
  optimizer: AdamW;
  ids: tf.Tensor2D;
  ecg?: tf.Tensor3D;
}

const trainSetups = new Map<string, TrainSetup>();
const generationModels = new Map<string, DecoderParams>();
const rng = new Rng('bench');

function config(preset: string, paramsFile: string): DecoderConfig {
  return presetFromParams(loadParams(paramsFile), preset as PresetName);
}

function randomTokens(b: number, t: number, vocab: number, stream: Rng): number[][] {
  return Array.from({ length: b }, () => Array.from({ length: t }, () => stream.int(1, vocab)));
}

/** Mean next-token cross-entropy over every position (no padding in the benchmark batches). */
function lmLoss(params: DecoderParams, ids: tf.Tensor2D, ecg: tf.Tensor3D | undefined): tf.Scalar {
  const { logits } = forward(params, ids, ecg ? { ecg } : {});
  const [b, t, v] = logits.shape;
  const logProbs = tf.logSoftmax(logits.slice([0, 0, 0], [b, t - 1, v]));
  const targets = ids.slice([0, 1], [b, t - 1]);
  return tf.neg(tf.mean(tf.sum(tf.mul(logProbs, tf.oneHot(targets, v)), -1))) as tf.Scalar;
}

function trainSetup(r: Request): TrainSetup {
  const key = JSON.stringify([r.preset, r.batch, r.seq, r.ecg]);
  let setup = trainSetups.get(key);
  if (!setup) {
    const c = config(r.preset as string, r.params as string);
    const stream = rng.fork(key);
    setup = {
      params: { config: c, weights: initDecoderWeights(c, stream.fork('weights')) },
      optimizer: new AdamW({ weightDecay: 0 }),
      ids: tf.tensor2d(randomTokens(r.batch as number, r.seq as number, c.vocabSize, stream), undefined, 'int32'),
    };
    if (r.ecg) setup.ecg = tf.randomNormal([r.batch as number, 1, c.hiddenSize], 0, 1, 'float32', 7) as tf.Tensor3D;
    trainSetups.set(key, setup);
  }
  return setup;
}

/** One timed training step (ms); the loss is read back so that the step really finished. */
function trainStep(setup: TrainSetup): number {
  const start = performance.now();
  const weights = [...setup.params.weights.values()];
  const { value, grads } = tf.variableGrads(() => lmLoss(setup.params, setup.ids, setup.ecg), weights);
  const named = new Map<string, tf.Tensor>();
  let i = 0;
  for (const name of setup.params.weights.keys()) named.set(name, grads[weights[i++]!.name]!);
  setup.optimizer.apply(setup.params.weights, named, 2e-5);
  const loss = value.dataSync()[0]!;
  tf.dispose([value, ...Object.values(grads)]);
  if (!Number.isFinite(loss)) throw new Error(`non-finite loss ${loss}`);
  return performance.now() - start;
}

function generationModel(r: Request): DecoderParams {
  const key = String(r.preset);
  let params = generationModels.get(key);
  if (!params) {
    const c = config(key, r.params as string);
    params = { config: c, weights: initDecoderWeights(c, rng.fork(`generate:${key}`)) };
    generationModels.set(key, params);
  }
  return params;
}

/** Greedy decoding with the KV cache of exactly `newTokens` tokens per row (no EOS): seconds. */
function timeGeneration(params: DecoderParams, batch: number, promptLength: number, newTokens: number): number {
  const prompts = randomTokens(batch, promptLength, params.config.vocabSize, rng.fork(`prompts:${batch}:${promptLength}`));
  const model = {
    forward: (inputIds: tf.Tensor2D, attentionMask: tf.Tensor2D, cache: KvCache | undefined, useCache: boolean) => forward(params, inputIds, { attentionMask, cache, useCache }),
    selectRows: () => {
      throw new Error('greedy decoding selects no rows');
    },
  };
  const start = performance.now();
  const out = generate(model, prompts, { strategy: 'greedy', maxNewTokens: newTokens, eosId: undefined, padId: 0, useCache: true });
  const seconds = (performance.now() - start) / 1000;
  if (out.some((row) => row.length !== newTokens)) throw new Error('generation stopped early');
  return seconds;
}

const handlers: Record<string, (r: Request) => Promise<unknown> | unknown> = {
  async init(r) {
    if (typeof r.nativeModule === 'string') {
      // A @tensorflow/tfjs-node built by scripts/setup-native.sh but not installed in the
      // project: loading it registers the 'tensorflow' backend with the project's tfjs.
      createRequire(import.meta.url)(r.nativeModule);
      if (!(await tf.setBackend('tensorflow'))) throw new Error(`${r.nativeModule} registered no working tensorflow backend`);
      tf.enableProdMode();
      return { name: 'tensorflow', detail: `@tensorflow/tfjs-node from ${r.nativeModule}` };
    }
    await initBackend((r.backend as BackendPreference | undefined) ?? 'auto');
    return backendInfo();
  },

  /** Lever 5: tfjs production mode (initBackend turns it on). */
  prodMode(r) {
    tf.env().set('PROD', r.on === true);
    return { prod: tf.env().getBool('PROD') };
  },

  train(r) {
    const setup = trainSetup(r);
    if (r.warmup) for (let i = 0; i < (r.warmup as number); i++) trainStep(setup);
    return { ms: Array.from({ length: (r.steps as number) ?? 1 }, () => trainStep(setup)) };
  },

  generate(r) {
    const params = generationModel(r);
    if (r.warmup) timeGeneration(params, r.batch as number, r.prompt as number, 4);
    const seconds = timeGeneration(params, r.batch as number, r.prompt as number, r.newTokens as number);
    return { seconds, tokens: (r.batch as number) * (r.newTokens as number) };
  },

  /** Frees the models of one preset (keeps the worker's memory near one model at a time). */
  release(r) {
    for (const [key, setup] of trainSetups) {
      if (JSON.parse(key)[0] !== r.preset) continue;
      setup.optimizer.dispose();
      tf.dispose([...setup.params.weights.values(), setup.ids, ...(setup.ecg ? [setup.ecg] : [])]);
      trainSetups.delete(key);
    }
    const params = generationModels.get(r.preset as string);
    if (params) tf.dispose([...params.weights.values()]);
    generationModels.delete(r.preset as string);
    return { tensors: tf.memory().numTensors };
  },

  /** Decodes every record (header + signal files → physical Float32Arrays). */
  async wfdb(r) {
    const records = r.records as string[];
    const start = performance.now();
    let samples = 0;
    for (const path of records) {
      const record = await readRecord(path);
      for (const signal of record.physical) samples += signal.length;
    }
    return { seconds: (performance.now() - start) / 1000, samples };
  },

  async prepare(r) {
    const start = performance.now();
    const result = await prepareDataset({ source: 'ptbxl', root: r.root as string, out: r.out as string, params: loadParams(r.params as string), warn: () => {} });
    const records = Object.values(result.manifest.counts).reduce((a, b) => a + b, 0);
    return { seconds: (performance.now() - start) / 1000, records, workers: result.workers };
  },

  async score(r) {
    // Timed from the JSONL files on, as pycocoevalcap's side is timed from its Python lists.
    const start = performance.now();
    const { predictions } = await readPredictions(r.predictions as string);
    const { references } = await readReferences(r.references as string);
    const scores = scoreCaptions(predictions, references, { mode: 'coco' });
    return { seconds: (performance.now() - start) / 1000, pairs: predictions.size, scores };
  },

  attention(r) {
    return attentionVariants(r as never);
  },

  groupedQuery(r) {
    return groupedQueryVariants(r as never);
  },

  memory() {
    return { peakRssMb: peakRssMb() };
  },
};

for await (const line of createInterface({ input: process.stdin })) {
  if (!line.trim()) continue;
  let reply: unknown;
  try {
    const request = JSON.parse(line) as Request;
    const handler = handlers[request.op];
    if (!handler) throw new Error(`unknown op ${request.op}`);
    reply = { ok: true, result: await handler(request) };
  } catch (err) {
    reply = { ok: false, error: (err as Error).message.split('\n')[0] };
  }
  process.stdout.write(JSON.stringify(reply) + '\n');
}
