/**
 * What a switch carries and what it refuses: the values handed over, a run's outcome, and
 * the thread a greenlet belongs to (greenlet.ts).
 */
import { GreenletError, GreenletExit } from '../errors.ts';
import { currentThreadId } from '../runtime/identity.ts';
import type { Outcome } from './suspension.ts';

let ownKey: string | undefined;

/** Identifies the thread (and process) a greenlet belongs to; fixed for a realm's life. */
export function threadKey(): string {
  return (ownKey ??= `${process.pid}:${currentThreadId()}`);
}

/** What `switch(...args)` hands over: nothing, the one value, or the array of them. */
export function packed(args: readonly unknown[]): unknown {
  return args.length === 0 ? undefined : args.length === 1 ? args[0] : [...args];
}

/**
 * A greenlet sent to another thread arrives there as a plain copy, without its state: a
 * switch to it is a switch to another thread's greenlet, and refused as Python refuses it.
 */
export function refuseCopy(target: unknown, isGreenlet: boolean): void {
  if (!isGreenlet) {
    throw new GreenletError(
      'ERR_GREENLET_WRONG_THREAD',
      `cannot switch to a different thread (${String(target)} is not this thread's greenlet)`,
    );
  }
}

/** `GreenletExit` ends a run quietly: the parent receives it as a value. */
export function settled(error: unknown): Outcome {
  return error instanceof GreenletExit ? { ok: true, value: error } : { ok: false, error };
}
