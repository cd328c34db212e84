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
  LOCK,
  MAXSIZE,
  PUT_SEQ,
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

  *#lock(): Steps<void> {
    if (tryLockWord(this.#cells, LOCK, this.#owner)) return;
    // Held only for a few memory operations; a holder that died mid-way leaves the queue as
    // it was at that point, which the next holder takes over as it is.
    yield* lockWordStepsUntilHeld(this.#cells, LOCK, this.#owner, this.#owners);
  }

  #unlock(): void {
    unlockWord(this.#cells, LOCK);
  }

  // ---- put ----------------------------------------------------------------------------

  *#putSteps(
    item: Uint8Array,
    key: PriorityKey | null,
    timeout: number,
  ): Steps<undefined | typeof ABORTED> {
    const cells = this.#cells;
    let deadline = NaN;
    for (;;) {
      yield* this.#lock();
      let seq: number;
      try {
        if (cells[SHUTDOWN] === 1) throw new QueueShutDownError();
        const maxsize = cells[MAXSIZE] ?? 0;
        // Python checks the timeout only where it may have to wait: on a bounded queue.
        if (maxsize > 0 && timeout < 0) {
          throw rangeError('timeout', 'a non-negative number', timeout);
        }
        if (maxsize <= 0 || (cells[COUNT] ?? 0) < maxsize) {
          this.#items.append(item, key);
          if (cells[TASKS] === 1) Atomics.add(cells, UNFINISHED, 1);
          bump(cells, PUT_SEQ);
          return undefined;
        }
        seq = cells[GET_SEQ] ?? 0;
      } finally {
        this.#unlock();
      }
      if (Number.isNaN(deadline)) deadline = deadlineAfter(timeout);
      const slice = sliceUntil(deadline);
      if (slice === 0) throw new QueueFullError();
      if ((yield { cells, index: GET_SEQ, expected: seq, timeout: slice }) === 'aborted')
        return ABORTED;
    }
  }

  put(
    item: Uint8Array,
    key: PriorityKey | null,
    timeout: number,
    signal?: AbortSignal,
  ): Promise<void> {
    return runAsync(this.#putSteps(item, key, timeout), signal);
  }

  putSync(item: Uint8Array, key: PriorityKey | null, timeout: number): void {
    runSync(this.#putSteps(item, key, timeout));
  }

  // ---- get ----------------------------------------------------------------------------

  *#getSteps(timeout: number): Steps<Uint8Array | typeof ABORTED> {
    const cells = this.#cells;
    let deadline = NaN;
    for (;;) {
      yield* this.#lock();
      let seq: number;
      try {
        if ((cells[COUNT] ?? 0) > 0) {
          const item = this.#items.take();
          bump(cells, GET_SEQ);
          return item;
        }
        if (cells[SHUTDOWN] === 1) throw new QueueShutDownError();
        seq = cells[PUT_SEQ] ?? 0;
      } finally {
        this.#unlock();
      }
      if (Number.isNaN(deadline)) deadline = deadlineAfter(timeout);
      const slice = sliceUntil(deadline);
      if (slice === 0) throw new QueueEmptyError();
      if ((yield { cells, index: PUT_SEQ, expected: seq, timeout: slice }) === 'aborted')
        return ABORTED;
    }
  }

  get(timeout: number, signal?: AbortSignal): Promise<Uint8Array> {
    return runAsync(this.#getSteps(timeout), signal);
  }

  getSync(timeout: number): Uint8Array {
    const item = runSync(this.#getSteps(timeout));
    // runSync never hears of an abort.
    if (item === ABORTED) throw new StateError('ERR_INTERNAL', 'multitask: aborted');
    return item;
  }

  *#pollSteps(timeout: number): Steps<boolean | typeof ABORTED> {
    const cells = this.#cells;
    const deadline = deadlineAfter(timeout);
    for (;;) {
      // PUT_SEQ before the state: a put or shutdown between the two is seen either way.
      const seq = Atomics.load(cells, PUT_SEQ);
      if (Atomics.load(cells, COUNT) > 0 || Atomics.load(cells, SHUTDOWN) === 1) return true;
      const slice = sliceUntil(deadline);
      if (slice === 0) return false;
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
    Atomics.store(this.#cells, MAXSIZE, maxsize);
    // A larger queue may take what its putters wait to put.
    bump(this.#cells, GET_SEQ);
  }
}
