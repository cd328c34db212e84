/**
 * The course's producer-consumer: producers put numbered items into one bounded `Queue`
 * (a full queue makes them wait: backpressure); consumers get items until they get the
 * sentinel `null`, which the program puts once per consumer after the producers are done.
 * Every item produced is consumed exactly once: the counts and checksums agree. Once with
 * threads, once with processes.
 */
import { Process, Queue, taskModule, Thread } from '../../index.ts';
import { startAll } from '../workers.ts';
import { itemValue, type WorkerReport } from './tasks.ts';

const tasks = taskModule<typeof import('./tasks.js')>(new URL('./tasks.js', import.meta.url));

/** Options of {@link main}. The defaults run in a few seconds on a 2-core machine. */
export interface ProducerConsumerOptions {
  /**
   * How many producers. More than consumers, so that the queue fills up.
   * @default 3
   */
  readonly producers?: number;
  /**
   * How many consumers.
   * @default 2
   */
  readonly consumers?: number;
  /**
   * Items per producer thread.
   * @default 5_000
   */
  readonly threadItems?: number;
  /**
   * Items per producer process. Fewer than for threads: each put and get from a process is
   * a round trip to the parent's broker.
   * @default 300
   */
  readonly processItems?: number;
  /**
   * The queue's `maxsize`.
   * @default 10
   */
  readonly maxsize?: number;
  /**
   * The kinds of workers, run in this order.
   * @default ['threads', 'processes']
   */
  readonly backends?: readonly ('threads' | 'processes')[];
}

/** One run: all producers and consumers of one kind. */
export interface ProducerConsumerRun {
  readonly backend: 'threads' | 'processes';
  /** Items put by each producer, by producer number. */
  readonly produced: readonly number[];
  /** Times each producer found the queue full and waited. */
  readonly fullWaits: readonly number[];
  /** Items got by each consumer, by consumer number. */
  readonly consumed: readonly number[];
  /** The sum of the values the producers put. */
  readonly producedChecksum: number;
  /** The sum of the values the consumers got. */
  readonly consumedChecksum: number;
  /** Values got more than once. */
  readonly duplicated: number;
  /** Values put but never got. */
  readonly lost: number;
}

const number = new Intl.NumberFormat('en-US');

function check(value: number, name: string, min: number): void {
  if (!Number.isSafeInteger(value) || value < min) {
    throw new RangeError(
      `Expected \`${name}\` to be an integer from ${min} and up, got \`${value}\``,
    );
  }
}

/** Runs the producers and consumers of one kind; returns what they did. */
async function run(
  backend: ProducerConsumerRun['backend'],
  producers: number,
  consumers: number,
  items: number,
  maxsize: number,
): Promise<ProducerConsumerRun> {
  const queue = new Queue<number | null>(maxsize);
  const reports = new Queue<WorkerReport>();
  const Worker = backend === 'threads' ? Thread : Process;
  // A worker that fails leaves the others waiting on the queue: shutting it down ends
  // their waits with an error, so that they end too and the failure is reported.
  const stop = (): void => {
    queue.shutdown();
  };
  const consuming = startAll(
    Array.from(
      { length: consumers },
      (_, i) =>
        new Worker({ name: `consumer ${i + 1}`, target: tasks.consume, args: [i, queue, reports] }),
    ),
    stop,
  );
  const producing = startAll(
    Array.from(
      { length: producers },
      (_, i) =>
        new Worker({
          name: `producer ${i + 1}`,
          target: tasks.produce,
          args: [i, items, queue, reports],
        }),
    ),
    stop,
  );
  try {
    await producing.join();
    // Every item is in the queue before the sentinels, and a consumer stops at its first
    // sentinel: one each, so every consumer stops and every item is got.
    for (let i = 0; i < consumers; i++) await queue.put(null);
  } catch (error) {
    stop();
    await consuming.join().catch(() => undefined);
    throw error;
  }
  await consuming.join();

  const produced = new Array<number>(producers).fill(0);
  const fullWaits = new Array<number>(producers).fill(0);
  const consumed = new Array<number>(consumers).fill(0);
  let producedChecksum = 0;
  let consumedChecksum = 0;
  const times = new Map<number, number>();
  while (!reports.empty()) {
    const report = reports.getNowait();
    if (report.role === 'producer') {
      produced[report.index] = report.count;
      fullWaits[report.index] = report.fullWaits;
      producedChecksum += report.checksum;
    } else {
      consumed[report.index] = report.values.length;
      consumedChecksum += report.checksum;
      for (const value of report.values) times.set(value, (times.get(value) ?? 0) + 1);
    }
  }
  let lost = 0;
  for (let producer = 0; producer < producers; producer++) {
    for (let seq = 0; seq < items; seq++) {
      if (!times.has(itemValue(producer, seq))) lost++;
    }
  }
  const duplicated = [...times.values()].filter((n) => n > 1).length;
  return {
    backend,
    produced,
    fullWaits,
    consumed,
    producedChecksum,
    consumedChecksum,
    duplicated,
    lost,
  };
}

