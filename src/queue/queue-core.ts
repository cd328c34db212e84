/**
 * A queue's operations: `put` and `get` that wait (written once as generators, driven by
 * `runSync` or `runAsync`), `taskDone`/`join`, `shutdown`, and the status reads. The same
 * code runs in every thread, and in the broker on behalf of child processes. Layout:
 * queue-layout.ts; the items themselves: item-store.ts.
 */
import { QueueEmptyError, QueueFullError, QueueShutDownError, StateError } from '../errors.ts';
import type { OwnerTable } from '../internal/owners.ts';
import { rangeError } from '../internal/validate.ts';
import { lockWordStepsUntilHeld, tryLockWord, unlockWord } from '../sync/lock-word.ts';
import {
  ABORTED,
  deadlineAfter,
  runAsync,
  runSync,
  sliceUntil,
  type Steps,
} from '../sync/waiting.ts';
import { ItemStore } from './item-store.ts';
import type { PriorityKey } from './priority.ts';
import {
  COUNT,
  GET_SEQ,
  GET_WAITING,
  LOCK,
  MAXSIZE,
  PUT_SEQ,
  PUT_WAITING,
  SHUTDOWN,
  TASK_SEQ,
  TASKS,
  UNFINISHED,
} from './queue-layout.ts';

export { Discipline, queueBuffers } from './queue-layout.ts';

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

function bump(cells: Int32Array, index: number): void {
  Atomics.add(cells, index, 1);
  Atomics.notify(cells, index);
}

/**
 * Wakes whoever sleeps on `seq`, if the `flag` says someone may: lowers the flag, bumps
 * `seq` and notifies (see GET_WAITING in queue-layout.ts).
 */
function wake(cells: Int32Array, flag: number, seq: number): void {
  if (Atomics.load(cells, flag) !== 0 && Atomics.exchange(cells, flag, 0) !== 0) bump(cells, seq);
}

/**
 * How many times a side re-checks the lock, or the state it waits for, before it sleeps.
 * The lock is held for a few memory operations, and a thread that finds the queue empty
 * (or full) most often finds an item (or room) microseconds later, while a futex sleep and
 * wake-up cost tens of microseconds, paid by the waker too. Only the blocking forms spin for
 * an item or room (the thread has nothing else to do); the async ones would hold up their
 * event loop.
 */
const LOCK_SPINS = 100;
const WAIT_SPINS = 1000;

/** What {@link QueueCore.tryGet} returns when it would have to wait. */
export const EMPTY: unique symbol = Symbol('multitask.empty');

/** Reads an item's bytes out of the queue: a copy of its own. */
function copyBytes(data: Uint8Array, offset: number, length: number): Uint8Array {
  return data.slice(offset, offset + length);
}

/** Reads an item out of the queue, holding the lock (see ItemStore.take). */
export type ItemReader<R> = (data: Uint8Array, offset: number, length: number) => R;

export class QueueCore implements QueueCoreApi {
  readonly #cells: Int32Array;
  readonly #items: ItemStore;
  readonly #owner: number;
  readonly #owners: OwnerTable;

  constructor(buffers: readonly SharedArrayBuffer[], owner: number, owners: OwnerTable) {
    const [control, entries, data] = buffers;
    if (control === undefined || entries === undefined || data === undefined) {
      throw new TypeError('multitask: a queue needs its three buffers');
    }
    this.#cells = new Int32Array(control);
    this.#items = new ItemStore(this.#cells, entries, data);
    this.#owner = owner;
    this.#owners = owners;
  }

