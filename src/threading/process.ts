/**
 * `Process`: Python's `multiprocessing.Process` on a forked Node process (Python's "spawn"
 * start method: the child starts fresh and imports its target by module and name).
 */
import { fork, type ChildProcess } from 'node:child_process';
import type { Socket } from 'node:net';
import { StateError, WorkerStartError } from '../errors.ts';
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
  type ChildEvents,
  type LaunchedChild,
  type LifecycleMessages,
  type RevivedOptions,
  type WorkerOptions,
} from './base-worker.ts';
import { childExecArgv, exitCodeOf } from '../runtime/exec.ts';
import { entryUrl } from './entry-url.ts';
import {
  currentProcessIdentity,
  nextProcessNumber,
  type InheritedIdentity,
} from '../runtime/identity.ts';
import type { ChildMessage, ParentMessage, RunSpec } from '../runtime/protocol.ts';
import { takeSocket } from '../runtime/socket-handle.ts';
import { discardSpecFile, writeSpecFile } from '../runtime/spec-file.ts';
import type { AnyFunction } from '../runtime/target.ts';

const MESSAGES: LifecycleMessages = {
  startTwice: 'cannot start a process twice',
  joinBeforeStart: 'can only join a started process',
  joinCurrent: 'can only join a child process',
  daemonAfterStart: 'process has already started',
  notStartedStop: 'cannot terminate a process before it is started',
};

/** Daemon children still running: stopped when this process exits, as Python does. */
const daemonChildren = new Set<ChildProcess>();
let exitHookInstalled = false;

function stopDaemonsAtExit(child: ChildProcess): void {
  daemonChildren.add(child);
  child.once('exit', () => daemonChildren.delete(child));
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const daemon of daemonChildren) daemon.kill('SIGTERM');
  });
}

/**
 * A process: Python's `multiprocessing.Process`, on a forked Node process.
 *
 * @example
 * ```ts
 * const tasks = taskModule<typeof import('./tasks.ts')>(new URL('./tasks.ts', import.meta.url));
 * const p = new Process({ target: tasks.sumPrimes, args: [0, 1_000_000] });
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
   * @throws {PicklingError} when `target` is an inline function that captures variables
   * from its surroundings (`ERR_TARGET_CAPTURES`).
   * @throws {ArgumentTypeError} when `args` holds more than one `net.Socket`
   * (`ERR_INVALID_ARG_VALUE`). One connected socket at the top level of `args` is handed to
   * the child as a real socket (not copied), and closed in this process once sent.
   */
  constructor(options?: WorkerOptions<F> | RevivedOptions) {
    const current = currentProcessIdentity();
    const revived = options !== undefined && kRevive in options;
    // Python numbers a child when it is created: Process-1, and Process-1:1 for its child.
    const path = revived ? current.path : [...current.path, nextProcessNumber()];
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
    const parent = currentProcessIdentity();
    return {
      process: {
        name: this.name,
        path: this.#path,
        daemon: this.daemon,
        parent: { name: parent.name, pid: process.pid },
      },
      thread: { name: 'MainThread', daemon: false },
      counters: null,
    };
  }

  protected override [kLaunch](spec: RunSpec, events: ChildEvents): LaunchedChild {
    // The spec goes in a file the child reads at once, unless a socket must ride along
    // (only IPC carries one, after the child says it listens).
    const specFile = this.#socket === null ? writeSpecFile(spec) : null;
    const child = fork(entryUrl('process-entry'), specFile === null ? [] : [specFile], {
      execArgv: childExecArgv(),
      serialization: 'advanced',
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    let exitCode = 1;
    child.on('message', (message: ChildMessage) => {
      switch (message.type) {
        case 'ready': {
          const run: ParentMessage = { type: 'run', spec };
          const socket = this.#socket;
          this.#socket = null;
          if (socket === null) break; // It read its spec file.

          // The socket rides along as the send-handle; Node takes its handle away from this
          // side and closes it once the child has its own. Without `server`, Node does not
          // enlist the child as one of the server's workers (cluster-style bookkeeping that
          // expects the child to live on: with every such child gone, `server.close()` never
          // emits 'close'). Destroying the emptied Socket then counts the connection as
          // closed on its server, once, and makes it read as closed here.
          (socket as unknown as { server: unknown }).server = null;
          child.send(run, socket, () => socket.destroy());
          break;
        }
        case 'uncaught':
          events.uncaught(message.error);
          break;
        case 'exiting':
          // Only threads announce their end; a process's exit code comes with 'exit'.
          break;
      }
    });
    child.on('exit', (code, signal) => {
      exitCode = exitCodeOf(code, signal);
      if (specFile !== null) discardSpecFile(specFile);
      // Stopped before it was ready: the socket it was to receive is closed here.
      this.#socket?.destroy();
      this.#socket = null;
    });
    // 'close' comes after 'exit' and after the IPC channel has delivered everything, so
    // an uncaught error is always reported before join() returns.
    child.on('close', () => {
      events.exited(exitCode);
    });
    child.on('error', (error) => {
      if (child.pid === undefined) {
        // The process never started: there will be no 'exit'.
        events.uncaught(
          new WorkerStartError(
            'ERR_WORKER_START_FAILED',
            `Could not start ${this.name}: ${error.message}`,
            { cause: error },
          ),
        );
        events.exited(1);
      }
    });
    if (this.daemon) {
      child.unref();
      child.channel?.unref();
      stopDaemonsAtExit(child);
    }
    return {
      ident: child.pid ?? -1,
      stop(kind) {
        child.kill(kind === 'terminate' ? 'SIGTERM' : 'SIGKILL');
      },
      keepAlive(on) {
        if (on) {
          child.ref();
          child.channel?.ref();
        } else {
          child.unref();
          child.channel?.unref();
        }
      },
    };
  }
}
