/**
 * Progress of a run: a redrawn bar with ETA on a terminal, plain lines (every ~10% or 15 s) otherwise,
 * so logs of non-interactive runs stay readable.
 */
export interface ProgressSink {
  readonly isTTY?: boolean;
  write(text: string): unknown;
}

export class Progress {
  private done = 0;
  private readonly started: number;
  private lastDraw = -Infinity;
  private lastLineShare = -1;

  constructor(
    private readonly label: string,
    private readonly total: number,
    /** Trials already finished by an earlier run (counted as done, not in the rate). */
    private readonly already: number,
    private readonly sink: ProgressSink = process.stderr,
    private readonly now: () => number = Date.now,
  ) {
    this.started = now();
  }

  advance(count: number): void {
    this.done += count;
    const t = this.now();
    if (this.sink.isTTY) {
      if (t - this.lastDraw >= 100 || this.finished()) {
        this.lastDraw = t;
        this.sink.write(`\r${this.line()}\x1b[K`);
      }
    } else {
      const share = Math.floor((10 * (this.already + this.done)) / Math.max(1, this.total));
      if (share > this.lastLineShare || t - this.lastDraw >= 15_000) {
        this.lastLineShare = share;
        this.lastDraw = t;
        this.sink.write(this.line() + '\n');
      }
    }
  }

  finish(): void {
    if (this.sink.isTTY) this.sink.write(`\r${this.line()}\x1b[K\n`);
    else if (!this.finished() || this.lastLineShare < 10) this.sink.write(this.line() + '\n');
  }

  private finished(): boolean {
    return this.already + this.done >= this.total;
  }

  /** e.g. "synthetic-sweep [██████░░░░░░░░]  43%  215/500 trials  0:31 elapsed  ETA 0:41" */
  line(): string {
    const finished = this.already + this.done;
    const share = this.total ? finished / this.total : 1;
    const width = 24;
    const filled = Math.round(share * width);
    const bar = this.sink.isTTY ? `[${'█'.repeat(filled)}${'░'.repeat(width - filled)}] ` : '';
    const elapsed = (this.now() - this.started) / 1000;
    const rate = this.done / Math.max(elapsed, 1e-3);
    const remaining = this.total - finished;
    const eta = this.done > 0 ? formatDuration(remaining / rate) : '?';
    return `${this.label} ${bar}${String(Math.floor(share * 100)).padStart(3)}%  ${finished}/${this.total} trials  ${formatDuration(elapsed)} elapsed  ETA ${eta}`;
  }
}

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${sec}` : `${m}:${sec}`;
}
