/**
 * The pool's queue: tasks submitted and not yet sent to a worker, oldest first, with the
 * count of those still waiting and the bound `maxQueueSize` puts on it.
 *
 * A task cancelled while queued stays in the array, marked done, and is skipped when it
 * reaches the head: removing it would cost a search, skipping it costs one check. The array
 * is read through a head index and cut now and then ({@link QUEUE_COMPACT_AT}), never shifted;
 * the slots behind the head are emptied at once, so that a task sent or settled is not kept
 * alive (nor its arguments) by the queue.
 *
 * `maxQueueSize` counts items: a chunk of a map weighs as many items as it holds.
 */
import { QueueFullError } from '../errors.ts';
import { DECODE_FLAG, MODE_APPLY } from './protocol.ts';
import { countEnd, PoolCounts, type Outcome } from './stats.ts';
import type { Task } from './task.ts';
import { QUEUE_COMPACT_AT } from './tuning.ts';

/** The tasks waiting for a worker. */
export class TaskQueue {
  #tasks: Task[] = [];
  #head = 0;
  /** Tasks in the queue whose state is `queued`: not yet sent, cancelled or failed. */
  #waiting = 0;
  /** The items in those tasks: one per `apply`, a chunk's length per chunk of a map. */
  #items = 0;
  readonly #maxSize: number;
  /**
   * Promises of `hasCapacity()` waiting for {@link TaskQueue.waitingItems} to drop below
   * `maxSize`; woken by {@link TaskQueue.wakeCapacityWaiters}, which the engine calls after
   * every change.
   */
  #capacityWaiters: (() => void)[] = [];
  /** How the tasks ended, counted as each is finished (`pool.stats()`). */
  readonly counts = new PoolCounts();

  /** @param maxSize `maxQueueSize`; `Infinity`: no limit. */
  constructor(maxSize: number) {
    this.#maxSize = maxSize;
  }

  /** Tasks that wait for a worker. */
  get waiting(): number {
    return this.#waiting;
  }

  /** Items that wait, in all the tasks that wait: what `maxQueueSize` bounds. */
  get waitingItems(): number {
    return this.#items;
  }

  push(task: Task): void {
    this.counts.submitted++;
    this.#tasks.push(task);
    this.#waiting++;
    this.#items += itemsOf(task);
  }

  /** The oldest task that still waits, left in the queue; drops settled ones ahead of it. */
  peek(): Task | undefined {
    for (;;) {
      const task = this.#tasks[this.#head];
      if (task === undefined || task.state === 'queued') return task;
      this.#advance();
    }
  }

  /** Moves the head one task on, emptying the slot it leaves. */
  #advance(): void {
    this.#tasks[this.#head++] = undefined as unknown as Task;
  }

  /** Removes the task {@link TaskQueue.peek} returned; its caller marks it sent or done. */
  shift(): void {
    this.#advance();
  }

  /** The task is on its way to a worker. */
  sent(task: Task): void {
    task.state = 'running';
    this.#waiting--;
    this.#items -= itemsOf(task);
  }

  /**
   * Marks a task done, wherever it is, counts how it ended, and lets go of its timer and its
   * abort listener. A task finished already stays as it was.
   */
  finish(task: Task, outcome: Outcome): void {
    if (task.state === 'done') return;
    countEnd(this.counts, task, outcome);
    if (task.state === 'queued') {
      this.#waiting--;
      this.#items -= itemsOf(task);
    }
    task.state = 'done';
    if (!task.exclusive) return;
    task.cancelTimer?.();
    task.cancelTimer = null;
    if (task.onAbort !== null) task.signal?.removeEventListener('abort', task.onAbort);
    task.onAbort = null;
  }

  /** Moves the head past tasks settled while queued. */
  dropDone(): void {
    while (this.#head < this.#tasks.length && this.#tasks[this.#head]?.state === 'done') {
      this.#advance();
    }
  }

  /** Cuts the sent tasks off the array once they are many, and most of it. */
  compact(): void {
    if (this.#head > QUEUE_COMPACT_AT && this.#head * 2 > this.#tasks.length) {
      this.#tasks = this.#tasks.slice(this.#head);
      this.#head = 0;
    }
  }

  /**
   * Removes and returns the next task that still waits, for emptying the queue (then
   * {@link TaskQueue.clear}); its caller finishes it.
   */
  takeQueued(): Task | undefined {
    const task = this.peek();
    if (task !== undefined) this.#advance();
    return task;
  }

  /** Forgets every task in the queue; those that waited must have been finished. */
  clear(): void {
    this.#tasks = [];
    this.#head = 0;
  }

  /**
   * Throws if the queue holds `maxQueueSize` items already.
   * @throws {QueueFullError} `ERR_QUEUE_FULL`
   */
  checkCapacity(): void {
    const max = this.#maxSize;
    if (max === Infinity) return;
    this.dropDone();
    if (this.#items >= max) {
      throw new QueueFullError(
        `the pool's queue is full: ${this.#items} items wait (maxQueueSize ${max}); ` +
          'await hasCapacity() before submitting more',
      );
    }
  }

  /**
   * Resolves once the queue has room for another task, at once if it has; at once too when
   * the pool no longer `accepting` tasks.
   */
  hasCapacity(accepting: boolean): Promise<void> {
    const max = this.#maxSize;
    this.dropDone();
    if (max === Infinity || this.#items < max || !accepting) {
      return Promise.resolve();
    }
    return new Promise((resolve) => this.#capacityWaiters.push(resolve));
  }

  /** Wakes the `hasCapacity()` promises if there is room now, or the pool stopped `accepting`. */
  wakeCapacityWaiters(accepting: boolean): void {
    if (this.#capacityWaiters.length > 0 && (this.#items < this.#maxSize || !accepting)) {
      const waiters = this.#capacityWaiters;
      this.#capacityWaiters = [];
      for (const wake of waiters) wake();
    }
  }
}

/** A task's weight against `maxQueueSize`: 1 for a call, the number of items for a chunk. */
function itemsOf(task: Task): number {
  return (task.mode & ~DECODE_FLAG) === MODE_APPLY ? 1 : (task.payload as unknown[]).length;
}
