/**
 * `Pool` and `ThreadPool`: Python's `multiprocessing.Pool` API on processes and on threads.
 *
 * Differences from Python, forced or chosen: every blocking call returns a promise; a task
 * whose worker dies fails with {@link WorkerLostError} (Python's leaves it pending forever)
 * and the worker is replaced; `terminate()` fails the unfinished tasks instead of leaving
 * them never ready; an initializer that fails breaks the pool instead of restarting workers
 * forever.
 */
import { StateError, WorkerLostError, WorkerStartError } from '../errors.ts';
import { typeError } from '../internal/validate.ts';
import { cpuCount } from '../threading/current.ts';
import type { AnyFunction, Target } from '../runtime/target.ts';
import { Future } from '../futures/future.ts';
import { addCallbacks, AsyncResult } from './async-result.ts';
import { ChunkedMap, iterateChunks } from './chunked-map.ts';
import { PoolEngine } from './engine.ts';
import {
  parseMaxQueueSize,
  parseMaxTasksPerChild,
  parseWorkerCount,
  readOptions,
  type ApplyAsyncOptions,
  type ApplyOptions,
  type MapAsyncOptions,
  type MapOptions,
  type PoolOptions,
} from './options.ts';
import { checkTaskOptions, type TaskOptions } from './task.ts';
import { MODE_APPLY, MODE_MAP, MODE_STARMAP, type TaskMode } from './protocol.ts';
import type { WorkerKind } from './worker-slot.ts';
import type { Unwrapped } from './transfer.ts';
import {
  processWorkerIdentity,
  threadPoolWorkerName,
  threadWorkerIdentity,
} from './workers-identity.ts';

/** The settled value of a target's result, unwrapped from {@link transfer}. */
export type ResultOf<F extends AnyFunction> = Unwrapped<Awaited<ReturnType<F>>>;

/** A target's arguments, then the options; the arguments may be left out when it takes none. */
export type ArgsThenOptions<F extends AnyFunction, O> =
  [] extends Parameters<F>
    ? [args?: Parameters<F>, options?: O]
    : [args: Parameters<F>, options?: O];

/** The machinery shared by {@link Pool} and {@link ThreadPool}. */
export abstract class BasePool {
  readonly #engine: PoolEngine;
  readonly #workers: number;

