/**
 * A progress bar of bytes done out of a total, drawn on a stream: on a terminal one line
 * redrawn in place with `\r`; otherwise (a pipe, a log file, a test) a plain line each time
 * another tenth of the total is done, so the output stays small.
 */

/** Where the bar is drawn: `process.stdout`, or anything with `write`. */
export interface ProgressStream {
  write(text: string): unknown;
  /** True when the stream is a terminal: the bar is then redrawn in place. */
  readonly isTTY?: boolean | undefined;
}

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB'] as const;

/**
 * A byte count for people: `512 B`, `1.5 KiB`, `20.0 MiB`.
 * @example
 * ```ts
 * formatBytes(3 * 1024 * 1024); // '3.0 MiB'
 * ```
 */
export function formatBytes(bytes: number): string {
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(1)} ${UNITS[unit]}`;
}

/** Options of {@link ProgressBar}. */
export interface ProgressBarOptions {
  /** Printed before the bar, such as `Copying`. */
  readonly label: string;
  /**
   * The bar's width in characters, on a terminal.
   * @default 30
   */
  readonly width?: number;
}

/**
 * Draws the progress of a job measured in bytes.
 * @example
 * ```ts
 * const bar = new ProgressBar(process.stdout, { label: 'Copying' });
 * bar.update(512, 2048, '1/4 files');
 * bar.finish();
 * ```
 */
export class ProgressBar {
  readonly #stream: ProgressStream;
  readonly #label: string;
  readonly #width: number;
  readonly #tty: boolean;
  /** On a terminal, the line last drawn (so that a shorter one can blank its tail). */
  #last = '';
  /** Otherwise, the last tenth printed; -1 before the first line. */
  #tenth = -1;
  /** Otherwise, the last line printed. */
  #printed = '';
  #done = 0;
  #total = 0;
  #detail = '';
  /** False until the first update: a bar never updated draws nothing, even when finished. */
  #started = false;
  #finished = false;

  constructor(stream: ProgressStream, options: ProgressBarOptions) {
    this.#stream = stream;
    this.#label = options.label;
    this.#width = options.width ?? 30;
    this.#tty = stream.isTTY === true;
  }

  /** Shows `done` bytes out of `total`, and `detail` after them (such as a file count). */
  update(done: number, total: number, detail = ''): void {
    if (this.#finished) return;
    this.#started = true;
    this.#done = done;
    this.#total = total;
    this.#detail = detail;
    const fraction = total <= 0 ? 1 : Math.min(1, done / total);
    const amounts = `${formatBytes(done)} / ${formatBytes(total)}`;
    const suffix = detail === '' ? '' : `  ${detail}`;
    if (this.#tty) {
      const filled = Math.round(fraction * this.#width);
      const bar = '#'.repeat(filled) + '-'.repeat(this.#width - filled);
      const percent = `${(fraction * 100).toFixed(1)}%`.padStart(6);
      const line = `${this.#label} [${bar}] ${percent}  ${amounts}${suffix}`;
      if (line === this.#last) return;
      this.#stream.write(`\r${line}${' '.repeat(Math.max(0, this.#last.length - line.length))}`);
      this.#last = line;
      return;
    }
    const tenth = Math.floor(fraction * 10);
    // The 100% line waits for finish(), which prints it with the final detail (the bytes
    // can all be in before the last file is counted).
    if (tenth <= this.#tenth || tenth >= 10) return;
    this.#tenth = tenth;
    this.#printed = `${this.#label} ${tenth * 10}%  ${amounts}${suffix}`;
    this.#stream.write(`${this.#printed}\n`);
  }

  /**
   * Draws the bar one last time (if it was ever drawn) and ends its line; off a terminal,
   * prints the final state if it differs from the last line printed (the same tenth with a
   * newer detail). Idempotent.
   */
  finish(): void {
    if (this.#finished) return;
    if (this.#started) this.update(this.#done, this.#total, this.#detail);
    if (this.#started && !this.#tty) {
      const fraction = this.#total <= 0 ? 1 : Math.min(1, this.#done / this.#total);
      const amounts = `${formatBytes(this.#done)} / ${formatBytes(this.#total)}`;
      const suffix = this.#detail === '' ? '' : `  ${this.#detail}`;
      const line = `${this.#label} ${Math.floor(fraction * 10) * 10}%  ${amounts}${suffix}`;
      if (line !== this.#printed) this.#stream.write(`${line}\n`);
    }
    this.#finished = true;
    if (this.#tty && this.#last !== '') this.#stream.write('\n');
  }
}
