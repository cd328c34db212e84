/**
 * Timers and deadlines that behave for any duration. `setTimeout` fires at once for delays
 * past 2^31-1 ms (about 24.8 days), so long waits are chained.
 */

const MAX_TIMER_DELAY = 2 ** 31 - 1;

export interface Cancel {
  (): void;
}

/** Calls `fn` after `ms` milliseconds (`Infinity`: never). Returns a function that cancels. */
export function setLongTimeout(fn: () => void, ms: number, unref = false): Cancel {
  if (ms === Infinity) return () => undefined;
  let handle: NodeJS.Timeout;
  const deadline = Date.now() + ms;
  const arm = (delay: number): void => {
    handle = setTimeout(
      () => {
        const left = deadline - Date.now();
        if (left > 0) arm(left);
        else fn();
      },
      Math.min(Math.max(delay, 0), MAX_TIMER_DELAY),
    );
    if (unref) handle.unref();
  };
  arm(ms);
  return () => {
    clearTimeout(handle);
  };
}

export interface WaitOptions {
  timeout?: number | undefined;
  signal?: AbortSignal | undefined;
}

/**
 * Waits for `done` until `timeout` ms have passed (resolving `false`) or `signal` aborts
 * (rejecting with the signal's reason). Resolves `true` when `done` settles first.
 */
export function waitUntil(
  done: Promise<unknown>,
  timeout: number,
  signal?: AbortSignal,
): Promise<boolean> {
  if (signal?.aborted === true) return Promise.reject(signal.reason as Error);
  return new Promise<boolean>((resolve, reject) => {
    const cleanup = (): void => {
      cancelTimer();
      signal?.removeEventListener('abort', onAbort);
    };
    const onAbort = (): void => {
      cleanup();
      reject(signal?.reason as Error);
    };
    const cancelTimer = setLongTimeout(() => {
      cleanup();
      resolve(false);
    }, timeout);
    signal?.addEventListener('abort', onAbort, { once: true });
    done.then(
      () => {
        cleanup();
        resolve(true);
      },
      () => {
        cleanup();
        resolve(true);
      },
    );
  });
}
