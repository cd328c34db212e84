/**
 * A greenlet's suspension: the one record through which it is resumed, thrown into, killed
 * or timed out, whatever it waits for (a switch back, or a gevent-style wait).
 */
import { watchBlocked } from './hub.ts';

/** How a greenlet's run ended, or what a switch delivers: a value or an error to throw. */
export type Outcome =
  { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly error: unknown };

export interface Suspension {
  /** `switch`: waiting for a switch back. `wait`: in a gevent-style wait. */
  readonly kind: 'switch' | 'wait';
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: unknown) => void;
}

/** Starts whatever will wake a waiting greenlet; returns how to stop it, if anything. */
export type Arm<T> = (
  wake: (value: T) => void,
  fail: (error: unknown) => void,
) => (() => void) | undefined;

/** Where a greenlet keeps its suspension record. */
export interface SuspensionSlot {
  get(): Suspension | null;
  set(suspension: Suspension | null): void;
  /** Whether the greenlet is the thread's main greenlet (the code outside any greenlet). */
  inMain(): boolean;
}

/**
 * A suspension in a switch: the lean form that every switch takes, with no `arm` to start
 * and no `LoopExit` watch (a greenlet left suspended in a switch is merely abandoned). Only
 * the greenlet's resume settles it, once, after clearing its slot.
 */
class SwitchSuspension implements Suspension {
  readonly kind = 'switch';
  readonly promise: Promise<unknown>;
  resolve!: (value: unknown) => void;
  #reject!: (error: unknown) => void;

  constructor() {
    this.promise = new Promise((resolve, reject) => {
      this.resolve = resolve;
      this.#reject = reject;
    });
  }

  reject(error: unknown): void {
    // A caller that dropped the promise must not crash the program with an unhandled
    // rejection; marking it handled only here spares every switch a second promise.
    this.promise.catch(ignore);
    this.#reject(error);
  }
}

/** Suspends in a switch: stores the record in `slot`; the promise settles on resume. */
export function suspendSwitch(slot: SuspensionSlot): Promise<unknown> {
  const suspension = new SwitchSuspension();
  slot.set(suspension);
  return suspension.promise;
}

function ignore(): void {}

/**
 * Suspends: stores a record in `slot` until `arm`'s callbacks (or a resume, throw, kill or
 * `LoopExit` through the record) settle it, whichever comes first.
 */
export function suspend<T>(
  slot: SuspensionSlot,
  kind: Suspension['kind'],
  arm: Arm<T>,
): Promise<T> {
  const promise = new Promise<T>((resolve, reject) => {
    // `arm` may wake the greenlet before it returns its disarm function.
    const state: { settled: boolean; disarm: (() => void) | undefined } = {
      settled: false,
      disarm: undefined,
    };
    const settle = (): boolean => {
      if (state.settled) return false;
      state.settled = true;
      if (slot.get() === suspension) slot.set(null);
      unwatch();
      state.disarm?.();
      return true;
    };
    const suspension: Suspension = {
      kind,
      resolve: (value) => {
        if (settle()) resolve(value as T);
      },
      reject: (error) => {
        // A greenlet may throw any value; the switch passes it on unchanged.
        // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors
        if (settle()) reject(error);
      },
    };
    // Only gevent-style waits count for LoopExit: a greenlet left suspended in a switch is
    // merely abandoned, as an unreferenced suspended greenlet is in Python.
    const unwatch =
      kind === 'wait'
        ? watchBlocked({ inMain: slot.inMain(), fail: suspension.reject })
        : () => undefined;
    slot.set(suspension);
    const disarm = arm(suspension.resolve, suspension.reject);
    if (state.settled) disarm?.();
    else state.disarm = disarm;
  });
  // A caller that drops the promise must not crash the program with an unhandled rejection.
  promise.catch(() => undefined);
  return promise;
}

/** A promise rejected with `error`, which may be any thrown value, as a switch delivers it. */
export function rejected(error: unknown): Promise<never> {
  return new Promise((_resolve, reject) => {
    // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors
    reject(error);
  });
}
