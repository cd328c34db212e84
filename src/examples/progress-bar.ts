/**
 * A one-line progress bar for the programs: redrawn in place on a terminal, and silent
 * elsewhere (a pipe or a log file gets the programs' own summary lines instead).
 */

/** `[#########---------]  45%  29/64 chunks`: the bar for `done` of `total`. */
export function renderBar(done: number, total: number, unit: string, width = 30): string {
  const fraction = total === 0 ? 1 : Math.min(1, Math.max(0, done / total));
  const filled = Math.round(fraction * width);
  const percent = `${Math.floor(fraction * 100)}%`.padStart(4);
  return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${percent}  ${done}/${total} ${unit}`;
}

/** Where a bar is drawn: a terminal stream, or nothing. */
export interface BarTarget {
  readonly isTTY?: boolean | undefined;
  write(text: string): unknown;
}

/** A bar drawn on `target` if it is a terminal; `update()` redraws, `done()` clears it. */
export class ProgressBar {
  readonly #target: BarTarget | null;
  readonly #label: string;
  readonly #unit: string;
  #drawn = false;

  constructor(target: BarTarget | null, label: string, unit: string) {
    this.#target = target?.isTTY === true ? target : null;
    this.#label = label;
    this.#unit = unit;
  }

  update(done: number, total: number): void {
    if (this.#target === null) return;
    this.#target.write(`\r${this.#label} ${renderBar(done, total, this.#unit)}\x1b[K`);
    this.#drawn = true;
  }

  /** Erases the bar so that the next line prints where it was. */
  done(): void {
    if (this.#target === null || !this.#drawn) return;
    this.#target.write('\r\x1b[K');
    this.#drawn = false;
  }
}