  /** Takes the lock if it is free, or freed within a short spin. */
  #tryLock(): boolean {
    const cells = this.#cells;
    for (let i = 0; i < LOCK_SPINS; i++) {
      if (Atomics.load(cells, LOCK) === 0 && tryLockWord(cells, LOCK, this.#owner)) return true;
    }
    return false;
  }

  *#lock(): Steps<void> {
    if (this.#tryLock()) return;
    // Held only for a few memory operations; a holder that died mid-way leaves the queue as
    // it was at that point, which the next holder takes over as it is.
    yield* lockWordStepsUntilHeld(this.#cells, LOCK, this.#owner, this.#owners);
  }

  #unlock(): void {
    unlockWord(this.#cells, LOCK);
  }

  /**
   * Whether the queue looks empty (and not shut down), read without the lock: a hint that
   * spares taking the lock only to find nothing. Only the lock holder decides.
   */
  #emptyHint(): boolean {
    const cells = this.#cells;
    return Atomics.load(cells, COUNT) === 0 && Atomics.load(cells, SHUTDOWN) !== 1;
  }

  /** Whether the queue looks full (and not shut down), read without the lock: a hint. */
  #fullHint(): boolean {
    const cells = this.#cells;
    const maxsize = Atomics.load(cells, MAXSIZE);
    return (
      maxsize > 0 && Atomics.load(cells, COUNT) >= maxsize && Atomics.load(cells, SHUTDOWN) !== 1
    );
  }

