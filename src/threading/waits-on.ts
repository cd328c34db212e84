/**
 * What a started Thread or Process waits on, for its `state` and `waitsOn`: read from the
 * owner table, where a realm publishes its sleep in a wait without a deadline while waits are
 * watched (memory/sleep-watch.ts: `MULTITASK_DEBUG=asleep` or `top`, `setAsleepDetection()`).
 */
import { ownerTable } from '../memory/owners.ts';
import { watchingSleeps } from '../memory/sleep-watch.ts';
import type { Child } from '../runtime/child.ts';

/** The label of the wait `child` sleeps in (`Event.wait()`, `Lock "ledger"`), or null. */
export function waitsOnOf(child: Child<never>): string | null {
  if (!watchingSleeps()) return null;
  const owners = ownerTable();
  let owner = child.owner;
  if (owner === null) {
    // A process takes its own owner id, and names itself `…/MainThread (pid n)` while waits
    // are watched.
    const suffix = `/MainThread (pid ${child.ident})`;
    owner =
      owners
        .liveOwners()
        .find((id) => owners.pidOf(id) === child.ident && owners.nameOf(id).endsWith(suffix)) ??
      null;
  }
  return owner === null ? null : (owners.sleepOf(owner)?.label ?? null);
}
