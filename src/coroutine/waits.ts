/**
 * gevent's module functions that wait: `sleep`, `joinall`, `killall`, and `Timeout` as a
 * scope (`Timeout(s).start()` / `with Timeout(s):` / `with_timeout`).
 */
import { Timeout } from '../errors.ts';
import { setLongTimeout } from '../internal/timers.ts';
import { parseTimeout, typeError } from '../internal/validate.ts';
import { block, clearThrow, getcurrent, throwInto } from './greenlet.ts';
import { schedule } from './hub.ts';
import { killError, SpawnedGreenlet, type KillOptions } from './spawned.ts';

/**
 * Suspends the current greenlet for `ms` milliseconds. `sleep(0)` (the default) lets every
 * other greenlet that is ready run first, once. gevent's `sleep`. A switch point.
 *
 * @example
 * ```ts
 * await sleep(3000);
 * ```
 */
export async function sleep(ms = 0): Promise<void> {
  const delay = parseTimeout(ms, 'ms');
  await block<undefined>((wake) => {
    const wakeUp = (): void => {
      wake(undefined);
    };
    return delay === 0 ? schedule(wakeUp) : setLongTimeout(wakeUp, delay);
  });
}

/** Options of {@link joinAll}. */
export interface JoinAllOptions {
  /** How long to wait, in milliseconds. @default Infinity */
  readonly timeout?: number;
  /**
   * Throw the error of the first greenlet to fail, as soon as it fails.
   * @default false
   */
  readonly raiseError?: boolean;
  /** Return once this many have finished. @default all of them */
  readonly count?: number;
}

function checkGreenlets(greenlets: unknown): asserts greenlets is readonly SpawnedGreenlet[] {
  if (!Array.isArray(greenlets) || !greenlets.every((g) => g instanceof SpawnedGreenlet)) {
    throw typeError('greenlets', 'an array of spawned greenlets', greenlets);
  }
}

/**
 * Waits for the greenlets to finish (or `count` of them, or until `timeout`), and resolves
 * with those that did, in the order they finished (those already finished first). gevent's
 * `joinall`. A switch point.
 *
 * @throws the error of the first greenlet to fail, with `raiseError: true`.
 * @example
 * ```ts
 * const done = await joinAll([spawn(eat, 'miao'), spawn(play, 'wang')], { timeout: 5000 });
 * ```
 */
export async function joinAll<G extends SpawnedGreenlet>(
  greenlets: readonly G[],
  options: JoinAllOptions = {},
): Promise<G[]> {
  checkGreenlets(greenlets);
  const unique = [...new Set(greenlets)];
  const ms = parseTimeout(options.timeout);
  const count = Math.min(options.count ?? unique.length, unique.length);
  const failed = (g: G): boolean => options.raiseError === true && !g.successful();
  const done = unique.filter((g) => g.ready());
  // Kept as it goes: checking every finished greenlet at each death would be quadratic.
  let anyFailed = done.some(failed);
  const enough = (): boolean => done.length >= count || anyFailed;
  if (!enough()) {
    await block<undefined>((wake) => {
      const removals = unique
        .filter((g) => !g.ready())
        .map((g) =>
          g.waitDeath(() => {
            done.push(g);
            anyFailed ||= failed(g);
            if (enough()) wake(undefined);
          }),
        );
      const cancel = setLongTimeout(() => {
        wake(undefined);
      }, ms);
      return () => {
        for (const remove of removals) remove();
        cancel();
      };
    });
  }
  const firstFailure = done.find(failed);
  if (firstFailure !== undefined) throw firstFailure.exception;
  return done;
}

/**
 * Kills every greenlet (see `kill`), by default waiting until all are dead. gevent's
 * `killall`. Never throws.
 *
 * @example
 * ```ts
 * await killAll(workers, { timeout: 1000 });
 * ```
 */
export async function killAll(
  greenlets: readonly SpawnedGreenlet[],
  options: KillOptions = {},
): Promise<void> {
  checkGreenlets(greenlets);
  for (const g of greenlets) {
    if (!g.ready()) void g.kill({ exception: killError(options.exception), block: false });
  }
  if (options.block !== false) {
    const others = greenlets.filter((g) => g !== getcurrent());
    await joinAll(others, options.timeout === undefined ? {} : { timeout: options.timeout });
  }
}

/** A running timeout: see {@link startTimeout}. */
export interface TimeoutScope extends Disposable {
  /** The error raised when it expires: a `Timeout`, unless another was given. */
  readonly error: unknown;
  /** Whether it has neither expired nor been cancelled. */
  readonly pending: boolean;
  /** Stops it; an expiry not yet raised is dropped. Repeatable. */
  cancel(): void;
}

/**
 * Starts a timeout for the current greenlet: when `ms` milliseconds pass, `exception` (by
 * default a `Timeout`) is raised in the greenlet at its next switch point (`sleep`, `join`,
 * `get`, a gevent `Event`'s `wait`, `switch`). gevent's `Timeout(seconds, exception).start()`;
 * `using` cancels it at the end of the scope, as gevent's `with Timeout(...)`.
 *
 * @example
 * ```ts
 * using timeout = startTimeout(500);
 * try {
 *   await event.wait();
 * } catch (error) {
 *   if (error !== timeout.error) throw error;
 * }
 * ```
 */
export function startTimeout(ms: number, exception?: unknown): TimeoutScope {
  const delay = parseTimeout(ms, 'ms');
  const greenlet = getcurrent();
  const error = exception === undefined ? new Timeout(delay) : exception;
  let pending = true;
  const stop = setLongTimeout(() => {
    pending = false;
    throwInto(greenlet, error);
  }, delay);
  const cancel = (): void => {
    pending = false;
    stop();
    clearThrow(greenlet, error);
  };
  return {
    error,
    get pending() {
      return pending;
    },
    cancel,
    [Symbol.dispose]: cancel,
  };
}

/**
 * Runs `fn` with a timeout: its `Timeout` is raised at the first switch point after `ms`
 * milliseconds, unless `timeoutValue` is given, which is then returned instead. gevent's
 * `with_timeout`.
 *
 * @throws {Timeout} `ERR_GEVENT_TIMEOUT` when it expires and no `timeoutValue` is given.
 * @example
 * ```ts
 * const page = await withTimeout(1000, () => result.get(), { timeoutValue: null });
 * ```
 */
export async function withTimeout<T, F = never>(
  ms: number,
  fn: () => T | PromiseLike<T>,
  options: { readonly timeoutValue?: F } = {},
): Promise<T | F> {
  if (typeof fn !== 'function') throw typeError('fn', 'a function', fn);
  const timeout = startTimeout(ms);
  try {
    return await fn();
  } catch (error) {
    if (error === timeout.error && 'timeoutValue' in options) return options.timeoutValue;
    throw error;
  } finally {
    timeout.cancel();
  }
}
