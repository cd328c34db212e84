/**
 * The programs' one progress display: on a terminal, a bar redrawn in place by cli-progress
 * (with the elapsed time, ticking while the work runs elsewhere); on anything else (a pipe, a
 * log file, a test) a plain line each time another tenth of the work is done and one when it
 * finishes, with no escape codes. Amounts are printed by a unit formatter: counts
 * (`29/64 chunks`) or bytes (`1.5 MiB / 3.0 MiB`).
 */
import cliProgress from 'cli-progress';

/** Where progress is shown: `process.stderr`, or anything with `write`. */
export interface ProgressStream {
  write(text: string): unknown;
  /** True when the stream is a terminal: the bar is then redrawn in place. */
  readonly isTTY?: boolean | undefined;
}

/** What the work is counted in: bytes, or things named by a noun (`chunk`, `thread`). */
export type ProgressUnit = 'bytes' | { readonly one: string; readonly many?: string };

const BYTE_UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB'] as const;

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
  while (value >= 1024 && unit < BYTE_UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(1)} ${BYTE_UNITS[unit]}`;
}

const number = new Intl.NumberFormat('en-US');

/** A count with its noun, singular or plural: `1 file`, `0 files`, `1,000 directories`. */
export function formatCount(n: number, one: string, many = `${one}s`): string {
  return `${number.format(n)} ${n === 1 ? one : many}`;
}

/** `done` of `total` in `unit`: `29/64 chunks`, `1 of 1 thread`, `1.5 MiB / 3.0 MiB`. */
export function formatAmount(done: number, total: number, unit: ProgressUnit): string {
  if (unit === 'bytes') return `${formatBytes(done)} / ${formatBytes(total)}`;
  return `${number.format(done)}/${formatCount(total, unit.one, unit.many)}`;
}

/** Options of {@link Progress}. */
export interface ProgressOptions {
  /** Printed before the bar, such as `Copying`. */
  readonly label: string;
  /** What the amounts count. */
  readonly unit: ProgressUnit;
  /**
   * The bar's width in characters, on a terminal.
   * @default 30
   */
  readonly width?: number;
  /**
   * On a terminal, erase the bar when finished (the caller prints its own summary line in
   * its place); otherwise the final bar stays, and its line is ended.
   * @default false
   */
  readonly clear?: boolean;
}

/**
 * The progress of one job, shown on `stream` (nothing at all when `stream` is null).
 * @example
 * ```ts
 * const progress = new Progress(process.stderr, { label: 'Copying', unit: 'bytes' });
 * progress.update(512, 2048, '1/4 files');
 * progress.finish();
 * ```
 */
export class Progress {
  readonly #stream: ProgressStream | null;
  readonly #label: string;
  readonly #unit: ProgressUnit;
  readonly #width: number;
  readonly #clear: boolean;
  /** On a terminal, once started: the bar that cli-progress draws. */
  #bar: cliProgress.SingleBar | null = null;
  /** Otherwise, the last tenth printed; -1 before the first line. */
  #tenth = -1;
  /** Otherwise, the last line printed. */
  #printed = '';
  #done = 0;
  #total = 0;
  #detail = '';
  /** False until the first update: a display never updated shows nothing, even finished. */
  #started = false;
  #finished = false;

  constructor(stream: ProgressStream | null, options: ProgressOptions) {
    this.#stream = stream;
    this.#label = options.label;
    this.#unit = options.unit;
    this.#width = options.width ?? 30;
    this.#clear = options.clear ?? false;
  }

  /** Shows `done` out of `total`, and `detail` after them (such as a file count). */
  update(done: number, total: number, detail = ''): void {
    if (this.#finished || this.#stream === null) return;
    this.#started = true;
    this.#done = done;
    this.#total = total;
    this.#detail = detail;
    if (this.#stream.isTTY === true) {
      const bar = this.#drawn(this.#stream);
      bar.setTotal(total);
      bar.update(done, { detail });
      return;
    }
    const tenth = Math.floor(this.#fraction() * 10);
    // The 100% line waits for finish(), which prints it with the final detail (the work can
    // all be done before the last detail comes).
    if (tenth <= this.#tenth || tenth >= 10) return;
    this.#tenth = tenth;
    this.#printed = this.#line(tenth * 10);
    this.#stream.write(`${this.#printed}\n`);
  }

  /**
   * Shows the final state and ends the display: on a terminal the bar is drawn one last time
   * and its line ended; elsewhere the final line is printed unless it was the last one
   * printed. Idempotent; a display never updated prints nothing.
   */
  finish(): void {
    if (this.#finished) return;
    this.#finished = true;
    if (!this.#started || this.#stream === null) return;
    if (this.#bar !== null) {
      this.#bar.update(this.#done, { detail: this.#detail });
      this.#bar.stop();
      return;
    }
    const line = this.#line(Math.floor(this.#fraction() * 10) * 10);
    if (line !== this.#printed) this.#stream.write(`${line}\n`);
  }

  #fraction(): number {
    return this.#total <= 0 ? 1 : Math.min(1, Math.max(0, this.#done / this.#total));
  }

  /** The plain line at `percent`: `Copying 40%  1.2 MiB / 3.0 MiB  4/10 files`. */
  #line(percent: number): string {
    const detail = this.#detail === '' ? '' : `  ${this.#detail}`;
    return `${this.#label} ${percent}%  ${formatAmount(this.#done, this.#total, this.#unit)}${detail}`;
  }

  /** The terminal's bar, started on first use. */
  #drawn(stream: ProgressStream): cliProgress.SingleBar {
    if (this.#bar !== null) return this.#bar;
    const bar = new cliProgress.SingleBar({
      stream: stream as NodeJS.WritableStream,
      barsize: this.#width,
      barCompleteChar: '#',
      barIncompleteChar: '-',
      hideCursor: null,
      clearOnComplete: this.#clear,
      linewrap: false,
      format: (options, params, payload: { detail?: string }) => {
        const percent = `${Math.floor(params.progress * 100)}%`.padStart(4);
        const amount = formatAmount(params.value, params.total, this.#unit);
        const elapsed = ((params.stopTime ?? Date.now()) - params.startTime) / 1000;
        const detail =
          payload.detail === undefined || payload.detail === '' ? '' : `  ${payload.detail}`;
        return `${this.#label} [${cliProgress.Format.BarFormat(params.progress, options)}] ${percent}  ${amount}${detail}  ${elapsed.toFixed(1)} s`;
      },
    });
    bar.start(this.#total, this.#done, { detail: this.#detail });
    this.#bar = bar;
    return bar;
  }
}
