/**
 * `Pool` and `ThreadPool`: Python's `multiprocessing.Pool` API on processes and on threads.
 *
 * Differences from Python, forced or chosen: every blocking call returns a promise; a task
 * whose worker dies fails with {@link WorkerLostError} (Python's leaves it pending forever)
 * and the worker is replaced; `terminate()` fails the unfinished tasks instead of leaving
 * them never ready; an initializer that fails breaks the pool instead of restarting workers
 * forever.
 */
import { StateError } from '../errors.ts';
import { typeError } from '../internal/validate.ts';
import type { AnyFunction, Target } from '../runtime/target.ts';
import { Future } from '../futures/future.ts';
import { AsyncResult, checkCallbacks, Settler, settleWithCallbacks } from './async-result.ts';
import { LazyMap, parseCallback, parsePositiveInteger, type LazyMapConfig } from './chunked-map.ts';
import { engineRunner } from './engine-runner.ts';
import { PoolEngine } from './engine.ts';
import { registerPool, type PoolStats } from './stats.ts';
import { MapInput, type AnyIterable } from './map-input.ts';
import {
  readCallOptions,
  type ApplyAsyncOptions,
  type ApplyOptions,
  type MapAsyncOptions,
  type MapOptions,
  type PoolOptions,
} from './options.ts';
import { poolEngineOptions } from './pool-engine-options.ts';
import { checkTaskOptions } from './task.ts';
import { MODE_APPLY, MODE_MAP, MODE_STARMAP, type TaskMode } from './protocol.ts';
import type { WorkerKind } from './worker-slot.ts';
import type { Unwrapped } from './transfer.ts';
import { defineRepr } from '../internal/repr.ts';

/** The settled value of a target's result, unwrapped from {@link transfer}. */
export type ResultOf<F extends AnyFunction> = Unwrapped<Awaited<ReturnType<F>>>;

/** A target's arguments, then the options; the arguments may be left out when it takes none. */
export type ArgsThenOptions<F extends AnyFunction, O> =
  [] extends Parameters<F>
    ? [args?: Parameters<F>, options?: O]
    : [args: Parameters<F>, options?: O];

/** The machinery shared by {@link Pool} and {@link ThreadPool}. */
export abstract class BasePool {
  /** Python's repr of this object, as `util.inspect` (so `console.log`) shows it too. */
  declare toString: () => string;

  readonly #engine: PoolEngine;
  readonly #workers: number;
  /** Maps still reading their input: `close()` lets them finish it, as Python's does. */
  readonly #maps = new Set<LazyMap>();
  /** `close()` was called while maps read their input; the engine closes after the last. */
  #closing = false;
  /** `join()` calls waiting for the engine to close. */
  readonly #joiners: (() => void)[] = [];

  static {
    // Python's `<multiprocessing.pool.Pool state=RUN pool_size=4>`.
    const states = {
      running: 'RUN',
      closed: 'CLOSE',
      broken: 'TERMINATE',
      terminated: 'TERMINATE',
    };
    defineRepr(BasePool, (pool) => {
      const state = pool.#closing ? 'CLOSE' : states[pool.#engine.state];
      return `<${pool.constructor.name} state=${state} pool_size=${pool.#workers}>`;
    });
  }

  protected constructor(kind: WorkerKind, options: number | PoolOptions | undefined) {
    const engineOptions = poolEngineOptions(kind, options, `new ${new.target.name}()`);
    this.#workers = engineOptions.workers;
    this.#engine = new PoolEngine(engineOptions);
    registerPool(this);
  }

  /**
   * Its workers and tasks now, as a plain object: each worker's state, tasks done and
   * failed, what it runs and its utilization, and the pool's totals (see README, "Live view").
   */
  stats(): PoolStats {
    return this.#engine.stats(this.constructor.name);
  }

  /** The number of workers. */
  get processes(): number {
    return this.#workers;
  }

  #checkRunning(): void {
    const engine = this.#engine;
    if (engine.state === 'running' && !this.#closing) return;
    if (engine.state === 'broken' && engine.brokenError !== null) throw engine.brokenError;
    throw new StateError('ERR_POOL_NOT_RUNNING', 'Pool not running');
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
    readCallOptions(options, 'pool.apply()');
    this.#engine.checkCapacity();
    return new Promise((resolve, reject) => {
      this.#engine.submit(key, MODE_APPLY, args ?? [], new Settler(resolve, reject), options);
    });
  }

