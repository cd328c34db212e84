/**
 * gevent's `Event` and `AsyncResult`: waits that suspend only the waiting greenlet. They live
 * in one thread (use the package's top-level `Event` across threads and processes).
 */
import { Timeout } from '../errors.ts';
import { setLongTimeout } from '../internal/timers.ts';
import { parseTimeout } from '../internal/validate.ts';
import { block } from './greenlet.ts';
import { defineRepr } from '../internal/repr.ts';

/**
 * Suspends the current greenlet until `isDone()` or `ms` pass; `waiters` holds its wake-up
 * while it waits. Whoever makes `isDone()` true calls every waiter.
 */
async function waitFor(waiters: Set<() => void>, isDone: () => boolean, ms: number): Promise<void> {
  if (isDone() || ms === 0) return;
  await block<undefined>((wake) => {
    const done = (): void => {
      wake(undefined);
    };
    waiters.add(done);
    const cancel = setLongTimeout(done, ms);
    return () => {
      waiters.delete(done);
      cancel();
    };
  });
}

/**
 * A flag greenlets wait on. gevent's `Event` (`gevent.Event`).
 *
 * @example
 * ```ts
 * const ready = new gevent.Event();
 * spawn(async () => { await ready.wait(); console.log('go'); });
 * ready.set();
 * ```
 */
export class Event {
  /** Python's repr of this object, as `util.inspect` (so `console.log`) shows it too. */
  declare toString: () => string;

  #flag = false;
  /** Called by `set()`. */
  readonly #waiters = new Set<() => void>();

  /** Whether the flag is set. */
  isSet(): boolean {
    return this.#flag;
  }

  /** Sets the flag and wakes every waiting greenlet. */
  set(): void {
    this.#flag = true;
    for (const wake of [...this.#waiters]) wake();
  }

  /** Clears the flag. */
  clear(): void {
    this.#flag = false;
  }

  /**
   * Waits until the flag is set or `timeout` ms pass; resolves with the flag. A switch point.
   * @example
   * ```ts
   * if (!(await ready.wait(500))) console.log('not yet');
   * ```
   */
  async wait(timeout?: number): Promise<boolean> {
    await waitFor(this.#waiters, () => this.#flag, parseTimeout(timeout));
    return this.#flag;
  }
}

/**
 * A value (or an error) that one greenlet sets and others wait for. gevent's `AsyncResult`.
 *
 * @example
 * ```ts
 * const result = new gevent.AsyncResult<string>();
 * spawn(() => result.set('hello'));
 * await result.get(); // 'hello'
 * ```
 */
export class AsyncResult<T = unknown> {
  /** Python's repr of this object, as `util.inspect` (so `console.log`) shows it too. */
  declare toString: () => string;

  #outcome:
    | { readonly ok: true; readonly value: T }
    | { readonly ok: false; readonly error: unknown }
    | null = null;
  /** Called by `set()` and `setException()`. */
  readonly #waiters = new Set<() => void>();

  /** Sets the value and wakes every waiter. */
  set(value: T): void {
    this.#settle({ ok: true, value });
  }

  /** Sets an error that `get()` will throw, and wakes every waiter. */
  setException(error: unknown): void {
    this.#settle({ ok: false, error });
  }

  /** Whether a value or an error has been set. */
  ready(): boolean {
    return this.#outcome !== null;
  }

  /** Whether a value (not an error) has been set. */
  successful(): boolean {
    return this.#outcome?.ok === true;
  }

  /** The value set, or `undefined`. */
  get value(): T | undefined {
    return this.#outcome?.ok === true ? this.#outcome.value : undefined;
  }

  /** The error set, or `null`. */
  get exception(): unknown {
    return this.#outcome?.ok === false ? this.#outcome.error : null;
  }

  /**
   * The value, waiting for it unless `block` is false; throws the error set.
   * @throws {Timeout} `ERR_GEVENT_TIMEOUT` when not ready with `block: false` or in time.
   */
  async get(options: { readonly block?: boolean; readonly timeout?: number } = {}): Promise<T> {
    if (this.#outcome === null) {
      if (options.block === false) throw new Timeout(null);
      const ms = parseTimeout(options.timeout);
      await waitFor(this.#waiters, () => this.#outcome !== null, ms);
    }
    const outcome = this.#outcome;
    if (outcome === null) throw new Timeout(parseTimeout(options.timeout));
    if (!outcome.ok) throw outcome.error;
    return outcome.value;
  }

  /** Waits until it is ready or `timeout` ms pass; resolves with the value (or `undefined`). */
  async wait(timeout?: number): Promise<T | undefined> {
    await waitFor(this.#waiters, () => this.#outcome !== null, parseTimeout(timeout));
    return this.value;
  }

  #settle(
    outcome:
      { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: unknown },
  ): void {
    this.#outcome = outcome;
    for (const wake of [...this.#waiters]) wake();
  }
}

// gevent's `<Event _flag=False>` and `<AsyncResult …>`, shortened.
defineRepr(Event, (event) => `<gevent.Event ${event.isSet() ? 'set' : 'unset'}>`);
defineRepr(AsyncResult, (result) =>
  result.ready()
    ? `<gevent.AsyncResult ready ${result.successful() ? 'successful' : 'failed'}>`
    : '<gevent.AsyncResult pending>',
);
