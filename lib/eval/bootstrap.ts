/**
 * Uncertainty of corpus metrics.
 *
 * `bootstrapCIs`: percentile bootstrap over test examples. Each resample draws n example
 * indices with replacement and recomputes the metrics from the per-example statistics
 * (`PreparedCaptions.score(indices)`, `PreparedClinical.score(indices)`), so corpus-level
 * metrics such as BLEU or micro-F1 are resampled as wholes, not averaged per example. The
 * interval is the (α/2, 1−α/2) quantiles of the resampled values (linear interpolation between
 * order statistics, numpy's default). All metrics share the same resamples; the draws come
 * from the caller's Rng, so a seed fixes the interval.
 *
 * `meanSd`: mean and sample standard deviation over training seeds (the "± sd" of tables).
 */
import type { Rng } from '../util/prng.ts';

export interface ConfidenceInterval {
  /** The metric on all examples, in order (not a bootstrap mean). */
  estimate: number;
  low: number;
  high: number;
  /** Coverage, e.g. 0.95. */
  level: number;
  resamples: number;
}

export interface BootstrapOptions {
  rng: Rng;
  /** Number of resamples (default 1000). */
  resamples?: number;
  /** Coverage of the interval (default 0.95). */
  level?: number;
}

/** Quantile q of sorted values, linear interpolation (numpy's default "linear" method). */
function quantile(sorted: Float64Array, q: number): number {
  const pos = q * (sorted.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo]! + (pos - lo) * (sorted[hi]! - sorted[lo]!);
}

/**
 * Percentile bootstrap intervals of several metrics computed together: `statistic(indices)`
 * returns every metric for the examples at `indices` (repeats allowed). Resamples on which a
 * metric is not finite are left out of that metric's interval (NaN bounds if all are).
 */
export function bootstrapCIs<K extends string>(
  n: number,
  statistic: (indices: Uint32Array) => Record<K, number>,
  options: BootstrapOptions,
): Record<K, ConfidenceInterval> {
  const resamples = options.resamples ?? 1000;
  const level = options.level ?? 0.95;
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`bootstrap needs at least one example, got n = ${n}`);
  if (!Number.isInteger(resamples) || resamples < 1) throw new RangeError(`resamples must be a positive integer, got ${resamples}`);
  if (!(level > 0 && level < 1)) throw new RangeError(`level must be in (0, 1), got ${level}`);

  const all = new Uint32Array(n).map((_, i) => i);
  const estimate = statistic(all);
  const names = Object.keys(estimate) as K[];
  const values = Object.fromEntries(names.map((k) => [k, [] as number[]])) as Record<K, number[]>;
  const indices = new Uint32Array(n);
  for (let b = 0; b < resamples; b++) {
    for (let i = 0; i < n; i++) indices[i] = options.rng.int(0, n);
    const s = statistic(indices);
    for (const k of names) if (Number.isFinite(s[k])) values[k].push(s[k]);
  }

  const alpha = 1 - level;
  const out = {} as Record<K, ConfidenceInterval>;
  for (const k of names) {
    const sorted = Float64Array.from(values[k]).sort();
    const [low, high] = sorted.length ? [quantile(sorted, alpha / 2), quantile(sorted, 1 - alpha / 2)] : [NaN, NaN];
    out[k] = { estimate: estimate[k], low, high, level, resamples };
  }
  return out;
}

/** Percentile bootstrap interval of one metric; see `bootstrapCIs`. */
export function bootstrapCI(n: number, statistic: (indices: Uint32Array) => number, options: BootstrapOptions): ConfidenceInterval {
  return bootstrapCIs(n, (indices) => ({ value: statistic(indices) }), options).value;
}

export interface MeanSd {
  mean: number;
  /** Sample standard deviation (n − 1 in the denominator); 0 for a single value. */
  sd: number;
  n: number;
}

/** Mean ± sample standard deviation, e.g. of one metric over training seeds. */
export function meanSd(values: readonly number[]): MeanSd {
  const n = values.length;
  if (n === 0) throw new RangeError('meanSd of no values');
  const mean = values.reduce((s, v) => s + v, 0) / n;
  const sd = n > 1 ? Math.sqrt(values.reduce((s, v) => s + (v - mean) ** 2, 0) / (n - 1)) : 0;
  return { mean, sd, n };
}
