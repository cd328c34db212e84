/**
 * `ThreadPoolExecutor` and `ProcessPoolExecutor`: Python's `concurrent.futures` executors.
 *
 * Workers start as tasks arrive, up to `maxWorkers`. As in Python, a worker that dies breaks
 * the executor: every pending and running future fails with `BrokenThreadPoolError` /
 * `BrokenProcessPoolError`, and later submits throw it. A task's own `timeout` or `signal`
 * (see {@link Executor.submitWith}) stops only that task, by replacing its worker.
 */
import type { ResourceLimits } from 'node:worker_threads';
import {
  BrokenExecutorError,
  BrokenProcessPoolError,
  BrokenThreadPoolError,
  StateError,
} from '../errors.ts';
import { assertBoolean, parseTimeout, typeError } from '../internal/validate.ts';
import { cpuCount } from '../threading/current.ts';
import type { AnyFunction, Target } from '../runtime/target.ts';
import { PoolEngine } from './engine.ts';
import { registerPool, type PoolStats } from './stats.ts';
import { checkTaskOptions, type TaskOptions } from './task.ts';
import { Future } from '../futures/future.ts';
import { ClaimedTask, StartedTask } from './executor-task.ts';
import {
  LazyMap,
  parseCallback,
  parsePositiveInteger,
  roomIn,
  type ChunkRunner,
} from './chunked-map.ts';
import { isOptions, MapInput, type IterablesThenOptions } from './map-input.ts';
import {
  parseMaxQueueSize,
  parseMaxTasksPerChild,
  parseWorkerCount,
  readCallOptions,
  PROCESS_EXECUTOR_OPTIONS,
  readOptions,
  THREAD_EXECUTOR_OPTIONS,
  type ExecutorMapOptions,
  type ExecutorOptions,
  type ProcessPoolExecutorOptions,
  type ShutdownOptions,
  type ThreadPoolExecutorOptions,
} from './options.ts';
import type { ResultOf } from './pool.ts';
import { MODE_APPLY, MODE_MAP, MODE_STARMAP } from './protocol.ts';
import type { WorkerKind } from './worker-slot.ts';
import { processWorkerIdentity, threadWorkerIdentity } from './workers-identity.ts';
import { defineRepr } from '../internal/repr.ts';

let executorCounter = 0;

/**
 * The process is exiting: its `'exit'` handlers run, and no event loop turn will come to run
 * a task (Python's "interpreter shutdown"). Set by a listener put first.
 */
let exiting = false;
let exitListener = false;

function watchExit(): void {
  if (exitListener) return;
  exitListener = true;
  process.prependOnceListener('exit', () => {
    exiting = true;
  });
}

/** What the two executors share. */
export abstract class Executor {
  /** Python's repr of this object, as `util.inspect` (so `console.log`) shows it too. */
  declare toString: () => string;

  readonly #engine: PoolEngine;
  readonly #broken: (message: string, cause?: unknown) => BrokenExecutorError;
  #shutdown = false;

  static {
    // `<ThreadPoolExecutor max_workers=4 state=running>` (Python's executors print no state).
    defineRepr(Executor, (executor) => {
      const state = executor.#shutdown ? 'shutdown' : executor.#engine.state;
      return `<${executor.constructor.name} max_workers=${executor.#workers} state=${state}>`;
    });
  }
  /** Maps still reading their input: `shutdown()` has them read the rest first. */
  readonly #maps = new Set<{ unbound(): void }>();
  readonly #workers: number;
  /** The engine: for the subclasses' own methods (`ProcessPoolExecutor.killWorkers`). */
  protected get engine(): PoolEngine {
    return this.#engine;
  }

