/**
 * What `Queue` (and its kin) and `SimpleQueue` share: items into bytes and through the
 * core, with the fast paths of a core in this realm's memory; `get`; closing a handle;
 * `qsize()`. Each class adds Python's API of its own on top.
 */
import { StateError } from '../errors.ts';
import type { MethodTable } from '../memory/core-methods.ts';
import { kSharedState, type Shareable, type SharedState } from '../memory/shared-object.ts';
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
import type { PriorityKey } from './priority.ts';
import { EMPTY, QueueCore, type QueueCoreApi } from './queue-core.ts';
import { defineRepr } from '../internal/repr.ts';

/** How child processes reach a queue's core, through the broker (every queue class alike). */
export const queueMethods: MethodTable<QueueCoreApi> = {
  put: 'async',
  putSync: 'blocking',
  get: 'async',
  getSync: 'blocking',
  join: 'async',
  joinSync: 'blocking',
  taskDone: 'sync',
  shutdown: 'sync',
  status: 'sync',
  setMaxsize: 'sync',
  poll: 'async',
  pollSync: 'blocking',
};

/** Options of `get`. */
export interface QueueWaitOptions {
  /** `false`: do not wait, fail at once when the queue is full (put) or empty (get). Default `true`. */
  readonly block?: boolean | undefined;
  /** Milliseconds to wait at most. Default: forever. Ignored when `block` is `false`. */
  readonly timeout?: number | undefined;
  /** Stops waiting (rejecting with the signal's reason) when aborted. Async forms only. */
  readonly signal?: AbortSignal | undefined;
}

/** Options of `put`. */
export interface QueuePutOptions extends QueueWaitOptions {
  /**
   * ArrayBuffers the sender gives up, as `postMessage`'s transfer list: once the item is in
   * the queue, they are detached here (length 0, unusable), and the taker gets its own copy.
   * The item is copied into shared memory either way, so this moves no memory: it makes the
   * sender's side behave as with `postMessage`. If the put fails, they stay usable.
   */
  readonly transfer?: readonly ArrayBuffer[] | undefined;
}

/** Whether a handle was closed; set by BaseQueue's static block, which reads its field. */
let isClosed: (queue: BaseQueue<unknown>) => boolean = () => false;

/**
 * @internal Fails once `queue`'s handle is closed (`close()`): every member that uses the
 * queue through the handle calls it, in BaseQueue and its subclasses. (A function, not a
 * protected method, so that it is no member of the queue classes.)
 * @throws {StateError} `ERR_QUEUE_CLOSED`.
 */
export function assertOpen(queue: BaseQueue<unknown>): void {
  if (isClosed(queue)) throw new StateError('ERR_QUEUE_CLOSED', 'Queue is closed');
}

/**
 * The part of a queue handle that puts and gets items. Not exported from the package:
 * {@link Queue} and {@link SimpleQueue} are the classes to use.
 */
export abstract class BaseQueue<T> implements Shareable {
  /** Python's repr of this object, as `util.inspect` (so `console.log`) shows it too. */
  declare toString: () => string;

  readonly #state: SharedState;
  /** @internal The queue's operations, here or through the broker. */
  protected readonly core: QueueCoreApi;
  /** The core when it works on this realm's memory: the fast paths need it. */
  readonly #local: QueueCore | undefined;
  #closed = false;

  static {
    isClosed = (queue) => queue.#closed;
  }

  /** @internal */
  protected constructor(state: SharedState, core: QueueCoreApi) {
    this.#state = state;
    this.core = core;
    this.#local = core instanceof QueueCore ? core : undefined;
  }

  /** @internal What a PriorityQueue orders `item` by; `null` for other queues. */
  protected keyOf(_item: T): PriorityKey | null {
    return null;
  }

  /** @internal A put's timeout in milliseconds: 0 not to wait, `Infinity` for no limit. */
  protected abstract putTimeoutOf(options: QueuePutOptions | undefined): number;

