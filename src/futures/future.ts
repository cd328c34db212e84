/**
 * `Future`: Python's `concurrent.futures` results, awaitable (`wait` is in wait.ts,
 * `asCompleted` in as-completed.ts).
 *
 * A future is pending, then running, then either finished (with a result or an exception) or
 * cancelled. Unlike CPython (gh-92001, gh-109934), a cancelled future counts as done
 * everywhere, `wait()` and `asCompleted()` included, as the documentation promises.
 */
import { CancelledError, InvalidStateError, StateError, TimeoutError } from '../errors.ts';
import { parseTimeout, typeError } from '../internal/validate.ts';
import { setLongTimeout } from '../internal/timers.ts';
import {
  CLAIM_CANCELLED,
  CLAIM_PENDING,
  CLAIM_RUNNING,
  claimAway,
  isClaimed,
} from '../memory/claim-word.ts';
import { defineRepr } from '../internal/repr.ts';

type FutureState = 'pending' | 'running' | 'cancelled' | 'finished';

/**
 * @internal An executor's hold on a future's task, while no worker runs it: one object per
 * task, which an executor's burst of submits makes by the hundred thousand.
 */
export interface TaskLink {
  /**
   * Once the task is sent to a worker: the claim word that the worker swaps to running just
   * before it runs the task, at `claimIndex` (see memory/claim-word.ts); `null` before.
   */
  readonly claimWords: Int32Array | null;
  readonly claimIndex: number;
  /** Removes the task from its executor's queue, if it is still there. */
  drop(): void;
}

/** The resolving functions of the promise that {@link capture} last ran for. */
let capturedResolve: (value: never) => void = noop;
let capturedReject: (reason: unknown) => void = noop;

/** A promise executor that makes no closure per promise: it runs synchronously. */
function capture(resolve: (value: never) => void, reject: (reason: unknown) => void): void {
  capturedResolve = resolve;
  capturedReject = reject;
}

/** The result of a task that runs somewhere else: Python's `concurrent.futures.Future`. */
export class Future<T = unknown> implements PromiseLike<T> {
  #state: FutureState = 'pending';
  #ok = false;
  #value: unknown;
  // Made as needed: an executor's burst of tasks makes a future per task, most of which
  // only ever hear from result().
  #callbacks: ((future: Future<T>) => void)[] | null = null;
  #waiters: (() => void)[] | null = null;
  /** What result() without a timeout returns, one promise for every call. */
  #result: Promise<T> | null = null;
  /** The resolving functions of `#result`, while it is pending. */
  #resolve: ((value: T) => void) | null = null;
  #reject: ((reason: unknown) => void) | null = null;
  /** Set by an executor while no worker runs the task: how to cancel it. */
  #link: TaskLink | null = null;

