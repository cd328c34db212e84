/**
 * The lock of a queue's store: LOCK in queue-layout.ts, a lock word (lock-word.ts) that
 * guards ENTRIES, DATA and the store's cells. Held for a few memory operations at a time,
 * so a taker spins a little before it waits.
 */
import type { OwnerTable } from '../memory/owners.ts';
import { lockWordStepsUntilHeld, Outcome, tryLockWord, unlockWord } from '../memory/lock-word.ts';
import type { Steps } from '../memory/waiting.ts';
import { BUSY, COUNT, LOCK } from './queue-layout.ts';
import { LOCK_SPINS } from './queue-waits.ts';

/** One realm's handle to a queue's lock, taken in the name of `owner`. */
export class QueueLock {
  readonly #cells: Int32Array;
  readonly #owner: number;
  readonly #owners: OwnerTable;

  constructor(cells: Int32Array, owner: number, owners: OwnerTable) {
    this.#cells = cells;
    this.#owner = owner;
    this.#owners = owners;
  }

  /** Takes the lock if it is free, or freed within a short spin. */
  tryLock(): boolean {
    const cells = this.#cells;
    for (let i = 0; i < LOCK_SPINS; i++) {
      if (Atomics.load(cells, LOCK) === 0 && tryLockWord(cells, LOCK, this.#owner)) return true;
    }
    return false;
  }

  /** Takes the lock, waiting as long as it takes (`runSync` or `runAsync` drives the wait). */
  *lock(): Steps<void> {
    if (this.tryLock()) return;
    // Held only for a few memory operations; a holder that died mid-way leaves the queue as
    // it was at that point, which the next holder takes over as it is.
    const outcome = yield* lockWordStepsUntilHeld(this.#cells, LOCK, this.#owner, this.#owners);
    // A store put that died after raising BUSY would otherwise send every put through the
    // store for good: BUSY is the store's items, and no put is under way now.
    if (outcome === Outcome.Abandoned) Atomics.store(this.#cells, BUSY, this.#cells[COUNT] ?? 0);
  }

  unlock(): void {
    unlockWord(this.#cells, LOCK);
  }
}
