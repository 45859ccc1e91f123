/**
 * Text generation from a decoder: greedy (the paper's), beam search and sampling.
 *
 * Prompts of different lengths are left-padded into one batch (the decoder's positions count
 * real tokens only, so padding shifts nothing). With the KV cache (the default) the prompt is
 * run once and each step feeds one token per row; MEIT's ECG slots are projected on the first
 * call and then read from the cache. Without the cache every step recomputes the whole
 * sequence: slower, and kept as the reference the cached path is tested against.
 *
 * A row stops at its end-of-sequence token (which is not returned) or after maxNewTokens
 * (paper: 128). Finished rows keep being fed the pad token until the whole batch is done;
 * their outputs are ignored.
 *
 * Beam search (n beams per prompt) scores a hypothesis by its summed log-probability divided
 * by (generated length)^lengthPenalty, the EOS counted, as Hugging Face does; a prompt is
 * done once it has n finished hypotheses (HF's early_stopping=True), so one beam is greedy.
 * Sampling divides the logits by the temperature, keeps the top-k and then the top-p nucleus,
 * and draws from the kit's seeded Rng: the same seed gives the same text.
 */
import * as tf from '@tensorflow/tfjs';
import type { Rng } from '../util/prng.ts';
import type { KvCache } from './decoder.ts';
import { disposeCache } from './decoder.ts';

/** What generation needs from a model: the decoder with its conditioning (ECG) bound. */
export interface SequenceModel {
  /** Logits [B, T, vocab] for `inputIds` [B, T] (mask [B, T]), continuing `cache` if given. */
  forward(inputIds: tf.Tensor2D, attentionMask: tf.Tensor2D, cache: KvCache | undefined, useCache: boolean): { logits: tf.Tensor3D; cache?: KvCache };
  /** The same model with its conditioning taken from batch rows `rows` (beam expansion). */
  selectRows(rows: number[]): SequenceModel;
}

export type Strategy = 'greedy' | 'beam' | 'sample';

export interface GenerationOptions {
  /** Default greedy. */
  strategy?: Strategy;
  /** Default 128 (the paper). */
  maxNewTokens?: number;
  /** End-of-sequence token; undefined: rows stop at maxNewTokens only. */
  eosId: number | undefined;
  /** The token fed as left padding and after a row has finished; default eosId, else 0. */
  padId?: number;
  /** Beam search: beams per prompt (default 4) and the length-normalisation exponent (default 1). */
  numBeams?: number;
  lengthPenalty?: number;
  /** Sampling: temperature (default 1), top-k (0: off) and top-p (1: off), and the random stream. */
  temperature?: number;
  topK?: number;
  topP?: number;
  rng?: Rng;
  /** Incremental decoding with the KV cache (default true). */
  useCache?: boolean;
}

/** The generated token ids of each prompt (EOS excluded). */
export function generate(model: SequenceModel, prompts: number[][], options: GenerationOptions): number[][] {
  if (prompts.length === 0) return [];
  for (const p of prompts) if (p.length === 0) throw new RangeError('generate: every prompt needs at least one token (a BOS for an empty prompt)');
  const maxNewTokens = options.maxNewTokens ?? 128;
  if (!Number.isInteger(maxNewTokens) || maxNewTokens < 0) throw new RangeError(`maxNewTokens must be a non-negative integer, got ${maxNewTokens}`);
  const strategy = options.strategy ?? 'greedy';
  switch (strategy) {
    case 'greedy':
      return decodeRows(model, prompts, options, maxNewTokens, argmax);
    case 'sample':
      return decodeRows(model, prompts, options, maxNewTokens, samplerOf(options));
    case 'beam':
      return beamSearch(model, prompts, options, maxNewTokens);
    default:
      throw new RangeError(`unknown generation strategy ${JSON.stringify(strategy)}; expected greedy, beam or sample`);
  }
}

/** Greedy and sampling: one continuation per row, each token chosen from its row's logits. */
function decodeRows(model: SequenceModel, prompts: number[][], options: GenerationOptions, maxNewTokens: number, pick: (logits: Float32Array) => number): number[][] {
  const padId = options.padId ?? options.eosId ?? 0;
  const outputs = prompts.map(() => [] as number[]);
  const done = prompts.map(() => maxNewTokens === 0);
  const state = new DecodingState(model, prompts, padId, options.useCache ?? true);
  try {
    while (!done.every(Boolean)) {
      const rows = state.lastLogits();
      const next = rows.map((logits, i) => {
        if (done[i]) return padId;
        const token = pick(logits);
        if (token === options.eosId) done[i] = true;
        else outputs[i]!.push(token);
        if (outputs[i]!.length >= maxNewTokens) done[i] = true;
        return token;
      });
      if (done.every(Boolean)) break;
      state.append(next);
    }
  } finally {
    state.dispose();
  }
  return outputs;
}

interface Hypothesis {
  tokens: number[];
  score: number;
}

