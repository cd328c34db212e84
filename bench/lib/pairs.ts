/**
 * The lock scenario's loop timing, shared by the scenario's children and by the task that
 * a multitask Process runs (so both sides time a pair the same way).
 *
 * Locks differ by four orders of magnitude (tens of nanoseconds for a bare Atomics pair,
 * hundreds of microseconds through a broker), so the batch size is calibrated to a time,
 * not fixed: every contender spends about the same time being measured.
 */
import { median } from './stats.ts';
import { nowMs } from './timing.ts';

/** How long the calibration (which doubles as the warm-up) runs before sizing the batches. */
const CALIBRATION_MS = 20;

/**
 * Calibrates a batch size that takes about `batchMs`, then times `batches` batches of it;
 * returns the median batch's nanoseconds per pair.
 */
export async function nsPerPair(
  batchMs: number,
  batches: number,
  loop: (count: number) => void | Promise<void>,
): Promise<number | null> {
  let size = 1;
  let elapsed = 0;
  while (elapsed < CALIBRATION_MS) {
    size *= 2;
    const start = nowMs();
    await loop(size);
    elapsed = nowMs() - start;
  }
  size = Math.max(1, Math.round((size * batchMs) / elapsed));
  const perPair: number[] = [];
  for (let batch = 0; batch < batches; batch++) {
    const start = nowMs();
    await loop(size);
    perPair.push(((nowMs() - start) * 1e6) / size);
  }
  return median(perPair) ?? null;
}