  /**
   * Puts `item` at the end of the queue, waiting while a bounded queue is full (a
   * SimpleQueue's put never waits: `block` and `timeout` are accepted and ignored, as in
   * Python).
   * @throws {QueueFullError} when not `block`ing or the `timeout` expired and the queue is full.
   * @throws {QueueShutDownError} once the queue is shut down, also while waiting.
   * @throws {ArgumentRangeError} for a negative timeout on a bounded queue (Python's `ValueError`).
   * @throws {PicklingError} for an item that cannot be cloned (`ERR_NOT_CLONEABLE`).
   * @throws {StateError} after `close()` (`ERR_QUEUE_CLOSED`).
   * @throws {ArgumentTypeError} for a `transfer` list that holds anything but ArrayBuffers,
   * a detached one, or one twice.
   * @example
   * ```ts
   * await queue.put(job, { timeout: 1000 });
   * await queue.put({ pixels }, { transfer: [pixels.buffer] }); // pixels is now detached
   * ```
   */
  async put(item: T, options?: QueuePutOptions): Promise<void> {
    assertOpen(this);
    const transfer = transferList(options?.transfer);
    const local = this.#local;
    const bytes = local === undefined ? encodeItem(item) : encodeItemScratch(item);
    const key = this.keyOf(item);
    const timeout = this.putTimeoutOf(options);
    // Put at once when there is room: no sleep to wait for, the promise settles at once.
    if (local?.tryPut(bytes, key, timeout) !== true) {
      // The scratch bytes do not outlive another put: waiting needs a copy.
      await (local === undefined
        ? this.core.put(bytes, key, timeout, options?.signal)
        : local.put(bytes.slice(), key, timeout, options?.signal));
    }
    detach(transfer);
  }

  /** As `put`, blocking the calling thread. */
  putSync(item: T, options?: QueuePutOptions): void {
    assertOpen(this);
    const transfer = options === undefined ? undefined : transferList(options.transfer);
    const local = this.#local;
    const bytes = local === undefined ? encodeItem(item) : encodeItemScratch(item);
    const key = this.keyOf(item);
    const timeout = this.putTimeoutOf(options);
    if (local === undefined) this.core.putSync(bytes, key, timeout);
    else local.putSync(bytes, key, timeout);
    if (transfer !== undefined) detach(transfer);
  }

  /**
   * Takes the first item, waiting while the queue is empty.
   * @throws {QueueEmptyError} when not `block`ing or the `timeout` expired and the queue is empty.
   * @throws {QueueShutDownError} once the queue is shut down and empty, also while waiting.
   * @throws {ArgumentRangeError} for a negative timeout (Python's `ValueError`).
   * @throws {StateError} after `close()` (`ERR_QUEUE_CLOSED`).
   * @example
   * ```ts
   * const job = await queue.get({ timeout: 1000 });
   * ```
   */
  async get(options?: QueueWaitOptions): Promise<T> {
    assertOpen(this);
    const timeout = getTimeout(options);
    const local = this.#local;
    if (local === undefined) return decodeItem(await this.core.get(timeout, options?.signal)) as T;
    // Take at once when an item is there: no sleep to wait for, the promise settles at once.
    const now = local.tryGet(takeItem);
    if (now !== EMPTY) return finishItem(now) as T;
    return finishItem(await local.getWith(timeout, readItem, options?.signal)) as T;
  }

  /** As `get`, blocking the calling thread. */
  getSync(options?: QueueWaitOptions): T {
    assertOpen(this);
    const timeout = options === undefined ? Infinity : getTimeout(options);
    if (this.#local === undefined) return decodeItem(this.core.getSync(timeout)) as T;
    return finishItem(this.#local.getSyncWith(timeout, takeItem)) as T;
  }

  /**
   * Takes the first item if there is one: `getSync({ block: false })`.
   * @throws {QueueEmptyError} when the queue is empty.
   */
  getNowait(): T {
    return this.getSync({ block: false });
  }

  /**
   * The number of items in the queue now (others may change it at once).
   * @throws {StateError} after `close()` (`ERR_QUEUE_CLOSED`).
   */
  qsize(): number {
    assertOpen(this);
    return this.core.status().size;
  }

  /**
   * Whether the queue is empty now.
   * @throws {StateError} after `close()` (`ERR_QUEUE_CLOSED`).
   */
  empty(): boolean {
    return this.qsize() === 0;
  }

  /**
   * Closes this handle, as `multiprocessing.Queue.close()`: `put`, `get` and the inspectors
   * (`qsize`, `empty`, `full`, `maxsize`, `isShutdown`) through it then fail with a
   * StateError (`ERR_QUEUE_CLOSED`, Python's `ValueError: Queue … is closed`); `taskDone`,
   * `join` and `shutdown` still work, as a closed `multiprocessing.JoinableQueue`'s
   * `task_done` and `join` do. The queue itself, and other threads' and processes' handles
   * to it, are not affected. May be called again.
   */
  close(): void {
    this.#closed = true;
  }

  /** @internal */
  [kSharedState](): SharedState {
    return this.#state;
  }
}

// `<Queue size=2 maxsize=10>`: Python's queues print no state, these print their size.
defineRepr(BaseQueue, (queue) => {
  // A closed handle reads nothing (Python's closed queue refuses qsize() too).
  if (isClosed(queue)) return `<${queue.constructor.name} closed>`;
  const { maxsize } = queue as { maxsize?: number };
  const bound = maxsize === undefined ? '' : ` maxsize=${maxsize}`;
  return `<${queue.constructor.name} size=${queue.qsize()}${bound}>`;
});
