/**
 * `PriorityQueue`: Python's `queue.PriorityQueue`, smallest item first.
 */
import { Queue, registerQueueKind } from './queue.ts';
import { Discipline } from './queue-core.ts';
import { priorityKey, type PriorityKey } from './priority.ts';

/**
 * A queue that gives the smallest item first: Python's `queue.PriorityQueue`. Items are
 * numbers, bigints, booleans, strings, or arrays compared element by element as Python
 * compares tuples, so `[priority, payload]` pairs order by priority, then by payload:
 * give a payload that cannot be ordered (an object) a tie-breaker before it, as
 * `[priority, sequence, payload]`. Everything else is as {@link Queue}.
 *
 * @throws {ArgumentTypeError} from `put` for an item that cannot be ordered (an object), or
 * whose comparison with an item in the queue reaches values that cannot be ordered (a number
 * against a string; two objects): Python's `TypeError`. The queue is then unchanged.
 * @example
 * ```ts
 * const jobs = new PriorityQueue<[number, string]>();
 * await jobs.put([2, 'later']);
 * await jobs.put([1, 'first']);
 * await jobs.get(); // [1, 'first']
 * ```
 */
export class PriorityQueue<T = unknown> extends Queue<T> {
  /** @internal */
  protected override discipline(): Discipline {
    return Discipline.Priority;
  }

  /** @internal */
  protected override kind(): string {
    return 'PriorityQueue';
  }

  /** @internal */
  protected override keyOf(item: T): PriorityKey {
    return priorityKey(item);
  }
}

registerQueueKind('PriorityQueue', PriorityQueue);