/** The sum of the values of `items` items from each of `producers` producers. */
export function expectedChecksum(producers: number, items: number): number {
  let sum = 0;
  for (let producer = 0; producer < producers; producer++) {
    for (let seq = 0; seq < items; seq++) sum += itemValue(producer, seq);
  }
  return sum;
}

/**
 * The program: for threads and then processes, producers and consumers share one bounded
 * queue; prints what each did and checks that every item was consumed exactly once.
 * @returns One run per backend, in the order printed.
 * @throws {Error} when an item is lost or duplicated, the counts or checksums disagree, or a
 * worker fails.
 * @example
 * ```ts
 * await main(console.log);
 * // threads:
 * //   producer 1  put 5,000 items, found the queue full 522 times
 * //   ...
 * //   consumer 1  got 7,476 items, then its null
 * //   ...
 * ```
 */
export async function main(
  write: (line: string) => void,
  options: ProducerConsumerOptions = {},
): Promise<ProducerConsumerRun[]> {
  const {
    producers = 3,
    consumers = 2,
    threadItems = 5_000,
    processItems = 300,
    maxsize = 10,
    backends = ['threads', 'processes'],
  } = options;
  check(producers, 'producers', 1);
  check(consumers, 'consumers', 1);
  check(threadItems, 'threadItems', 0);
  check(processItems, 'processItems', 0);
  check(maxsize, 'maxsize', 1);
  write(
    `Producer-consumer: ${producers} producers put items into one Queue(maxsize ${maxsize}), ${consumers} consumers get them until they get null`,
  );
  const runs: ProducerConsumerRun[] = [];
  for (const backend of backends) {
    const items = backend === 'threads' ? threadItems : processItems;
    write(`${backend}:`);
    const result = await run(backend, producers, consumers, items, maxsize);
    runs.push(result);
    result.produced.forEach((count, i) => {
      write(
        `  producer ${i + 1}  put ${number.format(count)} items, found the queue full ${number.format(result.fullWaits[i] ?? 0)} times`,
      );
    });
    result.consumed.forEach((count, i) => {
      write(`  consumer ${i + 1}  got ${number.format(count)} items, then its null`);
    });
    const producedCount = result.produced.reduce((a, b) => a + b, 0);
    const consumedCount = result.consumed.reduce((a, b) => a + b, 0);
    write(
      `  produced ${number.format(producedCount)} items, checksum ${number.format(result.producedChecksum)}; ` +
        `consumed ${number.format(consumedCount)}, checksum ${number.format(result.consumedChecksum)}; ` +
        `${result.lost} lost, ${result.duplicated} duplicated`,
    );
    const expected = expectedChecksum(producers, items);
    if (
      producedCount !== producers * items ||
      consumedCount !== producedCount ||
      result.producedChecksum !== expected ||
      result.consumedChecksum !== expected ||
      result.lost !== 0 ||
      result.duplicated !== 0
    ) {
      throw new Error(
        `With ${backend}, ${consumedCount} of ${producers * items} items arrived (checksum ${result.consumedChecksum}, expected ${expected}): ${result.lost} lost, ${result.duplicated} duplicated`,
      );
    }
  }
  write('Every item produced was consumed exactly once.');
  return runs;
}
