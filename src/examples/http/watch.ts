/**
 * The HTTP server's watch over responses: the stall watchdog of a client that stops
 * reading, and the pieces of the access log (Common Log Format).
 */

/**
 * Calls `onStall` once when `progress()` has not been called for `ms`: the watchdog of a
 * response whose client stopped reading. Progress is the kernel taking bytes (a write's
 * callback), not bytes queued in the process, so the limit is exactly `ms` of no progress
 * (a socket's own timeout re-arms once while a write is pending, which doubled it).
 */
export function stallWatch(
  ms: number,
  onStall: () => void,
): { readonly progress: () => void; readonly stop: () => void } {
  let timer: NodeJS.Timeout | undefined;
  const arm = (): void => {
    clearTimeout(timer);
    timer = setTimeout(onStall, ms);
  };
  arm();
  return {
    progress: arm,
    stop: () => {
      clearTimeout(timer);
    },
  };
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** The last time field formatted, by its second: every request of that second reuses it. */
let lastSecond = Number.NaN;
let lastField = '';

/** `[10/Oct/2000:13:55:36 +0000]`: the time field of the Common Log Format, in UTC. */
export function clfTime(time: Date): string {
  const second = Math.floor(time.getTime() / 1000);
  if (second === lastSecond) return lastField;
  const two = (n: number): string => String(n).padStart(2, '0');
  lastField = `[${two(time.getUTCDate())}/${MONTHS[time.getUTCMonth()] ?? ''}/${time.getUTCFullYear()}:${two(
    time.getUTCHours(),
  )}:${two(time.getUTCMinutes())}:${two(time.getUTCSeconds())} +0000]`;
  lastSecond = second;
  return lastField;
}

/**
 * The status logged for a response whose body was cut short (the client went away, or
 * stalled): nginx's 499, so that an access log never shows a partial download as a 200.
 */
export const CUT_STATUS = 499;
