/**
 * A progress bar on stderr for long work (prepare, train, evaluate).
 *
 * On a terminal it redraws one line; elsewhere (CI, DVC, notebooks) it prints a plain line at
 * most every `interval` seconds so that logs stay short. MEIT_QUIET=1 silences it.
 */
export interface ProgressOptions {
  /** Unit shown after the rate, e.g. "rec", "step". */
  unit?: string;
  /** Seconds between plain-log lines when stderr is not a terminal. */
  interval?: number;
  stream?: NodeJS.WriteStream;
}

export class Progress {
  private readonly start = performance.now();
  private lastPrint = 0;
  private done = 0;
  private status = '';
  private readonly quiet = process.env.MEIT_QUIET === '1';
  private readonly stream: NodeJS.WriteStream;
  private readonly tty: boolean;

  constructor(
    private readonly label: string,
    private readonly total: number,
    private readonly options: ProgressOptions = {},
  ) {
    this.stream = options.stream ?? process.stderr;
    this.tty = Boolean(this.stream.isTTY);
  }

  /** Advances by `n` and optionally replaces the status text (e.g. "loss 2.31"). */
  tick(n = 1, status?: string): void {
    this.done += n;
    if (status !== undefined) this.status = status;
    const now = performance.now();
    const every = this.tty ? 100 : (this.options.interval ?? 10) * 1000;
    if (now - this.lastPrint >= every || this.done >= this.total) {
      this.lastPrint = now;
      this.render(false);
    }
  }

  /** Prints the final line. */
  finish(status?: string): void {
    if (status !== undefined) this.status = status;
    this.render(true);
  }

  private render(final: boolean): void {
    if (this.quiet) return;
    const seconds = (performance.now() - this.start) / 1000;
    const rate = this.done / Math.max(seconds, 1e-9);
    const unit = this.options.unit ?? 'it';
    const frac = this.total > 0 ? Math.min(this.done / this.total, 1) : 1;
    const eta = rate > 0 ? (this.total - this.done) / rate : Infinity;
    const width = 24;
    const filled = Math.round(frac * width);
    const bar = '█'.repeat(filled) + '░'.repeat(width - filled);
    const parts = [
      `${this.label} ${bar} ${this.done}/${this.total}`,
      `${formatRate(rate)} ${unit}/s`,
      final ? `${formatDuration(seconds)}` : `ETA ${formatDuration(eta)}`,
    ];
    if (this.status) parts.push(this.status);
    const line = parts.join(' | ');
    if (this.tty) this.stream.write(`\r\x1b[2K${line}${final ? '\n' : ''}`);
    else this.stream.write(line + '\n');
  }
}

function formatRate(rate: number): string {
  return rate >= 100 ? rate.toFixed(0) : rate >= 1 ? rate.toFixed(1) : rate.toFixed(3);
}

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '--:--';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  const mm = String(m).padStart(2, '0');
  const ss = String(sec).padStart(2, '0');
  return h > 0 ? `${h}:${mm}:${ss}` : `${mm}:${ss}`;
}
