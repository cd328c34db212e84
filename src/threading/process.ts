/**
 * `Process`: Python's `multiprocessing.Process` on a forked Node process (Python's "spawn"
 * start method: the child starts fresh and imports its target by module and name).
 */
import type { Socket } from 'node:net';
import { StateError } from '../errors.ts';
import {
  kCheckUsable,
  kChildIdentity,
  kKind,
  kLaunch,
  kMessages,
  kRevive,
} from '../internal/symbols.ts';
import {
  BaseWorker,
  RUN_TARGET,
  type BackendLaunch,
  type LifecycleMessages,
} from './base-worker.ts';
import type { WorkerOptions } from './worker-options.ts';
import type { Child, ChildEvents } from '../runtime/child.ts';
import {
  currentProcessIdentity,
  nextChildProcessPath,
  processChildIdentity,
  type InheritedIdentity,
} from '../runtime/identity.ts';
import { launchProcess, prestartProcesses } from '../runtime/process-launcher.ts';
import { assertInteger } from '../internal/validate.ts';
import { preloadUrls, type PrestartOptions } from './prestart.ts';
import type { ChildMessage } from '../runtime/protocol.ts';
import { takeSocket } from '../runtime/socket-handle.ts';
import type { AnyFunction } from '../runtime/target.ts';

const MESSAGES: LifecycleMessages = {
  startTwice: 'cannot start a process twice',
  joinBeforeStart: 'can only join a started process',
  joinCurrent: 'can only join a child process',
  daemonAfterStart: 'process has already started',
  notStartedStop: 'cannot terminate a process before it is started',
};

/**
 * A process: Python's `multiprocessing.Process`, on a forked Node process.
 *
 * @example
 * ```ts
 * const tasks = taskModule<typeof import('./tasks.js')>(new URL('./tasks.js', import.meta.url));
 * const p = new Process({ target: tasks.sumBelow, args: [1_000_000] });
 * p.start();
 * await p.join();
 * p.exitCode; // 0
 * ```
 */
export class Process<F extends AnyFunction = AnyFunction> extends BaseWorker<F> {
  #path: readonly number[];
  #closed = false;
  /** A socket from `args`, handed to the child with the run message (socket-handle.ts). */
  #socket: Socket | null;

  /**
   * A child process that will call `target(...args)` once started (Python's
   * `multiprocessing.Process(target=, args=, name=, daemon=)`). Nothing runs until `start()`.
   *
   * @param options `target`: a task reference from `taskModule()`/`taskRef()`, or a
   *   self-contained inline function; `args`: its arguments, copied at `start()` (shared
   *   objects travel by reference); `name` (default `Process-N`); `daemon` (default: the
   *   creating process's).
   * @throws {PicklingError} when `target` is an inline function that captures variables
   * from its surroundings (`ERR_TARGET_CAPTURES`).
   * @throws {ArgumentTypeError} for options of the wrong type, an unknown option
   * (`ERR_UNKNOWN_OPTION`), or a task passed instead of the options.
   * @throws {ArgumentTypeError} when `args` holds more than one `net.Socket`
   * (`ERR_INVALID_ARG_VALUE`). One connected socket at the top level of `args` is handed to
   * the child as a real socket (not copied), and closed in this process once sent.
   */
  constructor(options?: WorkerOptions<F>) {
    // A child rebuilds its own object with `{ [kRevive]: info }` (BaseWorker[kRebuild]), an
    // argument the public signature does not show.
    const current = currentProcessIdentity();
    const revived = options !== undefined && kRevive in options;
    // Python numbers a child when it is created: Process-1, and Process-1:1 for its child.
    const path = revived ? current.path : nextChildProcessPath();
    const { args, socket } =
      revived || typeof options !== 'object' || (options as unknown) === null
        ? { args: undefined, socket: null }
        : takeSocket((options as { args?: unknown }).args);
    super(
      socket === null ? options : ({ ...options, args } as WorkerOptions<F>),
      () => `Process-${path.join(':')}`,
      current.daemon,
    );
    this.#path = path;
    this.#socket = socket;
  }