  protected constructor(
    kind: WorkerKind,
    options: ExecutorOptions & {
      maxTasksPerChild?: number | null | undefined;
      resourceLimits?: ResourceLimits | undefined;
    },
    naming: () => { name: string; identity: ReturnType<typeof threadWorkerIdentity> },
  ) {
    // Python's defaults: min(32, os.cpu_count() + 4) threads, os.cpu_count() processes.
    const defaultWorkers = kind === 'thread' ? Math.min(32, cpuCount() + 4) : cpuCount();
    const workers = parseWorkerCount(options.maxWorkers, 'maxWorkers', defaultWorkers);
    const max = parseMaxTasksPerChild(options.maxTasksPerChild, true);
    this.#workers = workers;
    const Broken = kind === 'thread' ? BrokenThreadPoolError : BrokenProcessPoolError;
    const what = kind === 'thread' ? 'thread' : 'process';
    this.#broken = (message, cause) =>
      new Broken(message, cause === undefined ? undefined : { cause });
    watchExit();
    this.#engine = new PoolEngine({
      kind,
      workers,
      eager: false,
      initializer: options.initializer,
      initargs: options.initargs ?? [],
      maxTasksPerChild: max,
      // Tasks go out in batches, each with a claim word that its worker claims just before
      // running it: a future stays pending, and cancellable, until then (see
      // memory/claim-word.ts). Without the words (processes on the broker), a worker holds
      // only the task it runs: a task sent ahead to a busy worker could not be taken back,
      // and tasks that wait on each other would deadlock (Python's call queue is shared by
      // the workers, so an idle one takes whatever is next).
      claims: true,
      maxInFlight: 1,
      maxQueueSize: parseMaxQueueSize(options.maxQueueSize),
      resourceLimits: options.resourceLimits,
      death: {
        kind: 'break',
        lost: (worker, exitCode, crash) =>
          this.#broken(
            `A ${what} in the ${what} pool was terminated abruptly while the future was ` +
              `running or pending (${worker} exited with code ${exitCode}).`,
            crash,
          ),
      },
      initializerFailed: (worker, error) =>
        this.#broken(
          `A ${what} initializer failed in ${worker}, the ${what} pool is not usable anymore`,
          error,
        ),
      nextIdentity: naming,
    });
    registerPool(this);
  }

  /**
   * Its workers and tasks now, as a plain object: each worker's state, tasks done and
   * failed, what it runs and its utilization, and the pool's totals (see README, "Live view").
   */
  stats(): PoolStats {
    return this.#engine.stats(this.constructor.name);
  }

  #checkOpen(): void {
    const broken = this.#engine.brokenError;
    if (broken !== null) throw this.#broken(broken.message, broken);
    if (this.#shutdown) {
      throw new StateError('ERR_EXECUTOR_SHUTDOWN', 'cannot schedule new futures after shutdown');
    }
    if (exiting) {
      // A future submitted now could never run: the event loop has stopped.
      throw new StateError(
        'ERR_INTERPRETER_SHUTDOWN',
        'cannot schedule new futures after interpreter shutdown',
      );
    }
  }

  /** Schedules `fn(...args)`; returns its {@link Future} at once. */
  submit<F extends AnyFunction>(fn: Target<F>, ...args: Parameters<F>): Future<ResultOf<F>> {
    return this.submitWith(fn, args);
  }

  /**
   * As {@link Executor.submit}, with per-task options: a `timeout` counted from dispatch to a
   * worker, and a `signal` that cancels the task while queued or stops it while running.
   */
  submitWith<F extends AnyFunction>(
    fn: Target<F>,
    args: Parameters<F>,
    options?: TaskOptions,
  ): Future<ResultOf<F>> {
    this.#checkOpen();
    if (!Array.isArray(args)) throw typeError('args', 'an array', args);
    const key = this.#engine.keyOf(fn);
    checkTaskOptions(options);
    readCallOptions(options, 'executor.submitWith()');
    this.#engine.checkCapacity();
    return this.#submit<ResultOf<F>>(key, MODE_APPLY, args, options);
  }

  #submit<R>(
    key: number,
    mode: typeof MODE_APPLY | typeof MODE_MAP | typeof MODE_STARMAP,
    payload: unknown,
    options?: TaskOptions,
  ): Future<R> {
    const future = new Future<R>();
    const engine = this.#engine;
    const link = engine.claims ? new ClaimedTask(future, engine) : new StartedTask(future, engine);
    link.task = engine.submit(key, mode, payload, link, options);
    future.linkTask(link);
    return future;
  }

  /**
   * `fn(a, b, …)` for the items of the iterables zipped (the shortest ends it), yielded in
   * input order, as Python's `Executor.map(fn, *iterables, timeout, chunksize, buffersize)`.
   * The input, sync or async, is read as results are taken, at most `buffersize` chunks ahead
   * (see {@link ExecutorMapOptions}). An error is thrown at its item's position and ends the
   * iteration, as does the `timeout`, counted from this call; either way the chunks not yet
   * started are cancelled. An error thrown by the input comes after the results before it.
   */
  map<F extends AnyFunction>(
    fn: Target<F>,
    ...iterablesThenOptions: IterablesThenOptions<Parameters<F>>
  ): AsyncIterableIterator<ResultOf<F>> {
    this.#checkOpen();
    const rest: unknown[] = iterablesThenOptions;
    const last = rest.at(-1);
    const hasOptions = rest.length > 0 && (last === undefined || isOptions(last));
    const iterables = hasOptions ? rest.slice(0, -1) : rest;
    const options = readCallOptions(
      (hasOptions ? last : undefined) as ExecutorMapOptions | undefined,
      'executor.map()',
    );
    const ms = parseTimeout(options.timeout);
    const chunksize = parsePositiveInteger(options.chunksize) ?? 1;
    const buffersize = parsePositiveInteger(options.buffersize, 'buffersize');
    const onProgress = parseCallback(options.onProgress, 'onProgress');
    const input = new MapInput(iterables);
    const key = this.#engine.keyOf(fn);
    const mode = iterables.length === 1 ? MODE_MAP : MODE_STARMAP;
    const runner: ChunkRunner = {
      send: (items, settled) => {
        const future = this.#submit<unknown[]>(key, mode, items);
        future.addDoneCallback((done) => {
          done.result().then(
            (values) => {
              settled(true, values);
            },
            (error: unknown) => {
              settled(false, error);
            },
          );
        });
        return () => {
          future.cancel();
        };
      },
      room: () => roomIn(this.#engine),
      stopped: () => {
        try {
          this.#checkOpen();
          return null;
        } catch (error) {
          return error;
        }
      },
    };
    const map: LazyMap<ResultOf<F>> = new LazyMap(input, runner, {
      chunksize,
      ahead: buffersize,
      workers: this.#workers,
      ordered: true,
      afterError: 'end',
      deadline: ms === Infinity ? Infinity : Date.now() + ms,
      onProgress,
      onInputDone: () => {
        this.#maps.delete(map);
      },
    });
    this.#maps.add(map);
    return map.start();
  }

  /** Resolves once the queue has room under `maxQueueSize` (at once without a limit). */
  hasCapacity(): Promise<void> {
    return this.#engine.hasCapacity();
  }

  /**
   * Takes no more tasks. With `cancelFutures`, cancels those no worker has started (a task a
   * worker has claimed runs to completion, as in Python); with `wait` (the default),
   * resolves once the rest are done and the workers have exited. Repeatable.
   */
  async shutdown(options: ShutdownOptions = {}): Promise<void> {
    const { wait = true, cancelFutures = false } = options;
    assertBoolean(wait, 'wait');
    assertBoolean(cancelFutures, 'cancelFutures');
    // A map reads the rest of a sync input now, as Python's submitted it all at the call.
    for (const map of this.#maps) map.unbound();
    this.#shutdown = true;
    // Queued futures become cancelled (`cancelled()` says so); running ones go on.
    if (cancelFutures) this.#engine.cancelQueued();
    this.#engine.close();
    if (wait) await this.#engine.exited();
  }

  /** `await using executor = …`: `shutdown({ wait: true })` at the end of the scope. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.shutdown({ wait: true });
  }
}

/** Python's `concurrent.futures.ThreadPoolExecutor`, on worker threads. */
export class ThreadPoolExecutor extends Executor {
  constructor(options: number | ThreadPoolExecutorOptions = {}) {
    const opts = readOptions<ThreadPoolExecutorOptions>(
      options,
      'maxWorkers',
      THREAD_EXECUTOR_OPTIONS,
      'new ThreadPoolExecutor()',
    );
    const prefix = opts.threadNamePrefix ?? `ThreadPoolExecutor-${executorCounter++}`;
    if (typeof prefix !== 'string') throw typeError('threadNamePrefix', 'a string', prefix);
    let n = 0;
    super('thread', opts, () => {
      const name = `${prefix}_${n++}`;
      return { name, identity: threadWorkerIdentity(name) };
    });
  }
}

/** Python's `concurrent.futures.ProcessPoolExecutor`, on child processes. */
export class ProcessPoolExecutor extends Executor {
  constructor(options: number | ProcessPoolExecutorOptions = {}) {
    const opts = readOptions<ProcessPoolExecutorOptions>(
      options,
      'maxWorkers',
      PROCESS_EXECUTOR_OPTIONS,
      'new ProcessPoolExecutor()',
    );
    super('process', opts, () => processWorkerIdentity('SpawnProcess', false));
  }

  /**
   * Python 3.14's `terminate_workers()`: `shutdown({ wait: false, cancelFutures: true })`,
   * then SIGTERM to every worker still alive. The futures they were running fail with a
   * `BrokenProcessPoolError` each; the executor is broken from then on.
   */
  terminateWorkers(): void {
    this.#forceShutdown('terminate');
  }

  /** Python 3.14's `kill_workers()`: as {@link terminateWorkers}, with SIGKILL. */
  killWorkers(): void {
    this.#forceShutdown('kill');
  }

  #forceShutdown(how: 'terminate' | 'kill'): void {
    void this.shutdown({ wait: false, cancelFutures: true });
    const signal = how === 'kill' ? 'SIGKILL' : 'SIGTERM';
    this.engine.killWorkers(
      how,
      () =>
        new BrokenProcessPoolError(
          `A process in the process pool was terminated abruptly while the future was ` +
            `running or pending (killWorkers/terminateWorkers sent ${signal}).`,
        ),
    );
  }
}
