/**
 * The served `RLock`, `Condition` and `Barrier` of a Manager's server (served-types.ts):
 * objects in the server process whose methods its clients call, as Python's `SyncManager`
 * serves `threading.RLock`, `threading.Condition` and `threading.Barrier`.
 *
 * An RLock's owner, in Python, is the thread that acquired it; the server runs a thread per
 * connection, and a client thread has its own connection, so ownership is per client thread.
 * Here every call of every client runs in the server's one thread, so the owner is named by
 * the caller: each proxy sends its realm's id (a client thread or process, see
 * sync-proxies.ts) as the first argument. A waiting call is a promise the server keeps; it
 * does not hold up the server's event loop, and other clients are served meanwhile.
 */
import { ArgumentTypeError, StateError } from '../errors.ts';
import { waitArguments } from '../internal/wait-options.ts';
import { acquireTimeout, type AcquireOptions } from '../sync/acquirable.ts';
import { Barrier } from '../sync/barrier.ts';

interface Waiter {
  readonly owner: string;
  readonly count: number;
  readonly resolve: (acquired: boolean) => void;
  timer: NodeJS.Timeout | undefined;
}

/** The caller's id, the first argument of an owned object's methods. */
function ownerOf(owner: unknown): string {
  if (typeof owner !== 'string' || owner === '') {
    throw new ArgumentTypeError(
      `Expected the caller's id to be a non-empty string, got ${typeof owner}`,
      'ERR_INVALID_ARG_VALUE',
    );
  }
  return owner;
}

/**
 * Adds a waiter made by `make` to `queue`; resolves with what it is settled with, or `false`
 * (after taking it out of the queue) when `ms` pass first. `Infinity`: no timer.
 */
function enqueue<W extends { timer: NodeJS.Timeout | undefined }>(
  queue: W[],
  ms: number,
  make: (settle: (value: boolean) => void) => W,
): Promise<boolean> {
  return new Promise((resolve) => {
    const waiter = make(resolve);
    queue.push(waiter);
    if (ms === Infinity) return;
    waiter.timer = setTimeout(() => {
      const at = queue.indexOf(waiter);
      if (at !== -1) queue.splice(at, 1);
      resolve(false);
    }, ms);
  });
}

/** A reentrant lock owned by a caller id: Python's `threading.RLock`, served. */
export class ServedRLock {
  #owner: string | null = null;
  #count = 0;
  readonly #waiters: Waiter[] = [];

  /**
   * Takes the lock for `owner` (again, if it holds it); waits at most as long as `options` say.
   * @throws {ArgumentTypeError} / {ArgumentRangeError} for bad options, as `RLock#acquire`.
   */
  acquire(owner: unknown, options?: AcquireOptions): boolean | Promise<boolean> {
    const who = ownerOf(owner);
    const ms = acquireTimeout(options);
    return this.#take(who, 1, ms);
  }

  #take(who: string, count: number, ms: number): boolean | Promise<boolean> {
    if (this.#owner === who) {
      this.#count += count;
      return true;
    }
    if (this.#owner === null && this.#waiters.length === 0) {
      this.#owner = who;
      this.#count = count;
      return true;
    }
    if (ms === 0) return false;
    return enqueue(this.#waiters, ms, (resolve) => ({
      owner: who,
      count,
      resolve,
      timer: undefined,
    }));
  }

  /**
   * Releases one level of `owner`'s hold.
   * @throws {StateError} `ERR_NOT_OWNER` (`cannot release un-acquired lock`) for another caller.
   */
  release(owner: unknown): void {
    const who = ownerOf(owner);
    if (this.#owner !== who) {
      throw new StateError('ERR_NOT_OWNER', 'cannot release un-acquired lock');
    }
    this.#count -= 1;
    if (this.#count === 0) this.#handOff();
  }

  #handOff(): void {
    this.#owner = null;
    const next = this.#waiters.shift();
    if (next === undefined) return;
    clearTimeout(next.timer);
    this.#owner = next.owner;
    this.#count = next.count;
    next.resolve(true);
  }

  /** Whether any caller holds it. */
  locked(): boolean {
    return this.#owner !== null;
  }

  /** @internal Whether `who` holds it. */
  owns(who: string): boolean {
    return this.#owner === who;
  }

  /** @internal Releases every level of its owner's hold (a Condition's wait); their number. */
  releaseSave(): number {
    const count = this.#count;
    this.#count = 0;
    this.#handOff();
    return count;
  }

  /** @internal Takes the lock back with `count` levels, waiting as long as it takes. */
  acquireRestore(who: string, count: number): Promise<boolean> | boolean {
    return this.#take(who, count, Infinity);
  }
}

/** A condition variable over its own served RLock: Python's `threading.Condition`, served. */
export class ServedCondition {
  readonly #lock = new ServedRLock();
  readonly #waiters: { notify(notified: boolean): void; timer: NodeJS.Timeout | undefined }[] = [];

  acquire(owner: unknown, options?: AcquireOptions): boolean | Promise<boolean> {
    return this.#lock.acquire(owner, options);
  }

  release(owner: unknown): void {
    this.#lock.release(owner);
  }

  locked(): boolean {
    return this.#lock.locked();
  }

  #owned(owner: unknown, what: string): string {
    const who = ownerOf(owner);
    if (!this.#lock.owns(who))
      throw new StateError('ERR_NOT_OWNER', `cannot ${what} un-acquired lock`);
    return who;
  }

  /**
   * Releases the lock, waits until notified or `timeout` ms pass, takes the lock back.
   * Whether it was notified (Python's `wait()` result).
   * @throws {StateError} `ERR_NOT_OWNER` (`cannot wait on un-acquired lock`).
   */
  async wait(owner: unknown, timeout?: number | null): Promise<boolean> {
    const who = this.#owned(owner, 'wait on');
    const { ms } = waitArguments(timeout);
    const count = this.#lock.releaseSave();
    const notified = await enqueue(this.#waiters, ms, (notify) => ({
      notify,
      timer: undefined,
    }));
    await this.#lock.acquireRestore(who, count);
    return notified;
  }

  /**
   * Wakes up to `n` waiters.
   * @throws {StateError} `ERR_NOT_OWNER` (`cannot notify on un-acquired lock`).
   */
  notify(owner: unknown, n: unknown = 1): void {
    this.#owned(owner, 'notify on');
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 0) {
      throw new ArgumentTypeError(`Expected \`n\` to be a non-negative integer, got ${String(n)}`);
    }
    for (const waiter of this.#waiters.splice(0, n)) {
      clearTimeout(waiter.timer);
      waiter.notify(true);
    }
  }

  notifyAll(owner: unknown): void {
    this.notify(owner, this.#waiters.length);
  }
}

/** Python's `threading.Barrier`, served: its properties as methods a proxy can call. */
export class ServedBarrier {
  readonly #barrier: Barrier;

  constructor(parties: unknown) {
    this.#barrier = new Barrier(parties as number);
  }

  wait(timeout?: number | null): Promise<number> {
    return this.#barrier.wait(timeout ?? undefined);
  }

  reset(): void {
    this.#barrier.reset();
  }

  abort(): void {
    this.#barrier.abort();
  }

  parties(): number {
    return this.#barrier.parties;
  }

  nWaiting(): number {
    return this.#barrier.nWaiting;
  }

  broken(): boolean {
    return this.#barrier.broken;
  }
}
