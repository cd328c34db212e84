/**
 * A queue's operations: `put` and `get` that wait, `taskDone`/`join`, `shutdown`, and the
 * status reads. The same code runs in every thread, and in the broker on behalf of child
 * processes. Layout: queue-layout.ts. {@link QueueCore} puts its parts together:
 *
 * - queue-put.ts and queue-get.ts: the two sides, each through the ring (queue-ring.ts:
 *   small items of a FIFO queue, without the lock) or the store (item-store.ts: the rest,
 *   holding the lock of queue-lock.ts);
 * - queue-waits.ts: how the sides spin, pause, sleep and wake each other;
 * - queue-tasks.ts: the unfinished count, `taskDone` and `join`;
 * - here: the buffers taken apart, `shutdown`, `setMaxsize` and `status`.
 */
import { StateError } from '../errors.ts';
import type { OwnerTable } from '../memory/owners.ts';
import { runAsync, runSync } from '../memory/waiting.ts';
import { forever } from '../memory/sleep-watch.ts';
import { ItemStore } from './item-store.ts';
import type { PriorityKey } from './priority.ts';
import { EMPTY, type ItemReader, QueueGetter } from './queue-get.ts';
import {
  BUSY,
  COUNT,
  GET_SEQ,
  GET_WAITING,
  IMMEDIATE,
  MAXSIZE,
  PUT_SEQ,
  QUEUE_BUFFERS,
  Shutdown,
  SHUTDOWN,
  TASKS,
} from './queue-layout.ts';
import { QueueLock } from './queue-lock.ts';
import { QueuePutter } from './queue-put.ts';
import { QueueRing } from './queue-ring.ts';
import { joinSteps, markDropped, taskDone, unfinished } from './queue-tasks.ts';
import { bump, queueSize } from './queue-waits.ts';

export { Discipline, queueBuffers } from './queue-layout.ts';
export { EMPTY, type ItemReader } from './queue-get.ts';

/**
 * The operations of a queue's core, here or through the broker. Items travel as their
 * serialized bytes; timeouts are milliseconds, `Infinity` to wait forever and 0 not to wait.
 */
export interface QueueCoreApi {
  put(
    item: Uint8Array,
    key: PriorityKey | null,
    timeout: number,
    signal?: AbortSignal,
  ): Promise<void>;
  putSync(item: Uint8Array, key: PriorityKey | null, timeout: number): void;
  get(timeout: number, signal?: AbortSignal): Promise<Uint8Array>;
  getSync(timeout: number): Uint8Array;
  join(timeout: number, signal?: AbortSignal): Promise<boolean>;
  joinSync(timeout: number): boolean;
  taskDone(): void;
  shutdown(immediate: boolean): void;
  /** COUNT, MAXSIZE, UNFINISHED and SHUTDOWN in one call (one round trip from a process). */
  status(): QueueStatus;
  setMaxsize(maxsize: number): void;
  poll(timeout: number, signal?: AbortSignal): Promise<boolean>;
  pollSync(timeout: number): boolean;
}

export interface QueueStatus {
  readonly size: number;
  readonly maxsize: number;
  readonly unfinished: number;
  readonly shutdown: boolean;
}

/** One realm's view of a queue: its memory, and the put and get sides working on it. */
export class QueueCore implements QueueCoreApi {
  readonly #cells: Int32Array;
  readonly #items: ItemStore;
  /** The ring of a FIFO queue; none for LIFO and priority queues. */
  readonly #ring: QueueRing | undefined;
  readonly #owners: OwnerTable;
  readonly #lock: QueueLock;
  readonly #putter: QueuePutter;
  readonly #getter: QueueGetter;

  constructor(buffers: readonly SharedArrayBuffer[], owner: number, owners: OwnerTable) {
    const [control, entries, data, ring] = buffers;
    if (
      buffers.length !== QUEUE_BUFFERS ||
      control === undefined ||
      entries === undefined ||
      data === undefined ||
      ring === undefined
    ) {
      // Can't happen: every queue's buffers come from queueBuffers().
      throw new StateError('ERR_INTERNAL', `multitask: a queue needs its ${QUEUE_BUFFERS} buffers`);
    }
    this.#cells = new Int32Array(control);
    this.#items = new ItemStore(this.#cells, entries, data);
    this.#ring = ring.byteLength > 0 ? new QueueRing(this.#cells, ring, owner) : undefined;
    this.#owners = owners;
    this.#lock = new QueueLock(this.#cells, owner, owners);
    this.#putter = new QueuePutter(this.#cells, this.#items, this.#ring, this.#lock);
    this.#getter = new QueueGetter(this.#cells, this.#items, this.#ring, this.#lock, owners);
  }