function beamSearch(model: SequenceModel, prompts: number[][], options: GenerationOptions, maxNewTokens: number): number[][] {
  const n = options.numBeams ?? 4;
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`numBeams must be a positive integer, got ${n}`);
  const lengthPenalty = options.lengthPenalty ?? 1;
  const padId = options.padId ?? options.eosId ?? 0;
  const b = prompts.length;
  // Row i·n + j is beam j of prompt i.
  const expand = Array.from({ length: b * n }, (_, r) => Math.floor(r / n));
  const expanded = model.selectRows(expand);
  const state = new DecodingState(expanded, expand.map((i) => prompts[i]!), padId, options.useCache ?? true);
  const normalised = (sum: number, length: number) => sum / length ** lengthPenalty;
  // All beams start as the same prompt: only the first may expand at the first step.
  let beams = Array.from({ length: b * n }, (_, r) => ({ tokens: [] as number[], sum: r % n === 0 ? 0 : -Infinity }));
  const finished = prompts.map(() => [] as Hypothesis[]);
  const done = prompts.map(() => maxNewTokens === 0);
  try {
    for (let step = 0; step < maxNewTokens && !done.every(Boolean); step++) {
      const logProbs = state.lastLogits().map(logSoftmax);
      const nextBeams: typeof beams = [];
      const sources: number[] = [];
      const tokens: number[] = [];
      for (let i = 0; i < b; i++) {
        if (done[i]) {
          for (let j = 0; j < n; j++) {
            nextBeams.push(beams[i * n + j]!);
            sources.push(i * n + j);
            tokens.push(padId);
          }
          continue;
        }
        const candidates = topCandidates(logProbs, beams, i * n, n, 2 * n);
        const chosen: { source: number; token: number; sum: number }[] = [];
        candidates.forEach((c, rank) => {
          if (chosen.length === n) return;
          if (c.token === options.eosId) {
            // Only an EOS among the n best counts (HF), else the beam would end too eagerly.
            if (rank < n) finished[i]!.push({ tokens: beams[c.source]!.tokens, score: normalised(c.sum, beams[c.source]!.tokens.length + 1) });
            return;
          }
          chosen.push(c);
        });
        if (finished[i]!.length >= n) done[i] = true;
        // (Only with a vocabulary smaller than 2n can fewer than n survive: keep the rows aligned.)
        while (chosen.length < n) chosen.push({ source: i * n, token: padId, sum: -Infinity });
        for (const c of chosen) {
          nextBeams.push({ tokens: [...beams[c.source]!.tokens, c.token], sum: c.sum });
          sources.push(c.source);
          tokens.push(c.token);
        }
      }
      beams = nextBeams;
      if (done.every(Boolean) || step === maxNewTokens - 1) break;
      state.append(tokens, sources);
    }
  } finally {
    state.dispose();
  }
  return prompts.map((_, i) => {
    const pool = finished[i]!;
    if (pool.length < n) {
      // Out of steps: the running beams compete as they are.
      for (let j = 0; j < n; j++) {
        const beam = beams[i * n + j]!;
        if (beam.sum > -Infinity && beam.tokens.length > 0) pool.push({ tokens: beam.tokens, score: normalised(beam.sum, beam.tokens.length) });
      }
    }
    let best: Hypothesis | undefined;
    for (const h of pool) if (!best || h.score > best.score) best = h;
    return best?.tokens ?? [];
  });
}

/** The `count` best (beam, token) extensions of beams start..start+n−1, best first (ties: lower beam, lower token). */
function topCandidates(logProbs: Float32Array[], beams: { sum: number }[], start: number, n: number, count: number) {
  const top: { source: number; token: number; sum: number }[] = [];
  for (let j = 0; j < n; j++) {
    const source = start + j;
    const base = beams[source]!.sum;
    if (base === -Infinity) continue;
    const row = logProbs[source]!;
    for (let token = 0; token < row.length; token++) {
      const sum = base + row[token]!;
      if (top.length === count && sum <= top[count - 1]!.sum) continue;
      let k = top.length;
      while (k > 0 && top[k - 1]!.sum < sum) k--;
      top.splice(k, 0, { source, token, sum });
      if (top.length > count) top.pop();
    }
  }
  return top;
}

/** The running decoder state of a batch: left-padded prompts, then one token per row per step. */
class DecodingState {
  private cache: KvCache | undefined;
  private logits: tf.Tensor3D;
  /** Without the cache: every row's tokens and mask so far. */
  private sequences: number[][];
  private masks: number[][];

  constructor(
    private readonly model: SequenceModel,
    prompts: number[][],
    private readonly padId: number,
    private readonly useCache: boolean,
  ) {
    const length = Math.max(...prompts.map((p) => p.length));
    this.sequences = prompts.map((p) => [...Array<number>(length - p.length).fill(padId), ...p]);
    this.masks = prompts.map((p) => [...Array<number>(length - p.length).fill(0), ...Array<number>(p.length).fill(1)]);
    const out = this.run(this.sequences, this.masks, undefined);
    this.logits = out.logits;
    this.cache = out.cache;
  }

