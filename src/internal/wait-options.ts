/**
 * The timeout argument of `Event#wait`, `Condition#wait`, `Barrier#wait`: milliseconds as
 * the first argument (`await event.wait(500)`) or `{ timeout, signal }`.
 */
import { parseTimeout } from './validate.ts';

export interface WaitOptions {
  /** Milliseconds to wait at most. Default: forever. */
  readonly timeout?: number | undefined;
  /** Stops waiting (rejecting with the signal's reason) when aborted. */
  readonly signal?: AbortSignal | undefined;
}

/** Reads `timeout` or `{ timeout, signal }`; a negative timeout means "do not wait". */
export function waitArguments(timeout: number | WaitOptions | undefined): {
  ms: number;
  signal?: AbortSignal;
} {
  if (typeof timeout === 'object') {
    const ms = parseTimeout(timeout.timeout);
    return timeout.signal === undefined ? { ms } : { ms, signal: timeout.signal };
  }
  return { ms: parseTimeout(timeout) };
}
