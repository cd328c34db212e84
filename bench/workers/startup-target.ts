/**
 * The start-up scenario's targets: a multitask Thread or Process that runs one ends at once.
 */
import { writeFileSync } from 'node:fs';

export function returnAtOnce(): void {
  // Nothing to do: the measurement is the start-up and the join around it.
}

/**
 * Writes the time it was reached, in ms on the system's monotonic clock (as
 * `monotonicMs()` in bench/lib/timing.ts, which this child may not load), to `path`.
 */
export function stampReached(path: string): void {
  const reached = Number(process.hrtime.bigint()) / 1e6;
  writeFileSync(path, String(reached));
}
