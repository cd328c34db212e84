/**
 * The put side of a queue's core (queue-core.ts): a small item of a FIFO queue goes into the
 * ring without the lock (queue-ring.ts); the rest, and every item put while the store holds
 * any, into the store, holding the lock (item-store.ts). Written once as generators for the
 * forms that may wait, driven by `runSync` or `runAsync`.
 */
import { QueueFullError, QueueShutDownError } from '../errors.ts';
import { rangeError } from '../internal/validate.ts';
import {
  ABORTED,
  deadlineAfter,
  runAsync,
  runSync,
  sliceUntil,
  type Steps,
} from '../memory/waiting.ts';
import { forever } from '../memory/sleep-watch.ts';
import { wordsOf } from './item-codec.ts';
import type { ItemStore } from './item-store.ts';
import type { PriorityKey } from './priority.ts';
import {
  BUSY,
  COUNT,
  GET_SEQ,
  GET_WAITING,
  IMMEDIATE,
  MAXSIZE,
  PUT_SEQ,
  PUT_WAITING,
  PUTS,
  SHUTDOWN,
  Shutdown,
  WAITING,
} from './queue-layout.ts';
import type { QueueLock } from './queue-lock.ts';
import { ORDERED_READS, PAYLOAD_BYTES, Put, type QueueRing } from './queue-ring.ts';
import { markDropped } from './queue-tasks.ts';
import {
  looksFull,
  MAX_PAUSE,
  MIN_PAUSE,
  pause,
  POLL_STEPS,
  queueSize,
  wake,
  WAIT_SPINS,
} from './queue-waits.ts';

/** What a waiting put waits on, in all-asleep reports (a pipe's too). */
const PUT = 'Queue.put()';

/** One realm's putter into a queue. */
export class QueuePutter {
  readonly #cells: Int32Array;
  readonly #items: ItemStore;
  /** The ring of a FIFO queue; none for LIFO and priority queues. */
  readonly #ring: QueueRing | undefined;
  readonly #lock: QueueLock;

  constructor(cells: Int32Array, items: ItemStore, ring: QueueRing | undefined, lock: QueueLock) {
    this.#cells = cells;
    this.#items = items;
    this.#ring = ring;
    this.#lock = lock;
  }

