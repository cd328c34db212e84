/**
 * A pool task as the engine holds it, what its owner hears, and the options a caller may
 * give it.
 */
import type { Transferable } from 'node:worker_threads';
import { parseTimeout, typeError } from '../internal/validate.ts';
import type { WorkerSlot } from './worker-slot.ts';

/** What a task's owner hears. */
export interface TaskCallbacks {
  /**
   * Called as the task is sent to a worker; returning `false` (a future cancelled meanwhile)
   * drops the task.
   */
  start?(): boolean;
  settle(ok: boolean, value: unknown): void;
  /**
   * An executor's task was sent with the claim word at `index` of `words`, which the worker
   * claims just before it runs the task (see memory/claim-word.ts).
   */
  claimed?(words: Int32Array, index: number): void;
  /**
   * The task was dropped from the queue by `PoolEngine.cancelQueued()`. Without this hook the
   * task settles with a `CancelledError`.
   */
  cancelled?(): void;
}

/** Per-task options of `apply`, `applyAsync` and `submitWith`. */
export interface TaskOptions {
  /** Milliseconds from dispatch to a worker; past it the task fails and its worker is replaced. */
  readonly timeout?: number | undefined;
  /** Cancels the task while queued; stops it while running by replacing its worker. */
  readonly signal?: AbortSignal | undefined;
  /**
   * Objects in the arguments to move to a worker thread instead of copying them
   * (`postMessage`'s transfer list); they are detached here once sent. Processes copy them.
   */
  readonly transfer?: readonly Transferable[] | undefined;
}

/** Where a task is: in the pool's queue, on a worker, or settled (or dropped). */
export type TaskState = 'queued' | 'running' | 'done';

/** One task, from submit to settle. */
export interface Task {
  readonly id: number;
  /** Its target's key (see `TargetTable`). */
  readonly key: number;
  /** A `TaskMode`, with `DECODE_FLAG` when the payload holds shared objects. */
  readonly mode: number;
  readonly payload: unknown;
  /** With `DECODE_FLAG`: the modules of the kinds of shared object in the payload. */
  readonly kindModules: readonly string[] | null;
  readonly callbacks: TaskCallbacks;
  readonly timeout: number;
  readonly signal: AbortSignal | undefined;
  readonly transfer: readonly Transferable[] | null;
  /** Runs alone on its worker: it has a timeout or a signal, and stopping it kills the worker. */
  readonly exclusive: boolean;
  state: TaskState;
  /** The worker it was sent to, once sent. */
  slot: WorkerSlot | null;
  cancelTimer: (() => void) | null;
  onAbort: (() => void) | null;
}

/** The options a task without options has; frozen, shared by every such task. */
const NO_OPTIONS = Object.freeze({
  timeout: Infinity,
  signal: undefined,
  transfer: undefined,
});

/**
 * Checks a task's options, throwing for a bad one.
 * @throws {ArgumentTypeError} / {ArgumentRangeError} naming the bad option.
 */
export function checkTaskOptions(options: TaskOptions | undefined): {
  timeout: number;
  signal: AbortSignal | undefined;
  transfer: readonly Transferable[] | undefined;
} {
  if (options === undefined) return NO_OPTIONS;
  const raw: unknown = options;
  if (typeof raw !== 'object' || raw === null) throw typeError('options', 'an object', raw);
  const { timeout, signal, transfer } = options;
  const ms = parseTimeout(timeout, 'timeout', 'reject');
  if (signal !== undefined && !(signal instanceof AbortSignal)) {
    throw typeError('signal', 'an AbortSignal', signal);
  }
  if (transfer !== undefined && !Array.isArray(transfer)) {
    throw typeError('transfer', 'an array of transferable objects', transfer);
  }
  return { timeout: ms, signal, transfer };
}

/** An array of primitives that clone as they are: nothing to encode or check. */
export function isPrimitiveList(value: unknown): boolean {
  if (!Array.isArray(value)) return false;
  for (let i = 0; i < value.length; i++) {
    const item: unknown = value[i];
    const type = typeof item;
    if (type === 'object' ? item !== null : type === 'function' || type === 'symbol') return false;
  }
  return true;
}