  /** Spins while `cells[index]` holds `seen` and the queue is not shut down. */
  #spinWhile(index: number, seen: number): void {
    const cells = this.#cells;
    for (let i = 0; i < WAIT_SPINS; i++) {
      if (Atomics.load(cells, index) !== seen || Atomics.load(cells, SHUTDOWN) === 1) return;
    }
  }

  // ---- put ----------------------------------------------------------------------------

  /**
   * Puts the item if there is room. Holding the lock. Returns false, having done nothing,
   * when the queue is full.
   */
  #putNow(item: Uint8Array, key: PriorityKey | null, timeout: number): boolean {
    const cells = this.#cells;
    if (cells[SHUTDOWN] === 1) throw new QueueShutDownError();
    const maxsize = cells[MAXSIZE] ?? 0;
    // Python checks the timeout only where it may have to wait: on a bounded queue.
    if (maxsize > 0 && timeout < 0) {
      throw rangeError('timeout', 'a non-negative number', timeout);
    }
    if (maxsize > 0 && (cells[COUNT] ?? 0) >= maxsize) return false;
    this.#items.append(item, key);
    // Plain stores, as COUNT's: every lock-free reader (join, qsize) only takes a hint, and
    // the lock's release publishes them (an atomic store costs a fence each).
    if (cells[TASKS] === 1) cells[UNFINISHED] = (cells[UNFINISHED] ?? 0) + 1;
    wake(cells, GET_WAITING, PUT_SEQ);
    return true;
  }

  *#putSteps(
    item: Uint8Array,
    key: PriorityKey | null,
    timeout: number,
    spin: boolean,
  ): Steps<undefined | typeof ABORTED> {
    const cells = this.#cells;
    let deadline = NaN;
    let spun = !spin;
    for (;;) {
      if (!spun && timeout > 0 && this.#fullHint()) {
        // Wait for room before taking the lock only to find none.
        spun = true;
        this.#spinWhile(COUNT, Atomics.load(cells, COUNT));
      }
      yield* this.#lock();
      let seq = 0;
      let slice = 0;
      let count = -1;
      try {
        if (this.#putNow(item, key, timeout)) return undefined;
        if (Number.isNaN(deadline)) deadline = deadlineAfter(timeout);
        slice = sliceUntil(deadline);
        if (slice === 0) throw new QueueFullError();
        if (spun) {
          Atomics.store(cells, PUT_WAITING, 1);
          seq = cells[GET_SEQ] ?? 0;
        } else {
          count = cells[COUNT] ?? 0;
        }
      } finally {
        this.#unlock();
      }
      if (!spun) {
        spun = true;
        this.#spinWhile(COUNT, count);
        continue;
      }
      if ((yield { cells, index: GET_SEQ, expected: seq, timeout: slice }) === 'aborted')
        return ABORTED;
    }
  }

  /**
   * Puts the item if that needs no waiting: returns false, having done nothing, when the
   * queue is full (or its lock stays taken).
   */
  tryPut(item: Uint8Array, key: PriorityKey | null, timeout: number): boolean {
    if (this.#fullHint() || !this.#tryLock()) return false;
    try {
      return this.#putNow(item, key, timeout);
    } finally {
      this.#unlock();
    }
  }

  put(
    item: Uint8Array,
    key: PriorityKey | null,
    timeout: number,
    signal?: AbortSignal,
  ): Promise<void> {
    return runAsync(this.#putSteps(item, key, timeout, false), signal);
  }

  putSync(item: Uint8Array, key: PriorityKey | null, timeout: number): void {
    if (this.tryPut(item, key, timeout)) return;
    runSync(this.#putSteps(item, key, timeout, true));
  }

  // ---- get ----------------------------------------------------------------------------

  /** Takes the next item if there is one. Holding the lock. */
  #takeNow<R>(read: ItemReader<R>): R | typeof EMPTY {
    const cells = this.#cells;
    if ((cells[COUNT] ?? 0) > 0) {
      const item = this.#items.take(read);
      wake(cells, PUT_WAITING, GET_SEQ);
      return item;
    }
    if (cells[SHUTDOWN] === 1) throw new QueueShutDownError();
    return EMPTY;
  }

  *#getSteps<R>(timeout: number, spin: boolean, read: ItemReader<R>): Steps<R | typeof ABORTED> {
    const cells = this.#cells;
    let deadline = NaN;
    let spun = !spin;
    for (;;) {
      if (!spun && timeout > 0 && this.#emptyHint()) {
        // Wait for an item before taking the lock only to find none.
        spun = true;
        this.#spinWhile(COUNT, 0);
      }
      yield* this.#lock();
      let seq = 0;
      let slice = 0;
      try {
        const item = this.#takeNow(read);
        if (item !== EMPTY) return item;
        if (Number.isNaN(deadline)) deadline = deadlineAfter(timeout);
        slice = sliceUntil(deadline);
        if (slice === 0) throw new QueueEmptyError();
        if (spun) {
          Atomics.store(cells, GET_WAITING, 1);
          seq = cells[PUT_SEQ] ?? 0;
        }
      } finally {
        this.#unlock();
      }
      if (!spun) {
        spun = true;
        this.#spinWhile(COUNT, 0);
        continue;
      }
      if ((yield { cells, index: PUT_SEQ, expected: seq, timeout: slice }) === 'aborted')
        return ABORTED;
    }
  }

  /**
   * Takes the next item if that needs no waiting, and returns what `read` makes of it;
   * {@link EMPTY} when the queue is empty (or its lock stays taken).
   * @throws {QueueShutDownError} when the queue is shut down and empty.
   */
  tryGet<R>(read: ItemReader<R>): R | typeof EMPTY {
    if (this.#emptyHint() || !this.#tryLock()) return EMPTY;
    try {
      return this.#takeNow(read);
    } finally {
      this.#unlock();
    }
  }

  get(timeout: number, signal?: AbortSignal): Promise<Uint8Array> {
    return this.getWith(timeout, copyBytes, signal);
  }

  /** As {@link QueueCore.get}, with what `read` makes of the item's bytes. */
  getWith<R>(timeout: number, read: ItemReader<R>, signal?: AbortSignal): Promise<R> {
    return runAsync(this.#getSteps(timeout, false, read), signal);
  }

  getSync(timeout: number): Uint8Array {
    return this.getSyncWith(timeout, copyBytes);
  }

  /** As {@link QueueCore.getSync}, with what `read` makes of the item's bytes. */
  getSyncWith<R>(timeout: number, read: ItemReader<R>): R {
    const now = this.tryGet(read);
    if (now !== EMPTY) return now;
    const item = runSync(this.#getSteps(timeout, true, read));
    // runSync never hears of an abort.
    if (item === ABORTED) throw new StateError('ERR_INTERNAL', 'multitask: aborted');
    return item;
  }

  *#pollSteps(timeout: number): Steps<boolean | typeof ABORTED> {
    const cells = this.#cells;
    const deadline = deadlineAfter(timeout);
    for (;;) {
      yield* this.#lock();
      let seq = 0;
      let slice = 0;
      try {
        if ((cells[COUNT] ?? 0) > 0 || cells[SHUTDOWN] === 1) return true;
        slice = sliceUntil(deadline);
        if (slice === 0) return false;
        Atomics.store(cells, GET_WAITING, 1);
        seq = cells[PUT_SEQ] ?? 0;
      } finally {
        this.#unlock();
      }
      if ((yield { cells, index: PUT_SEQ, expected: seq, timeout: slice }) === 'aborted')
        return ABORTED;
    }
  }

  /** Waits until a get would not wait: an item is there, or the queue is shut down. */
  poll(timeout: number, signal?: AbortSignal): Promise<boolean> {
    return runAsync(this.#pollSteps(timeout), signal);
  }

  pollSync(timeout: number): boolean {
    return runSync(this.#pollSteps(timeout)) === true;
  }

  // ---- tasks, shutdown, status --------------------------------------------------------

  taskDone(): void {
    const cells = this.#cells;
    runSync(this.#lock());
    try {
      const unfinished = cells[UNFINISHED] ?? 0;
      if (unfinished <= 0) {
        throw new StateError('ERR_TASK_DONE_TOO_MANY', 'taskDone() called too many times');
      }
      Atomics.store(cells, UNFINISHED, unfinished - 1);
      if (unfinished === 1) bump(cells, TASK_SEQ);
    } finally {
      this.#unlock();
    }
  }

  *#joinSteps(timeout: number): Steps<boolean | typeof ABORTED> {
    const cells = this.#cells;
    const deadline = deadlineAfter(timeout);
    for (;;) {
      // TASK_SEQ before UNFINISHED: a taskDone() between the two is seen either way.
      const seq = Atomics.load(cells, TASK_SEQ);
      if (Atomics.load(cells, UNFINISHED) <= 0) return true;
      const slice = sliceUntil(deadline);
      if (slice === 0) return false;
      if ((yield { cells, index: TASK_SEQ, expected: seq, timeout: slice }) === 'aborted')
        return ABORTED;
    }
  }

  join(timeout: number, signal?: AbortSignal): Promise<boolean> {
    return runAsync(this.#joinSteps(timeout), signal);
  }

  joinSync(timeout: number): boolean {
    return runSync(this.#joinSteps(timeout)) === true;
  }

  shutdown(immediate: boolean): void {
    const cells = this.#cells;
    runSync(this.#lock());
    try {
      Atomics.store(cells, SHUTDOWN, 1);
      if (immediate) {
        const count = cells[COUNT] ?? 0;
        const unfinished = cells[UNFINISHED] ?? 0;
        // Python drops each item and marks it done, releasing join().
        Atomics.store(cells, UNFINISHED, Math.max(0, unfinished - count));
        this.#items.clear();
        bump(cells, TASK_SEQ);
      }
      // Every waiter looks again, and sees the shutdown.
      bump(cells, PUT_SEQ);
      bump(cells, GET_SEQ);
    } finally {
      this.#unlock();
    }
  }

  status(): QueueStatus {
    const cells = this.#cells;
    return {
      size: Atomics.load(cells, COUNT),
      maxsize: Atomics.load(cells, MAXSIZE),
      unfinished: Atomics.load(cells, UNFINISHED),
      shutdown: Atomics.load(cells, SHUTDOWN) === 1,
    };
  }

  setMaxsize(maxsize: number): void {
    // Holding the lock, so that a putter cannot read the old size, then the new GET_SEQ.
    runSync(this.#lock());
    try {
      Atomics.store(this.#cells, MAXSIZE, maxsize);
      // A larger queue may take what its putters wait to put.
      bump(this.#cells, GET_SEQ);
    } finally {
      this.#unlock();
    }
  }
}
