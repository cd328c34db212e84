/**
 * A queue's operations: `put` and `get` that wait (written once as generators, driven by
 * `runSync` or `runAsync`), `taskDone`/`join`, `shutdown`, and the status reads. The same
 * code runs in every thread, and in the broker on behalf of child processes. Layout:
 * queue-layout.ts; the items themselves: queue-ring.ts (small items of a FIFO queue,
 * without the lock) and item-store.ts (the rest, holding the lock).
 */
import { QueueEmptyError, QueueFullError, QueueShutDownError, StateError } from '../errors.ts';
import type { OwnerTable } from '../memory/owners.ts';
import { rangeError } from '../internal/validate.ts';
import { lockWordStepsUntilHeld, Outcome, tryLockWord, unlockWord } from '../memory/lock-word.ts';
import {
  ABORTED,
  deadlineAfter,
  runAsync,
  runSync,
  sliceUntil,
  type Steps,
} from '../memory/waiting.ts';
import { wordsOf } from './item-codec.ts';
import { ItemStore } from './item-store.ts';
import type { PriorityKey } from './priority.ts';
import {
  COUNT,
  DONE,
  ENQ,
  GET_SEQ,
  GET_WAITING,
  LOCK,
  MAXSIZE,
  PUT_SEQ,
  PUT_WAITING,
  PUTS,
  QUEUE_BUFFERS,
  Shutdown,
  SHUTDOWN,
  BUSY,
  IMMEDIATE,
  TASK_SEQ,
  TASKS,
  TOMBS,
  WAITING,
} from './queue-layout.ts';
import {
  NOT_READY,
  ORDERED_READS,
  PAYLOAD_BYTES,
  Put,
  QueueRing,
  RING_EMPTY,
} from './queue-ring.ts';

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
 * Wakes whoever sleeps on `seq`, if the `flag` says someone may: lowers its WAITING bit,
 * bumps `seq` and notifies (see GET_WAITING in queue-layout.ts).
 */
