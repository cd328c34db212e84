/**
 * gevent's `Queue`: a FIFO between greenlets of one thread, whose `put` and `get` suspend only
 * the calling greenlet. The package's top-level `Queue` crosses threads and processes.
 */
import { performance } from 'node:perf_hooks';
import { QueueEmptyError, QueueFullError } from '../errors.ts';
import { setLongTimeout } from '../internal/timers.ts';
import { assertInteger, parseTimeout } from '../internal/validate.ts';
import { block } from './greenlet.ts';
import { defineRepr } from '../internal/repr.ts';

/** Options of a gevent `Queue`'s `put` and `get`. */
export interface QueueWait {
  /** Wait when full (put) or empty (get). @default true */
  readonly block?: boolean;
  /** How long to wait, in milliseconds. @default Infinity */
  readonly timeout?: number;
}

/**
 * A FIFO queue between greenlets. gevent's `gevent.queue.Queue` (`gevent.Queue`); `maxsize`
 * 0 (the default) means unbounded.
 *
 * @throws {ArgumentRangeError} when `maxsize` is not an integer from 0 and up.
 * @example
 * ```ts
 * const tasks = new gevent.Queue<number>();
 * spawn(async () => { for (let i = 0; i < 3; i++) await tasks.put(i); });
 * await tasks.get(); // 0
 * ```
 */
export class Queue<T = unknown> {
  /** Python's repr of this object, as `util.inspect` (so `console.log`) shows it too. */
  declare toString: () => string;

  readonly maxsize: number;
  readonly #items: T[] = [];
  /** Woken by `put` (getters) and by `get` (putters); each re-checks. */
  readonly #getters = new Set<() => void>();
  readonly #putters = new Set<() => void>();

  constructor(maxsize = 0) {
    assertInteger(maxsize, 'maxsize', 0);
    this.maxsize = maxsize;
  }

  /** How many items it holds. */
  qsize(): number {
    return this.#items.length;
  }

  empty(): boolean {
    return this.#items.length === 0;
  }

  full(): boolean {
    return this.maxsize > 0 && this.#items.length >= this.maxsize;
  }

  /**
   * Puts an item, waiting for room while full. A switch point when it waits.
   * @throws {QueueFullError} `ERR_QUEUE_FULL` when full with `block: false` or past `timeout`.
   */
  async put(item: T, options: QueueWait = {}): Promise<void> {
    await this.#until(
      () => !this.full(),
      this.#putters,
      options,
      () => new QueueFullError(),
    );
    this.#items.push(item);
    for (const wake of [...this.#getters]) wake();
  }

  /**
   * Takes the oldest item, waiting for one while empty. A switch point when it waits.
   * @throws {QueueEmptyError} `ERR_QUEUE_EMPTY` when empty with `block: false` or past `timeout`.
   */
  async get(options: QueueWait = {}): Promise<T> {
    await this.#until(
      () => !this.empty(),
      this.#getters,
      options,
      () => new QueueEmptyError(),
    );
    return this.#take();
  }

  /** Puts without waiting. @throws {QueueFullError} when full. */
  putNowait(item: T): void {
    if (this.full()) throw new QueueFullError();
    this.#items.push(item);
    for (const wake of [...this.#getters]) wake();
  }

  /** Takes without waiting. @throws {QueueEmptyError} when empty. */
  getNowait(): T {
    if (this.empty()) throw new QueueEmptyError();
    return this.#take();
  }

  #take(): T {
    const item = this.#items.shift() as T;
    for (const wake of [...this.#putters]) wake();
    return item;
  }

  async #until(
    ready: () => boolean,
    waiters: Set<() => void>,
    options: QueueWait,
    failure: () => Error,
  ): Promise<void> {
    const ms = options.block === false ? 0 : parseTimeout(options.timeout);
    // One deadline for the whole call: another greenlet may take what woke this one.
    const deadline = performance.now() + ms;
    while (!ready()) {
      const left = deadline - performance.now();
      if (ms === 0 || left <= 0) throw failure();
      const woken = await block<boolean>((wake) => {
        const check = (): void => {
          if (ready()) wake(true);
        };
        waiters.add(check);
        const cancel = setLongTimeout(() => {
          wake(false);
        }, left);
        return () => {
          waiters.delete(check);
          cancel();
        };
      });
      if (!woken && !ready()) throw failure();
    }
  }
}

// gevent's `<Queue at … maxsize=2 queue=deque([…])>`, with the size for the items.
defineRepr(Queue, (queue) => `<gevent.Queue size=${queue.qsize()} maxsize=${queue.maxsize}>`);