  /** The logits of the last position of every row. */
  lastLogits(): Float32Array[] {
    const [b, t, v] = this.logits.shape;
    const last = this.logits.slice([0, t - 1, 0], [b, 1, v]);
    const data = last.dataSync() as Float32Array;
    last.dispose();
    return Array.from({ length: b }, (_, i) => data.subarray(i * v, (i + 1) * v));
  }

  /** Appends one token per row; `sources[r]` is the row whose history row r continues (beam reordering). */
  append(tokens: number[], sources?: number[]): void {
    if (sources) {
      this.sequences = sources.map((s) => this.sequences[s]!.slice());
      this.masks = sources.map((s) => this.masks[s]!.slice());
    }
    this.sequences.forEach((seq, r) => seq.push(tokens[r]!));
    this.masks.forEach((mask) => mask.push(1));
    this.logits.dispose();
    if (!this.useCache) {
      this.logits = this.run(this.sequences, this.masks, undefined).logits;
      return;
    }
    let cache = this.cache!;
    if (sources && !sources.every((s, r) => s === r)) {
      const reordered = selectCacheRows(cache, sources);
      disposeCache(cache);
      cache = reordered;
    }
    const out = this.run(
      tokens.map((t) => [t]),
      tokens.map(() => [1]),
      cache,
    );
    disposeCache(cache);
    this.logits = out.logits;
    this.cache = out.cache;
  }

  private run(ids: number[][], mask: number[][], cache: KvCache | undefined) {
    const idTensor = tf.tensor2d(ids, undefined, 'int32');
    const maskTensor = tf.tensor2d(mask);
    try {
      const out = this.model.forward(idTensor, maskTensor, cache, this.useCache);
      if (!this.useCache && out.cache) disposeCache(out.cache);
      return out;
    } finally {
      tf.dispose([idTensor, maskTensor]);
    }
  }

  dispose(): void {
    this.logits.dispose();
    if (this.cache) disposeCache(this.cache);
  }
}

/** The cache of batch rows `rows` (gathered along the batch axis). */
export function selectCacheRows(cache: KvCache, rows: number[]): KvCache {
  return tf.tidy(() => {
    const index = tf.tensor1d(rows, 'int32');
    const pick = <T extends tf.Tensor>(t: T) => tf.gather(t, index) as T;
    return {
      mask: pick(cache.mask),
      layers: cache.layers.map((l) => ({
        keys: pick(l.keys),
        values: pick(l.values),
        ...(l.ecgKeys ? { ecgKeys: pick(l.ecgKeys) } : {}),
        ...(l.ecgValues ? { ecgValues: pick(l.ecgValues) } : {}),
      })),
    };
  }) as unknown as KvCache;
}

/** Index of the largest value (the first on ties). */
function argmax(values: Float32Array): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i]! > values[best]!) best = i;
  return best;
}

function logSoftmax(values: Float32Array): Float32Array {
  let max = -Infinity;
  for (const v of values) if (v > max) max = v;
  let sum = 0;
  for (const v of values) sum += Math.exp(v - max);
  const logZ = max + Math.log(sum);
  return values.map((v) => v - logZ);
}

/** Temperature, then top-k, then top-p (nucleus), then a draw from `rng`. */
function samplerOf(options: GenerationOptions): (logits: Float32Array) => number {
  const { rng } = options;
  const temperature = options.temperature ?? 1;
  const topK = options.topK ?? 0;
  const topP = options.topP ?? 1;
  if (!rng) throw new RangeError('sampling needs an rng');
  if (!(temperature > 0)) throw new RangeError(`temperature must be positive, got ${temperature}`);
  if (!Number.isInteger(topK) || topK < 0) throw new RangeError(`topK must be a non-negative integer, got ${topK}`);
  if (!(topP > 0 && topP <= 1)) throw new RangeError(`topP must be in (0, 1], got ${topP}`);
  return (logits) => {
    // Candidates by decreasing logit (ties: lower id first, so the order is deterministic).
    let order = Array.from(logits.keys()).sort((a, b) => logits[b]! - logits[a]! || a - b);
    if (topK > 0) order = order.slice(0, topK);
    const max = logits[order[0]!]!;
    let probs = order.map((id) => Math.exp((logits[id]! - max) / temperature));
    const total = probs.reduce((a, b) => a + b, 0);
    probs = probs.map((p) => p / total);
    if (topP < 1) {
      // The smallest prefix whose mass reaches p (at least one token).
      let mass = 0;
      let keep = 0;
      while (keep < probs.length && mass < topP) mass += probs[keep++]!;
      order = order.slice(0, keep);
      probs = probs.slice(0, keep);
    }
    return order[rng.weighted(probs)]!;
  };
}
