/**
 * The get side of a queue's core (queue-core.ts): items come from the ring first
 * (queue-ring.ts), without the lock, and from the store (item-store.ts), holding the lock,
 * only once no position of the ring is claimed, so that they leave in the order they were
 * put. Also `poll`, which waits until a get would not wait. Written once as generators for
 * the forms that may wait, driven by `runSync` or `runAsync`.
 */
import { QueueEmptyError, QueueShutDownError, StateError } from '../errors.ts';
import type { OwnerTable } from '../memory/owners.ts';
import {
  ABORTED,
  deadlineAfter,
  runAsync,
  runSync,
  sliceUntil,
  type Steps,
} from '../memory/waiting.ts';
import { forever } from '../memory/sleep-watch.ts';
import type { ItemStore } from './item-store.ts';
import {
  BUSY,
  COUNT,
  GET_SEQ,
  GET_WAITING,
  MAXSIZE,
  PUT_SEQ,
  PUT_WAITING,
  SHUTDOWN,
  Shutdown,
  WAITING,
} from './queue-layout.ts';
import type { QueueLock } from './queue-lock.ts';
import { NOT_READY, type QueueRing, RING_EMPTY } from './queue-ring.ts';
import {
  ASYNC_POLL_STEPS,
  gettable,
  LOCK_SPINS,
  MAX_PAUSE,
  MIN_PAUSE,
  pause,
  POLL_STEPS,
  recoverStalled,
  wake,
} from './queue-waits.ts';

/** What a waiting get waits on, in all-asleep reports (a pipe's too). */
const GET = 'Queue.get()';

/** What {@link QueueGetter.tryGet} returns when it would have to wait. */
export const EMPTY: unique symbol = Symbol('multitask.empty');

/** Reads an item's bytes out of the queue: a copy of its own. */
function copyBytes(data: Uint8Array, offset: number, length: number): Uint8Array {
  return data.slice(offset, offset + length);
}

/**
 * Reads an item out of the queue, holding its slot of the ring or the lock of the store:
 * the bytes are `data[offset, offset + length)`, valid only during the call.
 */
export type ItemReader<R> = (data: Uint8Array, offset: number, length: number) => R;

/** One realm's getter from a queue. */
export class QueueGetter {
  readonly #cells: Int32Array;
  readonly #items: ItemStore;
  /** The ring of a FIFO queue; none for LIFO and priority queues. */
  readonly #ring: QueueRing | undefined;
  readonly #lock: QueueLock;
  readonly #owners: OwnerTable;
  /** pause() steps between a blocking get's first looks at an empty ring (adapted). */
  #pause = MIN_PAUSE;
  /** pause() steps an async get may spend looking again before it sleeps (adapted). */
  #asyncPoll = ASYNC_POLL_STEPS;

  constructor(
    cells: Int32Array,
    items: ItemStore,
    ring: QueueRing | undefined,
    lock: QueueLock,
    owners: OwnerTable,
  ) {
    this.#cells = cells;
    this.#items = items;
    this.#ring = ring;
    this.#lock = lock;
    this.#owners = owners;
  }

