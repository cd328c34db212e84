/**
 * Scenario 5's multitask tasks: a producer and a consumer on one multitask Queue, started
 * as multitask Threads (or the producer as a Process). Threads note the machine-wide
 * monotonic clock in shared memory; a process, which shares none, in a file.
 */
import { writeFileSync } from 'node:fs';

/**
 * The part of multitask's `Queue` these tasks use. Typed here rather than imported, so that
 * bench/ compiles whether or not the Queue has landed; the scenario only runs these rows
 * once multitask exports it.
 */
export interface SyncQueue<T> {
  putSync(item: T): void;
  getSync(): T;
}

/** The item, as scenario 5's other contenders send it. */
export interface QueueItem {
  readonly i: number;
}

/** Slots of the `times` array the threads share with the parent. */
export const START = 0;
export const END = 1;

/** Puts `items` items, blocking while full. */
export function produce(queue: SyncQueue<QueueItem>, items: number): void {
  for (let i = 0; i < items; i++) queue.putSync({ i });
}

/**
 * Gets `items` items; notes in `times[START]` when it holds the last of `warmup` items, in
 * `times[END]` when it holds the last, and the sum of the `i`s in `sums[0]`.
 */
export function consume(
  queue: SyncQueue<QueueItem>,
  items: number,
  warmup: number,
  times: BigInt64Array,
  sums: Float64Array,
): void {
  let checksum = 0;
  for (let n = 0; n < warmup; n++) checksum += queue.getSync().i;
  Atomics.store(times, START, process.hrtime.bigint());
  for (let n = warmup; n < items; n++) checksum += queue.getSync().i;
  Atomics.store(times, END, process.hrtime.bigint());
  sums[0] = checksum;
}

/** A process's producer: writes its start time to `path`, then puts `items` items. */
export function produceFromProcess(queue: SyncQueue<QueueItem>, items: number, path: string): void {
  writeFileSync(path, String(process.hrtime.bigint()));
  for (let i = 0; i < items; i++) queue.putSync({ i });
}

/**
 * A process's consumer: gets `items` items, then writes the time it held the last one and
 * the sum of their `i`s to `path`, as `end sum`.
 */
export function consumeInProcess(queue: SyncQueue<QueueItem>, items: number, path: string): void {
  let checksum = 0;
  for (let n = 0; n < items; n++) checksum += queue.getSync().i;
  writeFileSync(path, `${process.hrtime.bigint()} ${checksum}`);
}