  protected constructor(kind: WorkerKind, options: number | PoolOptions | undefined) {
    const opts = readOptions<PoolOptions>(options, 'processes');
    const workers = parseWorkerCount(opts.processes, 'processes', cpuCount());
    const max = parseMaxTasksPerChild(opts.maxTasksPerChild);
    const { initializer } = opts;
    if (
      initializer !== undefined &&
      typeof initializer !== 'function' &&
      typeof initializer !== 'object'
    ) {
      throw typeError('initializer', 'a function or a task reference', initializer);
    }
    this.#workers = workers;
    this.#engine = new PoolEngine({
      kind,
      workers,
      eager: true,
      initializer,
      initargs: opts.initargs ?? [],
      maxTasksPerChild: max,
      maxInFlight: Infinity,
      maxQueueSize: parseMaxQueueSize(opts.maxQueueSize),
      resourceLimits: opts.resourceLimits,
      death: {
        kind: 'replace',
        lost: (worker, exitCode, crash) =>
          new WorkerLostError(
            `Worker ${worker} exited with code ${exitCode} while running this task`,
            exitCode,
            crash === undefined ? undefined : { cause: crash },
          ),
      },
      initializerFailed: (worker, error) =>
        new WorkerStartError(
          'ERR_INITIALIZER_FAILED',
          `The initializer failed in ${worker}; the pool is not usable anymore`,
          { cause: error },
        ),
      nextIdentity:
        kind === 'thread'
          ? () => {
              const name = threadPoolWorkerName();
              return { name, identity: threadWorkerIdentity(name) };
            }
          : () => processWorkerIdentity('SpawnPoolWorker', true),
    });
  }

  /** The number of workers. */
  get processes(): number {
    return this.#workers;
  }

  #checkRunning(): void {
    const engine = this.#engine;
    if (engine.state === 'running') return;
    if (engine.state === 'broken' && engine.brokenError !== null) throw engine.brokenError;
    throw new StateError('ERR_POOL_NOT_RUNNING', 'Pool not running');
  }

  #submit<R>(target: Target, mode: TaskMode, payload: unknown, options?: TaskOptions): Future<R> {
    const future = new Future<R>();
    const key = this.#engine.keyOf(target);
    this.#engine.submit(
      key,
      mode,
      payload,
      {
        settle: (ok, value) => {
          if (ok) future.setResult(value as R);
          else future.setException(value);
        },
      },
      options,
    );
    return future;
  }

  /** Runs `task(...args)` on a worker; resolves with its result. */
  apply<F extends AnyFunction>(
    task: Target<F>,
    ...[args, options]: ArgsThenOptions<F, ApplyOptions>
  ): Promise<ResultOf<F>> {
    this.#checkRunning();
    if (args !== undefined && !Array.isArray(args)) throw typeError('args', 'an array', args);
    const key = this.#engine.keyOf(task);
    checkTaskOptions(options);
    this.#engine.checkCapacity();
    return new Promise((resolve, reject) => {
      this.#engine.submit(key, MODE_APPLY, args ?? [], new Settler(resolve, reject), options);
    });
  }

  /** Runs `task(...args)` on a worker; returns its {@link AsyncResult} at once. */
  applyAsync<F extends AnyFunction>(
    task: Target<F>,
    ...[args, options]: ArgsThenOptions<F, ApplyAsyncOptions<ResultOf<F>>>
  ): AsyncResult<ResultOf<F>> {
    this.#checkRunning();
    if (args !== undefined && !Array.isArray(args)) throw typeError('args', 'an array', args);
    checkTaskOptions(options);
    this.#engine.checkCapacity();
    const future = this.#submit<ResultOf<F>>(task, MODE_APPLY, args ?? [], options);
    addCallbacks(future, options?.callback, options?.errorCallback);
    return new AsyncResult(future);
  }

  /** `task(item)` for every item, in input order; fails with the first error, after all ran. */
  map<F extends (item: never) => unknown>(
    task: Target<F>,
    iterable: Iterable<Parameters<F>[0]>,
    options?: MapOptions,
  ): Promise<ResultOf<F>[]> {
    return this.mapAsync(task, iterable, options).get();
  }

  /** As {@link BasePool.map}, returning an {@link AsyncResult} at once. */
  mapAsync<F extends (item: never) => unknown>(
    task: Target<F>,
    iterable: Iterable<Parameters<F>[0]>,
    options?: MapAsyncOptions<ResultOf<F>>,
  ): AsyncResult<ResultOf<F>[]> {
    return this.#mapAsync(
      task,
      MODE_MAP,
      iterable,
      options as MapAsyncOptions<unknown>,
    ) as AsyncResult<ResultOf<F>[]>;
  }

  /** `task(...args)` for every argument list, in input order. */
  starmap<F extends AnyFunction>(
    task: Target<F>,
    iterable: Iterable<Parameters<F>>,
    options?: MapOptions,
  ): Promise<ResultOf<F>[]> {
    return this.starmapAsync(task, iterable, options).get();
  }

  /** As {@link BasePool.starmap}, returning an {@link AsyncResult} at once. */
  starmapAsync<F extends AnyFunction>(
    task: Target<F>,
    iterable: Iterable<Parameters<F>>,
    options?: MapAsyncOptions<ResultOf<F>>,
  ): AsyncResult<ResultOf<F>[]> {
    return this.#mapAsync(
      task,
      MODE_STARMAP,
      iterable,
      options as MapAsyncOptions<unknown>,
    ) as AsyncResult<ResultOf<F>[]>;
  }

  #mapAsync(
    task: Target,
    mode: TaskMode,
    iterable: Iterable<unknown>,
    options: MapAsyncOptions<unknown> = {},
  ): AsyncResult<unknown[]> {
    this.#checkRunning();
    // Python's default chunksize: four chunks per worker.
    const map = new ChunkedMap(
      iterable,
      options.chunksize,
      (count) => Math.max(1, Math.ceil(count / (4 * this.#workers))),
      options.onProgress,
    );
    const key = this.#engine.keyOf(task);
    const result = new Future<unknown[]>();
    const out: unknown[] = new Array(map.total);
    const size = map.size;
    let left = map.chunks.length;
    let failure: { error: unknown } | null = null;
    if (left === 0) result.setResult(out);
    map.chunks.forEach((payload, index) => {
      this.#engine.submit(key, mode, payload, {
        settle: (ok, value) => {
          if (ok) {
            const values = value as unknown[];
            for (let j = 0; j < values.length; j++) out[index * size + j] = values[j];
          } else failure ??= { error: value };
          map.chunkDone(index);
          if (--left > 0) return;
          if (failure === null) result.setResult(out);
          else result.setException(failure.error);
        },
      });
    });
    addCallbacks(result, options.callback, options.errorCallback);
    return new AsyncResult(result);
  }

  /**
   * `task(item)` for every item, yielded in input order as they become available. A failed
   * item throws at its position; calling `next()` again goes on with the following one.
   */
  imap<F extends (item: never) => unknown>(
    task: Target<F>,
    iterable: Iterable<Parameters<F>[0]>,
    options?: MapOptions,
  ): AsyncIterableIterator<ResultOf<F>> {
    return this.#imap(task, iterable, options, true) as AsyncIterableIterator<ResultOf<F>>;
  }

  /** As {@link BasePool.imap}, yielding results in the order they complete. */
  imapUnordered<F extends (item: never) => unknown>(
    task: Target<F>,
    iterable: Iterable<Parameters<F>[0]>,
    options?: MapOptions,
  ): AsyncIterableIterator<ResultOf<F>> {
    return this.#imap(task, iterable, options, false) as AsyncIterableIterator<ResultOf<F>>;
  }

  #imap(
    task: Target,
    iterable: Iterable<unknown>,
    options: MapOptions = {},
    ordered: boolean,
  ): AsyncIterableIterator<unknown> {
    this.#checkRunning();
    const map = new ChunkedMap(iterable, options.chunksize, () => 1, options.onProgress);
    const key = this.#engine.keyOf(task);
    // Outcomes by chunk index (ordered) or in completion order (unordered).
    const outcomes: ({ ok: boolean; value: unknown } | undefined)[] = [];
    let wake: (() => void) | null = null;
    map.chunks.forEach((payload, index) => {
      this.#engine.submit(key, MODE_MAP, payload, {
        settle: (ok, value) => {
          if (ordered) outcomes[index] = { ok, value };
          else outcomes.push({ ok, value });
          map.chunkDone(index);
          wake?.();
        },
      });
    });
    const read = (index: number): readonly unknown[] | Promise<readonly unknown[]> => {
      const outcome = outcomes[index];
      if (outcome === undefined) {
        // Not in yet: look again once the next chunk settles.
        return new Promise<void>((resolve) => {
          wake = () => {
            wake = null;
            resolve();
          };
        }).then(() => read(index));
      }
      if (!outcome.ok) throw outcome.value;
      return outcome.value as unknown[];
    };
    return iterateChunks(map.chunks.length, read, 'go-on');
  }

  /** Resolves once the queue has room under `maxQueueSize` (at once without a limit). */
  hasCapacity(): Promise<void> {
    return this.#engine.hasCapacity();
  }

  /** Takes no more tasks; the workers exit once the queued ones are done. Idempotent. */
  close(): void {
    this.#engine.close();
  }

  /**
   * Stops the workers now; unfinished tasks fail with a {@link StateError}. Resolves once
   * every worker has exited. Idempotent.
   */
  terminate(): Promise<void> {
    return this.#engine.terminate(
      new StateError('ERR_POOL_NOT_RUNNING', 'the pool was terminated before this task finished'),
    );
  }

  /**
   * Waits for the workers to exit.
   * @throws {StateError} `Pool is still running` before `close()` or `terminate()`.
   */
  join(): Promise<void> {
    return this.#engine.exited();
  }

  /** `await using pool = new Pool()`: terminates at the end of the scope, as Python's `with`. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.terminate();
  }
}

/** Settles a promise with a task's outcome: one small object per task, no closures. */
class Settler<T> {
  readonly #resolve: (value: T) => void;
  readonly #reject: (reason: unknown) => void;

  constructor(resolve: (value: T) => void, reject: (reason: unknown) => void) {
    this.#resolve = resolve;
    this.#reject = reject;
  }

  settle(ok: boolean, value: unknown): void {
    if (ok) this.#resolve(value as T);
    else this.#reject(value);
  }
}

/**
 * A pool of worker processes: Python's `multiprocessing.Pool`.
 *
 * @example
 * ```ts
 * const tasks = taskModule<typeof import('./tasks.ts')>(new URL('./tasks.ts', import.meta.url));
 * await using pool = new Pool(4);
 * const sums = await pool.map(tasks.sumPrimesBelow, [1e5, 2e5, 3e5]);
 * ```
 */
export class Pool extends BasePool {
  constructor(options?: number | PoolOptions) {
    super('process', options);
  }
}

/** A pool of worker threads with the same API: Python's `multiprocessing.pool.ThreadPool`. */
export class ThreadPool extends BasePool {
  constructor(options?: number | PoolOptions) {
    super('thread', options);
  }
}
