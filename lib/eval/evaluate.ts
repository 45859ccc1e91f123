/**
 * An evaluation run: a trained model on the test split of a prepared dataset.
 *
 *   OUT/metrics.json                    flat: "coco/BLEU-4", "meit/BLEU-4", "clinical/micro_f1",
 *                                       "coco/BLEU-4_ci_low", ..., and the controls' metrics
 *                                       under their prefix ("no-ecg/coco/BLEU-4", ...)
 *   OUT/predictions.jsonl               {id, instruction, prediction, reference, labels}
 *   OUT/predictions-<control>.jsonl     the same for each control
 *
 * Decoding is greedy, at most `maxNewTokens` (paper: 128) new tokens, in batches. Captions
 * are scored in both modes (lib/eval/score.ts); clinical efficacy uses the dataset's labels
 * when the references carry them, else the labeler on the reference text. 95% percentile
 * bootstrap intervals (seeded) come with the main caption and clinical metrics.
 *
 * Controls (the doubts of reviewers and of ECG-Bench: do the reports depend on the ECG?):
 *   no-ecg             the same model with the alignment bypassed: the decoder alone, LoRA on
 *   shuffled-ecg       every prompt paired with another test example's ECG (a seeded
 *                      permutation without fixed points)
 *   nearest-neighbour  no language model: the report of the most similar training ECG under
 *                      the model's own encoder (lib/eval/baselines.ts)
 * Under alignment none the model never sees an ECG, so there are no controls to run.
 */
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type PreparedDataset, type PreparedExample, openPrepared } from '../data/shards.ts';
import { ecgBatch, encodePrompt } from '../model/batch.ts';
import { forward } from '../model/decoder.ts';
import { generate, type SequenceModel } from '../model/generate.ts';
import { MeitModel } from '../model/multimodal.ts';
import { type Tokenizer, loadTokenizer } from '../model/tokenizer.ts';
import { MODEL_DIR, TRAIN_INFO_FILE, type TrainRunInfo, datasetSource, promptInstruction } from '../train/trainer.ts';
import { type Control, type EvaluateOptions, TRAIN_INSTRUCTION_POLICIES, type TrainInstructionPolicy } from '../train/options.ts';
import { buildDirAtomic } from '../util/atomic.ts';
import { InputError, fileError } from '../util/errors.ts';
import { Progress } from '../util/progress.ts';
import { Rng } from '../util/prng.ts';
import { bootstrapCIs } from './bootstrap.ts';
import { prepareClinical } from './clinical/index.ts';
import type { ClinicalScores } from './clinical/scores.ts';
import { embedEcgs, nearestNeighbours } from './baselines.ts';
import { prepareCaptions } from './score.ts';

export interface EvaluateRequest {
  /** A run directory of `meit train` (holding model/ and train.json) or a model directory. */
  model: string;
  data: string;
  out: string;
  options: EvaluateOptions;
  /** Seeds the shuffled-ECG permutation and the bootstrap. */
  seed: number;
}

export interface EvaluateResult {
  metrics: Record<string, number>;
  examples: number;
  /** Generated tokens per second of the main run. */
  tokensPerSecond: number;
}

/** One line of predictions*.jsonl. */
export interface PredictionLine {
  id: string;
  instruction: string | null;
  prediction: string;
  reference: string;
  labels: Record<string, number>;
  /** nearest-neighbour: the training example whose report was retrieved. */
  neighbour?: string;
}

const CLINICAL_KEYS: Record<keyof ClinicalScores, string> = {
  'CE-micro-P': 'micro_precision',
  'CE-micro-R': 'micro_recall',
  'CE-micro-F1': 'micro_f1',
  'CE-macro-P': 'macro_precision',
  'CE-macro-R': 'macro_recall',
  'CE-macro-F1': 'macro_f1',
  'CE-exact': 'exact_match',
};

/** The metrics that get bootstrap intervals. */
const CI_METRICS = ['coco/BLEU-4', 'coco/METEOR', 'coco/ROUGE-L', 'coco/CIDEr-D', 'clinical/micro_f1', 'clinical/macro_f1'] as const;

