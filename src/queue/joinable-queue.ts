/**
 * `JoinableQueue`: Python's `multiprocessing.JoinableQueue`.
 */
import { Queue, registerQueueKind } from './queue.ts';

/**
 * Python's `multiprocessing.JoinableQueue`: a {@link Queue} whose `taskDone()` and `join()`
 * track the items put across every thread and process. (Every `Queue` here does, as
 * `queue.Queue` does; this name is for code written against `multiprocessing`.)
 *
 * @example
 * ```ts
 * const queue = new JoinableQueue<number>();
 * // workers: for (;;) { const n = queue.getSync(); work(n); queue.taskDone(); }
 * for (let i = 0; i < 100; i++) await queue.put(i);
 * await queue.join(); // every item processed
 * ```
 */
export class JoinableQueue<T = unknown> extends Queue<T> {
  /** @internal */
  protected override kind(): string {
    return 'JoinableQueue';
  }
}

registerQueueKind('JoinableQueue', JoinableQueue);