  // ---- put (queue-put.ts) -------------------------------------------------------------

  /**
   * Puts the item if that needs no waiting: returns false, having done nothing, when the
   * queue is full (or its lock stays taken).
   */
  tryPut(item: Uint8Array, key: PriorityKey | null, timeout: number): boolean {
    return this.#putter.tryPut(item, key, timeout);
  }

  put(
    item: Uint8Array,
    key: PriorityKey | null,
    timeout: number,
    signal?: AbortSignal,
  ): Promise<void> {
    return this.#putter.put(item, key, timeout, signal);
  }

  putSync(item: Uint8Array, key: PriorityKey | null, timeout: number): void {
    this.#putter.putSync(item, key, timeout);
  }

  // ---- get (queue-get.ts) -------------------------------------------------------------

  /**
   * Takes the next item if that needs no waiting, and returns what `read` makes of it;
   * {@link EMPTY} when the queue is empty (or its lock stays taken).
   * @throws {QueueShutDownError} when the queue is shut down and empty.
   */
  tryGet<R>(read: ItemReader<R>): R | typeof EMPTY {
    return this.#getter.tryGet(read);
  }

  get(timeout: number, signal?: AbortSignal): Promise<Uint8Array> {
    return this.#getter.get(timeout, signal);
  }

  /** As {@link QueueCore.get}, with what `read` makes of the item's bytes. */
  getWith<R>(timeout: number, read: ItemReader<R>, signal?: AbortSignal): Promise<R> {
    return this.#getter.getWith(timeout, read, signal);
  }

  getSync(timeout: number): Uint8Array {
    return this.#getter.getSync(timeout);
  }

  /** As {@link QueueCore.getSync}, with what `read` makes of the item's bytes. */
  getSyncWith<R>(timeout: number, read: ItemReader<R>): R {
    return this.#getter.getSyncWith(timeout, read);
  }

  /** Waits until a get would not wait: an item is there, or the queue is shut down. */
  poll(timeout: number, signal?: AbortSignal): Promise<boolean> {
    return this.#getter.poll(timeout, signal);
  }

  pollSync(timeout: number): boolean {
    return this.#getter.pollSync(timeout);
  }

  // ---- tasks (queue-tasks.ts), shutdown, status ---------------------------------------

  taskDone(): void {
    taskDone(this.#cells);
  }

  join(timeout: number, signal?: AbortSignal): Promise<boolean> {
    const on = forever(timeout, 'Queue.join()');
    return runAsync(joinSteps(this.#cells, this.#ring, this.#owners, timeout), signal, on);
  }

  joinSync(timeout: number): boolean {
    const on = forever(timeout, 'Queue.join()');
    return runSync(joinSteps(this.#cells, this.#ring, this.#owners, timeout), on) === true;
  }

  shutdown(immediate: boolean): void {
    const cells = this.#cells;
    runSync(this.#lock.lock());
    try {
      if (immediate) {
        Atomics.store(cells, SHUTDOWN, Shutdown.Immediate);
        // Seen by every ring put from now on: one whose item this drain misses (it is
        // still being written) drops it itself (see QueuePutter#published).
        Atomics.or(cells, GET_WAITING, IMMEDIATE);
        // Python drops each item and marks it done, releasing join().
        const dropped = (this.#ring?.drain() ?? 0) + (cells[COUNT] ?? 0);
        this.#items.clear();
        Atomics.store(cells, BUSY, 0);
        markDropped(cells, dropped);
      } else if (cells[SHUTDOWN] === Shutdown.Open) {
        Atomics.store(cells, SHUTDOWN, Shutdown.Draining);
      }
      // Every waiter looks again, and sees the shutdown.
      bump(cells, PUT_SEQ);
      bump(cells, GET_SEQ);
    } finally {
      this.#lock.unlock();
    }
  }

  status(): QueueStatus {
    const cells = this.#cells;
    return {
      size: queueSize(cells, this.#ring),
      maxsize: Atomics.load(cells, MAXSIZE),
      unfinished: cells[TASKS] === 1 ? unfinished(cells) : 0,
      shutdown: Atomics.load(cells, SHUTDOWN) !== Shutdown.Open,
    };
  }

  setMaxsize(maxsize: number): void {
    // Holding the lock, so that a store putter cannot read the old size, then the new GET_SEQ.
    runSync(this.#lock.lock());
    try {
      Atomics.store(this.#cells, MAXSIZE, maxsize);
      // A larger queue may take what its putters wait to put.
      bump(this.#cells, GET_SEQ);
    } finally {
      this.#lock.unlock();
    }
  }
}
