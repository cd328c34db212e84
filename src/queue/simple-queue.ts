/**
 * `SimpleQueue`: Python's `queue.SimpleQueue`, an unbounded FIFO queue without task tracking.
 */
import { currentOwnerId, ownerTable } from '../memory/owners.ts';
import { kAttach } from '../internal/symbols.ts';
import {
  attachmentOf,
  registerSharedKind,
  stateBuffers,
  type AttachArgument,
} from '../memory/shared-object.ts';
import { BaseQueue, queueMethods, type QueuePutOptions } from './base-queue.ts';
import { Discipline, QueueCore, queueBuffers, type QueueCoreApi } from './queue-core.ts';
import { QUEUE_BUFFERS } from './queue-layout.ts';

/**
 * An unbounded first-in, first-out queue: Python's `queue.SimpleQueue`. No `maxsize`,
 * `full()`, `taskDone()`, `join()` or `shutdown()`; `put` never waits. Shared with threads
 * and processes as {@link Queue} is.
 *
 * @example
 * ```ts
 * const results = new SimpleQueue<number>();
 * results.putSync(42);
 * await results.get(); // 42
 * ```
 */
export class SimpleQueue<T = unknown> extends BaseQueue<T> {
  constructor();
  /** @internal Rebuilds a queue that exists (see AttachArgument). */
  // eslint-disable-next-line @typescript-eslint/unified-signatures -- kept apart so that the public signature shows no parameter
  constructor(attach: AttachArgument<QueueCoreApi>);
  constructor(attach?: AttachArgument<QueueCoreApi>) {
    const attached = attachmentOf<QueueCoreApi>(attach);
    if (attached !== undefined) {
      super(attached.state, attached.core);
      return;
    }
    const buffers = queueBuffers(Discipline.Fifo, 0, false);
    super(
      { kind: KIND, buffers, meta: null },
      new QueueCore(buffers, currentOwnerId(), ownerTable()),
    );
  }

  /**
   * @internal Never waits: `block` and `timeout` are accepted, and ignored, as in Python.
   * (`put` and `putSync` put at the end; `transfer` detaches the ArrayBuffers listed once
   * the item is in the queue, as {@link Queue.put}'s; an item that cannot be cloned throws a
   * PicklingError, `ERR_NOT_CLONEABLE`.)
   */
  protected putTimeoutOf(_options: QueuePutOptions | undefined): number {
    return 0;
  }

  /** As `putSync`: a SimpleQueue's put never waits. */
  putNowait(item: T, options?: Pick<QueuePutOptions, 'transfer'>): void {
    this.putSync(item, options);
  }
}

const KIND = 'SimpleQueue';

registerSharedKind<QueueCoreApi>(
  KIND,
  {
    localCore: (state, owner, owners) =>
      new QueueCore(stateBuffers(state, QUEUE_BUFFERS), owner, owners),
    wrap: (state, core) => new SimpleQueue({ [kAttach]: { state, core } }),
    methods: queueMethods,
  },
  import.meta.url,
);
