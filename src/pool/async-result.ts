/**
 * `AsyncResult`, what `applyAsync` and `mapAsync` return, and the callbacks they take.
 */
import { StateError, TimeoutError } from '../errors.ts';
import type { Future } from '../futures/future.ts';
import { typeError } from '../internal/validate.ts';
import { defineRepr } from '../internal/repr.ts';

/**
 * The result of `applyAsync`/`mapAsync`: Python's `AsyncResult`.
 */
export class AsyncResult<T> {
  /** Python's repr of this object, as `util.inspect` (so `console.log`) shows it too. */
  declare toString: () => string;

  readonly #future: Future<T>;

  /** @internal */
  constructor(future: Future<T>) {
    this.#future = future;
  }

  /** True once the task has finished. */
  ready(): boolean {
    return this.#future.done();
  }

  /**
   * True if the task finished without an error.
   * @throws {StateError} before it is ready (`ERR_RESULT_NOT_READY`).
   */
  successful(): boolean {
    if (!this.#future.done()) {
      throw new StateError('ERR_RESULT_NOT_READY', 'AsyncResult is not ready');
    }
    return !this.#future.failed;
  }

  /** Waits until the result is ready, or `timeout` ms; never rejects on timeout. */
  async wait(timeout?: number): Promise<void> {
    try {
      await this.#future.exception(timeout);
    } catch (error) {
      if (!(error instanceof TimeoutError)) throw error;
    }
  }

  /**
   * The result, waiting at most `timeout` ms; rejects with the task's error, or with
   * {@link TimeoutError} when the time runs out.
   */
  get(timeout?: number): Promise<T> {
    return this.#future.result(timeout);
  }
}

/** The callbacks of `applyAsync`/`mapAsync`, checked. */
export interface ResultCallbacks<R> {
  readonly callback: ((result: R) => void) | undefined;
  readonly errorCallback: ((error: unknown) => void) | undefined;
}

/**
 * Checks `callback` and `errorCallback` before anything is queued.
 * @throws {ArgumentTypeError} if either is given and is not a function.
 */
export function checkCallbacks<R>(
  options: { callback?: unknown; errorCallback?: unknown } | undefined,
): ResultCallbacks<R> {
  const callback = options?.callback;
  const errorCallback = options?.errorCallback;
  if (callback !== undefined && typeof callback !== 'function') {
    throw typeError('callback', 'a function', callback);
  }
  if (errorCallback !== undefined && typeof errorCallback !== 'function') {
    throw typeError('errorCallback', 'a function', errorCallback);
  }
  return {
    callback: callback as ((result: R) => void) | undefined,
    errorCallback: errorCallback as ((error: unknown) => void) | undefined,
  };
}

/**
 * Settles `future` with a task's outcome, calling the matching callback first: as in Python,
 * the callback runs before the result is ready, so `wait()` and `get()` resolve after it. A
 * callback that throws is reported and the result is made ready all the same.
 */
export function settleWithCallbacks<R>(
  future: Future<R>,
  ok: boolean,
  value: unknown,
  callbacks: ResultCallbacks<R>,
): void {
  try {
    if (ok) callbacks.callback?.(value as R);
    else callbacks.errorCallback?.(value);
  } catch (error) {
    console.error(`exception calling ${ok ? 'callback' : 'errorCallback'} for AsyncResult`, error);
  }
  if (ok) future.setResult(value as R);
  else future.setException(value);
}

/** Settles a promise with a task's outcome: one small object per task, no closures. */
export class Settler<T> {
  readonly #resolve: (value: T) => void;
  readonly #reject: (reason: unknown) => void;

  constructor(resolve: (value: T) => void, reject: (reason: unknown) => void) {
    this.#resolve = resolve;
    this.#reject = reject;
  }

  settle(ok: boolean, value: unknown): void {
    if (ok) this.#resolve(value as T);
    else this.#reject(value);
  }
}

// `<AsyncResult ready successful>`, from the future it wraps.
defineRepr(AsyncResult, (result) => {
  if (!result.ready()) return '<AsyncResult pending>';
  return `<AsyncResult ready ${result.successful() ? 'successful' : 'failed'}>`;
});
