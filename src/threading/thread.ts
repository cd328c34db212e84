/**
 * `Thread`: Python's `threading.Thread` on a `worker_threads` Worker. Unlike Python's,
 * these threads run in parallel (there is no GIL) and share no heap: arguments are copied
 * by structured clone, and shared state lives in shared memory.
 */
import { kChildIdentity, kKind, kLaunch, kMessages } from '../internal/symbols.ts';
import type { Child, ChildEvents } from '../runtime/child.ts';
import type { ChildMessage } from '../runtime/protocol.ts';
import { launchThread, prestartThreads } from '../runtime/thread-launcher.ts';
import { assertInteger } from '../internal/validate.ts';
import { preloadUrls, type PrestartOptions } from './prestart.ts';
import {
  BaseWorker,
  RUN_TARGET,
  type BackendLaunch,
  type LifecycleMessages,
} from './base-worker.ts';
import type { WorkerOptions } from './worker-options.ts';
import {
  currentThreadId,
  currentThreadIdentity,
  nextThreadNumber,
  threadChildIdentity,
  type InheritedIdentity,
} from '../runtime/identity.ts';
import { isTaskRef, type AnyFunction, type Target } from '../runtime/target.ts';

const MESSAGES: LifecycleMessages = {
  startTwice: 'threads can only be started once',
  joinBeforeStart: 'cannot join thread before it is started',
  joinCurrent: 'cannot join current thread',
  daemonAfterStart: 'cannot set daemon status of active thread',
  notStartedStop: 'cannot terminate a thread before it is started',
};

/** Python's default name: `Thread-N`, or `Thread-N (target)` when there is a target. */
function defaultThreadName(target: Target | undefined): string {
  const n = nextThreadNumber();
  const targetName =
    target === undefined ? '' : isTaskRef(target) ? target.exportName : target.name;
  return targetName === '' ? `Thread-${n}` : `Thread-${n} (${targetName})`;
}

/**
 * A thread of control: Python's `threading.Thread`, on a worker thread.
 *
 * @example
 * ```ts
 * const tasks = taskModule<typeof import('./tasks.js')>(new URL('./tasks.js', import.meta.url));
 * const results = new SharedArray('d', 1);
 * const t = new Thread({ target: tasks.sumPrimes, args: [0, 1_000_000, results, 0] });
 * t.start();
 * await t.join();
 * t.exitCode; // 0
 * ```
 */
export class Thread<F extends AnyFunction = AnyFunction> extends BaseWorker<F> {
  /**
   * A thread that will call `target(...args)` once started (Python's
   * `threading.Thread(target=, args=, name=, daemon=)`). Nothing runs until `start()`.
   *
   * @param options `target`: a task reference from `taskModule()`/`taskRef()`, or a
   *   self-contained inline function; `args`: its arguments, copied at `start()`; `name`
   *   (default `Thread-N (target)`); `daemon` (default: the creating thread's).
   * @throws {PicklingError} when `target` is an inline function that captures variables
   * from its surroundings (`ERR_TARGET_CAPTURES`).
   * @throws {ArgumentTypeError} for options of the wrong type, an unknown option
   * (`ERR_UNKNOWN_OPTION`), or a task passed instead of the options.
   */
  constructor(options?: WorkerOptions<F>) {
    // A child rebuilds its own object with `{ [kRevive]: info }` (BaseWorker[kRebuild]), an
    // argument the public signature does not show.
    super(options, defaultThreadName, currentThreadIdentity().daemon);
  }

  /**
   * Keeps `count` threads started and waiting, ready for the next `start()`s: each start
   * takes one, whose thread (with its module loader) is already loaded, so the target runs within a millisecond or
   * two instead of after a cold start. CPython's forkserver start method hands out a ready
   * process the same way. Resolves once all `count` are ready. Spares are not replaced as
   * they are taken: call it again to top them up; `prestart(0)` stops the idle ones.
   * `preload` names modules each new spare imports while it waits (Python's
   * `set_forkserver_preload()`): a target from one of them starts without loading it.
   * Idle spares do not keep the program alive, and end with it. A spare
   * has the environment (`process.env`) of the moment it was started, as a Worker does;
   * a thread with `resourceLimits` never uses one.
   *
   * @example
   * ```ts
   * await Thread.prestart(4);
   * const workers = ranges.map((range) => new Thread({ target: tasks.sumPrimes, args: range }));
   * for (const worker of workers) worker.start(); // no cold start
   * ```
   * @throws {ArgumentTypeError} when `count` is not a number (`ERR_INVALID_ARG_TYPE`).
   * @throws {ArgumentRangeError} when `count` is negative or not an integer (`ERR_OUT_OF_RANGE`).
   * @throws {ArgumentTypeError} for a `preload` that is not an array of task references,
   *   `file:` URLs or absolute paths (`ERR_INVALID_ARG_TYPE`, `ERR_INVALID_ARG_VALUE`).
   */
  static prestart(count: number, options?: PrestartOptions): Promise<void> {
    assertInteger(count, 'count', 0);
    return prestartThreads(RUN_TARGET, count, preloadUrls(options));
  }

  /**
   * The worker_threads id of the running thread (Python's `ident`); `null` before start.
   */
  get threadId(): number | null {
    return this.lifecycleState === 'current' ? currentThreadId() : this.ident;
  }

  /**
   * Stops the thread at once (`Worker#terminate()`); `exitCode` becomes -15. Python threads
   * cannot be stopped; this mirrors `Process#terminate()` so that code moves freely
   * between the two backends. A no-op once the thread has ended.
   */
  terminate(): void {
    this.stopChild('terminate');
  }

  /** As {@link Thread.terminate}, with `exitCode` -9, mirroring `Process#kill()`. */
  kill(): void {
    this.stopChild('kill');
  }

  protected override [kKind](): 'thread' {
    return 'thread';
  }

  protected override [kMessages](): LifecycleMessages {
    return MESSAGES;
  }

  protected override [kChildIdentity](): InheritedIdentity {
    return threadChildIdentity(this.name, this.daemon);
  }

  protected override [kLaunch](
    launch: BackendLaunch,
    events: ChildEvents<ChildMessage>,
  ): Child<never> {
    return launchThread(launch, events);
  }
}
