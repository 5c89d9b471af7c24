/** Where progress goes: stderr, drawn only when it is a terminal (a pipe or a log file gets none). */
export interface ProgressOutput {
  isTTY?: boolean;
  write(text: string): unknown;
}

const REDRAW_MS = 250;

/**
 * One line of progress for a batch command, redrawn in place at most every 250 ms: how many of the items are done,
 * the rate, and the time left at that rate. Silent when the output is not a terminal or when disabled (--quiet).
 * A command that prints results to the same terminal calls clear() first; the next tick draws the line again.
 */
export class Progress {
  private done = 0;
  private drawnAt = -Infinity;
  private drawn = false;
  private readonly started: number;

  constructor(
    private readonly total: number,
    private readonly unit: string,
    private readonly output: ProgressOutput = process.stderr,
    private readonly enabled = output.isTTY === true,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.started = now();
  }

  tick(): void {
    this.done++;
    const at = this.now();
    if (!this.enabled || (this.drawn && at - this.drawnAt < REDRAW_MS && this.done < this.total)) return;
    this.drawnAt = at;
    const rate = this.done / Math.max(1e-3, (at - this.started) / 1000);
    const left = (this.total - this.done) / rate;
    this.output.write(`\r\x1b[K${this.done}/${this.total} ${this.unit}, ${rate.toFixed(1)}/s, ${clock(left)} left`);
    this.drawn = true;
  }

  /** Clears the line, so that what is printed next starts on a clean one. */
  clear(): void {
    if (this.drawn) this.output.write('\r\x1b[K');
    this.drawn = false;
  }
}

function clock(seconds: number): string {
  const s = Math.round(seconds);
  const [h, m] = [Math.floor(s / 3600), Math.floor((s % 3600) / 60)];
  const ss = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}