  /**
   * Cancels the future if it has not started running: returns `true` if it is (or was
   * already) cancelled, `false` if it is running or finished.
   */
  cancel(): boolean {
    if (this.#state === 'cancelled') return true;
    if (this.#state !== 'pending') return false;
    const link = this.#link;
    const words = link?.claimWords ?? null;
    if (link !== null && words !== null) {
      // The task is on a worker: one compare-and-swap against the worker's decides.
      const was = claimAway(words, link.claimIndex, CLAIM_CANCELLED);
      if (was !== CLAIM_PENDING) {
        if (was === CLAIM_RUNNING) this.#markRunning();
        return false;
      }
    }
    this.#state = 'cancelled';
    this.#link = null;
    link?.drop();
    this.#settled();
    return true;
  }

  cancelled(): boolean {
    return this.#state === 'cancelled';
  }

  running(): boolean {
    const link = this.#link;
    if (this.#state === 'pending' && link !== null && link.claimWords !== null) {
      if (isClaimed(link.claimWords, link.claimIndex)) this.#markRunning();
    }
    return this.#state === 'running';
  }

  /** A worker claimed the task: the future runs from now on. */
  #markRunning(): void {
    this.#state = 'running';
    this.#link = null;
  }

  /**
   * @internal For executors: how to cancel the task while no worker runs it. Once the
   * link has claim words, the future stays pending until the worker claims its word.
   */
  linkTask(link: TaskLink): void {
    if (this.#state === 'pending') this.#link = link;
  }

  /** True once the future finished or was cancelled. */
  done(): boolean {
    return this.#state === 'cancelled' || this.#state === 'finished';
  }

  /**
   * The result, waiting at most `timeout` ms (default: forever). Rejects with the task's
   * error if it failed, {@link CancelledError} if cancelled, {@link TimeoutError} on timeout.
   */
  result(timeout?: number): Promise<T> {
    if (timeout !== undefined) return this.#resultWithin(timeout);
    if (this.#result === null) {
      if (this.done()) {
        this.#result = this.#resultWithin(0);
      } else {
        this.#result = new Promise<T>(capture);
        this.#resolve = capturedResolve as (value: T) => void;
        this.#reject = capturedReject;
      }
    }
    return this.#result;
  }

  async #resultWithin(timeout: number): Promise<T> {
    await this.#wait(timeout);
    return this.#outcome();
  }

  #outcome(): T {
    if (this.#state === 'cancelled') throw new CancelledError();
    if (!this.#ok) throw this.#value;
    return this.#value as T;
  }

  /**
   * The task's error, or `null` if it succeeded, waiting at most `timeout` ms. Rejects with
   * {@link CancelledError} if cancelled, {@link TimeoutError} on timeout.
   */
  async exception(timeout?: number): Promise<unknown> {
    await this.#wait(timeout);
    if (this.#state === 'cancelled') throw new CancelledError();
    return this.#ok ? null : this.#value;
  }

  /**
   * Calls `fn(future)` once the future is done, in registration order; at once if it is
   * already done. An error thrown by `fn` is reported and does not stop the others.
   */
  addDoneCallback(fn: (future: Future<T>) => void): void {
    if (typeof fn !== 'function') throw typeError('fn', 'a function', fn);
    if (this.done()) this.#invoke(fn);
    else (this.#callbacks ??= []).push(fn);
  }

  /**
   * For executors: marks the future running. Returns `false` if it was cancelled (the task
   * must not run), `true` if it was pending.
   * @throws {StateError} if it is already running or done.
   */
  setRunningOrNotifyCancel(): boolean {
    if (this.#state === 'cancelled') return false;
    if (this.#state === 'pending') {
      this.#markRunning();
      return true;
    }
    throw new StateError('ERR_INVALID_STATE', `Future in unexpected state: ${this.#state}`);
  }

  /** For executors: the task returned `value`. @throws {InvalidStateError} if already done. */
  setResult(value: T): void {
    this.#finish(true, value);
  }

  /** For executors: the task failed with `error`. @throws {InvalidStateError} if already done. */
  setException(error: unknown): void {
    this.#finish(false, error);
  }

  then<A = T, B = never>(
    onFulfilled?: ((value: T) => A | PromiseLike<A>) | null,
    onRejected?: ((reason: unknown) => B | PromiseLike<B>) | null,
  ): Promise<A | B> {
    return this.result().then(onFulfilled, onRejected);
  }

  toString(): string {
    if (this.#state !== 'finished') return `<Future state=${this.#state}>`;
    return this.#ok
      ? `<Future state=finished returned ${describe(this.#value)}>`
      : `<Future state=finished raised ${describe(this.#value)}>`;
  }

  get [Symbol.toStringTag](): string {
    return 'Future';
  }

  /** @internal Set by the executor that owns the future: removes the task from its queue. */
  set onCancel(fn: (() => void) | null) {
    this.#link = fn === null ? null : { claimWords: null, claimIndex: 0, drop: fn };
  }

  #finish(ok: boolean, value: unknown): void {
    if (this.done()) {
      throw new InvalidStateError(`${this.#state.toUpperCase()}: ${this.toString()}`);
    }
    this.#state = 'finished';
    this.#ok = ok;
    this.#value = value;
    this.#link = null;
    this.#settled();
  }

  #settled(): void {
    const resolve = this.#resolve;
    if (resolve !== null) {
      const reject = this.#reject;
      this.#resolve = null;
      this.#reject = null;
      if (this.#state === 'cancelled') reject?.(new CancelledError());
      else if (this.#ok) resolve(this.#value as T);
      else reject?.(this.#value);
    }
    // No empty arrays made here: an executor's burst settles a future per task.
    const waiters = this.#waiters;
    if (waiters !== null) {
      this.#waiters = null;
      for (const wake of waiters) wake();
    }
    const callbacks = this.#callbacks;
    if (callbacks !== null) {
      this.#callbacks = null;
      for (const fn of callbacks) this.#invoke(fn);
    }
  }

  #invoke(fn: (future: Future<T>) => void): void {
    try {
      fn(this);
    } catch (error) {
      // Python logs 'exception calling callback for <Future ...>' and goes on.
      console.error(`exception calling callback for ${this.toString()}`, error);
    }
  }

  /** Resolves once done; rejects with TimeoutError after `timeout` ms. */
  #wait(timeout: number | undefined): Promise<void> {
    const ms = parseTimeout(timeout);
    if (this.done()) return Promise.resolve();
    if (ms === 0) return Promise.reject(new TimeoutError('the future is not done'));
    return new Promise((resolve, reject) => {
      let cancel = (): void => undefined;
      const wake = (): void => {
        cancel();
        resolve();
      };
      (this.#waiters ??= []).push(wake);
      cancel = setLongTimeout(() => {
        this.#waiters = this.#waiters?.filter((w) => w !== wake) ?? null;
        reject(new TimeoutError(`the future did not finish within ${ms} ms`));
      }, ms);
    });
  }

  /** @internal Calls `wake` once done (for wait() and asCompleted()). */
  whenDone(wake: () => void): () => void {
    if (this.done()) {
      wake();
      return () => undefined;
    }
    (this.#waiters ??= []).push(wake);
    return () => {
      this.#waiters = this.#waiters?.filter((w) => w !== wake) ?? null;
    };
  }

  /** @internal True if finished with an exception. */
  get failed(): boolean {
    return this.#state === 'finished' && !this.#ok;
  }
}

function describe(value: unknown): string {
  if (value instanceof Error) return value.name;
  if (value === null) return 'null';
  if (typeof value === 'object')
    return (value.constructor as { name?: string } | undefined)?.name ?? 'Object';
  return typeof value;
}

/**
 * The futures of `fs`, each once, checked.
 * @internal For wait() and asCompleted().
 */
export function uniqueFutures<T>(fs: Iterable<Future<T>>, name: string): Future<T>[] {
  const input: unknown = fs;
  if (input === null || typeof input !== 'object' || !(Symbol.iterator in input)) {
    throw typeError(name, 'an iterable of futures', input);
  }
  const unique = [...new Set(fs)];
  for (const [i, f] of unique.entries()) {
    if (!(f instanceof Future)) throw typeError(`${name}[${i}]`, 'a Future', f);
  }
  return unique;
}

function noop(): void {
  // Stands for a resolving function before the first promise.
}

defineRepr(Future);
