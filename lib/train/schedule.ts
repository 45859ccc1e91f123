/**
 * Learning-rate schedules: linear warmup, then linear decay to zero (the official MEIT code,
 * via transformers' get_linear_schedule_with_warmup) or cosine decay.
 */
export interface ScheduleOptions {
  kind: 'linear' | 'cosine' | 'constant';
  peak: number;
  totalSteps: number;
  /** Warmup as a fraction of totalSteps (the paper: 0.03). */
  warmupFraction: number;
}

/** Learning rate for optimizer step `step` (0-based), as transformers computes it. */
export function learningRate(step: number, o: ScheduleOptions): number {
  const warmup = Math.ceil(o.warmupFraction * o.totalSteps);
  if (step < warmup) return (o.peak * step) / Math.max(1, warmup);
  if (o.kind === 'constant') return o.peak;
  const progress = (step - warmup) / Math.max(1, o.totalSteps - warmup);
  if (o.kind === 'linear') return o.peak * Math.max(0, 1 - progress);
  return o.peak * 0.5 * (1 + Math.cos(Math.PI * Math.min(1, progress)));
}