/** The model directory and training policy of a `--model` argument. */
async function resolveModel(path: string): Promise<{ dir: string; instruction: TrainInstructionPolicy }> {
  if (!existsSync(join(path, MODEL_DIR, 'config.json'))) return { dir: path, instruction: 'bank' };
  const infoFile = join(path, TRAIN_INFO_FILE);
  let run: Partial<TrainRunInfo> | undefined;
  try {
    run = (JSON.parse(await readFile(infoFile, 'utf8')) as { run?: TrainRunInfo }).run;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { dir: join(path, MODEL_DIR), instruction: 'bank' };
    if (err instanceof SyntaxError) throw new InputError(`invalid JSON: ${err.message}`, { file: infoFile });
    throw fileError(err, infoFile);
  }
  const instruction = run?.instruction ?? 'bank';
  if (!(TRAIN_INSTRUCTION_POLICIES as readonly string[]).includes(instruction)) throw new InputError(`unknown instruction policy ${JSON.stringify(instruction)}`, { file: infoFile, where: 'run.instruction' });
  return { dir: join(path, MODEL_DIR), instruction };
}

/** The decoder of `model` (LoRA on) without any ECG conditioning: the no-ECG control, and all a text-only model is. */
function decoderOnly(model: MeitModel): SequenceModel {
  const linearHook = model.lora?.hook();
  const self: SequenceModel = {
    forward: (inputIds, attentionMask, cache, useCache) =>
      forward(model.decoder, inputIds, { attentionMask, cache, useCache, linearHook }) as ReturnType<SequenceModel['forward']>,
    selectRows: () => self,
  };
  return self;
}

interface Generator {
  model: MeitModel;
  tokenizer: Tokenizer;
  data: PreparedDataset;
  test: readonly PreparedExample[];
  prompts: number[][];
  options: EvaluateOptions;
}

/**
 * Greedy reports for every test example; `ecgOf(i)` is the test example whose ECG goes with
 * prompt i (null: no ECG at all).
 */
function generateReports(g: Generator, label: string, ecgOf: ((i: number) => number) | null): { texts: string[]; tokens: number; seconds: number } {
  const texts: string[] = [];
  let tokens = 0;
  const progress = new Progress(`evaluate ${label}`, g.test.length, { unit: 'ex' });
  const eosId = g.tokenizer.eosId;
  const padId = g.tokenizer.padId ?? eosId;
  const start = performance.now();
  for (let s = 0; s < g.test.length; s += g.options.batchSize) {
    const rows = Array.from({ length: Math.min(g.options.batchSize, g.test.length - s) }, (_, k) => s + k);
    const prompts = rows.map((i) => g.prompts[i]!);
    const options = { maxNewTokens: g.options.maxNewTokens, eosId, padId };
    let ids: number[][];
    if (ecgOf === null || !g.model.encoder) {
      ids = generate(decoderOnly(g.model), prompts, options);
    } else {
      const ecg = ecgBatch(rows.map((i) => g.data.readSignal('test', ecgOf(i))));
      ids = g.model.generate(ecg, prompts, options);
      ecg.dispose();
    }
    for (const row of ids) {
      tokens += row.length;
      texts.push(g.tokenizer.decode(row, { skipSpecialTokens: true }).trim());
    }
    progress.tick(rows.length);
  }
  progress.finish();
  return { texts, tokens, seconds: (performance.now() - start) / 1000 };
}

/**
 * A random permutation of 0..n-1 without fixed points (Sattolo's algorithm: one n-cycle), so
 * that no example keeps its own ECG in the shuffled-ECG control (n = 1 keeps it: no other).
 */
export function derangement(n: number, rng: Rng): number[] {
  const p = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = rng.int(0, i);
    [p[i], p[j]] = [p[j]!, p[i]!];
  }
  return p;
}

