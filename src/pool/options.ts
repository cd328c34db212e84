/**
 * The options of `Pool`/`ThreadPool`, of the executors and of their calls; and the readers
 * of those they share, each written once, with Python's meaning and the messages the tests
 * hold them to.
 */
import type { ResourceLimits } from 'node:worker_threads';
import { ArgumentRangeError } from '../errors.ts';
import { checkOptions, optionNames, type OptionKeys } from '../internal/options.ts';
import { rangeError, typeError } from '../internal/validate.ts';
import type { Target } from '../runtime/target.ts';
import type { TaskOptions } from './task.ts';

export interface PoolOptions {
  /**
   * The number of workers.
   * @default cpuCount()
   */
  readonly processes?: number | undefined;
  /** Called once in each worker, with `initargs`, before it takes tasks. */
  readonly initializer?: Target | undefined;
  readonly initargs?: readonly unknown[] | undefined;
  /** Tasks (or chunks) a worker runs before it is replaced by a fresh one. Default: no limit. */
  readonly maxTasksPerChild?: number | null | undefined;
  /**
   * Items that may wait in the queue: one per `apply`/`applyAsync`, and every item of a map's
   * chunks. `apply`/`applyAsync` past it throw `QueueFullError` (await `hasCapacity()`
   * first); a map waits for room before it sends its next chunk. Default: no limit.
   */
  readonly maxQueueSize?: number | undefined;
  /**
   * `ThreadPool` only: each worker thread's heap and stack limits (`Worker`'s
   * `resourceLimits`); a worker that exceeds them dies and its task fails with
   * `WorkerLostError`.
   */
  readonly resourceLimits?: ResourceLimits | undefined;
  /**
   * `ThreadPool` only: whether an idle worker thread watches for its next task a moment
   * (a quarter of a millisecond, spinning first) before it sleeps, and the thread that
   * submits a lone tiny task waits a few microseconds for its answer. That pays for tasks
   * submitted back to back; for tasks that come spaced out (a distributed worker's jobs, one
   * per Redis round trip) the watch mostly ends empty and only takes CPU from the threads
   * that do the work: `false` then, and a hop to a worker and back costs less.
   * @default true
   */
  readonly spin?: boolean | undefined;
}

/** Options of `apply`: the per-task `timeout` and `signal`. */
export type ApplyOptions = TaskOptions;

export interface ApplyAsyncOptions<R> extends TaskOptions {
  /** Called with the result, once, if the task succeeds. */
  readonly callback?: ((result: R) => void) | undefined;
  /** Called with the error, once, if the task fails. */
  readonly errorCallback?: ((error: unknown) => void) | undefined;
}

export interface MapOptions {
  /**
   * Items per task. `map`'s default is Python's: the items divided by four times the workers,
   * rounded up, for an input with a length (an array, a Set, a Map); without one, chunks grow
   * from 1 item to 1024. `imap`'s default is 1.
   */
  readonly chunksize?: number | undefined;
  /**
   * Called after each chunk completes, with the items done so far and the total: the input's
   * length if it has one, else the items read so far (the total once the input is over).
   */
  readonly onProgress?: ((done: number, total: number) => void) | undefined;
}

export interface MapAsyncOptions<R> extends MapOptions {
  readonly callback?: ((results: R[]) => void) | undefined;
  readonly errorCallback?: ((error: unknown) => void) | undefined;
}

export interface ExecutorOptions {
  /**
   * The most workers at once. Default: `min(32, cpuCount() + 4)` for threads (Python's),
   * `cpuCount()` for processes.
   */
  readonly maxWorkers?: number | undefined;
  /** Called once in each worker, with `initargs`, before it takes tasks. */
  readonly initializer?: Target | undefined;
  readonly initargs?: readonly unknown[] | undefined;
  /**
   * Items that may wait in the queue: one per submit, and every item of a map's chunks. A
   * submit past it throws `QueueFullError` (await `hasCapacity()` first); a map waits for room
   * before it sends its next chunk. Default: no limit.
   */
  readonly maxQueueSize?: number | undefined;
}

export interface ThreadPoolExecutorOptions extends ExecutorOptions {
  /** Names the threads `PREFIX_0`, `PREFIX_1`, … Default: `ThreadPoolExecutor-N`. */
  readonly threadNamePrefix?: string | undefined;
  /** Each worker thread's heap and stack limits (`Worker`'s `resourceLimits`). */
  readonly resourceLimits?: ResourceLimits | undefined;
}

export interface ProcessPoolExecutorOptions extends ExecutorOptions {
  /** Tasks a worker process runs before it is replaced. Default: no limit. */
  readonly maxTasksPerChild?: number | null | undefined;
}

export interface ShutdownOptions {
  /** Wait until the running and queued futures are done and the workers exited. @default true */
  readonly wait?: boolean | undefined;
  /** Cancel the futures that have not started. @default false */
  readonly cancelFutures?: boolean | undefined;
}

export interface ExecutorMapOptions {
  /** Milliseconds from the `map()` call; an item not done by then throws {@link TimeoutError}. */
  readonly timeout?: number | undefined;
  /** Items per task. @default 1 */
  readonly chunksize?: number | undefined;
  /**
   * Python 3.14's `buffersize`: at most this many chunks submitted and not yet yielded; the
   * input is read as the consumer takes results. Default: a bound of its own (up to 1024
   * chunks and 65,536 items), where Python's reads the whole input at the call.
   */
  readonly buffersize?: number | undefined;
  /**
   * Called after each chunk completes, with the items done so far and the total: the input's
   * length if it has one, else the items read so far (the total once the input is over).
   */
  readonly onProgress?: ((done: number, total: number) => void) | undefined;
}

