/**
 * How tasks end before a worker answers for them: one aborted or timed out while it runs
 * (its worker is stopped with it), and all of them at once, failed when the pool breaks or
 * is terminated, or cancelled by an executor's `shutdown({ cancelFutures })`. Apart from
 * engine.ts because none of it is on a task's way through the pool: each runs once per
 * abort, timeout or shutdown, and reads only the queue and the workers, which the engine
 * hands over.
 */
import { CancelledError } from '../errors.ts';
import type { Task } from './task.ts';
import type { TaskQueue } from './task-queue.ts';
import type { WorkerSlot } from './worker-slot.ts';

/** Fails a running task now by stopping its worker (which runs nothing else). */
export function stopRunning(queue: TaskQueue, task: Task, error: unknown): void {
  const slot = task.slot;
  queue.finish(task, 'failed');
  if (slot !== null) {
    slot.running.take(task.id);
    slot.kill();
  }
  task.callbacks.settle(false, error);
}

/** Ends `task` for its abort signal: dropped if queued, its worker stopped if running. */
export function abortTask(queue: TaskQueue, task: Task, reason: unknown): void {
  if (task.state === 'queued') {
    queue.finish(task, 'cancelled');
    task.callbacks.settle(false, reason);
  } else if (task.state === 'running') stopRunning(queue, task, reason);
}

/**
 * Fails every task the workers hold, every queued one and those of `alsoFail`, each with an
 * error of its own from `error()`; the queue is left empty.
 */
export function failAll(
  queue: TaskQueue,
  slots: ReadonlySet<WorkerSlot>,
  error: () => unknown,
  alsoFail: readonly Task[] = [],
): void {
  const tasks = [...alsoFail];
  for (const slot of slots) {
    tasks.push(...slot.running.drain());
  }
  for (let task = queue.takeQueued(); task !== undefined; task = queue.takeQueued()) {
    tasks.push(task);
  }
  queue.clear();
  for (const task of tasks) {
    if (task.state === 'done') continue;
    queue.finish(task, 'failed');
    task.callbacks.settle(false, error());
  }
}

/**
 * Cancels every queued task, and with claim words (`claims`) every task sent and not yet
 * claimed by its worker; each hears `cancelled()`, or fails with a {@link CancelledError}
 * if it has none. The queue is left empty.
 */
export function cancelAll(queue: TaskQueue, slots: ReadonlySet<WorkerSlot>, claims: boolean): void {
  if (claims) {
    for (const slot of slots) {
      for (const task of slot.claims?.lentTasks() ?? []) task.callbacks.cancelled?.();
    }
  }
  for (let task = queue.takeQueued(); task !== undefined; task = queue.takeQueued()) {
    queue.finish(task, 'cancelled');
    if (task.callbacks.cancelled === undefined) {
      task.callbacks.settle(false, new CancelledError());
    } else task.callbacks.cancelled();
  }
  queue.clear();
}
