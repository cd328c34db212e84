/**
 * `Value`: Python's `multiprocessing.Value`, one C-typed number in shared memory, with the
 * lock that guards it.
 */
import { allocateShared } from '../memory/arena.ts';
import type { Lock } from '../sync/lock.ts';
import type { RLock } from '../sync/rlock.ts';
import { kAttach } from '../internal/symbols.ts';
import {
  attach,
  attachmentOf,
  kSharedState,
  registerSharedKind,
  stateBuffer,
  type AttachArgument,
  type Shareable,
  type SharedState,
} from '../memory/shared-object.ts';
import {
  assertElement,
  assertTypecode,
  bytesPerElement,
  elementsOf,
  fromStored,
  lockFromOptions,
  noLockError,
  toStored,
  zeroOf,
  type Elements,
  type InputOf,
  type LockOptions,
  type Typecode,
  type ValueOf,
} from './typecodes.ts';
import { defineRepr, reprValue } from '../internal/repr.ts';

/**
 * Layout: one element of the typecode's C type (see typecodes.ts), and nothing else.
 * ```
 * [0] VALUE  Uint8 (a char), Int8 .. Float64, as the typecode says
 * ```
 * The lock is an object of its own, whose state travels in this one's `meta`.
 */
const VALUE = 0;

interface ValueMeta {
  readonly typecode: Typecode;
  /** The state of the value's lock (null for `lock: false`): the lock travels with it. */
  readonly lock: SharedState | null;
}

/** Options of `new Value()`. */
export type ValueOptions = LockOptions;

/** The value's operations, local or forwarded to the broker; each is one call. */
export interface ValueCoreApi {
  get(): number | bigint;
  set(value: number | bigint): void;
}

/** The value's operations on local memory: one memory access each. */
export class ValueCore implements ValueCoreApi {
  readonly #elements: Elements;

  constructor(elements: Elements) {
    this.#elements = elements;
  }

  get(): number | bigint {
    return this.#elements.read(VALUE);
  }

  set(value: number | bigint): void {
    this.#elements.write(VALUE, value);
  }
}

const KIND = 'Value';

/**
 * A number in shared memory that threads and processes read and write: Python's
 * `multiprocessing.Value`. The typecode says its C type (`'i'` a 32-bit int, `'d'` a
 * double, `'q'` a 64-bit int held as a `bigint`; see {@link Typecode}).
 *
 * Each read and each write of `.value` is one memory access, but `value.value += 1` is a
 * read and then a write: two workers doing it at once can lose an update. Hold the lock from
 * {@link Value.getLock} around such updates, as in Python's `with v.get_lock(): v.value += 1`.
 * (Python's wrapper also takes the lock for each single read or write; here a single access
 * needs no lock.)
 *
 * @example
 * ```ts
 * const counter = new Value('i', 0);
 * // in each worker:
 * counter.getLock().withLockSync(() => {
 *   counter.value += 1;
 * });
 * ```
 */
export class Value<T extends Typecode = Typecode> implements Shareable {
  /** Python's repr of this object, as `util.inspect` (so `console.log`) shows it too. */
  declare toString: () => string;

  readonly #state: SharedState;
  readonly #core: ValueCoreApi;
  readonly #typecode: T;
  readonly #lock: Lock | RLock | null;

  /**
   * One number in shared memory (Python's `multiprocessing.Value(typecode, initial)`), seen
   * by every thread and process it is passed to: `new Value('i', 0)`.
   *
   * @param typecode The C type, as Python's: `'c' 'b' 'B' 'h' 'H' 'i' 'I' 'l' 'L' 'q' 'Q' 'f'
   * 'd'`.
   * @param initial The first value. Default `0` (`0n` for the 64-bit integer typecodes, a
   * zero byte for `'c'`).
   * @param options `lock`: `true` (default) for a new RLock, `false` for none, or the Lock
   * or RLock to use.
   * @throws {ArgumentTypeError} for an unknown typecode (`ERR_INVALID_ARG_VALUE`, Python's
   * `TypeError`), an initial value of the wrong type (a `number` for `'q'`, a fraction for
   * `'i'`), or a `lock` that is not a boolean, Lock or RLock.
   */
  constructor(typecode: T, initial?: InputOf<T>, options?: ValueOptions);
  /** @internal Rebuilds a value that exists (see AttachArgument). */
  constructor(attach: AttachArgument<ValueCoreApi>);
  constructor(
    typecode: T | AttachArgument<ValueCoreApi>,
    initial?: InputOf<T>,
    options?: ValueOptions,
  ) {
    const attached = attachmentOf<ValueCoreApi>(typecode);
    if (attached !== undefined) {
      // Rebuilt in another realm over the same memory (or the broker), with its lock.
      const meta = attached.state.meta as ValueMeta;
      this.#state = attached.state;
      this.#core = attached.core;
      this.#typecode = meta.typecode as T;
      this.#lock = meta.lock === null ? null : (attach(meta.lock) as Lock | RLock);
      return;
    }
    assertTypecode(typecode);
    const first = initial === undefined ? zeroOf(typecode) : initial;
    assertElement(typecode, first, 'initial');
    this.#lock = lockFromOptions(options, 'new Value()');
    this.#typecode = typecode;
    const buffer = allocateShared(bytesPerElement(typecode));
    const meta: ValueMeta = { typecode, lock: this.#lock?.[kSharedState]() ?? null };
    this.#state = { kind: KIND, buffers: [buffer], meta };
    this.#core = new ValueCore(elementsOf(typecode, buffer));
    this.#core.set(toStored(typecode, first));
  }

  /** The typecode the value was created with. */
  get typecode(): T {
    return this.#typecode;
  }

  /**
   * The current value. In a child process, each read and each write is one round trip to
   * the parent's broker. A `'c'` value reads as a new one-byte `Uint8Array`.
   * @throws {ArgumentTypeError} (on assignment) for a value of the wrong type.
   */
  get value(): ValueOf<T> {
    return fromStored(this.#typecode, this.#core.get());
  }

  set value(value: ValueOf<T> | InputOf<T>) {
    assertElement(this.#typecode, value, 'value');
    this.#core.set(toStored(this.#typecode, value));
  }

  /**
   * The lock that guards this value: the RLock it was created with, or the Lock or RLock
   * passed as `lock`. Python's `get_lock()`.
   * @throws {StateError} for a value created with `lock: false`, which has none.
   * @example
   * ```ts
   * await balance.getLock().withLock(() => {
   *   balance.value -= amount;
   * });
   * ```
   */
  getLock(): Lock | RLock {
    if (this.#lock === null) throw noLockError('Value');
    return this.#lock;
  }

  /** @internal */
  [kSharedState](): SharedState {
    return this.#state;
  }
}

registerSharedKind<ValueCoreApi>(
  KIND,
  {
    localCore: (state) => {
      const { typecode } = state.meta as ValueMeta;
      return new ValueCore(elementsOf(typecode, stateBuffer(state)));
    },
    wrap: (state, core) => new Value({ [kAttach]: { state, core } }),
    methods: { get: 'sync', set: 'sync' },
  },
  import.meta.url,
);

// Python's `array('i', …)` style: `Value('i', 3)`.
defineRepr(Value, (value) => `Value('${value.typecode}', ${reprValue(value.value)})`);
