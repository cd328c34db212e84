/**
 * `Timer`: Python's `threading.Timer`, a thread that calls a function after an interval
 * unless cancelled first.
 */
import { Event } from '../sync/event.ts';
import { parseTimeout } from '../internal/validate.ts';
import type { AnyFunction, Target } from '../runtime/target.ts';
import { Thread } from './thread.ts';

/**
 * Calls `target(...args)` in a new thread after `interval` ms, unless `cancel()` comes first.
 *
 * @example
 * ```ts
 * const timer = new Timer(1000, tasks.remind, ['stand up']);
 * timer.start();
 * timer.cancel();   // before it fires: it never does
 * ```
 */
export class Timer<F extends AnyFunction = AnyFunction> extends Thread<F> {
  static {
    this.register(import.meta.url);
  }

  /** Milliseconds between `start()` and the call. */
  readonly interval: number;
  /** Set by `cancel()`, and once the call is done. */
  readonly finished: Event;

  constructor(interval: number, target: Target<F>, args?: Parameters<F>) {
    super({ target, args: args ?? [] } as never);
    this.interval = parseTimeout(interval, 'interval');
    this.finished = new Event();
  }

  /** Stops the timer if it has not fired yet; a no-op afterwards. Works before `start()` too. */
  cancel(): void {
    this.finished.set();
  }

  override async run(): Promise<void> {
    if (!(await this.finished.wait(this.interval))) await super.run();
    this.finished.set();
  }
}
