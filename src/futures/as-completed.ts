/**
 * `asCompleted`: Python's `concurrent.futures.as_completed`, over {@link Future}s.
 */
import { TimeoutError } from '../errors.ts';
import { setLongTimeout } from '../internal/timers.ts';
import { parseTimeout } from '../internal/validate.ts';
import { uniqueFutures, type Future } from './future.ts';

/**
 * A future as {@link asCompleted} yields it: the future itself, typed without `then` so that
 * `for await (const f of asCompleted(fs))` gives `f` the future's type. (TypeScript types a
 * for-await element as awaited, which would turn a thenable `Future<T>` into `T`.)
 */
export type CompletedFuture<T> = Omit<Future<T>, 'then'>;

export interface AsCompletedOptions {
  /** Milliseconds for the whole iteration; then it throws {@link TimeoutError}. */
  readonly timeout?: number | undefined;
}

/**
 * Yields the futures as they complete (finish or are cancelled): those already done first,
 * then in completion order; each once. (Not an async generator: `yield` would await the
 * futures, which are thenable, and produce their results instead.)
 * @throws {TimeoutError} `N (of M) futures unfinished` once the deadline passes.
 */
export function asCompleted<T>(
  fs: Iterable<Future<T>>,
  options: AsCompletedOptions = {},
): AsyncIterableIterator<CompletedFuture<T>> {
  const futures = uniqueFutures(fs, 'fs');
  const ms = parseTimeout(options.timeout);
  const deadline = ms === Infinity ? Infinity : Date.now() + ms;
  const total = futures.length;
  // Only the futures not yet yielded are held: each is let go as it is yielded. The pending
  // ones map to what stops listening to them.
  const pending = new Map<Future<T>, () => void>();
  // Already done first, in the order given; the rest as they complete.
  let finished: Future<T>[] = [];
  let wake: (() => void) | null = null;
  for (const f of futures) {
    if (f.done()) {
      finished.push(f);
      pending.set(f, alreadyDone);
      continue;
    }
    const cancel = f.whenDone(() => {
      finished.push(f);
      wake?.();
    });
    pending.set(f, cancel);
  }
  futures.length = 0;
  const stop = (): void => {
    for (const cancel of pending.values()) cancel();
    pending.clear();
    finished = [];
  };
  const next = async (): Promise<IteratorResult<CompletedFuture<T>, undefined>> => {
    while (pending.size > 0) {
      const f = finished.shift();
      if (f !== undefined) {
        if (pending.delete(f)) return { done: false, value: f };
        continue;
      }
      const left = deadline - Date.now();
      if (left <= 0) {
        const error = new TimeoutError(`${pending.size} (of ${total}) futures unfinished`);
        stop();
        throw error;
      }
      await new Promise<void>((resolve) => {
        const cancel = setLongTimeout(resolve, left);
        wake = () => {
          cancel();
          wake = null;
          resolve();
        };
      });
    }
    stop();
    return { done: true, value: undefined };
  };
  return {
    next,
    return: () => {
      stop();
      return Promise.resolve({ done: true, value: undefined });
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}

function alreadyDone(): void {
  // Nothing to stop listening to: the future was done already.
}
