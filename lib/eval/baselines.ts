/**
 * The non-LLM baseline: nearest-neighbour report retrieval. Every training ECG and every test
 * ECG is embedded with the trained model's own ECG encoder; a test ECG gets the report of the
 * training ECG with the highest cosine similarity (ties: the earlier training example). If
 * the language model beats this, it does more than look up the closest known ECG.
 */
import * as tf from '@tensorflow/tfjs';
import { ecgBatch } from '../model/batch.ts';
import type { MeitModel } from '../model/multimodal.ts';

/** Unit-norm ECG embeddings [n × d] of `n` ECGs, fetched and embedded `batchSize` at a time. */
export function embedEcgs(model: MeitModel, n: number, ecgAt: (i: number) => Float32Array[], batchSize: number): { dim: number; vectors: Float32Array } {
  let vectors = new Float32Array(0);
  let dim = 0;
  for (let start = 0; start < n; start += batchSize) {
    const count = Math.min(batchSize, n - start);
    const ecg = ecgBatch(Array.from({ length: count }, (_, k) => ecgAt(start + k)));
    const embedded = tf.tidy(() => model.embedEcg(ecg));
    const values = embedded.dataSync() as Float32Array;
    dim = embedded.shape[1];
    tf.dispose([ecg, embedded]);
    if (start === 0) vectors = new Float32Array(n * dim);
    vectors.set(values, start * dim);
  }
  for (let i = 0; i < n; i++) normalise(vectors.subarray(i * dim, (i + 1) * dim));
  return { dim, vectors };
}

function normalise(v: Float32Array): void {
  let norm = 0;
  for (const x of v) norm += x * x;
  norm = Math.sqrt(norm);
  if (norm > 0) for (let i = 0; i < v.length; i++) v[i]! /= norm;
}

/** For each query row, the index of the most similar (cosine) row of `pool`. */
export function nearestNeighbours(queries: Float32Array, pool: Float32Array, dim: number): number[] {
  const nQueries = queries.length / dim;
  const nPool = pool.length / dim;
  if (nPool < 1) throw new RangeError('nearest-neighbour baseline: no training ECGs to search');
  const out: number[] = [];
  for (let q = 0; q < nQueries; q++) {
    let best = -Infinity;
    let bestIndex = 0;
    for (let p = 0; p < nPool; p++) {
      let dot = 0;
      for (let k = 0; k < dim; k++) dot += queries[q * dim + k]! * pool[p * dim + k]!;
      if (dot > best) {
        best = dot;
        bestIndex = p;
      }
    }
    out.push(bestIndex);
  }
  return out;
}
