/**
 * `wait()`: Python's `concurrent.futures.wait`, on the futures of future.ts.
 */
import { ArgumentRangeError } from '../errors.ts';
import { parseTimeout } from '../internal/validate.ts';
import { setLongTimeout } from '../internal/timers.ts';
import { uniqueFutures, type Future } from './future.ts';

/** `wait()` returns when any future finishes or is cancelled. */
export const FIRST_COMPLETED = 'FIRST_COMPLETED';
/** `wait()` returns when any future finishes by raising, or when all are done. */
export const FIRST_EXCEPTION = 'FIRST_EXCEPTION';
/** `wait()` returns when every future is done. */
export const ALL_COMPLETED = 'ALL_COMPLETED';

export type ReturnWhen = typeof FIRST_COMPLETED | typeof FIRST_EXCEPTION | typeof ALL_COMPLETED;

export interface WaitOptions {
  /** Milliseconds to wait at most; then `wait()` returns what is done so far. */
  readonly timeout?: number | undefined;
  /** @default ALL_COMPLETED */
  readonly returnWhen?: ReturnWhen | undefined;
}

/** What {@link wait} returns: Python's `DoneAndNotDoneFutures`. */
export interface DoneAndNotDone<T> {
  readonly done: Set<Future<T>>;
  readonly notDone: Set<Future<T>>;
}

/**
 * Waits for `fs` as `returnWhen` says, or until `timeout`; resolves (never rejects on
 * timeout) with the futures done and not done. Duplicates count once.
 */
export async function wait<T>(
  fs: Iterable<Future<T>>,
  options: WaitOptions = {},
): Promise<DoneAndNotDone<T>> {
  const futures = uniqueFutures(fs, 'fs');
  const ms = parseTimeout(options.timeout);
  const returnWhen = options.returnWhen ?? ALL_COMPLETED;
  const split = (): DoneAndNotDone<T> => ({
    done: new Set(futures.filter((f) => f.done())),
    notDone: new Set(futures.filter((f) => !f.done())),
  });
  const satisfied = (): boolean => {
    const done = futures.filter((f) => f.done());
    if (returnWhen === FIRST_COMPLETED) return done.length > 0;
    if (returnWhen === FIRST_EXCEPTION && done.some((f) => f.failed)) return true;
    return done.length === futures.length;
  };
  if (satisfied()) return split();
  if (![FIRST_COMPLETED, FIRST_EXCEPTION, ALL_COMPLETED].includes(returnWhen)) {
    throw new ArgumentRangeError(
      `Expected \`returnWhen\` to be FIRST_COMPLETED, FIRST_EXCEPTION or ALL_COMPLETED, got ${JSON.stringify(returnWhen)}`,
      'ERR_INVALID_ARG_VALUE',
    );
  }
  await new Promise<void>((resolve) => {
    const cancels: (() => void)[] = [];
    const finish = (): void => {
      for (const cancel of cancels) cancel();
      resolve();
    };
    const check = (): void => {
      if (satisfied()) finish();
    };
    for (const f of futures) if (!f.done()) cancels.push(f.whenDone(check));
    cancels.push(setLongTimeout(finish, ms));
  });
  return split();
}
