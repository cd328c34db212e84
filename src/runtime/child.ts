/**
 * A started child, thread or process, as its parent sees it: one interface over both
 * backends (`thread-launcher.ts`, `process-launcher.ts`), on which `Thread`, `Process` and
 * the pools' workers stand.
 */
import type { Socket } from 'node:net';
import type { ResourceLimits, Transferable } from 'node:worker_threads';
import type { InheritedIdentity } from './identity.ts';

/** Which backend runs a child. */
export type ChildKind = 'thread' | 'process';

/**
 * How to stop a child: `terminate` (SIGTERM, exit code -15), `kill` (SIGKILL, -9), or, for a
 * process only, `interrupt` (SIGINT: the child decides, see `Process#interrupt()`).
 */
export type StopHow = 'terminate' | 'kill' | 'interrupt';

/** What a child reports to its parent. */
export interface ChildEvents<Out> {
  /** A message from the payload. Every message the child sent comes before `exit`. */
  message(message: Out): void;
  /**
   * The child is gone; called once. `exitCode` as Python reports it: 0, 1 after an uncaught
   * error, `n` after `process.exit(n)`, `-signal` when stopped (-15, -9); 1 when it could
   * not start. `crash` is the error that ended it, `undefined` if none did: an uncaught error outside
   * the payload's care, or a {@link WorkerStartError} (`ERR_WORKER_START_FAILED`).
   */
  exit(exitCode: number, crash: unknown): void;
}

/**
 * A started child. Its functions use no `this`: they may be passed around on their own.
 */
export interface Child<In> {
  /** The thread id or the process id (-1 for a process that could not start). */
  readonly ident: number;
  /**
   * Posts a message to the payload. `transfer` moves those objects to a thread; a process
   * copies them.
   */
  readonly post: (message: In, transfer?: readonly Transferable[] | null) => void;
  /**
   * Stops the child at once: `Worker#terminate()` or a signal. The exit code becomes -15
   * (`terminate`) or -9 (`kill`), unless the child was already ending on its own.
   */
  readonly stop: (how: StopHow) => void;
  /** Whether the child keeps this thread's event loop alive. */
  readonly keepAlive: (on: boolean) => void;
  /**
   * Threads only (`null` for a process): waits up to `ms` for the child's next message,
   * spinning, and hands it to `message` at once; returns whether one came. For an answer
   * expected within microseconds, this saves the wake-up of this thread's event loop.
   */
  readonly awaitMessage: ((ms: number) => boolean) | null;
  /**
   * A thread's id in the owner table, which its parent takes for it; `null` for a process,
   * which takes its own.
   */
  readonly owner: number | null;
}

/** How to start a child. */
export interface LaunchOptions {
  /**
   * The child-side module to hand over to once the child is set up (a `file:` URL in an
   * `entry/` folder): it exports `main` (see `ChildMain` in `parent-channel.ts`).
   */
  readonly payload: URL;
  /** The payload's start data: structured-cloned (a process reads it from a file). */
  readonly data: unknown;
  /** The child's name, for errors. */
  readonly name: string;
  readonly identity: InheritedIdentity;
  /**
   * A daemon does not keep this thread's event loop alive (see {@link Child.keepAlive}),
   * and a daemon process is stopped when this process exits, as Python stops its daemons.
   */
  readonly daemon: boolean;
  /** Threads: the thread's heap limits. */
  readonly resourceLimits?: ResourceLimits | undefined;
  /**
   * Processes: a connected socket handed to the child (not copied), then closed here. It
   * rides on the IPC channel with the start message, once the child listens.
   */
  readonly handle?: Socket | null | undefined;
}
