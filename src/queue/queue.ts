/**
 * `Queue`: Python's `queue.Queue` and `multiprocessing.Queue` in one, a FIFO queue in shared
 * memory that threads and processes put into and get from. `LifoQueue`, `PriorityQueue` and
 * `JoinableQueue` are the same queue with another order or name.
 */
import { StateError, QueueShutDownError } from '../errors.ts';
import { currentOwnerId, ownerTable } from '../internal/owners.ts';
import { typeError } from '../internal/validate.ts';
import {
  kSharedState,
  registerSharedKind,
  type Shareable,
  type SharedState,
} from '../shared/shared-object.ts';
import { waitArguments, type WaitOptions } from '../sync/wait-options.ts';
import {
  decodeItem,
  detach,
  encodeItem,
  encodeItemScratch,
  finishItem,
  getTimeout,
  putTimeout,
  readItem,
  takeItem,
  transferList,
} from './items.ts';
import type { PriorityKey } from './priority.ts';
import { Discipline, EMPTY, QueueCore, queueBuffers, type QueueCoreApi } from './queue-core.ts';

/** Options of `put` and `get`. */
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

/** Options of `shutdown()`. */
export interface ShutdownOptions {
  /** `true`: drop the items still queued (each counts as done) and fail every `get` at once. */
  readonly immediate?: boolean | undefined;
}

let adopting: { state: SharedState; core: QueueCoreApi } | undefined;

/**
 * A first-in, first-out queue that threads and processes share: Python's `queue.Queue` (and
 * `multiprocessing.Queue`). Items are copied in and out by structured clone and held in
 * shared memory; pass the queue in a worker's `args` and both sides use the same queue.
 *
 * @typeParam T The items' type.
 * @example
 * ```ts
 * const queue = new Queue<{ url: string }>(100);
 * new Thread({ target: tasks.consume, args: [queue] }).start();
 * await queue.put({ url: 'https://example.com' });
 * queue.shutdown();             // the consumer's `for await` ends once the queue is drained
 *
 * // tasks.ts
 * export async function consume(queue: Queue<{ url: string }>): Promise<void> {
 *   for await (const { url } of queue) await fetch(url);
 * }
 * ```
 */
export class Queue<T = unknown> implements Shareable, AsyncIterable<T> {
  readonly #state: SharedState;
  readonly #core: QueueCoreApi;
  /** The core when it works on this realm's memory: the fast paths need it. */
  readonly #local: QueueCore | undefined;
  #closed = false;

  /**
   * @param maxsize The most items the queue holds; `put` waits while it is full. 0 or less
   * (the default) means no limit.
   * @throws {ArgumentTypeError} when `maxsize` is not an integer.
   */
  constructor(maxsize = 0) {
    const adopted = adopting;
    adopting = undefined;
    if (adopted !== undefined) {
      this.#state = adopted.state;
      this.#core = adopted.core;
      this.#local = adopted.core instanceof QueueCore ? adopted.core : undefined;
      return;
    }
    assertMaxsize(maxsize);
    const buffers = queueBuffers(this.discipline(), maxsize, true);
    this.#state = { kind: this.kind(), buffers, meta: null };
    this.#local = new QueueCore(buffers, currentOwnerId(), ownerTable());
    this.#core = this.#local;
  }

  /** @internal The order items leave in. */
  protected discipline(): Discipline {
    return Discipline.Fifo;
  }

  /** @internal The shared kind this class is registered as. */
  protected kind(): string {
    return 'Queue';
  }

  /** @internal What a PriorityQueue orders `item` by; `null` for other queues. */
  protected keyOf(_item: T): PriorityKey | null {
    return null;
  }

  /**
   * The most items the queue holds; 0 or less means no limit. Settable at any time: a
   * smaller size makes `put` wait until enough items are taken, a larger one releases
   * waiting putters. In a child process, each read or write is a round trip to the broker.
   * @throws {ArgumentTypeError} (on assignment) when not an integer.
   */
  get maxsize(): number {
    return this.#core.status().maxsize;
  }

  set maxsize(maxsize: number) {
    assertMaxsize(maxsize);
    this.#core.setMaxsize(maxsize);
  }

