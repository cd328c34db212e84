/**
 * gevent's `Greenlet` and `spawn`: a greenlet whose parent is the hub (the event loop),
 * started by the loop once the spawning code yields, and whose result is kept for `join()`,
 * `get()` and link callbacks instead of being switched to a parent.
 */
import { GreenletExit, Timeout } from '../errors.ts';
import { setLongTimeout } from '../internal/timers.ts';
import { parseTimeout, typeError } from '../internal/validate.ts';
import { block, enter, getcurrent, Greenlet, makeSpecial, onDeath, throwInto } from './greenlet.ts';
import { reportError, schedule } from './hub.ts';
import type { Outcome } from './suspension.ts';

/** The hub of this thread: the parent of every spawned greenlet, standing for the loop. */
let hub: Greenlet | undefined;

/** The hub of this thread. gevent's `get_hub()`: the parent of spawned greenlets. */
export function getHub(): Greenlet {
  return (hub ??= makeSpecial('Hub'));
}

/** A timeout in milliseconds, or `{ timeout }`. */
export type TimeoutArgument = number | { readonly timeout?: number | undefined } | undefined;

function timeoutOf(argument: TimeoutArgument): number {
  const value = typeof argument === 'object' ? argument.timeout : argument;
  return parseTimeout(value);
}

/** Options of {@link SpawnedGreenlet.kill} and `killAll`. */
export interface KillOptions {
  /**
   * The error raised in the greenlet: an instance, or a class constructed with no argument.
   * @default GreenletExit
   */
  readonly exception?: unknown;
  /**
   * Whether to wait until the greenlet is dead.
   * @default true
   */
  readonly block?: boolean;
  /** How long to wait, in milliseconds, when `block` is true. @default Infinity */
  readonly timeout?: number;
}

/** Makes the error a kill raises: an instance, or a new one of a class. */
export function killError(exception: unknown): unknown {
  if (exception === undefined) return new GreenletExit();
  if (typeof exception === 'function') return new (exception as new () => unknown)();
  return exception;
}

/** A link callback and when it runs. */
interface Link {
  /** The callback as given, for `unlink`. */
  readonly callback: unknown;
  /** Calls the callback with the greenlet. */
  readonly call: () => void;
  readonly when: 'any' | 'value' | 'exception';
}

/**
 * A greenlet that the event loop starts and whose result it keeps. gevent's `Greenlet`
 * (exported as `gevent.Greenlet`); `spawn()` makes and starts one.
 *
 * @example
 * ```ts
 * const g = spawn(async (name: string) => `${name} done`, 'eat');
 * await g.join();
 * g.value; // 'eat done'
 * ```
 */
export class SpawnedGreenlet<R = unknown> extends Greenlet {
  readonly #args: readonly unknown[];
  #outcome: Outcome | null = null;
  #cancelStart: (() => void) | null = null;
  /** Woken at death, synchronously: joins and waits in progress. */
  readonly #waiters = new Set<() => void>();
  /** Link callbacks, run from the loop after death, each with this greenlet. */
  readonly #links: Link[] = [];

