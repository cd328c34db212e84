/**
 * The producers and consumers. Producers put numbered items into one bounded `Queue`;
 * when it is full they wait, which holds them back to the consumers' pace (backpressure).
 * Consumers get items until they get `null`, the sentinel the program puts once per
 * consumer when the producers are done. Each reports what it did to a second queue.
 */
import { QueueFullError, type Queue } from '../../index.ts';

/** The value of item `seq` of producer `producer`: unique, and readable as both numbers. */
export function itemValue(producer: number, seq: number): number {
  return (producer + 1) * 1_000_000 + seq;
}

/** What a producer or a consumer reports once it is done. */
export type WorkerReport =
  | {
      readonly role: 'producer';
      readonly index: number;
      /** Items put. */
      readonly count: number;
      /** The sum of their values. */
      readonly checksum: number;
      /** How many times the queue was full, so that `put` had to wait. */
      readonly fullWaits: number;
    }
  | {
      readonly role: 'consumer';
      readonly index: number;
      /** The values got, in the order got. */
      readonly values: readonly number[];
      /** The sum of the values. */
      readonly checksum: number;
    };

/** A producer: puts `count` items into `queue`, then reports. */
export function produce(
  index: number,
  count: number,
  queue: Queue<number | null>,
  reports: Queue<WorkerReport>,
): void {
  let checksum = 0;
  let fullWaits = 0;
  for (let seq = 0; seq < count; seq++) {
    const value = itemValue(index, seq);
    try {
      queue.putNowait(value);
    } catch (error) {
      if (!(error instanceof QueueFullError)) throw error;
      // Full: wait for a consumer to make room. This is the backpressure.
      fullWaits++;
      queue.putSync(value);
    }
    checksum += value;
  }
  reports.putSync({ role: 'producer', index, count, checksum, fullWaits });
}

/** A consumer: gets items from `queue` until it gets `null`, then reports. */
export function consume(
  index: number,
  queue: Queue<number | null>,
  reports: Queue<WorkerReport>,
): void {
  const values: number[] = [];
  let checksum = 0;
  for (let value = queue.getSync(); value !== null; value = queue.getSync()) {
    values.push(value);
    checksum += value;
  }
  reports.putSync({ role: 'consumer', index, values, checksum });
}
