/**
 * A task as a submit makes it: its payload checked and encoded for the workers' kind, its
 * options read, its abort signal listened to.
 */
import { encodeShared } from '../memory/shared-object.ts';
import { kindModulesOf } from '../runtime/kind-modules.ts';
import { assertCloneable } from '../transport/cloneable.ts';
import { DECODE_FLAG, type TaskMode } from './protocol.ts';
import {
  checkTaskOptions,
  isPrimitiveList,
  type Task,
  type TaskCallbacks,
  type TaskOptions,
} from './task.ts';
import type { WorkerKind } from './worker-slot.ts';

/** What a new task needs of its engine. */
export interface Intake {
  readonly kind: WorkerKind;
  /** The task's signal aborted (while it is queued or runs). */
  abort(task: Task, reason: unknown): void;
}

/**
 * A new queued task, or `null` when it failed at once (a payload that cannot be sent, or a
 * signal aborted already): its callbacks have heard so. A payload that cannot be sent fails
 * this task only; bad options throw.
 */
export function newTask(
  id: number,
  key: number,
  mode: TaskMode,
  payload: unknown,
  callbacks: TaskCallbacks,
  options: TaskOptions | undefined,
  engine: Intake,
): Task | null {
  let encoded = payload;
  if (!isPrimitiveList(payload)) {
    try {
      encoded = encodeShared(payload, engine.kind);
      assertCloneable(encoded, mode === 0 ? 'args' : 'items', engine.kind);
    } catch (error) {
      callbacks.settle(false, error);
      return null;
    }
  }
  const { timeout, signal, transfer } = checkTaskOptions(options);
  const task: Task = {
    id,
    key,
    mode: encoded === payload ? mode : mode | DECODE_FLAG,
    payload: encoded,
    kindModules: encoded === payload ? null : kindModulesOf(encoded),
    callbacks,
    timeout,
    signal,
    transfer: transfer === undefined || transfer.length === 0 ? null : transfer,
    exclusive: timeout !== Infinity || signal !== undefined,
    state: 'queued',
    slot: null,
    cancelTimer: null,
    onAbort: null,
  };
  if (signal !== undefined) {
    if (signal.aborted) {
      task.state = 'done';
      callbacks.settle(false, signal.reason);
      return null;
    }
    task.onAbort = () => {
      engine.abort(task, signal.reason);
    };
    signal.addEventListener('abort', task.onAbort, { once: true });
  }
  return task;
}
