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
import {
  decodeItem,
  detach,
  encodeItem,
  encodeItemScratch,
  finishItem,
  getTimeout,
  readItem,
  takeItem,
  transferList,
} from './items.ts';
import { Discipline, EMPTY, QueueCore, queueBuffers, type QueueCoreApi } from './queue-core.ts';
import type { QueuePutOptions, QueueWaitOptions } from './queue.ts';

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
  /** The core when it works on this realm's memory: the fast paths need it. */
  readonly #local: QueueCore | undefined;
  #closed = false;

  constructor() {
    const adopted = adopting;
    adopting = undefined;
    if (adopted !== undefined) {
      this.#state = adopted.state;
      this.#core = adopted.core;
      this.#local = adopted.core instanceof QueueCore ? adopted.core : undefined;
      return;
    }
    const buffers = queueBuffers(Discipline.Fifo, 0, false);
    this.#state = { kind: KIND, buffers, meta: null };
    this.#local = new QueueCore(buffers, currentOwnerId(), ownerTable());
    this.#core = this.#local;
  }

  /**
   * Puts `item` at the end. Never waits: `block` and `timeout` are accepted, and ignored, as
   * in Python. `transfer` detaches the ArrayBuffers listed once the item is in the queue, as
   * {@link Queue.put}'s.
   * @throws {PicklingError} for an item that cannot be cloned (`ERR_NOT_CLONEABLE`).
   */
  async put(item: T, options?: QueuePutOptions): Promise<void> {
    // Never waits here: the promise settles at once.
    if (this.#local !== undefined) {
      this.putSync(item, options);
      return;
    }
    this.#assertOpen();
    const transfer = transferList(options?.transfer);
    await this.#core.put(encodeItem(item), null, 0);
    detach(transfer);
  }

  /** As {@link SimpleQueue.put}, blocking (briefly) the calling thread. */
  putSync(item: T, options?: QueuePutOptions): void {
    this.#assertOpen();
    const transfer = options === undefined ? undefined : transferList(options.transfer);
    if (this.#local === undefined) this.#core.putSync(encodeItem(item), null, 0);
    else this.#local.putSync(encodeItemScratch(item), null, 0);
    if (transfer !== undefined) detach(transfer);
  }

  /** As {@link SimpleQueue.putSync}. */
  putNowait(item: T, options?: Pick<QueuePutOptions, 'transfer'>): void {
    this.putSync(item, options);
  }

  /**
   * Takes the first item, waiting while the queue is empty.
   * @throws {QueueEmptyError} when not `block`ing or the `timeout` expired.
   * @throws {ArgumentRangeError} for a negative timeout.
   */
  async get(options?: QueueWaitOptions): Promise<T> {
    this.#assertOpen();
    const timeout = getTimeout(options);
    const local = this.#local;
    if (local === undefined) return decodeItem(await this.#core.get(timeout, options?.signal)) as T;
    const now = local.tryGet(takeItem);
    if (now !== EMPTY) return finishItem(now) as T;
    return finishItem(await local.getWith(timeout, readItem, options?.signal)) as T;
  }

  /** As {@link SimpleQueue.get}, blocking the calling thread. */
  getSync(options?: QueueWaitOptions): T {
    this.#assertOpen();
    const timeout = getTimeout(options);
    if (this.#local === undefined) return decodeItem(this.#core.getSync(timeout)) as T;
    return finishItem(this.#local.getSyncWith(timeout, takeItem)) as T;
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
