/**
 * Clocks and time limits for the child processes.
 */
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';

/** Milliseconds on this thread's monotonic clock. */
export function nowMs(): number {
  return performance.now();
}

/**
 * Milliseconds on the system's monotonic clock (CLOCK_MONOTONIC), which every thread and
 * process on the machine shares: a time taken in a worker compares with one taken here.
 */
export function monotonicMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

export type Bounded<T> =
  | { readonly settled: true; readonly ok: true; readonly value: T }
  | { readonly settled: true; readonly ok: false; readonly error: unknown }
  | { readonly settled: false };

/** Waits for `promise` for at most `ms`; never rejects. */
export async function bounded<T>(promise: PromiseLike<T>, ms: number): Promise<Bounded<T>> {
  const controller = new AbortController();
  // A ref'd timer: if the awaited promise holds nothing alive (a pool that lost a task),
  // the event loop would otherwise empty and the process exit before the limit.
  const limit = sleep(ms, undefined, { signal: controller.signal }).then(
    (): Bounded<T> => ({ settled: false }),
    (): Bounded<T> => ({ settled: false }),
  );
  const outcome = Promise.resolve(promise).then(
    (value): Bounded<T> => ({ settled: true, ok: true, value }),
    (error: unknown): Bounded<T> => ({ settled: true, ok: false, error }),
  );
  const result = await Promise.race([outcome, limit]);
  controller.abort();
  return result;
}

/** Runs `body` and returns how many milliseconds it took. */
export async function timeMs(body: () => unknown): Promise<number> {
  const start = nowMs();
  await body();
  return nowMs() - start;
}

/** The error's message, or the value as a string, in one line. */
export function describeError(error: unknown): string {
  const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return text.split('\n')[0] ?? text;
}
