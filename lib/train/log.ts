/**
 * The training log: one JSON object per line (step records and validation records), appended
 * as training goes. A resumed run first cuts the log back to the lines its checkpoint had
 * seen, so the log of a killed-and-resumed run has the same records as an uninterrupted one
 * (timings aside).
 */
import { appendFileSync, readFileSync } from 'node:fs';
import { writeFileAtomicSync } from '../util/atomic.ts';

export interface StepRecord {
  step: number;
  epoch: number;
  loss: number;
  lr: number;
  grad_norm: number;
  tokens_per_s: number;
}

export interface ValidationRecord {
  step: number;
  epoch: number;
  val_loss: number;
}

export class TrainLog {
  private constructor(
    readonly file: string,
    public lines: number,
  ) {}

  /** A log that keeps the first `keepLines` lines of `file` (0: a new, empty log). */
  static open(file: string, keepLines: number): TrainLog {
    let kept = '';
    if (keepLines > 0) {
      const existing = readFileSync(file, 'utf8').split('\n').slice(0, keepLines);
      if (existing.length < keepLines || existing.some((line) => line === '')) throw new Error(`${file} has fewer than the ${keepLines} lines of the checkpoint`);
      kept = existing.join('\n') + '\n';
    }
    writeFileAtomicSync(file, kept);
    return new TrainLog(file, keepLines);
  }

  write(record: StepRecord | ValidationRecord): void {
    appendFileSync(this.file, JSON.stringify(record) + '\n');
    this.lines++;
  }
}
