/**
 * A queue's unfinished tasks (Python's `unfinished_tasks`): `taskDone()`, `join()`, and the
 * items that shutdown(immediate) drops and marks done. The count is ENQ - TOMBS + PUTS - DONE
 * (queue-layout.ts): no counter that putters and getters both write.
 */
import { StateError } from '../errors.ts';
import type { OwnerTable } from '../memory/owners.ts';
import { ABORTED, deadlineAfter, sliceUntil, type Steps } from '../memory/waiting.ts';
import { DONE, ENQ, PUTS, SHUTDOWN, Shutdown, TASK_SEQ, TASKS, TOMBS } from './queue-layout.ts';
import type { QueueRing } from './queue-ring.ts';
import { bump, recoverStalled } from './queue-waits.ts';

/** Marks `dropped` items done, as Python's shutdown(immediate) does, waking join(). */
export function markDropped(cells: Int32Array, dropped: number): void {
  if (dropped === 0 || cells[TASKS] !== 1) return;
  Atomics.add(cells, DONE, dropped);
  bump(cells, TASK_SEQ);
}

/** Items put, ever: into the ring (less tombstones) and into the store. Wraps around. */
function puts(cells: Int32Array): number {
  return (Atomics.load(cells, ENQ) - Atomics.load(cells, TOMBS) + Atomics.load(cells, PUTS)) | 0;
}

/** Python's `unfinished_tasks`: items put and not yet marked done. */
export function unfinished(cells: Int32Array): number {
  return (puts(cells) - Atomics.load(cells, DONE)) | 0;
}

/**
 * Marks one item done, waking join() when it was the last.
 * @throws {StateError} `ERR_TASK_DONE_TOO_MANY` when every item put is done already.
 */
export function taskDone(cells: Int32Array): void {
  for (;;) {
    const done = Atomics.load(cells, DONE);
    const unfinished = (puts(cells) - done) | 0;
    if (unfinished <= 0) {
      throw new StateError('ERR_TASK_DONE_TOO_MANY', 'taskDone() called too many times');
    }
    if (Atomics.compareExchange(cells, DONE, done, (done + 1) | 0) !== done) continue;
    if (unfinished === 1) bump(cells, TASK_SEQ);
    return;
  }
}

/** Waits until every item put is done: true, or false when `timeout` ran out. */
export function* joinSteps(
  cells: Int32Array,
  ring: QueueRing | undefined,
  owners: OwnerTable,
  timeout: number,
): Steps<boolean | typeof ABORTED> {
  const deadline = deadlineAfter(timeout);
  const since = performance.now();
  for (;;) {
    // TASK_SEQ before the count: a taskDone() between the two is seen either way.
    const seq = Atomics.load(cells, TASK_SEQ);
    if (unfinished(cells) <= 0) return true;
    const slice = sliceUntil(deadline);
    if (slice === 0) return false;
    // After shutdown(immediate) no getter takes, and so none gives up a dead putter's
    // claim: the items behind it were never dropped, and the claim counts as unfinished.
    if (
      Atomics.load(cells, SHUTDOWN) === Shutdown.Immediate &&
      recoverStalled(ring, owners, since)
    ) {
      markDropped(cells, ring?.drain() ?? 0);
      continue;
    }
    if ((yield { cells, index: TASK_SEQ, expected: seq, timeout: slice }) === 'aborted')
      return ABORTED;
  }
}
