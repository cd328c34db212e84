/**
 * `LifoQueue`: Python's `queue.LifoQueue`, a stack: the last item put is the first taken.
 */
import { Queue, registerQueueKind } from './queue.ts';
import { Discipline } from './queue-core.ts';

/**
 * A last-in, first-out queue that threads and processes share: Python's `queue.LifoQueue`.
 * Everything else is as {@link Queue}.
 *
 * @example
 * ```ts
 * const stack = new LifoQueue<number>();
 * stack.putSync(1);
 * stack.putSync(2);
 * stack.getSync(); // 2
 * ```
 */
export class LifoQueue<T = unknown> extends Queue<T> {
  /** @internal */
  protected override discipline(): Discipline {
    return Discipline.Lifo;
  }

  /** @internal */
  protected override kind(): string {
    return 'LifoQueue';
  }
}

registerQueueKind('LifoQueue', LifoQueue);