/**
 * A constructor's options, given as an object or as the worker count alone (`new Pool(4)`):
 * then an object with the count under `countName`. `undefined` or `null`: no options.
 * @throws {ArgumentTypeError} for anything else.
 */
export function readOptions<O extends object>(
  options: number | O | null | undefined,
  countName: string,
  keys: OptionKeys<O>,
  where: string,
): O {
  const opts: unknown = typeof options === 'number' ? { [countName]: options } : (options ?? {});
  if ((typeof opts !== 'object' && typeof opts !== 'function') || opts === null) {
    throw typeError('options', 'a number or an object', options);
  }
  checkOptions(
    opts,
    optionNames(keys),
    where,
    'the task to a call (`map`, `submit`), and options here',
  );
  return opts as O;
}

/** The keys of {@link PoolOptions}. */
export const POOL_OPTIONS: OptionKeys<PoolOptions> = {
  processes: true,
  initializer: true,
  initargs: true,
  maxTasksPerChild: true,
  maxQueueSize: true,
  resourceLimits: true,
  spin: true,
};

const EXECUTOR_OPTIONS: OptionKeys<ExecutorOptions> = {
  maxWorkers: true,
  initializer: true,
  initargs: true,
  maxQueueSize: true,
};

/** The keys of {@link ThreadPoolExecutorOptions}. */
export const THREAD_EXECUTOR_OPTIONS: OptionKeys<ThreadPoolExecutorOptions> = {
  ...EXECUTOR_OPTIONS,
  threadNamePrefix: true,
  resourceLimits: true,
};

/** The keys of {@link ProcessPoolExecutorOptions}. */
export const PROCESS_EXECUTOR_OPTIONS: OptionKeys<ProcessPoolExecutorOptions> = {
  ...EXECUTOR_OPTIONS,
  maxTasksPerChild: true,
};

const TASK_CALL_KEYS = optionNames<TaskOptions>({ timeout: true, signal: true, transfer: true });
const MAP_KEYS = optionNames<MapOptions>({ chunksize: true, onProgress: true });
const MAP_ASYNC_KEYS = [...MAP_KEYS, 'callback', 'errorCallback'];

/** The option keys of each call that takes options, by the call's name in errors. */
const CALL_OPTIONS = {
  'pool.apply()': TASK_CALL_KEYS,
  'pool.applyAsync()': [...TASK_CALL_KEYS, 'callback', 'errorCallback'],
  'pool.map()': MAP_ASYNC_KEYS,
  'pool.starmap()': MAP_ASYNC_KEYS,
  'pool.imap()': MAP_KEYS,
  'pool.imapUnordered()': MAP_KEYS,
  'executor.submitWith()': TASK_CALL_KEYS,
  'executor.map()': optionNames<ExecutorMapOptions>({
    timeout: true,
    chunksize: true,
    buffersize: true,
    onProgress: true,
  }),
} satisfies Record<string, readonly string[]>;

/**
 * The options of `call`: an object whose keys are all the call's, or `undefined` for none.
 * @throws {ArgumentTypeError} for anything else, or an unknown key (`ERR_UNKNOWN_OPTION`).
 */
export function readCallOptions<O extends object>(
  options: O | undefined,
  call: keyof typeof CALL_OPTIONS,
): Partial<O> {
  if (options === undefined) return {};
  const raw: unknown = options;
  if (typeof raw !== 'object' || raw === null) throw typeError('options', 'an object', raw);
  checkOptions(options, CALL_OPTIONS[call], call);
  return options;
}

/**
 * The number of workers, `fallback` when not given.
 * @throws {ArgumentTypeError} for anything but an integer.
 * @throws {ArgumentRangeError} below 1: with Python's `Pool` message for `processes`,
 *   "Expected `maxWorkers` to be greater than 0, …" for the executors.
 */
export function parseWorkerCount(
  value: unknown,
  name: 'processes' | 'maxWorkers',
  fallback: number,
): number {
  const workers = value ?? fallback;
  if (typeof workers !== 'number' || !Number.isInteger(workers)) {
    throw typeError(name, 'a positive integer', workers);
  }
  if (workers < 1) {
    throw name === 'processes'
      ? new ArgumentRangeError(`Number of processes must be at least 1, got ${workers}`)
      : rangeError(name, 'greater than 0', workers);
  }
  return workers;
}

/**
 * `maxTasksPerChild`: a positive integer, or `undefined`/`null` for no limit (`null`).
 * @throws {ArgumentRangeError} for anything else, as Python's `Pool` raises `ValueError`;
 *   with `executor`, {@link ArgumentTypeError} for a value that is not an integer, as
 *   `ProcessPoolExecutor` raises `TypeError` ("max_tasks_per_child must be an integer").
 */
export function parseMaxTasksPerChild(value: unknown, executor = false): number | null {
  if (value === undefined || value === null) return null;
  const integer = typeof value === 'number' && Number.isInteger(value);
  if (executor && !integer) throw typeError('maxTasksPerChild', 'an integer or null', value);
  if (!integer || value < 1) {
    throw rangeError('maxTasksPerChild', 'a positive integer or null', value);
  }
  return value;
}

/**
 * `maxQueueSize`: a positive integer, or `undefined`/`Infinity` for no limit (`Infinity`).
 * @throws {ArgumentTypeError} for anything but an integer.
 * @throws {ArgumentRangeError} below 1.
 */
export function parseMaxQueueSize(value: unknown): number {
  if (value === undefined || value === Infinity) return Infinity;
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    throw typeError('maxQueueSize', 'a positive integer', value);
  }
  if (value < 1) throw rangeError('maxQueueSize', 'a positive integer', value);
  return value;
}