  /**
   * Takes an item from the ring: the item, {@link RING_EMPTY} when the ring has none (or
   * the queue none), or {@link EMPTY} when the next one is still being written.
   */
  #ringTake<R>(read: ItemReader<R>): R | typeof EMPTY | typeof RING_EMPTY {
    const cells = this.#cells;
    // Plain: a get that overlaps a shutdown may come before it.
    if (cells[SHUTDOWN] === Shutdown.Immediate) throw new QueueShutDownError();
    const ring = this.#ring;
    if (ring === undefined) return RING_EMPTY;
    let item = ring.tryTake(read);
    // Claimed and not yet published: its putter is writing it, in a few instructions.
    for (let i = 0; item === NOT_READY && i < LOCK_SPINS; i++) item = ring.tryTake(read);
    if (item === NOT_READY) return EMPTY;
    // Only a bounded queue's putters wait (for room).
    if (item !== RING_EMPTY && (cells[MAXSIZE] ?? 0) > 0) wake(cells, PUT_WAITING, GET_SEQ);
    return item;
  }

  /** Takes the next item from the store, if there is one. Holding the lock. */
  #storeTake<R>(read: ItemReader<R>): R | typeof EMPTY {
    const cells = this.#cells;
    // The ring's items come first: a store put may have moved the store's first items
    // there (QueuePutter#moveToRing) since this getter found the ring empty.
    if ((this.#ring?.size() ?? 0) !== 0) {
      const fromRing = this.#ringTake(read);
      if (fromRing !== RING_EMPTY) return fromRing;
    }
    if ((cells[COUNT] ?? 0) > 0) {
      const item = this.#items.take(read);
      Atomics.sub(cells, BUSY, 1);
      wake(cells, PUT_WAITING, GET_SEQ);
      return item;
    }
    // Shut down and empty: empty, that is, with no position of the ring claimed either.
    if (cells[SHUTDOWN] !== Shutdown.Open) {
      throw new QueueShutDownError();
    }
    return EMPTY;
  }

  /**
   * A get that may wait. It sleeps as soon as it finds nothing: the blocking form has
   * polled before it comes here (getSyncWith), and the async one (`soon`) looks again only
   * for a few microseconds (#tryGetSoon), not to hold up its event loop.
   */
  *#getSteps<R>(timeout: number, read: ItemReader<R>, soon = false): Steps<R | typeof ABORTED> {
    const cells = this.#cells;
    let deadline = NaN;
    let waitingSince = NaN;
    for (;;) {
      const fromRing = this.#ringTake(read);
      if (fromRing !== EMPTY && fromRing !== RING_EMPTY) return fromRing;
      if (fromRing === RING_EMPTY && gettable(cells, this.#ring)) {
        yield* this.#lock.lock();
        try {
          const item = this.#storeTake(read);
          if (item !== EMPTY) return item;
        } finally {
          this.#lock.unlock();
        }
      }
      if (Number.isNaN(deadline)) {
        deadline = deadlineAfter(timeout);
        const item = soon && timeout > 0 ? this.#tryGetSoon(read) : EMPTY;
        if (item !== EMPTY) return item;
      }
      const slice = sliceUntil(deadline);
      if (slice === 0) throw new QueueEmptyError();
      Atomics.or(cells, GET_WAITING, WAITING);
      const seq = Atomics.load(cells, PUT_SEQ);
      if (Number.isNaN(waitingSince)) waitingSince = performance.now();
      else if (recoverStalled(this.#ring, this.#owners, waitingSince)) continue;
      // Something came in between: take it. (An item still being written is not
      // gettable: its putter wakes this getter once it is published.)
      if (gettable(cells, this.#ring)) continue;
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
    const fromRing = this.#ringTake(read);
    if (fromRing !== RING_EMPTY) return fromRing;
    if (!gettable(this.#cells, this.#ring) || !this.#lock.tryLock()) return EMPTY;
    try {
      return this.#storeTake(read);
    } finally {
      this.#lock.unlock();
    }
  }

  /** Takes the next item as a copy of its bytes, waiting for one. */
  get(timeout: number, signal?: AbortSignal): Promise<Uint8Array> {
    return this.getWith(timeout, copyBytes, signal);
  }

  /** As {@link QueueGetter.get}, with what `read` makes of the item's bytes. */
  getWith<R>(timeout: number, read: ItemReader<R>, signal?: AbortSignal): Promise<R> {
    return runAsync(this.#getSteps(timeout, read, true), signal, forever(timeout, GET));
  }

  /**
   * For an async get that found the queue empty: looks again for a few microseconds at
   * most (ASYNC_POLL_STEPS), before it goes to sleep. A sleep and its wake-up cost several
   * microseconds on both sides (a futex wake from the putter; a wait in the addon's waiter
   * thread, or `Atomics.waitAsync`, and a hop through the event loop here), and while a
   * putter is putting, the next item is most often less than a microsecond away. The
   * budget adapts: halved each time the poll finds nothing (items come seldom, and the
   * event loop should not be held up for nothing), doubled back when it finds an item.
   */
  #tryGetSoon<R>(read: ItemReader<R>): R | typeof EMPTY {
    const budget = this.#asyncPoll;
    for (let spent = 0, steps = MIN_PAUSE; spent < budget; spent += steps, steps += steps) {
      pause(steps);
      if (gettable(this.#cells, this.#ring)) {
        const item = this.tryGet(read);
        if (item !== EMPTY) {
          this.#asyncPoll = Math.min(budget * 2, ASYNC_POLL_STEPS);
          return item;
        }
      }
    }
    this.#asyncPoll = Math.max(budget >> 1, MIN_PAUSE);
    return EMPTY;
  }

  /** As {@link QueueGetter.get}, blocking the calling thread. */
  getSync(timeout: number): Uint8Array {
    return this.getSyncWith(timeout, copyBytes);
  }

  /** As {@link QueueGetter.getSync}, with what `read` makes of the item's bytes. */
  getSyncWith<R>(timeout: number, read: ItemReader<R>): R {
    let now = this.tryGet(read);
    if (now !== EMPTY) return now;
    if (timeout > 0) {
      // Most often the item is a put away: poll for it, pausing between looks (a getter
      // that keeps reading the slot a putter is writing slows the putter down).
      let steps = this.#pause;
      for (let spent = 0, polls = 1; spent < POLL_STEPS; spent += steps, polls++) {
        pause(steps);
        if (gettable(this.#cells, this.#ring)) {
          now = this.tryGet(read);
          if (now !== EMPTY) {
            // Items come steadily (the first look found one): look later next time, and
            // take more at once; they come seldom: look sooner.
            this.#pause =
              polls === 1 ? Math.min(steps * 2, MAX_PAUSE) : Math.max(steps >> 2, MIN_PAUSE);
            return now;
          }
        }
        if (steps < MAX_PAUSE) steps += steps;
      }
      this.#pause = MIN_PAUSE;
    }
    const item = runSync(this.#getSteps(timeout, read), forever(timeout, GET));
    // runSync never hears of an abort.
    if (item === ABORTED) throw new StateError('ERR_INTERNAL', 'multitask: aborted');
    return item;
  }

  *#pollSteps(timeout: number): Steps<boolean | typeof ABORTED> {
    const cells = this.#cells;
    const deadline = deadlineAfter(timeout);
    const since = performance.now();
    for (;;) {
      if (gettable(cells, this.#ring)) return true;
      const slice = sliceUntil(deadline);
      if (slice === 0) return false;
      Atomics.or(cells, GET_WAITING, WAITING);
      const seq = Atomics.load(cells, PUT_SEQ);
      if (gettable(cells, this.#ring) || recoverStalled(this.#ring, this.#owners, since)) continue;
      if ((yield { cells, index: PUT_SEQ, expected: seq, timeout: slice }) === 'aborted')
        return ABORTED;
    }
  }

  /** Waits until a get would not wait: an item is there, or the queue is shut down. */
  poll(timeout: number, signal?: AbortSignal): Promise<boolean> {
    return runAsync(this.#pollSteps(timeout), signal, forever(timeout, GET));
  }

  /** As {@link QueueGetter.poll}, blocking the calling thread. */
  pollSync(timeout: number): boolean {
    return runSync(this.#pollSteps(timeout), forever(timeout, GET)) === true;
  }
}
