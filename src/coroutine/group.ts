/**
 * gevent's `Group` and `Pool`: sets of greenlets that leave the set as they finish, joined or
 * killed together; a `Pool` also caps how many run at once, and its `spawn` waits for room.
 */
import { setLongTimeout } from '../internal/timers.ts';
import { assertInteger, parseTimeout, typeError } from '../internal/validate.ts';
import { block } from './greenlet.ts';
import { SpawnedGreenlet, type KillOptions } from './spawned.ts';
import { joinAll, killAll } from './waits.ts';
import { defineRepr } from '../internal/repr.ts';

/** What the set's greenlets have in common. */
abstract class GreenletSet implements Iterable<SpawnedGreenlet> {
  readonly #greenlets = new Map<SpawnedGreenlet, () => void>();
  /** Woken whenever a greenlet leaves: a Pool's spawn waiting for room. */
  protected readonly leaveWaiters = new Set<() => void>();

  /** How many greenlets are in the set (running, or not started yet). */
  get length(): number {
    return this.#greenlets.size;
  }

  /** Whether `g` is in the set. */
  has(g: SpawnedGreenlet): boolean {
    return this.#greenlets.has(g);
  }

  [Symbol.iterator](): Iterator<SpawnedGreenlet> {
    return this.#greenlets.keys();
  }

  /** Adds a greenlet; it leaves the set when it finishes. A finished one is not added. */
  add(g: SpawnedGreenlet): void {
    if (!(g instanceof SpawnedGreenlet)) throw typeError('g', 'a spawned greenlet', g);
    if (g.ready() || this.#greenlets.has(g)) return;
    this.#greenlets.set(
      g,
      g.waitDeath(() => {
        this.discard(g);
      }),
    );
  }

  /** Removes a greenlet from the set without touching it. */
  discard(g: SpawnedGreenlet): void {
    const stopWatching = this.#greenlets.get(g);
    if (stopWatching === undefined) return;
    stopWatching();
    this.#greenlets.delete(g);
    for (const wake of [...this.leaveWaiters]) wake();
  }

  /**
   * Waits until every greenlet in the set has finished, or `timeout` ms pass. Resolves with
   * whether the set is empty. A switch point.
   * @throws the first error of a greenlet that fails, with `raiseError: true`.
   */
  async join(
    options: { readonly timeout?: number; readonly raiseError?: boolean } = {},
  ): Promise<boolean> {
    await joinAll([...this.#greenlets.keys()], options);
    return this.length === 0;
  }

  /** Kills every greenlet in the set; see `killAll`. */
  async kill(options: KillOptions = {}): Promise<void> {
    await killAll([...this.#greenlets.keys()], options);
  }
}

/**
 * A set of greenlets, joined or killed together. gevent's `Group` (`gevent.Group`).
 *
 * @example
 * ```ts
 * const group = new gevent.Group();
 * for (const url of urls) group.spawn(fetchPage, url);
 * await group.join();
 * ```
 */
export class Group extends GreenletSet {
  /** Python's repr of this object, as `util.inspect` (so `console.log`) shows it too. */
  declare toString: () => string;

  /** Spawns `fn(...args)` into the set. */
  spawn<A extends unknown[], R>(
    fn: (...args: A) => R | PromiseLike<R>,
    ...args: A
  ): SpawnedGreenlet<Awaited<R>> {
    const g = new SpawnedGreenlet<Awaited<R>>(fn as never, ...args);
    this.add(g);
    g.start();
    return g;
  }

  /** Runs `fn` on every item, each in its own greenlet; resolves with the results in order. */
  async map<T, R>(fn: (item: T) => R | PromiseLike<R>, items: Iterable<T>): Promise<Awaited<R>[]> {
    const spawned = [...items].map((item) => this.spawn(fn, item));
    return Promise.all(spawned.map((g) => g.get()));
  }
}

/**
 * A group that runs at most `size` greenlets at once: `spawn` waits (suspending the caller)
 * while it is full. gevent's `Pool` (`gevent.Pool`; the package's top-level `Pool` is the
 * process pool).
 *
 * @throws {ArgumentRangeError} when `size` is not an integer from 1 and up.
 * @example
 * ```ts
 * const pool = new gevent.Pool(5);
 * const pages = await pool.map(fetchPage, urls); // 5 fetches at a time
 * ```
 */
export class Pool extends GreenletSet {
  /** Python's repr of this object, as `util.inspect` (so `console.log`) shows it too. */
  declare toString: () => string;

  /** The most greenlets that run at once. */
  readonly size: number;

  constructor(size: number) {
    super();
    assertInteger(size, 'size', 1);
    this.size = size;
  }

  /** How many more greenlets could start now. gevent's `free_count`. */
  freeCount(): number {
    return Math.max(this.size - this.length, 0);
  }

  /** Whether no greenlet can start now. */
  full(): boolean {
    return this.freeCount() === 0;
  }

  /**
   * Waits until a greenlet can start, or `timeout` ms pass; resolves with `freeCount()`.
   * gevent's `wait_available`. A switch point.
   */
  async waitAvailable(timeout?: number): Promise<number> {
    const ms = parseTimeout(timeout);
    if (this.full() && ms > 0) {
      await block<undefined>((wake) => {
        const check = (): void => {
          if (!this.full()) wake(undefined);
        };
        this.leaveWaiters.add(check);
        const cancel = setLongTimeout(() => {
          wake(undefined);
        }, ms);
        return () => {
          this.leaveWaiters.delete(check);
          cancel();
        };
      });
    }
    return this.freeCount();
  }

  /** Waits for room, then spawns `fn(...args)` into the pool. A switch point when full. */
  async spawn<A extends unknown[], R>(
    fn: (...args: A) => R | PromiseLike<R>,
    ...args: A
  ): Promise<SpawnedGreenlet<Awaited<R>>> {
    const g = new SpawnedGreenlet<Awaited<R>>(fn as never, ...args);
    while (this.full()) await this.waitAvailable();
    this.add(g);
    g.start();
    return g;
  }

  /**
   * Runs `fn` on every item, at most `size` at a time; resolves with the results in order.
   * @throws the first error (in item order) of a greenlet that failed.
   */
  async map<T, R>(fn: (item: T) => R | PromiseLike<R>, items: Iterable<T>): Promise<Awaited<R>[]> {
    const spawned: SpawnedGreenlet<Awaited<R>>[] = [];
    for (const item of items) spawned.push(await this.spawn(fn, item));
    await joinAll(spawned);
    return Promise.all(spawned.map((g) => g.get()));
  }
}

// `<gevent.Group size=2>`, `<gevent.Pool size=2 free=3>`.
defineRepr(Group, (group) => `<gevent.Group size=${group.length}>`);
defineRepr(Pool, (pool) => `<gevent.Pool size=${pool.length} free=${pool.freeCount()}>`);
