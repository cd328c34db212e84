/**
 * The lock word shared by Lock, RLock and everything built on them: a futex-style mutex
 * (after Drepper's "Futexes Are Tricky") that also records its holder.
 *
 * ```
 * word = 0                          unlocked
 * word = (owner << 1) | contended   held by `owner`; bit 0 set when someone may be asleep
 * ```
 *
 * The uncontended pair is one compareExchange to take it and one exchange to give it back.
 * Storing the owner in the same word costs nothing and lets a sleeper notice that the
 * holder died: it then takes the lock over and reports it abandoned, like a robust mutex's
 * EOWNERDEAD.
 */
import type { OwnerTable } from './owners.ts';
import { ABORTED, deadlineAfter, notify, sliceUntil, type Steps } from './waiting.ts';
import { contentionHook, watchingWaits, type ContendedWait } from './wait-watch.ts';

/** How an acquire ended. */
export const Outcome = {
  NotAcquired: 0,
  Acquired: 1,
  /** Acquired from an owner that died holding it. */
  Abandoned: 2,
} as const;
export type Outcome = (typeof Outcome)[keyof typeof Outcome];

const CONTENDED = 1;

/** The owner id stored in a held word. */
export function holderOf(word: number): number {
  return word >>> 1;
}

/** One attempt, no waiting. */
export function tryLockWord(cells: Int32Array, index: number, owner: number): boolean {
  return Atomics.compareExchange(cells, index, 0, owner << 1) === 0;
}

/**
 * Takes the lock word, sleeping while another owner holds it, for at most `timeout` ms.
 * A live holder's lock is never taken; a dead holder's is taken over (`Abandoned`).
 * With deadlock detection on (wait-watch.ts) the wait is published, as `label`, before each
 * sleep, and unpublished when it ends.
 */
export function* lockWordSteps(
  cells: Int32Array,
  index: number,
  owner: number,
  owners: OwnerTable,
  timeout: number,
  label = '',
): Steps<Outcome | typeof ABORTED> {
  if (tryLockWord(cells, index, owner)) return Outcome.Acquired;
  if (!watchingWaits()) return yield* contendedSteps(cells, index, owner, owners, timeout);
  const wait: ContendedWait = { cells, index, owner, owners, label, since: performance.now() };
  const hook = contentionHook();
  try {
    return yield* contendedSteps(cells, index, owner, owners, timeout, (word) => {
      owners.publishWait(owner, holderOf(word), label);
      hook?.(wait);
    });
  } finally {
    owners.clearWait(owner);
  }
}

function* contendedSteps(
  cells: Int32Array,
  index: number,
  owner: number,
  owners: OwnerTable,
  timeout: number,
  beforeSleep?: (word: number) => void,
): Steps<Outcome | typeof ABORTED> {
  const mine = (owner << 1) | CONTENDED;
  const deadline = deadlineAfter(timeout);
  for (;;) {
    let word = Atomics.load(cells, index);
    if (word === 0) {
      // Others may still sleep on this word, so keep the contended bit when taking it:
      // our release will then wake one of them.
      if (Atomics.compareExchange(cells, index, 0, mine) === 0) return Outcome.Acquired;
      continue;
    }
    if (!owners.isAlive(holderOf(word))) {
      if (Atomics.compareExchange(cells, index, word, mine) === word) return Outcome.Abandoned;
      continue;
    }
    if ((word & CONTENDED) === 0) {
      // Announce a sleeper before sleeping, so that the holder's release wakes us.
      if (Atomics.compareExchange(cells, index, word, word | CONTENDED) !== word) continue;
      word |= CONTENDED;
    }
    const slice = sliceUntil(deadline);
    if (slice === 0) return Outcome.NotAcquired;
    beforeSleep?.(word);
    if ((yield { cells, index, expected: word, timeout: slice }) === 'aborted') return ABORTED;
  }
}

/**
 * As {@link lockWordSteps} with no time limit, for callers that must end up holding the lock
 * whatever happens (a Condition giving its lock back to a waiter): an abort is not heard.
 */
export function* lockWordStepsUntilHeld(
  cells: Int32Array,
  index: number,
  owner: number,
  owners: OwnerTable,
  label = '',
): Steps<Outcome> {
  for (;;) {
    const outcome = yield* lockWordSteps(cells, index, owner, owners, Infinity, label);
    if (outcome !== ABORTED) return outcome;
  }
}

/**
 * Gives the word back. Returns the previous word (0 if it was not held). Wakes one sleeper
 * when the contended bit was set.
 */
export function unlockWord(cells: Int32Array, index: number): number {
  const previous = Atomics.exchange(cells, index, 0);
  if ((previous & CONTENDED) !== 0) notify(cells, index, 1);
  return previous;
}
