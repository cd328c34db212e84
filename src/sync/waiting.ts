/**
 * One waiting algorithm, two drivers. Each primitive writes its blocking operations once, as
 * a generator that yields every time it must sleep until a shared word changes. `runSync`
 * sleeps with `Atomics.wait` (threads, processes' main threads, and the main thread, where it
 * blocks the event loop); `runAsync` sleeps with `Atomics.waitAsync` and supports an
 * AbortSignal. The broker that serves child processes drives the same generators.
 */

/** A request to sleep until `cells[index]` differs from `expected`, or `timeout` ms pass. */
export interface WaitOn {
  readonly cells: Int32Array;
  readonly index: number;
  readonly expected: number;
  readonly timeout: number;
}

/** How a sleep ended, as the generator sees it. */
export type Woken = 'woken' | 'aborted';

export type Steps<T> = Generator<WaitOn, T, Woken>;

/**
 * The longest single sleep. Waiters re-check their condition at least this often, which
 * bounds how long a waiter takes to notice an owner that died holding a lock, and how long
 * a wake-up absorbed by an abandoned `waitAsync` (after an abort) can delay a real waiter.
 */
export const SLICE_MS = 50;

/** `Date.now()`-based deadline arithmetic; `Infinity` stays `Infinity`. */
export function deadlineAfter(timeout: number): number {
  return timeout === Infinity ? Infinity : performance.now() + timeout;
}

/** Milliseconds to sleep next: the time left, capped at one slice; 0 means time is up. */
export function sliceUntil(deadline: number): number {
  if (deadline === Infinity) return SLICE_MS;
  return Math.max(0, Math.min(SLICE_MS, deadline - performance.now()));
}

/** Runs `steps`, blocking this thread while it sleeps. */
export function runSync<T>(steps: Steps<T>): T {
  let step = steps.next('woken');
  while (step.done !== true) {
    const { cells, index, expected, timeout } = step.value;
    Atomics.wait(cells, index, expected, timeout);
    step = steps.next('woken');
  }
  return step.value;
}

/** A value a generator returns after it has cleaned up from an abort. */
export const ABORTED: unique symbol = Symbol('multitask.aborted');

/**
 * Runs `steps` without blocking. When `signal` aborts during a sleep the generator is told
 * (`'aborted'`) so that it can undo what it must (a Condition re-acquires its lock); if it
 * then returns {@link ABORTED} the promise rejects with the signal's reason.
 */
export async function runAsync<T>(steps: Steps<T | typeof ABORTED>, signal?: AbortSignal): Promise<T> {
  let step = steps.next(signal?.aborted === true ? 'aborted' : 'woken');
  while (step.done !== true) {
    const { cells, index, expected, timeout } = step.value;
    const result = Atomics.waitAsync(cells, index, expected, timeout);
    let woken: Woken = 'woken';
    if (result.async) {
      woken = signal === undefined ? (await result.value, 'woken') : await raceAbort(result.value, signal);
    }
    step = steps.next(woken);
  }
  if (step.value === ABORTED) throw signal?.reason ?? new Error('aborted');
  return step.value;
}

function raceAbort(sleep: Promise<unknown>, signal: AbortSignal): Promise<Woken> {
  if (signal.aborted) return Promise.resolve('aborted');
  return new Promise<Woken>((resolve) => {
    const onAbort = (): void => {
      resolve('aborted');
    };
    signal.addEventListener('abort', onAbort, { once: true });
    void sleep.then(() => {
      signal.removeEventListener('abort', onAbort);
      resolve('woken');
    });
  });
}