  /**
   * Keeps `count` processes started and waiting, ready for the next `start()`s: each start
   * takes one, whose Node process is already loaded, so the target runs within a millisecond or
   * two instead of after a cold start. CPython's forkserver start method hands out a ready
   * process the same way. Resolves once all `count` are ready. Spares are not replaced as
   * they are taken: call it again to top them up; `prestart(0)` stops the idle ones.
   * `preload` names modules each new spare imports while it waits (Python's
   * `set_forkserver_preload()`): a target from one of them starts without loading it.
   * Idle spares do not keep the program alive, and end with it (killed at its exit, and when it is killed). A spare
   * has the environment and working directory of the moment it was forked, as a
   * forkserver's process has the server's.
   *
   * @example
   * ```ts
   * await Process.prestart(4);
   * const workers = ranges.map((range) => new Process({ target: tasks.sumPrimes, args: range }));
   * for (const worker of workers) worker.start(); // no cold start
   * ```
   * @throws {ArgumentTypeError} when `count` is not a number (`ERR_INVALID_ARG_TYPE`).
   * @throws {ArgumentRangeError} when `count` is negative or not an integer (`ERR_OUT_OF_RANGE`).
   * @throws {ArgumentTypeError} for a `preload` that is not an array of task references,
   *   `file:` URLs or absolute paths (`ERR_INVALID_ARG_TYPE`, `ERR_INVALID_ARG_VALUE`).
   */
  static prestart(count: number, options?: PrestartOptions): Promise<void> {
    assertInteger(count, 'count', 0);
    return prestartProcesses(RUN_TARGET, count, preloadUrls(options));
  }

  /** The child's process id; `null` before start. In the child itself, its own pid. */
  get pid(): number | null {
    return this.lifecycleState === 'current' ? process.pid : this.ident;
  }

  override isAlive(): boolean {
    this[kCheckUsable]();
    return super.isAlive();
  }

  /**
   * Sends SIGTERM; `exitCode` becomes -15 (unless the process had already finished).
   * A no-op once the process has ended.
   * @throws {StateError} before start, or after `close()`.
   */
  terminate(): void {
    this.stopChild('terminate');
  }

  /** Sends SIGKILL; `exitCode` becomes -9. */
  kill(): void {
    this.stopChild('kill');
  }

  /**
   * Sends SIGINT, as Python 3.14's `Process.interrupt()`. Python raises `KeyboardInterrupt`
   * in the child; JavaScript cannot throw into running code, so the child, once its event
   * loop is free (a target awaiting, or between tasks), ends with `exitCode` 1 and this side
   * reports a {@link KeyboardInterrupt} error (`ERR_KEYBOARD_INTERRUPT`) as its uncaught
   * one, both as Python. A child that listens for `'SIGINT'` itself handles it instead, as a
   * Python handler would. A target busy in synchronous code sees it only once it yields:
   * use `terminate()` or `kill()` to stop such a child at once. A no-op once it has ended.
   * @throws {StateError} before start, or after `close()`.
   */
  interrupt(): void {
    this.stopChild('interrupt');
  }

  /**
   * Releases the process object. Afterwards most methods throw `process object is closed`.
   * Idempotent.
   * @throws {StateError} while the process is still running (`ERR_PROCESS_RUNNING`).
   */
  close(): void {
    if (this.#closed) return;
    if (this.lifecycleState === 'started') {
      throw new StateError(
        'ERR_PROCESS_RUNNING',
        'Cannot close a process while it is still running. You should first call join() or terminate().',
      );
    }
    this.#closed = true;
  }

  override start(): void {
    this[kCheckUsable]();
    if (currentProcessIdentity().daemon && this.lifecycleState === 'initial') {
      throw new StateError(
        'ERR_DAEMON_CHILDREN',
        'daemonic processes are not allowed to have children',
      );
    }
    super.start();
  }

  protected override [kCheckUsable](): void {
    if (this.#closed) throw new StateError('ERR_PROCESS_CLOSED', 'process object is closed');
  }

  protected override [kKind](): 'process' {
    return 'process';
  }

  protected override [kMessages](): LifecycleMessages {
    return MESSAGES;
  }

  protected override [kChildIdentity](): InheritedIdentity {
    return processChildIdentity(this.name, this.#path, this.daemon);
  }

  protected override [kLaunch](
    launch: BackendLaunch,
    events: ChildEvents<ChildMessage>,
  ): Child<never> {
    // The launcher owns the socket from here: it hands it over, or closes it if the child
    // ends before it listens.
    const handle = this.#socket;
    this.#socket = null;
    return launchProcess({ ...launch, handle }, events);
  }
}