function wake(cells: Int32Array, flag: number, seq: number): void {
  if (
    (Atomics.load(cells, flag) & WAITING) !== 0 &&
    (Atomics.and(cells, flag, ~WAITING) & WAITING) !== 0
  ) {
    bump(cells, seq);
  }
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

/**
 * How long a blocking get polls for an item, and a blocking put for room in the ring,
 * before it takes the slower way that may sleep: POLL_STEPS pause() steps in all (a step is
 * a few nanoseconds: some 0.3 ms), in pauses of MIN_PAUSE (0.15 µs) to MAX_PAUSE (80 µs)
 * steps. A getter that keeps reading the slot a putter is writing slows the putter down
 * more than anything else (the cache line goes back and forth between their CPUs), so a
 * getter adapts (QueueCore#pause): when its first look finds an item, items come steadily,
 * and it looks later the next time, letting the putter get ahead, then takes what it put
 * in a run; when items come seldom, it looks sooner.
 */
const POLL_STEPS = 65_536;
const MIN_PAUSE = 32;
const MAX_PAUSE = 16_384;
let pauseSink = 0;

/**
 * Keeps this thread busy for a moment (`steps` × a few cycles) without touching shared
 * memory: JavaScript has no pause instruction.
 */
function pause(steps: number): void {
  let x = pauseSink;
  for (let i = 0; i < steps; i++) x = (x * 31 + i) | 0;
  pauseSink = x;
}

/**
 * How long a getter sleeps waiting for a position of the ring that is claimed and not
 * published before it checks whether the putter that claimed it is dead (QueueRing.recover).
 */
const STALL_MS = 1000;

/** What {@link QueueCore.tryGet} returns when it would have to wait. */
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

export class QueueCore implements QueueCoreApi {
  readonly #cells: Int32Array;
  readonly #items: ItemStore;
  /** The ring of a FIFO queue; none for LIFO and priority queues. */
  readonly #ring: QueueRing | undefined;
  readonly #owner: number;
  readonly #owners: OwnerTable;
  /** pause() steps between a blocking get's first looks at an empty ring (adapted). */
  #pause = MIN_PAUSE;

  constructor(buffers: readonly SharedArrayBuffer[], owner: number, owners: OwnerTable) {
    const [control, entries, data, ring] = buffers;
    if (
      buffers.length !== QUEUE_BUFFERS ||
      control === undefined ||
      entries === undefined ||
      data === undefined ||
      ring === undefined
    ) {
      throw new TypeError(`multitask: a queue needs its ${QUEUE_BUFFERS} buffers`);
    }
    this.#cells = new Int32Array(control);
    this.#items = new ItemStore(this.#cells, entries, data);
    this.#ring = ring.byteLength > 0 ? new QueueRing(this.#cells, ring, owner) : undefined;
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
    const outcome = yield* lockWordStepsUntilHeld(this.#cells, LOCK, this.#owner, this.#owners);
    // A store put that died after raising BUSY would otherwise send every put through the
    // store for good: BUSY is the store's items, and no put is under way now.
    if (outcome === Outcome.Abandoned) Atomics.store(this.#cells, BUSY, this.#cells[COUNT] ?? 0);
  }

  #unlock(): void {
    unlockWord(this.#cells, LOCK);
  }

  // ---- hints: read without the lock; only a put, a get or the lock holder decides ------

  /** Items in the queue: in the ring (tombstones not yet skipped too) and in the store. */
  #size(): number {
    return (this.#ring?.size() ?? 0) + Atomics.load(this.#cells, COUNT);
  }

  /** Whether a get may find something: an item, or the queue shut down. */
  #gettable(): boolean {
    const cells = this.#cells;
    return (
      this.#ring?.hasItem() === true ||
      Atomics.load(cells, COUNT) !== 0 ||
      Atomics.load(cells, SHUTDOWN) !== Shutdown.Open
    );
  }

  /** Whether the queue looks full (and not shut down). */
  #full(): boolean {
    const cells = this.#cells;
    const maxsize = Atomics.load(cells, MAXSIZE);
    return (
      maxsize > 0 && this.#size() >= maxsize && Atomics.load(cells, SHUTDOWN) === Shutdown.Open
    );
  }

  /** Spins while `busy()` holds, for a while. */
  #spinWhile(busy: () => boolean): void {
    for (let i = 0; i < WAIT_SPINS; i++) if (!busy()) return;
  }

  /** Marks `dropped` items done, as Python's shutdown(immediate) does, waking join(). */
  #dropped(dropped: number): void {
    const cells = this.#cells;
    if (dropped === 0 || cells[TASKS] !== 1) return;
    Atomics.add(cells, DONE, dropped);
    bump(cells, TASK_SEQ);
  }

  // ---- put ----------------------------------------------------------------------------

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
      // item: the put comes after it, and fails (see shutdown()).
      this.#dropped(ring.drain());
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
        if (maxsize > 0 && this.#size() >= maxsize) return false;
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
    if (this.#full() || !this.#tryLock()) return false;
    try {
      return this.#storePut(item, key, timeout);
    } finally {
      this.#unlock();
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
        yield* this.#lock();
        try {
          if (this.#storePut(item, key, timeout)) return undefined;
        } finally {
          this.#unlock();
        }
      }
      if (Number.isNaN(deadline)) deadline = deadlineAfter(timeout);
      const slice = sliceUntil(deadline);
      if (slice === 0) throw new QueueFullError();
      if (!spun) {
        // Wait for room before sleeping: most often it comes within microseconds.
        spun = true;
        this.#spinWhile(() => this.#full());
        continue;
      }
      Atomics.or(cells, PUT_WAITING, WAITING);
      const seq = Atomics.load(cells, GET_SEQ);
      if (!this.#full()) continue;
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

  put(
    item: Uint8Array,
    key: PriorityKey | null,
    timeout: number,
    signal?: AbortSignal,
  ): Promise<void> {
    return runAsync(this.#putSteps(item, key, timeout, false), signal);
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

  putSync(item: Uint8Array, key: PriorityKey | null, timeout: number): void {
    let put = this.#ringPut(item, timeout);
    if (put === Put.Done) return;
    // A put that may not wait (putNowait(), a SimpleQueue's, a pipe's send) does not.
    if (put === Put.RingFull && timeout !== 0 && this.#roomComing(this.#ring as QueueRing)) {
      put = this.#ringPut(item, timeout);
      if (put === Put.Done) return;
    }
    if (put !== Put.Full && this.#tryStorePut(item, key, timeout)) return;
    runSync(this.#putSteps(item, key, timeout, true));
  }

  // ---- get ----------------------------------------------------------------------------

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
    // there (#moveToRing) since this getter found the ring empty.
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
   * polled before it comes here (getSyncWith), and the async one must not hold up its
   * event loop.
   */
  *#getSteps<R>(timeout: number, read: ItemReader<R>): Steps<R | typeof ABORTED> {
    const cells = this.#cells;
    let deadline = NaN;
    let waitingSince = NaN;
    for (;;) {
      const fromRing = this.#ringTake(read);
      if (fromRing !== EMPTY && fromRing !== RING_EMPTY) return fromRing;
      if (fromRing === RING_EMPTY && this.#gettable()) {
        yield* this.#lock();
        try {
          const item = this.#storeTake(read);
          if (item !== EMPTY) return item;
        } finally {
          this.#unlock();
        }
      }
      if (Number.isNaN(deadline)) deadline = deadlineAfter(timeout);
      const slice = sliceUntil(deadline);
      if (slice === 0) throw new QueueEmptyError();
      Atomics.or(cells, GET_WAITING, WAITING);
      const seq = Atomics.load(cells, PUT_SEQ);
      if (Number.isNaN(waitingSince)) waitingSince = performance.now();
      else if (this.#recoverAfter(waitingSince)) continue;
      // Something came in between: take it. (An item still being written is not
      // gettable: its putter wakes this getter once it is published.)
      if (this.#gettable()) continue;
      if ((yield { cells, index: PUT_SEQ, expected: seq, timeout: slice }) === 'aborted')
        return ABORTED;
    }
  }

  /**
   * For a getter or poller waiting since `since`: when that is long, the position it waits
   * for may be one whose putter was stopped after claiming it (queue-ring.ts), which no put
   * will ever publish. Returns whether it gave such a position up (QueueRing.recover).
   */
  #recoverAfter(since: number): boolean {
    if (this.#ring === undefined || performance.now() - since <= STALL_MS) return false;
    const owners = this.#owners;
    return this.#ring.recover((owner) => owners.isAlive(owner));
  }

  /**
   * Takes the next item if that needs no waiting, and returns what `read` makes of it;
   * {@link EMPTY} when the queue is empty (or its lock stays taken).
   * @throws {QueueShutDownError} when the queue is shut down and empty.
   */
  tryGet<R>(read: ItemReader<R>): R | typeof EMPTY {
    const fromRing = this.#ringTake(read);
    if (fromRing !== RING_EMPTY) return fromRing;
    if (!this.#gettable() || !this.#tryLock()) return EMPTY;
    try {
      return this.#storeTake(read);
    } finally {
      this.#unlock();
    }
  }

  get(timeout: number, signal?: AbortSignal): Promise<Uint8Array> {
    return this.getWith(timeout, copyBytes, signal);
  }

  /** As {@link QueueCore.get}, with what `read` makes of the item's bytes. */
  getWith<R>(timeout: number, read: ItemReader<R>, signal?: AbortSignal): Promise<R> {
    return runAsync(this.#getSteps(timeout, read), signal);
  }

  getSync(timeout: number): Uint8Array {
    return this.getSyncWith(timeout, copyBytes);
  }

  /** As {@link QueueCore.getSync}, with what `read` makes of the item's bytes. */
  getSyncWith<R>(timeout: number, read: ItemReader<R>): R {
    let now = this.tryGet(read);
    if (now !== EMPTY) return now;
    if (timeout > 0) {
      // Most often the item is a put away: poll for it, pausing between looks (a getter
      // that keeps reading the slot a putter is writing slows the putter down).
      let steps = this.#pause;
      for (let spent = 0, polls = 1; spent < POLL_STEPS; spent += steps, polls++) {
        pause(steps);
        if (this.#gettable()) {
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
    const item = runSync(this.#getSteps(timeout, read));
    // runSync never hears of an abort.
    if (item === ABORTED) throw new StateError('ERR_INTERNAL', 'multitask: aborted');
    return item;
  }

  *#pollSteps(timeout: number): Steps<boolean | typeof ABORTED> {
    const cells = this.#cells;
    const deadline = deadlineAfter(timeout);
    const since = performance.now();
    for (;;) {
      if (this.#gettable()) return true;
      const slice = sliceUntil(deadline);
      if (slice === 0) return false;
      Atomics.or(cells, GET_WAITING, WAITING);
      const seq = Atomics.load(cells, PUT_SEQ);
      if (this.#gettable() || this.#recoverAfter(since)) continue;
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

  /** Items put, ever: into the ring (less tombstones) and into the store. Wraps around. */
  #puts(): number {
    const cells = this.#cells;
    return (Atomics.load(cells, ENQ) - Atomics.load(cells, TOMBS) + Atomics.load(cells, PUTS)) | 0;
  }

  /** Python's `unfinished_tasks`: items put and not yet marked done. */
  #unfinished(): number {
    return (this.#puts() - Atomics.load(this.#cells, DONE)) | 0;
  }

  taskDone(): void {
    const cells = this.#cells;
    for (;;) {
      const done = Atomics.load(cells, DONE);
      const unfinished = (this.#puts() - done) | 0;
      if (unfinished <= 0) {
        throw new StateError('ERR_TASK_DONE_TOO_MANY', 'taskDone() called too many times');
      }
      if (Atomics.compareExchange(cells, DONE, done, (done + 1) | 0) !== done) continue;
      if (unfinished === 1) bump(cells, TASK_SEQ);
      return;
    }
  }

  *#joinSteps(timeout: number): Steps<boolean | typeof ABORTED> {
    const cells = this.#cells;
    const deadline = deadlineAfter(timeout);
    const since = performance.now();
    for (;;) {
      // TASK_SEQ before the count: a taskDone() between the two is seen either way.
      const seq = Atomics.load(cells, TASK_SEQ);
      if (this.#unfinished() <= 0) return true;
      const slice = sliceUntil(deadline);
      if (slice === 0) return false;
      // After shutdown(immediate) no getter takes, and so none gives up a dead putter's
      // claim: the items behind it were never dropped, and the claim counts as unfinished.
      if (Atomics.load(cells, SHUTDOWN) === Shutdown.Immediate && this.#recoverAfter(since)) {
        this.#dropped(this.#ring?.drain() ?? 0);
        continue;
      }
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
      if (immediate) {
        Atomics.store(cells, SHUTDOWN, Shutdown.Immediate);
        // Seen by every ring put from now on: one whose item this drain misses (it is
        // still being written) drops it itself (see #published).
        Atomics.or(cells, GET_WAITING, IMMEDIATE);
        // Python drops each item and marks it done, releasing join().
        const dropped = (this.#ring?.drain() ?? 0) + (cells[COUNT] ?? 0);
        this.#items.clear();
        Atomics.store(cells, BUSY, 0);
        this.#dropped(dropped);
      } else if (cells[SHUTDOWN] === Shutdown.Open) {
        Atomics.store(cells, SHUTDOWN, Shutdown.Draining);
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
      size: this.#size(),
      maxsize: Atomics.load(cells, MAXSIZE),
      unfinished: cells[TASKS] === 1 ? this.#unfinished() : 0,
      shutdown: Atomics.load(cells, SHUTDOWN) !== Shutdown.Open,
    };
  }

  setMaxsize(maxsize: number): void {
    // Holding the lock, so that a store putter cannot read the old size, then the new GET_SEQ.
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
