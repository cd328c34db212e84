/**
 * The options of a distributed executor and of its jobs, checked, and mapped to BullMQ's.
 */
import { ArgumentRangeError } from '../errors.ts';
import { assertInteger, describeValue, parseTimeout, typeError } from '../internal/validate.ts';
import type { RedisConnection } from './connection.ts';

/** Per-job options: `submitWith()`'s, and the executor's `defaultJobOptions`. */
export interface DistributedJobOptions {
  /** Runs after a failure, on any worker: BullMQ's `attempts` less one. @default 0 */
  readonly retries?: number | undefined;
  /** Milliseconds between attempts (fixed), or BullMQ's `{ type, delay }`. @default 0 */
  readonly backoff?: number | { type: 'fixed' | 'exponential'; delay: number } | undefined;
  /** Milliseconds one attempt may run on the worker; past it the attempt fails with `TimeoutError`. */
  readonly timeout?: number | undefined;
  /** Milliseconds to wait before the job may start (a delayed job). */
  readonly delay?: number | undefined;
  /** BullMQ's priority: 1 is the highest; none by default. */
  readonly priority?: number | undefined;
}

export interface DistributedExecutorOptions {
  /** The Redis server: a `redis://` URL or ioredis's options. */
  readonly connection: RedisConnection;
  /** The BullMQ queue's name; workers started with `--queue` the same name serve it. */
  readonly queue: string;
  /** BullMQ's key prefix. @default 'bull' */
  readonly prefix?: string | undefined;
  /** The options of every job, under those given to `submitWith()`. */
  readonly defaultJobOptions?: DistributedJobOptions | undefined;
  /** Milliseconds the first connection may take. @default 5000 */
  readonly connectTimeout?: number | undefined;
  /** The largest encoded arguments or result, in bytes. @default 64 MiB */
  readonly maxBytes?: number | undefined;
}

export interface DistributedMapOptions {
  /** Milliseconds from the `map()` call; an item not done by then throws `TimeoutError`. */
  readonly timeout?: number | undefined;
  /** How many items are submitted ahead of the one being awaited. @default 1000 */
  readonly prefetch?: number | undefined;
}

/** The BullMQ job options (`JobsOptions`) that a job's own options become. */
export interface BullJobOptions {
  attempts?: number;
  backoff?: { type: 'fixed' | 'exponential'; delay: number };
  delay?: number;
  priority?: number;
}

/** A job's own options as they go into its `data` and BullMQ's options. */
export interface CheckedJobOptions {
  readonly timeout: number;
  readonly bull: BullJobOptions;
}

function nonNegative(value: unknown, name: string): number {
  const ms = parseTimeout(value, name, 'reject');
  if (ms === Infinity && value !== undefined) {
    throw new ArgumentRangeError(
      `Expected \`${name}\` to be a finite number of milliseconds, got ${describeValue(value)}`,
    );
  }
  return ms;
}

/** @throws {ArgumentTypeError} / {ArgumentRangeError} naming the bad option. */
export function checkJobOptions(options: unknown): DistributedJobOptions {
  if (options === undefined) return {};
  if (typeof options !== 'object' || options === null) {
    throw typeError('options', 'an object', options);
  }
  const { retries, backoff, timeout, delay, priority } = options as DistributedJobOptions;
  if (retries !== undefined) assertInteger(retries, 'retries', 0);
  if (priority !== undefined) assertInteger(priority, 'priority', 1);
  if (timeout !== undefined) parseTimeout(timeout, 'timeout', 'reject');
  if (delay !== undefined) nonNegative(delay, 'delay');
  if (backoff !== undefined && typeof backoff !== 'number') {
    const raw = backoff as unknown as { type?: unknown } | null;
    if (
      typeof raw !== 'object' ||
      raw === null ||
      (raw.type !== 'fixed' && raw.type !== 'exponential')
    ) {
      throw typeError('backoff', "milliseconds or { type: 'fixed' | 'exponential', delay }", raw);
    }
    nonNegative(backoff.delay, 'backoff.delay');
  } else if (backoff !== undefined) {
    nonNegative(backoff, 'backoff');
  }
  return options;
}

/** The defaults under the job's own options, as the job's data and BullMQ's options. */
export function jobOptions(
  defaults: DistributedJobOptions,
  own: DistributedJobOptions,
): CheckedJobOptions {
  const merged = { ...defaults, ...own };
  const bull: BullJobOptions = {};
  if (merged.retries !== undefined && merged.retries > 0) bull.attempts = merged.retries + 1;
  if (merged.backoff !== undefined) {
    bull.backoff =
      typeof merged.backoff === 'number'
        ? { type: 'fixed', delay: merged.backoff }
        : { ...merged.backoff };
  }
  if (merged.delay !== undefined && merged.delay > 0) bull.delay = merged.delay;
  if (merged.priority !== undefined) bull.priority = merged.priority;
  return { timeout: parseTimeout(merged.timeout), bull };
}
