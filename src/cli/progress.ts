/**
 * A one-line progress bar for a terminal: steps done, rate, ETA and the last loss, redrawn in
 * place with a carriage return. It never hides the cursor or turns line wrap off (the line is cut
 * to the terminal's width instead), so a run killed by Ctrl-C while the event loop is busy training
 * leaves the terminal as it found it: nothing needs restoring.
 */
export class ProgressBar {
  private start = -1;
  private lastDraw = -Infinity;
  private drawn = false;

  /**
   * @param write where the line goes (stderr, so stdout stays clean for pipes and `--json`)
   * @param columns the terminal's width
   * @param now a clock in milliseconds
   * @param intervalMs least time between redraws
   */
  constructor(
    private readonly write: (s: string) => void,
    private readonly columns: () => number,
    private readonly now: () => number = () => performance.now(),
    private readonly intervalMs = 100,
  ) {}

  /** Records progress; redraws at most every `intervalMs`, and always at the last step. */
  update(step: number, total: number, loss: number): void {
    const t = this.now();
    if (this.start < 0) this.start = t;
    if (step < total && t - this.lastDraw < this.intervalMs) return;
    this.lastDraw = t;
    this.drawn = true;
    this.write(`\r${progressLine(step, total, loss, (t - this.start) / 1000, this.columns())}\x1b[K`);
  }

  /** Ends the bar's line (if one was drawn), so what follows starts on a fresh line. */
  finish(): void {
    if (this.drawn) this.write('\n');
    this.drawn = false;
  }
}

/**
 * The bar's text for `step` of `total` after `seconds`: bar, count, percentage, rate, ETA and loss,
 * fitted to `columns` (the bar shrinks first; the line never reaches the last column, so it never wraps).
 */
export function progressLine(step: number, total: number, loss: number, seconds: number, columns = 80): string {
  const frac = total > 0 ? Math.min(1, step / total) : 1;
  const rate = seconds > 0 ? step / seconds : NaN;
  const eta = step >= total ? 0 : rate > 0 ? (total - step) / rate : NaN;
  const lossText = Number.isFinite(loss) ? loss.toExponential(3) : String(loss);
  const tail = ` ${step}/${total} ${(frac * 100).toFixed(0)}%  ${formatRate(rate)}  ETA ${formatSeconds(eta)}  loss ${lossText}`;
  const room = columns - 1 - 'training []'.length - tail.length;
  const width = Math.min(30, room);
  if (width < 5) return `training${tail}`.slice(0, Math.max(10, columns - 1));
  const full = Math.round(frac * width);
  return `training [${'#'.repeat(full)}${'-'.repeat(width - full)}]${tail}`;
}

function formatRate(r: number): string {
  if (!Number.isFinite(r)) return '– steps/s';
  return r >= 1e4 ? `${(r / 1e3).toFixed(0)}k steps/s` : r >= 1e3 ? `${(r / 1e3).toFixed(1)}k steps/s` : `${r.toFixed(0)} steps/s`;
}

/** Seconds as `4.2s`, `3m05s` or `2h04m`; `–` when unknown. */
export function formatSeconds(s: number): string {
  if (!Number.isFinite(s) || s < 0) return '–';
  if (s < 60) return `${s.toFixed(1)}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(Math.floor(s % 60)).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}
