/**
 * `Semaphore` and `BoundedSemaphore`: Python's counting semaphores, one counter in shared
 * memory. `acquire()` takes one unit, waiting while there is none; `release(n)` gives back n.
 */
import { allocateShared } from '../memory/arena.ts';
import { StateError } from '../errors.ts';
import { assertInteger } from '../internal/validate.ts';
import { kAttach } from '../internal/symbols.ts';
import {
  attachmentOf,
  kSharedState,
  registerSharedKind,
  stateBuffer,
  type AttachArgument,
  type Shareable,
  type SharedState,
} from '../memory/shared-object.ts';
import { AcquirableBase, acquireTimeout, type AcquireOptions } from './acquirable.ts';
import {
  notify,
  ABORTED,
  deadlineAfter,
  runAsync,
  runSync,
  sliceUntil,
  type Steps,
} from '../memory/waiting.ts';
import { forever } from '../memory/sleep-watch.ts';
import { defineRepr } from '../internal/repr.ts';

/**
 * Layout (Int32 slots):
 * ```
 * [0] VALUE  units available
 * [1] BOUND  the most VALUE may reach (the initial value) for a BoundedSemaphore; -1 if none
 * ```
 */
/** What a semaphore's waiter waits on, in all-asleep reports (its holders are not owners). */
const SEMAPHORE_WAIT = 'Semaphore.acquire()';
const VALUE = 0;
const BOUND = 1;
const SLOTS = 2;
const UNBOUNDED = -1;
/** The most units a semaphore holds: its Int32 word's, and Linux's `SEM_VALUE_MAX`. */
const MAX_VALUE = 2 ** 31 - 1;

export interface SemaphoreCoreApi {
  acquire(timeout: number, signal?: AbortSignal): Promise<boolean>;
  acquireSync(timeout: number): boolean;
  release(n: number): void;
  value(): number;
  /** The most the value may reach (a BoundedSemaphore's initial value), or -1 if none. */
  bound(): number;
}

function tryTake(cells: Int32Array): boolean {
  for (;;) {
    const value = Atomics.load(cells, VALUE);
    if (value <= 0) return false;
    if (Atomics.compareExchange(cells, VALUE, value, value - 1) === value) return true;
  }
}

function* takeSteps(cells: Int32Array, timeout: number): Steps<boolean | typeof ABORTED> {
  const deadline = deadlineAfter(timeout);
  for (;;) {
    if (tryTake(cells)) return true;
    const slice = sliceUntil(deadline);
    if (slice === 0) return false;
    if ((yield { cells, index: VALUE, expected: 0, timeout: slice }) === 'aborted') return ABORTED;
  }
}

export class SemaphoreCore implements SemaphoreCoreApi {
  readonly #cells: Int32Array;

  constructor(cells: Int32Array) {
    this.#cells = cells;
  }