  /**
   * @param run what the greenlet runs, called with `args`.
   * @throws {ArgumentTypeError} when `run` is not a function.
   */
  constructor(run: (...args: never[]) => R | PromiseLike<R>, ...args: unknown[]) {
    if (typeof run !== 'function') throw typeError('run', 'a function', run);
    super(run);
    this.parent = getHub();
    this.#args = args;
    onDeath(this, (outcome) => {
      this.#outcome = outcome;
      for (const wake of [...this.#waiters]) wake();
      for (const link of this.#links.splice(0)) this.#fire(link);
    });
  }

  /** Schedules the greenlet to start once the current one yields. Repeated calls do nothing. */
  start(): void {
    this.startLater(0);
  }

  /** Schedules the greenlet to start after `ms` milliseconds. gevent's `start_later`. */
  startLater(ms: number): void {
    const delay = parseTimeout(ms, 'ms', 'reject');
    if (this.started || this.#cancelStart !== null) return;
    const begin = (): void => {
      this.#cancelStart = null;
      if (!this.started) enter(this, { ok: true, value: undefined }, this.#args);
    };
    this.#cancelStart = delay === 0 ? schedule(begin) : setLongTimeout(begin, delay);
  }

  /** Whether the greenlet has finished: returned, thrown, or been killed. */
  ready(): boolean {
    return this.#outcome !== null;
  }

  /** Whether it returned, or was killed with `GreenletExit`. */
  successful(): boolean {
    return this.#outcome?.ok === true;
  }

  /** What the run returned (a `GreenletExit` when killed); `undefined` until then. */
  get value(): R | GreenletExit | undefined {
    return this.#outcome?.ok === true ? (this.#outcome.value as R | GreenletExit) : undefined;
  }

  /** The error the run threw; `null` while running and when it succeeded. */
  get exception(): unknown {
    return this.#outcome?.ok === false ? this.#outcome.error : null;
  }

  /**
   * Waits until the greenlet is dead or `timeout` ms have passed; resolves with nothing
   * either way (check `ready()`), as gevent's `join`. A switch point.
   * @example
   * ```ts
   * await g.join(1000);
   * ```
   */
  async join(timeout?: TimeoutArgument): Promise<void> {
    const ms = timeoutOf(timeout);
    if (this.ready()) return;
    await block<undefined>((wake) => {
      const done = (): void => {
        wake(undefined);
      };
      this.#waiters.add(done);
      const cancel = setLongTimeout(done, ms);
      return () => {
        this.#waiters.delete(done);
        cancel();
      };
    });
  }

  /**
   * The value, waiting for it unless `block` is false; rethrows the greenlet's error.
   * @throws {Timeout} `ERR_GEVENT_TIMEOUT` when not ready with `block: false`, or when
   * `timeout` ms pass first.
   * @example
   * ```ts
   * const result = await g.get({ timeout: 500 });
   * ```
   */
  async get(options: { readonly block?: boolean; readonly timeout?: number } = {}): Promise<R> {
    if (!this.ready()) {
      if (options.block === false) throw new Timeout(null);
      await this.join(options.timeout);
      if (!this.ready()) throw new Timeout(timeoutOf(options.timeout));
    }
    const outcome = this.#outcome as Outcome;
    if (!outcome.ok) throw outcome.error;
    return outcome.value as R;
  }

  /**
   * Raises `exception` (by default `GreenletExit`) in the greenlet at its switch point, and
   * by default waits for it to die. Never throws; does nothing to a dead greenlet; a greenlet
   * killed before it starts never runs, and its links still fire.
   * @example
   * ```ts
   * await g.kill({ exception: new Error('stop'), timeout: 100 });
   * ```
   */
  async kill(options: KillOptions = {}): Promise<void> {
    if (this.ready()) return;
    this.#cancelStart?.();
    this.#cancelStart = null;
    throwInto(this, killError(options.exception));
    // A greenlet killing itself dies at its next switch point; it cannot wait for that.
    if (options.block !== false && getcurrent() !== this) await this.join(options.timeout);
  }

  /** Calls `callback(this)` from the loop once the greenlet is dead (at once if it is). */
  link(callback: (g: SpawnedGreenlet<R>) => void): void {
    this.#link(callback, 'any');
  }

  /** Like {@link link}, only if it succeeds. gevent's `link_value`. */
  linkValue(callback: (g: SpawnedGreenlet<R>) => void): void {
    this.#link(callback, 'value');
  }

  /** Like {@link link}, only if it fails. gevent's `link_exception`. */
  linkException(callback: (g: SpawnedGreenlet<R>) => void): void {
    this.#link(callback, 'exception');
  }

  /** Removes every link of `callback`. */
  unlink(callback: (g: SpawnedGreenlet<R>) => void): void {
    for (let i = this.#links.length - 1; i >= 0; i--) {
      if (this.#links[i]?.callback === callback) this.#links.splice(i, 1);
    }
  }

  /** Registers an internal waker called synchronously at death; returns its removal. */
  waitDeath(wake: () => void): () => void {
    this.#waiters.add(wake);
    return () => this.#waiters.delete(wake);
  }

  #link(callback: (g: SpawnedGreenlet<R>) => void, when: 'any' | 'value' | 'exception'): void {
    if (typeof callback !== 'function') throw typeError('callback', 'a function', callback);
    const link: Link = {
      callback,
      call: () => {
        callback(this);
      },
      when,
    };
    if (this.ready()) this.#fire(link);
    else this.#links.push(link);
  }

  #fire(link: Link): void {
    const ok = this.successful();
    if ((link.when === 'value' && !ok) || (link.when === 'exception' && ok)) return;
    schedule(() => {
      try {
        link.call();
      } catch (error) {
        reportError(`link of ${this.name}`, error);
      }
    });
  }
}

/**
 * Makes a greenlet running `fn(...args)` and schedules it to start once the current code
 * yields (at its next `await` of a switch point, or of anything). gevent's `spawn`.
 *
 * @throws {ArgumentTypeError} when `fn` is not a function.
 * @example
 * ```ts
 * const jobs = ['miao', 'wang'].map((name) => spawn(eat, name));
 * await joinAll(jobs);
 * ```
 */
export function spawn<A extends unknown[], R>(
  fn: (...args: A) => R | PromiseLike<R>,
  ...args: A
): SpawnedGreenlet<Awaited<R>> {
  const g = new SpawnedGreenlet<Awaited<R>>(fn as never, ...args);
  g.start();
  return g;
}

/**
 * Like {@link spawn}, starting after `ms` milliseconds. gevent's `spawn_later`.
 * @throws {ArgumentTypeError} when `fn` is not a function.
 * @throws {ArgumentRangeError} when `ms` is negative.
 */
export function spawnLater<A extends unknown[], R>(
  ms: number,
  fn: (...args: A) => R | PromiseLike<R>,
  ...args: A
): SpawnedGreenlet<Awaited<R>> {
  const g = new SpawnedGreenlet<Awaited<R>>(fn as never, ...args);
  g.startLater(ms);
  return g;
}
