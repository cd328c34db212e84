/**
 * The bank's two clerks. Clerk A moves money from account 1 to account 2, clerk B from
 * account 2 to account 1; a transfer holds the locks of both accounts. The program runs them
 * twice, with two strategies:
 *
 * 1. {@link sourceFirst}: each locks its source account first. Both then meet at a barrier,
 *    so each holds one lock when it reaches for the other: a deadlock, every time. A
 *    timeout on the second acquire detects it, and the clerk backs off.
 * 2. {@link lowerFirst}: each locks the account with the lower id first. The clerk that
 *    gets it is then free to take the other lock too; the other waits. No deadlock, however
 *    many transfers.
 */
import type { Barrier, Lock, Queue, Value } from '../../index.ts';

/** An account: its balance, guarded by its own lock. */
export interface Account {
  readonly id: number;
  readonly lock: Lock;
  readonly balance: Value<'i'>;
}

/** What a clerk reports, in the order it happens. */
export type ClerkReport =
  | {
      readonly clerk: string;
      readonly event: 'holding';
      readonly held: number;
      readonly wanted: number;
    }
  | {
      readonly clerk: string;
      readonly event: 'deadlock';
      readonly held: number;
      readonly wanted: number;
      readonly timeoutMs: number;
    }
  | { readonly clerk: string; readonly event: 'transferred'; readonly count: number };

/**
 * The amount of transfer `i` by clerk `clerk` (0 is A, 1 is B): A moves 1 to 10 in turn,
 * B 1 to 9, so that money flows both ways and the balances still change.
 */
export function amount(clerk: number, i: number): number {
  return 1 + (i % (clerk === 0 ? 10 : 9));
}

/** A clerk's name: 0 is A, 1 is B. */
export function clerkName(clerk: number): string {
  return clerk === 0 ? 'A' : 'B';
}

/** Moves `sum` from `from` to `to`. The caller holds both accounts' locks. */
function move(from: Account, to: Account, sum: number): void {
  from.balance.value -= sum;
  to.balance.value += sum;
}

/**
 * Phase 1 (`clerk` 0 is A, 1 is B): locks `from`, meets the other clerk (who now holds
 * `to`), and reaches for `to` for at most `timeoutMs`. Reports the deadlock when the
 * acquire times out, and how many transfers it made (0 or 1).
 */
export function sourceFirst(
  clerk: number,
  from: Account,
  to: Account,
  meet: Barrier,
  timeoutMs: number,
  reports: Queue<ClerkReport>,
): void {
  const name = clerkName(clerk);
  let count = 0;
  from.lock.acquireSync();
  try {
    reports.putSync({ clerk: name, event: 'holding', held: from.id, wanted: to.id });
    meet.waitSync();
    if (to.lock.acquireSync({ timeout: timeoutMs })) {
      try {
        move(from, to, amount(clerk, 0));
        count = 1;
      } finally {
        to.lock.release();
      }
    } else {
      reports.putSync({ clerk: name, event: 'deadlock', held: from.id, wanted: to.id, timeoutMs });
    }
    // Neither lets go of its lock before both have given up on the other's: otherwise the
    // slower one would find its second lock free, and only one deadlock would be reported.
    meet.waitSync();
  } finally {
    // Backing off: whoever waits for this account can go on.
    from.lock.release();
  }
  reports.putSync({ clerk: name, event: 'transferred', count });
}

/**
 * Phase 2 (`clerk` 0 is A, 1 is B): once both have met at `start`, makes `times` transfers
 * from `from` to `to`, locking the account with the lower id first.
 */
export function lowerFirst(
  clerk: number,
  from: Account,
  to: Account,
  start: Barrier,
  times: number,
  reports: Queue<ClerkReport>,
): void {
  // One order for everyone: a clerk that holds the lower account can always get the higher
  // one, since nobody holds the higher one while waiting for the lower.
  const [lower, higher] = from.id < to.id ? [from, to] : [to, from];
  start.waitSync();
  let count = 0;
  for (let i = 0; i < times; i++) {
    lower.lock.withLockSync(() => {
      higher.lock.withLockSync(() => {
        move(from, to, amount(clerk, i));
      });
    });
    count++;
  }
  reports.putSync({ clerk: clerkName(clerk), event: 'transferred', count });
}
