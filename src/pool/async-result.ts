/**
 * `AsyncResult`, what `applyAsync` and `mapAsync` return, and the callbacks they take.
 */
import { StateError, TimeoutError } from '../errors.ts';
import type { Future } from '../futures/future.ts';
import { typeError } from '../internal/validate.ts';

/**
 * The result of `applyAsync`/`mapAsync`: Python's `AsyncResult`.
 */
export class AsyncResult<T> {
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

/**
 * Calls `callback` with the result or `errorCallback` with the error once `future` is done.
 * @throws {ArgumentTypeError} if either is given and is not a function.
 */
export function addCallbacks<R>(
  future: Future<R>,
  callback: ((result: R) => void) | undefined,
  errorCallback: ((error: unknown) => void) | undefined,
): void {
  if (callback !== undefined && typeof callback !== 'function') {
    throw typeError('callback', 'a function', callback);
  }
  if (errorCallback !== undefined && typeof errorCallback !== 'function') {
    throw typeError('errorCallback', 'a function', errorCallback);
  }
  if (callback === undefined && errorCallback === undefined) return;
  future.addDoneCallback((f) => {
    void f.exception().then((error) => {
      if (error === null) void f.result().then(callback);
      else errorCallback?.(error);
    });
  });
}
