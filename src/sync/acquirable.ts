/**
 * Python's `acquire(blocking=True, timeout=-1)` as one options object, and the `with`
 * statement's two forms (`withLock` and `using _ = await x.guard()`), shared by every
 * primitive that can be acquired.
 */
import { ArgumentRangeError, TimeoutError } from '../errors.ts';
import { checkOptions, optionNames } from '../internal/options.ts';
import { assertSignal, rangeError, typeError } from '../internal/validate.ts';

/** Options of `acquire()`. */
export interface AcquireOptions {
  /** Wait for the primitive (`true`, the default) or return `false` at once. */
  readonly blocking?: boolean | undefined;
  /** Milliseconds to wait at most; `-1` or absent: forever. Not with `blocking: false`. */
  readonly timeout?: number | undefined;
  /** Stops waiting (rejecting with the signal's reason) when aborted. Async forms only. */
  readonly signal?: AbortSignal | undefined;
}

const ACQUIRE_OPTIONS = optionNames<AcquireOptions>({
  blocking: true,
  timeout: true,
  signal: true,
});

/**
 * How long to wait: 0 for non-blocking, `Infinity` for forever. Python's validation.
 * @throws {ArgumentTypeError} for options, `blocking` or `timeout` of the wrong type.
 * @throws {ArgumentRangeError} for a timeout with `blocking: false` (`ERR_INVALID_ARG_VALUE`,
 * Python's `ValueError`), or a negative timeout other than -1, or NaN (`ERR_OUT_OF_RANGE`).
 */
export function acquireTimeout(options: AcquireOptions | undefined): number {
  if (options === undefined) return Infinity;
  if (typeof options !== 'object' || (options as unknown) === null) {
    throw typeError('options', 'an object', options);
  }
  checkOptions(options, ACQUIRE_OPTIONS, 'acquire()');
  const { blocking = true, timeout, signal } = options;
  if (typeof blocking !== 'boolean') throw typeError('blocking', 'a boolean', blocking);
  if (signal !== undefined) assertSignal(signal);
  if (timeout !== undefined && timeout !== -1) {
    if (!blocking) {
      // Python's threading raises ValueError here; its multiprocessing.Semaphore and Lock
      // return False instead. One class serves threads and processes here, and a timeout
      // that cannot apply is a mistake worth reporting: threading's rule, for all of them.
      throw new ArgumentRangeError(
        "can't specify a timeout for a non-blocking call",
        'ERR_INVALID_ARG_VALUE',
      );
    }
    if (typeof timeout !== 'number')
      throw typeError('timeout', 'a number of milliseconds', timeout);
    if (Number.isNaN(timeout) || timeout < 0) {
      throw rangeError(
        'timeout',
        'a non-negative number of milliseconds, or -1 for no limit',
        timeout,
      );
    }
    return timeout;
  }
  return blocking ? Infinity : 0;
}

/** A held primitive, released by `using` (or by calling `release()`). */
export interface Guard extends Disposable {
  /** True when the lock was taken over from an owner that died holding it. */
  readonly abandoned: boolean;
  release(): void;
}

/** What `withLock` and `guard` need from a primitive. */
export interface Acquirable {
  acquire(options?: AcquireOptions): Promise<boolean>;
  acquireSync(options?: AcquireOptions): boolean;
  release(): void;
  readonly abandoned?: boolean;
}

export function makeGuard(target: Acquirable): Guard {
  let released = false;
  const abandoned = target.abandoned === true;
  const release = (): void => {
    if (released) return;
    released = true;
    target.release();
  };
  return { abandoned, release, [Symbol.dispose]: release };
}

/**
 * Acquires `target` for a `with`-style block, which has no way to report `false`: a timeout
 * that expires throws a {@link TimeoutError} instead.
 */
export async function guardOf(
  target: Acquirable,
  what: string,
  options?: AcquireOptions,
): Promise<Guard> {
  if (!(await target.acquire(options))) throw timedOut(what, options);
  return makeGuard(target);
}

export function guardOfSync(target: Acquirable, what: string, options?: AcquireOptions): Guard {
  if (!target.acquireSync(options)) throw timedOut(what, options);
  return makeGuard(target);
}

/** `with lock:` as a callback: acquire, run, release even when `body` throws. */
export async function withAcquired<T>(
  target: Acquirable,
  what: string,
  body: () => T | Promise<T>,
  options?: AcquireOptions,
): Promise<T> {
  const guard = await guardOf(target, what, options);
  try {
    return await body();
  } finally {
    guard.release();
  }
}

export function withAcquiredSync<T>(
  target: Acquirable,
  what: string,
  body: () => T,
  options?: AcquireOptions,
): T {
  const guard = guardOfSync(target, what, options);
  try {
    return body();
  } finally {
    guard.release();
  }
}

function timedOut(what: string, options: AcquireOptions | undefined): TimeoutError {
  return new TimeoutError(
    options?.blocking === false
      ? `${what} is not available`
      : `Timed out after ${options?.timeout ?? 0} ms waiting for ${what}`,
  );
}

/**
 * The `with` statement's forms, shared by every primitive that can be acquired: Lock,
 * RLock, Semaphore, BoundedSemaphore and Condition.
 */
export abstract class AcquirableBase implements Acquirable {
  /** How messages name this primitive: "the lock", "the semaphore". */
  protected abstract readonly description: string;

  abstract acquire(options?: AcquireOptions): Promise<boolean>;
  abstract acquireSync(options?: AcquireOptions): boolean;
  abstract release(): void;

  /**
   * Runs `body` holding this primitive and releases it even when `body` throws: Python's
   * `with lock:`. A `timeout` that expires throws a {@link TimeoutError}.
   */
  withLock<T>(body: () => T | Promise<T>, options?: AcquireOptions): Promise<T> {
    return withAcquired(this, this.description, body, options);
  }

  /** As `withLock`, blocking the calling thread while it waits. */
  withLockSync<T>(body: () => T, options?: AcquireOptions): T {
    return withAcquiredSync(this, this.description, body, options);
  }

  /** Acquires for a `using` block: `using _ = await lock.guard();` releases at block end. */
  guard(options?: AcquireOptions): Promise<Guard> {
    return guardOf(this, this.description, options);
  }

  /** As `guard`, blocking: `using _ = lock.guardSync();`. */
  guardSync(options?: AcquireOptions): Guard {
    return guardOfSync(this, this.description, options);
  }
}