  acquire(timeout: number, signal?: AbortSignal): Promise<boolean> {
    if (tryTake(this.#cells)) return Promise.resolve(true);
    if (timeout === 0) return Promise.resolve(false);
    return runAsync(takeSteps(this.#cells, timeout), signal, forever(timeout, SEMAPHORE_WAIT));
  }

  acquireSync(timeout: number): boolean {
    if (tryTake(this.#cells)) return true;
    if (timeout === 0) return false;
    return runSync(takeSteps(this.#cells, timeout), forever(timeout, SEMAPHORE_WAIT)) === true;
  }

  release(n: number): void {
    const cells = this.#cells;
    const bound = Atomics.load(cells, BOUND);
    for (;;) {
      const value = Atomics.load(cells, VALUE);
      if (value + n > (bound === UNBOUNDED ? MAX_VALUE : bound)) {
        // Past the word's range, the count would wrap to a negative value and stop
        // every acquire: refused as a BoundedSemaphore refuses its own excess.
        throw new StateError(
          'ERR_RELEASED_TOO_MANY_TIMES',
          bound === UNBOUNDED
            ? `Semaphore released too many times: it holds at most ${MAX_VALUE} units`
            : 'Semaphore released too many times',
        );
      }
      if (Atomics.compareExchange(cells, VALUE, value, value + n) === value) break;
    }
    notify(cells, VALUE, n);
  }

  value(): number {
    return Atomics.load(this.#cells, VALUE);
  }

  bound(): number {
    return Atomics.load(this.#cells, BOUND);
  }
}

/**
 * A counting semaphore: Python's `threading.Semaphore` / `multiprocessing.Semaphore`.
 *
 * @example
 * ```ts
 * const slots = new Semaphore(3);           // at most 3 at a time
 * await slots.withLock(async () => download(url));
 * ```
 */
export class Semaphore extends AcquirableBase implements Shareable {
  /** Python's repr of this object, as `util.inspect` (so `console.log`) shows it too. */
  declare toString: () => string;

  protected readonly description: string = 'the semaphore';
  readonly #state: SharedState;
  readonly #core: SemaphoreCoreApi;

  /**
   * @param value The initial number of units, from 0 to 2,147,483,647. Default 1.
   * @throws {ArgumentRangeError} for a negative, fractional or larger value (Python's
   * `ValueError`).
   */
  constructor(value?: number);
  /** @internal Rebuilds a semaphore that exists (see AttachArgument). */
  constructor(attach: AttachArgument<SemaphoreCoreApi>);
  constructor(value: number | AttachArgument<SemaphoreCoreApi> = 1) {
    super();
    const attached = attachmentOf<SemaphoreCoreApi>(value);
    if (attached !== undefined) {
      this.#state = attached.state;
      this.#core = attached.core;
      return;
    }
    assertInteger(value, 'value', 0, MAX_VALUE);
    const buffer = allocateShared(SLOTS * Int32Array.BYTES_PER_ELEMENT);
    const cells = new Int32Array(buffer);
    cells[VALUE] = value;
    cells[BOUND] = this.bounded() ? value : UNBOUNDED;
    this.#state = {
      kind: this.bounded() ? 'BoundedSemaphore' : 'Semaphore',
      buffers: [buffer],
      meta: null,
    };
    this.#core = new SemaphoreCore(cells);
  }

  /** @internal Whether release() may not exceed the initial value. */
  protected bounded(): boolean {
    return false;
  }

  /**
   * Takes one unit: resolves `true`, or `false` when not `blocking` or the `timeout` expired.
   * @throws {ArgumentRangeError} for a timeout with `blocking: false`, or a negative timeout.
   */
  async acquire(options?: AcquireOptions): Promise<boolean> {
    return this.#core.acquire(acquireTimeout(options), options?.signal);
  }

  /** As {@link Semaphore.acquire}, blocking the calling thread. */
  acquireSync(options?: AcquireOptions): boolean {
    return this.#core.acquireSync(acquireTimeout(options));
  }

  /**
   * Gives back `n` units (default 1), waking up to `n` waiters.
   * @throws {ArgumentRangeError} when `n` is not an integer from 1 up.
   * @throws {StateError} for a BoundedSemaphore released past its initial value, or any
   * semaphore past 2,147,483,647 units (`ERR_RELEASED_TOO_MANY_TIMES`); the value is then
   * unchanged.
   */
  release(n = 1): void {
    assertInteger(n, 'n', 1);
    this.#core.release(n);
  }

  /** The units available now. Python's `multiprocessing.Semaphore.get_value()`. */
  getValue(): number {
    return this.#core.value();
  }

  /** @internal */
  [kSharedState](): SharedState {
    return this.#state;
  }

  static {
    // Python's `<threading.Semaphore at …: value=1>`, `<threading.BoundedSemaphore at …:
    // value=1/2>`.
    defineRepr(Semaphore, (semaphore) => {
      const bound = semaphore.#core.bound();
      const value = `${semaphore.getValue()}${bound === UNBOUNDED ? '' : `/${bound}`}`;
      return `<${semaphore.constructor.name} value=${value}>`;
    });
  }
}

/**
 * A semaphore that refuses to be released past its initial value: Python's
 * `BoundedSemaphore`, which catches a release without a matching acquire.
 */
export class BoundedSemaphore extends Semaphore {
  protected override readonly description: string = 'the bounded semaphore';

  protected override bounded(): boolean {
    return true;
  }
}

for (const [kind, Class] of [
  ['Semaphore', Semaphore],
  ['BoundedSemaphore', BoundedSemaphore],
] as const) {
  registerSharedKind<SemaphoreCoreApi>(
    kind,
    {
      localCore: (state) => new SemaphoreCore(new Int32Array(stateBuffer(state), 0, SLOTS)),
      wrap: (state, core) => new Class({ [kAttach]: { state, core } }),
      methods: {
        acquire: 'async',
        acquireSync: 'blocking',
        release: 'sync',
        value: 'sync',
        bound: 'sync',
      },
    },
    import.meta.url,
  );
}