/** Flat metrics of one set of predictions, with `prefix`, and bootstrap intervals. */
function scoreVariant(test: readonly PreparedExample[], texts: string[], prefix: string, options: EvaluateOptions, rng: Rng): Record<string, number> {
  const predictions = new Map(test.map((e, i) => [e.id, texts[i]!]));
  const references = new Map(test.map((e) => [e.id, [e.report]]));
  const labels = new Map(test.filter((e) => Object.keys(e.labels).length > 0).map((e) => [e.id, e.labels]));
  const coco = prepareCaptions(predictions, references, { mode: 'coco' });
  const meit = prepareCaptions(predictions, references, { mode: 'meit' });
  const clinical = prepareClinical(predictions, references, labels);

  const all = (indices?: number[]): Record<string, number> => {
    const out: Record<string, number> = {};
    for (const [k, v] of Object.entries(coco.score(indices))) out[`coco/${k}`] = v;
    for (const [k, v] of Object.entries(clinical.score(indices))) out[`clinical/${CLINICAL_KEYS[k as keyof ClinicalScores]}`] = v;
    return out;
  };
  const metrics: Record<string, number> = { ...all() };
  for (const [k, v] of Object.entries(meit.score())) metrics[`meit/${k}`] = v;
  if (options.bootstrap > 0) {
    const cis = bootstrapCIs(
      test.length,
      (indices) => {
        const values = all(Array.from(indices));
        return Object.fromEntries(CI_METRICS.map((k) => [k, values[k]!])) as Record<(typeof CI_METRICS)[number], number>;
      },
      { rng, resamples: options.bootstrap },
    );
    for (const k of CI_METRICS) {
      metrics[`${k}_ci_low`] = cis[k].low;
      metrics[`${k}_ci_high`] = cis[k].high;
    }
  }
  return Object.fromEntries(Object.entries(metrics).map(([k, v]) => [prefix + k, v]));
}

export async function evaluateModel(request: EvaluateRequest): Promise<EvaluateResult> {
  const { options } = request;
  const { dir, instruction } = await resolveModel(request.model);
  const model = await MeitModel.load(dir);
  const data = openPrepared(request.data);
  try {
    const tokenizer = await loadTokenizer(dir);
    const source = datasetSource(data);
    const test = data.examples('test').slice(0, options.maxExamples ?? undefined);
    if (test.length === 0) throw new InputError('no test examples', { file: join(data.dir, 'test.jsonl') });
    const instructions = test.map((e) => promptInstruction(instruction, source, e));
    const g: Generator = { model, tokenizer, data, test, prompts: instructions.map((text) => encodePrompt(tokenizer, text)), options };
    const root = new Rng(request.seed).fork('evaluate');

    const files = new Map<string, PredictionLine[]>();
    const lines = (texts: string[], neighbours?: string[]) =>
      test.map((e, i): PredictionLine => ({
        id: e.id,
        instruction: instructions[i]!,
        prediction: texts[i]!,
        reference: e.report,
        labels: e.labels,
        ...(neighbours ? { neighbour: neighbours[i]! } : {}),
      }));

    const main = generateReports(g, 'model', (i) => i);
    const metrics: Record<string, number> = { examples: test.length, ...scoreVariant(test, main.texts, '', options, root.fork('bootstrap')) };
    files.set('predictions.jsonl', lines(main.texts));

    const controls: Control[] = model.encoder ? options.controls : [];
    if (!model.encoder && options.controls.length > 0) process.stderr.write('meit: alignment none uses no ECG: no controls to run\n');
    for (const control of controls) {
      let texts: string[];
      let neighbours: string[] | undefined;
      if (control === 'no-ecg') {
        texts = generateReports(g, control, null).texts;
      } else if (control === 'shuffled-ecg') {
        const permutation = derangement(test.length, root.fork('shuffle'));
        texts = generateReports(g, control, (i) => permutation[i]!).texts;
      } else {
        const train = data.examples('train').slice(0, options.nnMaxTrain ?? undefined);
        const pool = embedEcgs(model, train.length, (i) => data.readSignal('train', i), options.batchSize);
        const queries = embedEcgs(model, test.length, (i) => data.readSignal('test', i), options.batchSize);
        const nearest = nearestNeighbours(queries.vectors, pool.vectors, pool.dim);
        texts = nearest.map((j) => train[j]!.report);
        neighbours = nearest.map((j) => train[j]!.id);
      }
      Object.assign(metrics, scoreVariant(test, texts, `${control}/`, options, root.fork('bootstrap').fork(control)));
      files.set(`predictions-${control}.jsonl`, lines(texts, neighbours));
    }

    await buildDirAtomic(request.out, async (tmp) => {
      await writeFile(join(tmp, 'metrics.json'), JSON.stringify(metrics, null, 2) + '\n');
      for (const [name, rows] of files) await writeFile(join(tmp, name), rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
    });
    return { metrics, examples: test.length, tokensPerSecond: main.tokens / Math.max(main.seconds, 1e-9) };
  } finally {
    data.close();
    model.dispose();
  }
}
