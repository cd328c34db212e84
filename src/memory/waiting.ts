/**
 * One waiting algorithm, two drivers. Each primitive writes its blocking operations once, as
 * a generator that yields every time it must sleep until a shared word changes. `runSync`
 * sleeps with `Atomics.wait` (threads, processes' main threads, and the main thread, where it
 * blocks the event loop); `runAsync` sleeps with `Atomics.waitAsync` and supports an
 * AbortSignal. The broker that serves child processes drives the same generators.
 *
 * Memory that processes share (an arena, arena.ts) is slept on and woken through the addon's
 * futex instead: V8 keeps the wait list of `Atomics.wait`/`notify` inside one process, so a
 * notify from another process would wake nobody. Both drivers, and {@link notify} (which
 * every waker calls), pick the mechanism by the buffer, so that a sleeper and its waker
 * always use the same one; plain buffers keep `Atomics` exactly as before.
 */
import { MultitaskError } from '../errors.ts';
import { addonIfLoaded, isArenaBuffer } from './arena.ts';
import { futexWaitAsync } from './native.ts';
import { Sleep } from './sleep-watch.ts';

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

/**
 * Wakes up to `count` (default all) sleepers on `cells[index]`, in every thread and, for an
 * arena's memory, every process. Change the word before calling it: the addon's async
 * waiter may miss a wake that changed nothing (and every sleeper re-checks its word).
 */
export function notify(cells: Int32Array, index: number, count?: number): void {
  if (isArenaBuffer(cells.buffer)) addonIfLoaded()?.wake(cells, index, count);
  else Atomics.notify(cells, index, count);
}

/**
 * Runs `steps`, blocking this thread while it sleeps. `forever` is what the wait is on, for
 * all-asleep detection (sleep-watch.ts), when it has no deadline and the check is on.
 */
export function runSync<T>(steps: Steps<T>, forever?: string): T {
  const sleep = Sleep.begin(forever);
  try {
    let step = steps.next('woken');
    while (step.done !== true) {
      const { cells, index, expected, timeout } = step.value;
      // A blocked thread runs nothing else: it sleeps, whatever its event loop holds.
      sleep?.beforeSleep(true);
      const addon = isArenaBuffer(cells.buffer) ? addonIfLoaded() : null;
      if (addon === null) Atomics.wait(cells, index, expected, timeout);
      else addon.wait(cells, index, expected, timeout);
      step = steps.next('woken');
    }
    return step.value;
  } finally {
    sleep?.end();
  }
}

/** A value a generator returns after it has cleaned up from an abort. */
export const ABORTED: unique symbol = Symbol('multitask.aborted');

/**
 * Runs `steps` without blocking. When `signal` aborts during a sleep the generator is told
 * (`'aborted'`) so that it can undo what it must (a Condition re-acquires its lock); if it
 * then returns {@link ABORTED} the promise rejects with the signal's reason.
 */
export async function runAsync<T>(
  steps: Steps<T | typeof ABORTED>,
  signal?: AbortSignal,
  forever?: string,
): Promise<T> {
  const sleep = Sleep.begin(forever);
  if (sleep === undefined) otherAwaits++;
  try {
    return await drive(steps, signal, sleep);
  } finally {
    if (sleep === undefined) otherAwaits--;
    else sleep.end();
  }
}

async function drive<T>(
  steps: Steps<T | typeof ABORTED>,
  signal: AbortSignal | undefined,
  sleep: Sleep | undefined,
): Promise<T> {
  // The generator hears of an abort once; what it does afterwards (a Condition re-acquiring
  // its lock) must really wait, not spin on the already-aborted signal.
  let told = false;
  let step = steps.next('woken');
  while (step.done !== true) {
    const { cells, index, expected, timeout } = step.value;
    let woken: Woken = 'woken';
    sleep?.beforeSleep(loopIdle());
    const addon = isArenaBuffer(cells.buffer) ? addonIfLoaded() : null;
    if (signal !== undefined && !told && signal.aborted) {
      woken = 'aborted';
    } else if (addon !== null) {
      // The addon's pending waits keep the event loop alive themselves.
      const live = signal === undefined || told ? {} : { signal };
      const result = await futexWaitAsync(addon, cells, index, expected, { timeout, ...live });
      if (result === 'aborted') woken = 'aborted';
    } else {
      const result = Atomics.waitAsync(cells, index, expected, timeout);
      if (result.async) {
        keepAlive(1);
        try {
          woken =
            signal === undefined || told
              ? (await result.value, 'woken')
              : await raceAbort(result.value, signal);
        } finally {
          keepAlive(-1);
        }
      }
    }
    if (woken === 'aborted') told = true;
    step = steps.next(woken);
  }
  if (step.value === ABORTED) {
    throw (
      signal?.reason ?? new MultitaskError('ERR_INTERNAL', 'a wait was aborted without a signal')
    );
  }
  return step.value;
}

/**
 * A pending `Atomics.waitAsync` does not keep Node's event loop alive
 * (https://github.com/nodejs/node/issues/61941): without this, `await lock.acquire()` in a
 * thread or a main thread with nothing else pending let the realm end in the middle of the
 * wait (a worker thread exited, a main module died with "unsettled top-level await"). One
 * ref'd timer stands for every sleep in progress in this realm, as a blocked Python thread
 * keeps its interpreter alive.
 */
let sleepers = 0;
let keepAliveTimer: NodeJS.Timeout | undefined;

function keepAlive(change: 1 | -1): void {
  sleepers += change;
  keepAliveTimer ??= setInterval(() => undefined, 2 ** 30).unref();
  if (sleepers === 0) keepAliveTimer.unref();
  else if (change === 1 && sleepers === 1) keepAliveTimer.ref();
}

/** Awaited waits in progress in this realm that are not watched (a deadline, or unnamed). */
let otherAwaits = 0;
/**
 * The handles by which multitask's own members reach a realm (a thread's ports, a child
 * process's pipes): by their type alone they cannot be told from a program's own, and they
 * do not count. Whoever sends through them runs, so it is not asleep.
 */
const MEMBERS_HANDLES = new Set(['MessagePort', 'PipeWrap', 'ProcessWrap']);

/**
 * Whether this realm's event loop holds nothing but its watched waits: no timer, immediate,
 * socket, server or pending request (what `process.getActiveResourcesInfo()` lists, but for
 * the timer that stands for the waits in progress and the members' handles), and no wait
 * with a deadline. Unref'd timers and handles are not listed: they count for nothing here,
 * as they do not keep a program alive.
 */
function loopIdle(): boolean {
  if (otherAwaits > 0) return false;
  let ownTimers = sleepers > 0 ? 1 : 0;
  for (const type of process.getActiveResourcesInfo()) {
    if (MEMBERS_HANDLES.has(type)) continue;
    if (type === 'Timeout' && ownTimers > 0) ownTimers--;
    else return false;
  }
  return true;
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