  /**
   * Runs `task(...args)` on a worker; returns its {@link AsyncResult} at once. Every option is
   * checked before the task is queued; `callback`/`errorCallback` run before it is ready.
   */
  applyAsync<F extends AnyFunction>(
    task: Target<F>,
    ...[args, options]: ArgsThenOptions<F, ApplyAsyncOptions<ResultOf<F>>>
  ): AsyncResult<ResultOf<F>> {
    this.#checkRunning();
    if (args !== undefined && !Array.isArray(args)) throw typeError('args', 'an array', args);
    const key = this.#engine.keyOf(task);
    checkTaskOptions(options);
    readCallOptions(options, 'pool.applyAsync()');
    const callbacks = checkCallbacks<ResultOf<F>>(options);
    this.#engine.checkCapacity();
    const future = new Future<ResultOf<F>>();
    this.#engine.submit(
      key,
      MODE_APPLY,
      args ?? [],
      {
        settle: (ok, value) => {
          settleWithCallbacks(future, ok, value, callbacks);
        },
      },
      options,
    );
    return new AsyncResult(future);
  }

  /** `task(item)` for every item, in input order; fails with the first error, after all ran. */
  map<F extends (item: never) => unknown>(
    task: Target<F>,
    iterable: AnyIterable<Parameters<F>[0]>,
    options?: MapOptions,
  ): Promise<ResultOf<F>[]> {
    return this.mapAsync(task, iterable, options).get();
  }

  /** As {@link BasePool.map}, returning an {@link AsyncResult} at once. */
  mapAsync<F extends (item: never) => unknown>(
    task: Target<F>,
    iterable: AnyIterable<Parameters<F>[0]>,
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
    iterable: AnyIterable<Parameters<F>>,
    options?: MapOptions,
  ): Promise<ResultOf<F>[]> {
    return this.starmapAsync(task, iterable, options).get();
  }

  /** As {@link BasePool.starmap}, returning an {@link AsyncResult} at once. */
  starmapAsync<F extends AnyFunction>(
    task: Target<F>,
    iterable: AnyIterable<Parameters<F>>,
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
    iterable: AnyIterable<unknown>,
    options: MapAsyncOptions<unknown> | undefined,
  ): AsyncResult<unknown[]> {
    this.#checkRunning();
    const opts = readCallOptions(options, mode === MODE_MAP ? 'pool.map()' : 'pool.starmap()');
    const given = parsePositiveInteger(opts.chunksize);
    const onProgress = parseCallback(opts.onProgress, 'onProgress');
    const callbacks = checkCallbacks<unknown[]>(opts);
    const input = new MapInput([iterable]);
    const key = this.#engine.keyOf(task);
    const known = input.knownLength;
    // Python's default chunksize: four chunks per worker. Without a length, chunks grow.
    const chunksize =
      given ??
      (known === undefined ? undefined : Math.max(1, Math.ceil(known / (4 * this.#workers))));
    const future = new Future<unknown[]>();
    this.#lazyMap(key, mode, input, { chunksize, ordered: true, onProgress }).collect(
      (ok, value) => {
        settleWithCallbacks(future, ok, value, callbacks);
      },
    );
    return new AsyncResult(future);
  }

  /**
   * `task(item)` for every item, yielded in input order as they become available. A failed
   * item throws at its position; calling `next()` again goes on with the following one.
   */
  imap<F extends (item: never) => unknown>(
    task: Target<F>,
    iterable: AnyIterable<Parameters<F>[0]>,
    options?: MapOptions,
  ): AsyncIterableIterator<ResultOf<F>> {
    return this.#imap(task, iterable, options, true) as AsyncIterableIterator<ResultOf<F>>;
  }

  /** As {@link BasePool.imap}, yielding results in the order they complete. */
  imapUnordered<F extends (item: never) => unknown>(
    task: Target<F>,
    iterable: AnyIterable<Parameters<F>[0]>,
    options?: MapOptions,
  ): AsyncIterableIterator<ResultOf<F>> {
    return this.#imap(task, iterable, options, false) as AsyncIterableIterator<ResultOf<F>>;
  }

  #imap(
    task: Target,
    iterable: AnyIterable<unknown>,
    options: MapOptions | undefined,
    ordered: boolean,
  ): AsyncIterableIterator<unknown> {
    this.#checkRunning();
    const opts = readCallOptions(options, ordered ? 'pool.imap()' : 'pool.imapUnordered()');
    const chunksize = parsePositiveInteger(opts.chunksize) ?? 1; // Python's imap default
    const onProgress = parseCallback(opts.onProgress, 'onProgress');
    const input = new MapInput([iterable]);
    const key = this.#engine.keyOf(task);
    return this.#lazyMap(key, MODE_MAP, input, { chunksize, ordered, onProgress }).start();
  }

  /** A lazy map on this pool's engine, counted among the maps a `close()` waits for. */
  #lazyMap(
    key: number,
    mode: TaskMode,
    input: MapInput,
    config: Pick<LazyMapConfig, 'chunksize' | 'ordered' | 'onProgress'>,
  ): LazyMap {
    const runner = engineRunner(this.#engine, key, mode);
    const map: LazyMap = new LazyMap(input, runner, {
      ...config,
      ahead: undefined,
      workers: this.#workers,
      afterError: 'go-on',
      deadline: Infinity,
      onInputDone: () => {
        this.#maps.delete(map);
        if (!this.#closing || this.#maps.size > 0) return;
        this.#engine.close();
        for (const wake of this.#joiners.splice(0)) wake();
      },
    });
    this.#maps.add(map);
    return map;
  }

  /** Resolves once the queue has room under `maxQueueSize` (at once without a limit). */
  hasCapacity(): Promise<void> {
    return this.#engine.hasCapacity();
  }

  /**
   * Takes no more tasks; the workers exit once the queued ones are done. A map still reading
   * its input reads the rest first, without waiting for its consumer. Idempotent.
   */
  close(): void {
    if (this.#maps.size === 0) {
      this.#engine.close();
      return;
    }
    this.#closing = true;
    for (const map of this.#maps) map.unbound();
  }

  /**
   * Stops the workers now; unfinished tasks fail with a {@link StateError}. Resolves once
   * every worker has exited. Idempotent.
   */
  terminate(): Promise<void> {
    const exited = this.#engine.terminate(
      new StateError('ERR_POOL_NOT_RUNNING', 'the pool was terminated before this task finished'),
    );
    // A join() waiting for maps to read their input waits for the workers' exit instead.
    for (const wake of this.#joiners.splice(0)) wake();
    return exited;
  }

  /**
   * Waits for the workers to exit.
   * @throws {StateError} `Pool is still running` before `close()` or `terminate()`.
   */
  join(): Promise<void> {
    if (this.#closing && this.#engine.state === 'running') {
      // Closed, waiting for maps to read their input: the engine closes after them.
      return new Promise<void>((resolve) => {
        this.#joiners.push(resolve);
      }).then(() => this.#engine.exited());
    }
    return this.#engine.exited();
  }

  /** `await using pool = new Pool()`: terminates at the end of the scope, as Python's `with`. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.terminate();
  }
}

/**
 * A pool of worker processes: Python's `multiprocessing.Pool`.
 *
 * @example
 * ```ts
 * const tasks = taskModule<typeof import('./tasks.js')>(new URL('./tasks.js', import.meta.url));
 * await using pool = new Pool(4);
 * const sums = await pool.map(tasks.sumBelow, [1e5, 2e5, 3e5]);
 * ```
 */
export class Pool extends BasePool {
  /**
   * Starts worker processes (Python's `multiprocessing.Pool`). `options`: their number
   * (default `cpuCount()`) or {@link PoolOptions}; an unknown option throws `ArgumentTypeError`.
   */
  constructor(options?: number | PoolOptions) {
    super('process', options);
  }
}

/** A pool of worker threads with the same API: Python's `multiprocessing.pool.ThreadPool`. */
export class ThreadPool extends BasePool {
  /**
   * Starts worker threads (Python's `ThreadPool`). `options`: their number (default
   * `cpuCount()`) or {@link PoolOptions}; an unknown option throws `ArgumentTypeError`.
   */
  constructor(options?: number | PoolOptions) {
    super('thread', options);
  }
}