  /**
   * Puts `item` at the end of the queue, waiting while the queue is full.
   * @throws {QueueFullError} when not `block`ing or the `timeout` expired and the queue is full.
   * @throws {QueueShutDownError} once the queue is shut down, also while waiting.
   * @throws {ArgumentRangeError} for a negative timeout on a bounded queue (Python's `ValueError`).
   * @throws {PicklingError} for an item that cannot be cloned (`ERR_NOT_CLONEABLE`).
   * @throws {StateError} after {@link Queue.close} (`ERR_QUEUE_CLOSED`).
   * @throws {ArgumentTypeError} for a `transfer` list that holds anything but ArrayBuffers,
   * a detached one, or one twice.
   * @example
   * ```ts
   * await queue.put(job, { timeout: 1000 });
   * await queue.put({ pixels }, { transfer: [pixels.buffer] }); // pixels is now detached
   * ```
   */
  async put(item: T, options?: QueuePutOptions): Promise<void> {
    this.#assertOpen();
    const transfer = transferList(options?.transfer);
    const local = this.#local;
    const bytes = local === undefined ? encodeItem(item) : encodeItemScratch(item);
    const key = this.keyOf(item);
    const timeout = putTimeout(options);
    // Put at once when there is room: no sleep to wait for, the promise settles at once.
    if (local?.tryPut(bytes, key, timeout) !== true) {
      // The scratch bytes do not outlive another put: waiting needs a copy.
      await (local === undefined
        ? this.#core.put(bytes, key, timeout, options?.signal)
        : local.put(bytes.slice(), key, timeout, options?.signal));
    }
    detach(transfer);
  }

  /** As {@link Queue.put}, blocking the calling thread. */
  putSync(item: T, options?: QueuePutOptions): void {
    this.#assertOpen();
    const transfer = options === undefined ? undefined : transferList(options.transfer);
    const local = this.#local;
    const bytes = local === undefined ? encodeItem(item) : encodeItemScratch(item);
    const key = this.keyOf(item);
    const timeout = options === undefined ? Infinity : putTimeout(options);
    if (local === undefined) this.#core.putSync(bytes, key, timeout);
    else local.putSync(bytes, key, timeout);
    if (transfer !== undefined) detach(transfer);
  }

  /**
   * Puts `item` if there is room now: `putSync(item, { block: false })`.
   * @throws {QueueFullError} when the queue is full.
   */
  putNowait(item: T, options?: Pick<QueuePutOptions, 'transfer'>): void {
    this.putSync(item, { block: false, transfer: options?.transfer });
  }

