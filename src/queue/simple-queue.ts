/**
 * `SimpleQueue`: Python's `queue.SimpleQueue`, an unbounded FIFO queue without task tracking.
 */
import { StateError } from '../errors.ts';
import { currentOwnerId, ownerTable } from '../internal/owners.ts';
import {
  kSharedState,
  registerSharedKind,
  type Shareable,
  type SharedState,
} from '../shared/shared-object.ts';
import { decodeItem, encodeItem, getTimeout } from './items.ts';
import { Discipline, QueueCore, queueBuffers, type QueueCoreApi } from './queue-core.ts';
import type { QueueWaitOptions } from './queue.ts';

let adopting: { state: SharedState; core: QueueCoreApi } | undefined;

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
export class SimpleQueue<T = unknown> implements Shareable {
  readonly #state: SharedState;
  readonly #core: QueueCoreApi;
  #closed = false;

  constructor() {
    const adopted = adopting;
    adopting = undefined;
    if (adopted !== undefined) {
      this.#state = adopted.state;
      this.#core = adopted.core;
      return;
    }
    const buffers = queueBuffers(Discipline.Fifo, 0, false);
    this.#state = { kind: KIND, buffers, meta: null };
    this.#core = new QueueCore(buffers, currentOwnerId(), ownerTable());
  }

  /**
   * Puts `item` at the end. Never waits: `block` and `timeout` are accepted, and ignored, as
   * in Python.
   * @throws {PicklingError} for an item that cannot be cloned (`ERR_NOT_CLONEABLE`).
   */
  async put(item: T, _options?: QueueWaitOptions): Promise<void> {
    this.#assertOpen();
    await this.#core.put(encodeItem(item), null, 0);
  }

  /** As {@link SimpleQueue.put}, blocking (briefly) the calling thread. */
  putSync(item: T, _options?: QueueWaitOptions): void {
    this.#assertOpen();
    this.#core.putSync(encodeItem(item), null, 0);
  }

  /** As {@link SimpleQueue.putSync}. */
  putNowait(item: T): void {
    this.putSync(item);
  }

  /**
   * Takes the first item, waiting while the queue is empty.
   * @throws {QueueEmptyError} when not `block`ing or the `timeout` expired.
   * @throws {ArgumentRangeError} for a negative timeout.
   */
  async get(options?: QueueWaitOptions): Promise<T> {
    this.#assertOpen();
    const timeout = getTimeout(options);
    return decodeItem(await this.#core.get(timeout, options?.signal)) as T;
  }

  /** As {@link SimpleQueue.get}, blocking the calling thread. */
  getSync(options?: QueueWaitOptions): T {
    this.#assertOpen();
    return decodeItem(this.#core.getSync(getTimeout(options))) as T;
  }

  /**
   * Takes the first item if there is one.
   * @throws {QueueEmptyError} when the queue is empty.
   */
  getNowait(): T {
    return this.getSync({ block: false });
  }

  /** The number of items in the queue now. */
  qsize(): number {
    return this.#core.status().size;
  }

  /** Whether the queue is empty now. */
  empty(): boolean {
    return this.qsize() === 0;
  }

  /** Closes this handle: `put` and `get` through it then fail (`ERR_QUEUE_CLOSED`). */
  close(): void {
    this.#closed = true;
  }

  #assertOpen(): void {
    if (this.#closed) throw new StateError('ERR_QUEUE_CLOSED', 'Queue is closed');
  }

  /** @internal */
  [kSharedState](): SharedState {
    return this.#state;
  }
}

const KIND = 'SimpleQueue';

registerSharedKind<QueueCoreApi>(KIND, {
  localCore: (state, owner, owners) => new QueueCore(state.buffers, owner, owners),
  wrap: (state, core) => {
    adopting = { state, core };
    return new SimpleQueue();
  },
  asyncMethods: ['put', 'get', 'join'],
});
