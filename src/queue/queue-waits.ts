/**
 * How a queue's putters and getters wait for each other (queue-put.ts, queue-get.ts): how
 * long they spin or pause before they sleep, how one side wakes the other (GET_WAITING and
 * PUT_WAITING in queue-layout.ts), what they read without the lock to decide whether to
 * wait at all, and when a waiter gives up a ring position whose putter died.
 */
import type { OwnerTable } from '../memory/owners.ts';
import { notify } from '../memory/waiting.ts';
import { COUNT, MAXSIZE, SHUTDOWN, Shutdown, WAITING } from './queue-layout.ts';
import type { QueueRing } from './queue-ring.ts';

/** Adds one to `cells[index]` and wakes every thread that sleeps on it. */
export function bump(cells: Int32Array, index: number): void {
  Atomics.add(cells, index, 1);
  notify(cells, index);
}

/**
 * Wakes whoever sleeps on `seq`, if the `flag` says someone may: lowers its WAITING bit,
 * bumps `seq` and notifies (see GET_WAITING in queue-layout.ts).
 */
export function wake(cells: Int32Array, flag: number, seq: number): void {
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
 * event loop, and look again for an item only for a few microseconds (ASYNC_POLL_STEPS).
 */
export const LOCK_SPINS = 100;
export const WAIT_SPINS = 1000;

/**
 * How long a blocking get polls for an item, and a blocking put for room in the ring,
 * before it takes the slower way that may sleep: POLL_STEPS pause() steps in all (a step is
 * a few nanoseconds: some 0.3 ms), in pauses of MIN_PAUSE (0.15 µs) to MAX_PAUSE (80 µs)
 * steps. A getter that keeps reading the slot a putter is writing slows the putter down
 * more than anything else (the cache line goes back and forth between their CPUs), so a
 * getter adapts (QueueGetter#pause): when its first look finds an item, items come steadily,
 * and it looks later the next time, letting the putter get ahead, then takes what it put
 * in a run; when items come seldom, it looks sooner.
 */
export const POLL_STEPS = 65_536;
export const MIN_PAUSE = 32;
export const MAX_PAUSE = 16_384;
/**
 * How long an async get looks again for an item before it sleeps, at most: some 5 µs
 * (QueueGetter#tryGetSoon), a fraction of what a sleep and its wake-up cost.
 */
export const ASYNC_POLL_STEPS = 1024;
let pauseSink = 0;

/**
 * Keeps this thread busy for a moment (`steps` × a few cycles) without touching shared
 * memory: JavaScript has no pause instruction.
 */
export function pause(steps: number): void {
  let x = pauseSink;
  for (let i = 0; i < steps; i++) x = (x * 31 + i) | 0;
  pauseSink = x;
}

/**
 * How long a getter sleeps waiting for a position of the ring that is claimed and not
 * published before it checks whether the putter that claimed it is dead (QueueRing.recover).
 */
const STALL_MS = 1000;

/**
 * For a getter, poller or joiner waiting since `since`: when that is long, the position it
 * waits for may be one whose putter was stopped after claiming it (queue-ring.ts), which no
 * put will ever publish. Returns whether it gave such a position up (QueueRing.recover).
 */
export function recoverStalled(
  ring: QueueRing | undefined,
  owners: OwnerTable,
  since: number,
): boolean {
  if (ring === undefined || performance.now() - since <= STALL_MS) return false;
  return ring.recover((owner) => owners.isAlive(owner));
}

// ---- hints: read without the lock; only a put, a get or the lock holder decides ----------

/** Items in the queue: in the ring (tombstones not yet skipped too) and in the store. */
export function queueSize(cells: Int32Array, ring: QueueRing | undefined): number {
  return (ring?.size() ?? 0) + Atomics.load(cells, COUNT);
}

/** Whether a get may find something: an item, or the queue shut down. */
export function gettable(cells: Int32Array, ring: QueueRing | undefined): boolean {
  return (
    ring?.hasItem() === true ||
    Atomics.load(cells, COUNT) !== 0 ||
    Atomics.load(cells, SHUTDOWN) !== Shutdown.Open
  );
}

/** Whether the queue looks full (and not shut down). */
export function looksFull(cells: Int32Array, ring: QueueRing | undefined): boolean {
  const maxsize = Atomics.load(cells, MAXSIZE);
  return (
    maxsize > 0 &&
    queueSize(cells, ring) >= maxsize &&
    Atomics.load(cells, SHUTDOWN) === Shutdown.Open
  );
}