  /**
   * Takes the first item, waiting while the queue is empty.
   * @throws {QueueEmptyError} when not `block`ing or the `timeout` expired and the queue is empty.
   * @throws {QueueShutDownError} once the queue is shut down and empty, also while waiting.
   * @throws {ArgumentRangeError} for a negative timeout (Python's `ValueError`).
   * @throws {StateError} after {@link Queue.close} (`ERR_QUEUE_CLOSED`).
   * @example
   * ```ts
   * const job = await queue.get({ timeout: 1000 });
   * ```
   */
  async get(options?: QueueWaitOptions): Promise<T> {
    this.#assertOpen();
    const timeout = getTimeout(options);
    const local = this.#local;
    if (local === undefined) return decodeItem(await this.#core.get(timeout, options?.signal)) as T;
    // Take at once when an item is there: no sleep to wait for, the promise settles at once.
    const now = local.tryGet(takeItem);
    if (now !== EMPTY) return finishItem(now) as T;
    return finishItem(await local.getWith(timeout, readItem, options?.signal)) as T;
  }

  /** As {@link Queue.get}, blocking the calling thread. */
  getSync(options?: QueueWaitOptions): T {
    this.#assertOpen();
    const timeout = options === undefined ? Infinity : getTimeout(options);
    if (this.#local === undefined) return decodeItem(this.#core.getSync(timeout)) as T;
    return finishItem(this.#local.getSyncWith(timeout, takeItem)) as T;
  }

  /**
   * Takes the first item if there is one: `getSync({ block: false })`.
   * @throws {QueueEmptyError} when the queue is empty.
   */
  getNowait(): T {
    return this.getSync({ block: false });
  }

  /** The number of items in the queue now (others may change it at once). */
  qsize(): number {
    return this.#core.status().size;
  }

  /** Whether the queue is empty now. */
  empty(): boolean {
    return this.qsize() === 0;
  }

  /** Whether the queue is bounded and full now. */
  full(): boolean {
    const { size, maxsize } = this.#core.status();
    return maxsize > 0 && size >= maxsize;
  }

  /**
   * Marks one item taken with `get` as processed: when every item put has been marked,
   * {@link Queue.join} returns.
   * @throws {StateError} when called more times than items were put
   * (`ERR_TASK_DONE_TOO_MANY`, Python's `ValueError`).
   */
  taskDone(): void {
    this.#core.taskDone();
  }

  /**
   * Waits until every item put has been marked done with {@link Queue.taskDone}. Resolves
   * `true`, or `false` if `timeout` ms passed first.
   * @example
   * ```ts
   * for (const job of jobs) await queue.put(job);
   * await queue.join();          // every worker called taskDone() for every job
   * ```
   */
  async join(timeout?: number | WaitOptions): Promise<boolean> {
    const { ms, signal } = waitArguments(timeout);
    return this.#core.join(ms, signal);
  }

  /** As {@link Queue.join}, blocking the calling thread. */
  joinSync(timeout?: number): boolean {
    return this.#core.joinSync(waitArguments(timeout).ms);
  }

  /**
   * Shuts the queue down, as Python 3.13's `Queue.shutdown`: every `put` then fails with
   * {@link QueueShutDownError}, and `get` takes what is left, then fails too; waiting
   * putters and getters wake and fail. With `immediate`, the items left are dropped (each
   * counts as done, releasing `join()`) and `get` fails at once. May be called again.
   */
  shutdown(options?: ShutdownOptions): void {
    const immediate = options?.immediate ?? false;
    if (typeof immediate !== 'boolean') throw typeError('immediate', 'a boolean', immediate);
    this.#core.shutdown(immediate);
  }

  /** Whether {@link Queue.shutdown} was called. */
  get isShutdown(): boolean {
    return this.#core.status().shutdown;
  }

  /**
   * Closes this handle, as `multiprocessing.Queue.close()`: `put` and `get` through it then
   * fail with a StateError (`ERR_QUEUE_CLOSED`). The queue itself, and other threads' and
   * processes' handles to it, are not affected. May be called again.
   */
  close(): void {
    this.#closed = true;
  }

  /**
   * The items, as they are taken with `get()`, until the queue is shut down and drained.
   * @example
   * ```ts
   * for await (const item of queue) handle(item);
   * ```
   */
  async *[Symbol.asyncIterator](): AsyncIterator<T> {
    for (;;) {
      let item: T;
      try {
        item = await this.get();
      } catch (error) {
        if (error instanceof QueueShutDownError) return;
        throw error;
      }
      yield item;
    }
  }

  #assertOpen(): void {
    if (this.#closed) throw new StateError('ERR_QUEUE_CLOSED', 'Queue is closed');
  }

  /** @internal */
  [kSharedState](): SharedState {
    return this.#state;
  }
}

function assertMaxsize(maxsize: unknown): asserts maxsize is number {
  if (typeof maxsize !== 'number' || !Number.isInteger(maxsize) || Math.abs(maxsize) >= 2 ** 31) {
    throw typeError('maxsize', 'an integer (0 or less: no limit)', maxsize);
  }
}

/** Registers a Queue class as a shared kind, so that workers rebuild it over the same memory. */
export function registerQueueKind(kind: string, Class: new () => Queue): void {
  registerSharedKind<QueueCoreApi>(kind, {
    localCore: (state, owner, owners) => new QueueCore(state.buffers, owner, owners),
    wrap: (state, core) => {
      adopting = { state, core };
      return new Class();
    },
    asyncMethods: ['put', 'get', 'join'],
  });
}

registerQueueKind('Queue', Queue);