  /**
   * Fails a put that may not be: the queue shut down, or a negative timeout. Plain reads:
   * a put that overlaps a shutdown may come before it; see #published for the one that
   * must not.
   */
  #assertPuttable(timeout: number): void {
    const cells = this.#cells;
    if (cells[SHUTDOWN] !== Shutdown.Open) throw new QueueShutDownError();
    // Python checks the timeout only where it may have to wait: on a bounded queue.
    if (timeout < 0 && (cells[MAXSIZE] ?? 0) > 0) {
      throw rangeError('timeout', 'a non-negative number', timeout);
    }
  }

  /** Spins while `busy()` holds, for a while. */
  #spinWhile(busy: () => boolean): void {
    for (let i = 0; i < WAIT_SPINS; i++) if (!busy()) return;
  }

  /**
   * Puts a small item into the ring. Returns `undefined` when the item is not for the ring
   * (a LIFO or priority queue's, or too large), else what the ring did.
   */
  #ringPut(item: Uint8Array, timeout: number): Put | undefined {
    const ring = this.#ring;
    if (ring === undefined || item.length > PAYLOAD_BYTES) return undefined;
    this.#assertPuttable(timeout);
    const cells = this.#cells;
    // A plain read, as a hint: the ring reads BUSY again, atomically, to decide.
    if (cells[BUSY] !== 0) return Put.Store;
    const put = ring.tryPut(wordsOf(item), item.length, cells[MAXSIZE] ?? 0);
    // Read after the item is published, as a getter that goes to sleep raises its flag,
    // then looks for items: one of the two sees the other.
    const flags = ORDERED_READS ? (cells[GET_WAITING] ?? 0) : Atomics.load(cells, GET_WAITING);
    if (put === Put.Done && flags !== 0) this.#published(ring);
    return put;
  }

  /** After a ring put that found GET_WAITING's bits up: wakes getters, or fails the put. */
  #published(ring: QueueRing): void {
    const cells = this.#cells;
    if ((Atomics.load(cells, GET_WAITING) & IMMEDIATE) !== 0) {
      // shutdown(immediate) ran while this put was under way, and may have missed this
      // item: the put comes after it, and fails (see QueueCore.shutdown()).
      markDropped(cells, ring.drain());
      throw new QueueShutDownError();
    }
    wake(cells, GET_WAITING, PUT_SEQ);
  }

  /**
   * Puts the item into the store if there is room. Holding the lock. Returns false, having
   * done nothing, when the queue is full.
   */
  #storePut(item: Uint8Array, key: PriorityKey | null, timeout: number): boolean {
    const cells = this.#cells;
    this.#assertPuttable(timeout);
    const maxsize = cells[MAXSIZE] ?? 0;
    const ring = this.#ring;
    if (ring === undefined) {
      if (maxsize > 0 && (cells[COUNT] ?? 0) >= maxsize) return false;
      this.#items.append(item, key);
      Atomics.add(cells, PUTS, 1);
    } else {
      // Raised before ENQ is read: a ring put that claims a position now sees it, and
      // leaves a tombstone, so that neither overtakes the other nor overfills the queue.
      Atomics.add(cells, BUSY, 1);
      try {
        if (maxsize > 0 && queueSize(cells, ring) >= maxsize) return false;
        // Back to the ring when it has room: the store's items first, then this one.
        const inRing =
          this.#moveToRing(ring) &&
          item.length <= PAYLOAD_BYTES &&
          ring.tryPut(wordsOf(item), item.length, 0, true) === Put.Done;
        if (!inRing) {
          this.#items.append(item, key);
          Atomics.add(cells, PUTS, 1);
          Atomics.add(cells, BUSY, 1);
        }
      } finally {
        Atomics.sub(cells, BUSY, 1);
      }
    }
    wake(cells, GET_WAITING, PUT_SEQ);
    return true;
  }

  /**
   * Moves the store's items into the ring, oldest first, while they fit: the ring has room
   * and each is small. Holding the lock. Returns whether the store is empty. Without it, a
   * queue that once filled its ring would keep taking every put through the store for as
   * long as putters keep up with getters.
   */
  #moveToRing(ring: QueueRing): boolean {
    const cells = this.#cells;
    const move = (data: Uint8Array, offset: number, length: number): boolean =>
      length <= PAYLOAD_BYTES &&
      ring.tryPut(wordsOf(data.subarray(offset, offset + length)), length, 0, true) === Put.Done;
    while ((cells[COUNT] ?? 0) > 0) {
      if (!ring.hasRoom() || !this.#items.takeIf(move)) return false;
      // Counted in ENQ now: out of PUTS (after: join() may see one too many, never none).
      Atomics.sub(cells, PUTS, 1);
      Atomics.sub(cells, BUSY, 1);
    }
    return true;
  }

  /** Puts the item into the store if that needs no waiting for the lock. */
  #tryStorePut(item: Uint8Array, key: PriorityKey | null, timeout: number): boolean {
    if (looksFull(this.#cells, this.#ring) || !this.#lock.tryLock()) return false;
    try {
      return this.#storePut(item, key, timeout);
    } finally {
      this.#lock.unlock();
    }
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
      const put = this.#ringPut(item, timeout);
      if (put === Put.Done) return undefined;
      if (put !== Put.Full) {
        yield* this.#lock.lock();
        try {
          if (this.#storePut(item, key, timeout)) return undefined;
        } finally {
          this.#lock.unlock();
        }
      }
      if (Number.isNaN(deadline)) deadline = deadlineAfter(timeout);
      const slice = sliceUntil(deadline);
      if (slice === 0) throw new QueueFullError();
      if (!spun) {
        // Wait for room before sleeping: most often it comes within microseconds.
        spun = true;
        this.#spinWhile(() => looksFull(cells, this.#ring));
        continue;
      }
      Atomics.or(cells, PUT_WAITING, WAITING);
      const seq = Atomics.load(cells, GET_SEQ);
      if (!looksFull(cells, this.#ring)) continue;
      if ((yield { cells, index: GET_SEQ, expected: seq, timeout: slice }) === 'aborted')
        return ABORTED;
    }
  }

  /**
   * Puts the item if that needs no waiting: returns false, having done nothing, when the
   * queue is full (or its lock stays taken).
   */
  tryPut(item: Uint8Array, key: PriorityKey | null, timeout: number): boolean {
    const put = this.#ringPut(item, timeout);
    if (put === Put.Done) return true;
    return put !== Put.Full && this.#tryStorePut(item, key, timeout);
  }

  /** Puts the item, waiting for room in a bounded queue (and for the lock). */
  put(
    item: Uint8Array,
    key: PriorityKey | null,
    timeout: number,
    signal?: AbortSignal,
  ): Promise<void> {
    return runAsync(this.#putSteps(item, key, timeout, false), signal, forever(timeout, PUT));
  }

  /**
   * Waits a moment (some 0.3 ms at most) for room in a full ring; returns whether there
   * is. A full ring sends this item, and every one after it until the store is drained,
   * through the store: while getters are taking, a slot is microseconds away, and waiting
   * for it keeps the queue in the ring. An unbounded queue's put waits no longer.
   */
  #roomComing(ring: QueueRing): boolean {
    const cells = this.#cells;
    for (let spent = 0, steps = MIN_PAUSE; spent < POLL_STEPS; spent += steps) {
      if (ring.hasRoom()) return true;
      if (cells[BUSY] !== 0) return false;
      pause(steps);
      if (steps < MAX_PAUSE) steps += steps;
    }
    return false;
  }

  /** As {@link QueuePutter.put}, blocking the calling thread. */
  putSync(item: Uint8Array, key: PriorityKey | null, timeout: number): void {
    let put = this.#ringPut(item, timeout);
    if (put === Put.Done) return;
    // A put that may not wait (putNowait(), a SimpleQueue's, a pipe's send) does not.
    if (put === Put.RingFull && timeout !== 0 && this.#roomComing(this.#ring as QueueRing)) {
      put = this.#ringPut(item, timeout);
      if (put === Put.Done) return;
    }
    if (put !== Put.Full && this.#tryStorePut(item, key, timeout)) return;
    runSync(this.#putSteps(item, key, timeout, true), forever(timeout, PUT));
  }
}
