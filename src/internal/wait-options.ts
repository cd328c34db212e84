/**
 * The timeout argument of `Event#wait`, `Condition#wait`, `Barrier#wait`: milliseconds as
 * the first argument (`await event.wait(500)`) or `{ timeout, signal }`.
 */
import { checkOptions, optionNames } from './options.ts';
import { assertSignal, parseTimeout } from './validate.ts';

export interface WaitOptions {
  /** Milliseconds to wait at most. Default: forever. */
  readonly timeout?: number | undefined;
  /** Stops waiting (rejecting with the signal's reason) when aborted. */
  readonly signal?: AbortSignal | undefined;
}

const WAIT_OPTIONS = optionNames<WaitOptions>({ timeout: true, signal: true });

/**
 * Reads `timeout` or `{ timeout, signal }`; a negative timeout means "do not wait", and
 * `null` (Python's `None`) or `undefined` waits forever.
 * @throws {ArgumentTypeError} for a timeout that is not a number, or a signal that is not an
 * AbortSignal.
 */
export function waitArguments(timeout: number | WaitOptions | null | undefined): {
  ms: number;
  signal?: AbortSignal;
} {
  if (typeof timeout === 'object' && timeout !== null) {
    checkOptions(timeout, WAIT_OPTIONS, 'wait()');
    const ms = parseTimeout(timeout.timeout);
    if (timeout.signal === undefined) return { ms };
    assertSignal(timeout.signal);
    return { ms, signal: timeout.signal };
  }
  return { ms: parseTimeout(timeout) };
}
