/**
 * `Queue`: Python's `queue.Queue` and `multiprocessing.Queue` in one, a FIFO queue in shared
 * memory that threads and processes put into and get from. `LifoQueue`, `PriorityQueue` and
 * `JoinableQueue` are the same queue with another order or name.
 */
import { QueueShutDownError } from '../errors.ts';
import { currentOwnerId, ownerTable } from '../memory/owners.ts';
import { typeError } from '../internal/validate.ts';
import { siblingModule } from '../internal/loader-hooks.ts';
import { kAttach } from '../internal/symbols.ts';
import {
  attachmentOf,
  registerSharedKind,
  stateBuffers,
  type AttachArgument,
} from '../memory/shared-object.ts';
import { waitArguments, type WaitOptions } from '../internal/wait-options.ts';
import { assertOpen, BaseQueue, queueMethods, type QueuePutOptions } from './base-queue.ts';
import { putTimeout } from './items.ts';
import { Discipline, QueueCore, queueBuffers, type QueueCoreApi } from './queue-core.ts';
import { QUEUE_BUFFERS } from './queue-layout.ts';

export type { QueuePutOptions, QueueWaitOptions } from './base-queue.ts';

/** Options of `shutdown()`. */
export interface ShutdownOptions {
  /** `true`: drop the items still queued (each counts as done) and fail every `get` at once. */
  readonly immediate?: boolean | undefined;
}

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
export class Queue<T = unknown> extends BaseQueue<T> implements AsyncIterable<T> {
  /**
   * A FIFO queue shared by threads and processes (Python's `queue.Queue(maxsize)` and
   * `multiprocessing.Queue(maxsize)`): pass it in a worker's `args`.
   *
   * @param maxsize The most items the queue holds; `put` waits while it is full. 0 or less
   * (the default) means no limit.
   * @throws {ArgumentTypeError} when `maxsize` is not an integer.
   */
  constructor(maxsize?: number);
  /** @internal Rebuilds a queue that exists (see AttachArgument). */
  constructor(attach: AttachArgument<QueueCoreApi>);
  constructor(maxsize: number | AttachArgument<QueueCoreApi> = 0) {
    const attached = attachmentOf<QueueCoreApi>(maxsize);
    if (attached !== undefined) {
      super(attached.state, attached.core);
      return;
    }
    assertMaxsize(maxsize);
    const discipline = new.target.prototype.discipline();
    const buffers = queueBuffers(discipline, maxsize, true);
    super(
      { kind: new.target.prototype.kind(), buffers, meta: null },
      new QueueCore(buffers, currentOwnerId(), ownerTable()),
    );
  }

  /** @internal The order items leave in. */
  protected discipline(): Discipline {
    return Discipline.Fifo;
  }

  /** @internal The shared kind this class is registered as. */
  protected kind(): string {
    return 'Queue';
  }

  /**
   * The most items the queue holds; 0 or less means no limit. Settable at any time: a
   * smaller size makes `put` wait until enough items are taken, a larger one releases
   * waiting putters. In a child process, each read or write is a round trip to the broker.
   * @throws {ArgumentTypeError} (on assignment) when not an integer.
   * @throws {StateError} after `close()` (`ERR_QUEUE_CLOSED`).
   */
  get maxsize(): number {
    assertOpen(this);
    return this.core.status().maxsize;
  }

  set maxsize(maxsize: number) {
    assertOpen(this);
    assertMaxsize(maxsize);
    this.core.setMaxsize(maxsize);
  }

  /** @internal A put's timeout: `Infinity` without options (put waits for room). */
  protected putTimeoutOf(options: QueuePutOptions | undefined): number {
    return options === undefined ? Infinity : putTimeout(options);
  }

  /**
   * Puts `item` if there is room now: `putSync(item, { block: false })`.
   * @throws {QueueFullError} when the queue is full.
   */
  putNowait(item: T, options?: Pick<QueuePutOptions, 'transfer'>): void {
    this.putSync(item, { block: false, transfer: options?.transfer });
  }

  /**
   * Whether the queue is bounded and full now.
   * @throws {StateError} after `close()` (`ERR_QUEUE_CLOSED`).
   */
  full(): boolean {
    assertOpen(this);
    const { size, maxsize } = this.core.status();
    return maxsize > 0 && size >= maxsize;
  }

  /**
   * Marks one item taken with `get` as processed: when every item put has been marked,
   * {@link Queue.join} returns.
   * @throws {StateError} when called more times than items were put
   * (`ERR_TASK_DONE_TOO_MANY`, Python's `ValueError`).
   */
  taskDone(): void {
    this.core.taskDone();
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
    return this.core.join(ms, signal);
  }

  /** As {@link Queue.join}, blocking the calling thread. */
  joinSync(timeout?: number): boolean {
    return this.core.joinSync(waitArguments(timeout).ms);
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
    this.core.shutdown(immediate);
  }

  /**
   * Whether {@link Queue.shutdown} was called.
   * @throws {StateError} after `close()` (`ERR_QUEUE_CLOSED`).
   */
  get isShutdown(): boolean {
    assertOpen(this);
    return this.core.status().shutdown;
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
}

function assertMaxsize(maxsize: unknown): asserts maxsize is number {
  if (typeof maxsize !== 'number' || !Number.isInteger(maxsize) || Math.abs(maxsize) >= 2 ** 31) {
    throw typeError('maxsize', 'an integer (0 or less: no limit)', maxsize);
  }
}

/**
 * Registers a Queue class as a shared kind, so that workers rebuild it over the same memory.
 * The kind's module is the queues' index, which registers every queue class: the subclasses
 * register from their own modules, and a realm that imports this one alone (the broker's
 * thread) would not know them.
 */
export function registerQueueKind(
  kind: string,
  Class: new (attach: AttachArgument<QueueCoreApi>) => Queue,
): void {
  registerSharedKind<QueueCoreApi>(
    kind,
    {
      localCore: (state, owner, owners) =>
        new QueueCore(stateBuffers(state, QUEUE_BUFFERS), owner, owners),
      wrap: (state, core) => new Class({ [kAttach]: { state, core } }),
      methods: queueMethods,
    },
    siblingModule(import.meta.url, './index').href,
  );
}

registerQueueKind('Queue', Queue);
