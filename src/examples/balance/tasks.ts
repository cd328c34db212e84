/**
 * The bank-balance program's workers. Each makes `times` deposits (or withdrawals) of
 * `amount` twice: first on one balance without a lock, then on another with its lock.
 * Every phase starts and ends at the `phases` barrier, which the program waits at too, so
 * that all workers run each phase at the same time and the program can time it.
 */
import type { Barrier, Value } from '../../index.ts';

/** The two balances: one updated without the lock, one with it. */
export interface Balances {
  readonly unlocked: Value<'i'>;
  readonly locked: Value<'i'>;
}

function transact(balances: Balances, phases: Barrier, times: number, change: number): void {
  phases.waitSync();
  // `+=` reads, then writes: another worker's update between the two is overwritten (lost).
  const { unlocked } = balances;
  for (let i = 0; i < times; i++) unlocked.value += change;
  phases.waitSync();
  // With the lock held, no other update fits between the read and the write.
  const { locked } = balances;
  const lock = locked.getLock();
  for (let i = 0; i < times; i++) {
    lock.withLockSync(() => {
      locked.value += change;
    });
  }
  phases.waitSync();
}

/** Deposits `amount`, `times` times on each balance. */
export function deposit(balances: Balances, phases: Barrier, times: number, amount: number): void {
  transact(balances, phases, times, amount);
}

/** Withdraws `amount`, `times` times from each balance. */
export function withdraw(balances: Balances, phases: Barrier, times: number, amount: number): void {
  transact(balances, phases, times, -amount);
}
