/**
 * `SharedArray`: Python's `multiprocessing.Array`, a fixed-length array of one C type in
 * shared memory, with the lock that guards it.
 */
import { allocateShared } from '../memory/arena.ts';
import { ArgumentRangeError } from '../errors.ts';
import { assertInteger, describeValue, typeError } from '../internal/validate.ts';
import type { Lock } from '../sync/lock.ts';
import type { RLock } from '../sync/rlock.ts';
import { kAttach } from '../internal/symbols.ts';
import { installIndexing } from './indexing.ts';
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
  type Elements,
  type InputOf,
  type LockOptions,
  type SliceOf,
  type Typecode,
  type ValueOf,
} from './typecodes.ts';
import { defineRepr, reprItems } from '../internal/repr.ts';

/**
 * Layout: `length` elements of the typecode's C type (see typecodes.ts), back to back.
 * ```
 * [0 .. length)  ELEMENT i  Uint8 (a char), Int8 .. Float64, as the typecode says
 * ```
 * The length is fixed at creation and travels in `meta`, so reading it costs no round trip.
 */

interface SharedArrayMeta {
  readonly typecode: Typecode;
  readonly length: number;
  /** The state of the array's lock (null for `lock: false`): the lock travels with it. */
  readonly lock: SharedState | null;
}

/** Options of `new SharedArray()`. */
export type SharedArrayOptions = LockOptions;

/**
 * The array's operations. A remote core makes each call one round trip, so the slice
 * operations move a whole slice at once. Indexes arrive checked and non-negative.
 */
export interface SharedArrayCoreApi {
  get(index: number): number | bigint;
  set(index: number, value: number | bigint): void;
  getSlice(start: number, end: number): (number | bigint)[];
  setSlice(start: number, values: readonly (number | bigint)[]): void;
}

/** The array's operations on local memory. */
export class SharedArrayCore implements SharedArrayCoreApi {
  readonly #elements: Elements;

  constructor(elements: Elements) {
    this.#elements = elements;
  }

  get(index: number): number | bigint {
    return this.#elements.read(index);
  }

  set(index: number, value: number | bigint): void {
    this.#elements.write(index, value);
  }

  getSlice(start: number, end: number): (number | bigint)[] {
    return this.#elements.readRange(start, end);
  }

  setSlice(start: number, values: readonly (number | bigint)[]): void {
    this.#elements.writeRange(start, values);
  }
}

const KIND = 'SharedArray';

/**
 * A fixed-length array of numbers in shared memory that threads and processes read and
 * write: Python's `multiprocessing.Array`. The typecode says the C type of its elements
 * (see {@link Typecode}); `'q'`-style 64-bit elements are `bigint`s.
 *
 * Each element read or write is one memory access. Updates that read and then write, and
 * slices read while another worker writes, need the lock from {@link SharedArray.getLock}.
 *
 * @example
 * ```ts
 * const squares = new SharedArray('d', 4);        // [0, 0, 0, 0]
 * // in a worker:
 * for (let i = 0; i < squares.length; i++) squares.set(i, i * i);
 * // after join():
 * squares.toArray();                               // [0, 1, 4, 9]
 * squares.get(-1);                                 // 9
 * ```
 */
export class SharedArray<T extends Typecode = Typecode> implements Shareable, Iterable<ValueOf<T>> {
  /** Python's repr of this object, as `util.inspect` (so `console.log`) shows it too. */
  declare toString: () => string;

  /**
   * `arr[i]` and `arr[i] = v`: {@link SharedArray.get} and {@link SharedArray.set}, with
   * their checks and errors (a negative index counts from the end).
   */
  [index: number]: ValueOf<T>;

  readonly #state: SharedState;
  readonly #core: SharedArrayCoreApi;
  readonly #typecode: T;
  readonly #length: number;
  readonly #lock: Lock | RLock | null;

  /**
   * A fixed-length array of numbers in shared memory (Python's
   * `multiprocessing.Array(typecode, size_or_initializer)`), seen by every thread and process
   * it is passed to: `new SharedArray('d', 4)` or `new SharedArray('i', [1, 2, 3])`.
   *
   * @param typecode The C type of the elements, as Python's: `'c' 'b' 'B' 'h' 'H' 'i' 'I'
   * 'l' 'L' 'q' 'Q' 'f' 'd'`.
   * @param lengthOrValues A length (the array starts zero-filled), or the initial values
   * (for `'c'`, a `Uint8Array` of bytes will do, as Python's `bytes`).
   * @param options `lock`: `true` (default) for a new RLock, `false` for none, or the Lock
   * or RLock to use.
   * @throws {ArgumentRangeError} for a negative length (`ERR_OUT_OF_RANGE`).
   * @throws {ArgumentTypeError} for an unknown typecode (`ERR_INVALID_ARG_VALUE`, Python's
   * `TypeError`), a fractional length, a value of the wrong type, `lengthOrValues` that is
   * neither a number nor an iterable, or a `lock` that is not a boolean, Lock or RLock.
   */
  constructor(
    typecode: T,
    lengthOrValues: number | Iterable<InputOf<T>>,
    options?: SharedArrayOptions,
  );
  /** @internal Rebuilds an array that exists (see AttachArgument). */
  constructor(attach: AttachArgument<SharedArrayCoreApi>);
  constructor(
    typecode: T | AttachArgument<SharedArrayCoreApi>,
    lengthOrValues?: number | Iterable<InputOf<T>>,
    options?: SharedArrayOptions,
  ) {
    const attached = attachmentOf<SharedArrayCoreApi>(typecode);
    if (attached !== undefined) {
      // Rebuilt in another realm over the same memory (or the broker), with its lock.
      const meta = attached.state.meta as SharedArrayMeta;
      this.#state = attached.state;
      this.#core = attached.core;
      this.#typecode = meta.typecode as T;
      this.#length = meta.length;
      this.#lock = meta.lock === null ? null : (attach(meta.lock) as Lock | RLock);
      return;
    }
    assertTypecode(typecode);
    let values: unknown[] | undefined;
    if (typeof lengthOrValues === 'number') {
      // A fraction is Python's TypeError (a ctypes type times a float), as SharedMemory's size.
      if (!Number.isInteger(lengthOrValues))
        throw typeError('length', 'an integer', lengthOrValues);
      assertInteger(lengthOrValues, 'length', 0);
    } else if (isIterable(lengthOrValues)) {
      values = [...(lengthOrValues as Iterable<unknown>)];
      for (const [i, value] of values.entries()) assertElement(typecode, value, `values[${i}]`);
    } else {
      throw typeError('lengthOrValues', 'a length or an iterable of values', lengthOrValues);
    }
    this.#lock = lockFromOptions(options, 'new SharedArray()');
    this.#typecode = typecode;
    this.#length = values?.length ?? (lengthOrValues as number);
    const buffer = allocateShared(this.#length * bytesPerElement(typecode));
    const meta: SharedArrayMeta = {
      typecode,
      length: this.#length,
      lock: this.#lock?.[kSharedState]() ?? null,
    };
    this.#state = { kind: KIND, buffers: [buffer], meta };
    this.#core = new SharedArrayCore(elementsOf(typecode, buffer));
    if (values !== undefined) this.#core.setSlice(0, this.#stored(values));
  }

  /** The typecode the array was created with. */
  get typecode(): T {
    return this.#typecode;
  }

  /** The number of elements, fixed at creation. */
  get length(): number {
    return this.#length;
  }

  /**
   * The element at `index`; a negative index counts from the end, as in Python.
   * @throws {ArgumentRangeError} for an index outside the array (`ERR_OUT_OF_RANGE`).
   * @throws {ArgumentTypeError} for an index that is not a number.
   */
  get(index: number): ValueOf<T> {
    const stored = this.#core.get(this.#index(index));
    // Only 'c' converts: the other typecodes keep get() one memory access and no call more.
    return (this.#typecode === 'c' ? fromStored('c', stored) : stored) as ValueOf<T>;
  }

  /**
   * Stores `value` at `index`; a negative index counts from the end.
   * @throws {ArgumentRangeError} for an index outside the array (`ERR_OUT_OF_RANGE`).
   * @throws {ArgumentTypeError} for a value of the wrong type for the typecode.
   */
  set(index: number, value: InputOf<T>): void {
    const at = this.#index(index);
    assertElement(this.#typecode, value, 'value');
    this.#core.set(at, this.#typecode === 'c' ? toStored('c', value) : (value as number | bigint));
  }

  /**
   * The elements from `start` up to, not including, `end`, as Python's `array[start:end]`:
   * negative bounds count from the end, bounds past either end are clamped, and a start at
   * or after the end gives `[]`. For `'c'`, the slice is bytes: one `Uint8Array`, as
   * Python's is one `bytes`. In a child process this is one round trip.
   * @param start Default 0.
   * @param end Default the length.
   * @throws {ArgumentTypeError} for a bound that is not an integer.
   * @example
   * ```ts
   * new SharedArray('i', [1, 2, 3, 4]).getSlice(1, -1);   // [2, 3]
   * ```
   */
  getSlice(start?: number, end?: number): SliceOf<T> {
    const [from, to] = this.#bounds(start, end);
    const stored = from >= to ? [] : this.#core.getSlice(from, to);
    const slice = this.#typecode === 'c' ? Uint8Array.from(stored as number[]) : stored;
    return slice as SliceOf<T>;
  }

  /**
   * Replaces the elements from `start` up to `end` (bounds as in {@link SharedArray.getSlice})
   * with `values`, which must be exactly as many: the array's length never changes. Python's
   * `array[start:end] = values`. In a child process this is one round trip.
   * @throws {ArgumentRangeError} when `values` has a different length from the slice
   * (`ERR_INVALID_ARG_VALUE`), as Python's `ValueError`; nothing is written then.
   * @throws {ArgumentTypeError} for a bound that is not an integer, or a value of the wrong type.
   * @example
   * ```ts
   * const a = new SharedArray('i', 5);
   * a.setSlice(1, 3, [7, 8]);     // [0, 7, 8, 0, 0]
   * a.setSlice(1, 3, [7]);        // throws ArgumentRangeError
   * ```
   */
  setSlice(start: number | undefined, end: number | undefined, values: Iterable<InputOf<T>>): void {
    const [from, to] = this.#bounds(start, end);
    if (!isIterable(values)) throw typeError('values', 'an iterable of values', values);
    const items = [...(values as Iterable<unknown>)];
    const size = Math.max(0, to - from);
    if (items.length !== size) {
      throw new ArgumentRangeError(
        `Expected \`values\` to have ${size} items, as many as the slice [${from}, ${to}) they replace, got ${items.length}: a SharedArray's length is fixed`,
        'ERR_INVALID_ARG_VALUE',
      );
    }
    for (const [i, value] of items.entries()) assertElement(this.#typecode, value, `values[${i}]`);
    if (size > 0) this.#core.setSlice(from, this.#stored(items));
  }

  /**
   * Every element, as an array (one round trip in a child process); for `'c'`, one-byte
   * `Uint8Array`s, as Python's `list()` of a char array gives one-byte `bytes`.
   */
  toArray(): ValueOf<T>[] {
    const stored = this.#length === 0 ? [] : this.#core.getSlice(0, this.#length);
    if (this.#typecode !== 'c') return stored as ValueOf<T>[];
    return stored.map((byte) => fromStored(this.#typecode, byte));
  }

  /** Checked values as they are stored. */
  #stored(values: readonly unknown[]): (number | bigint)[] {
    return values.map((value) => toStored(this.#typecode, value));
  }

  /** Iterates over a copy of the elements taken when iteration starts (one round trip). */
  [Symbol.iterator](): Iterator<ValueOf<T>> {
    return this.toArray()[Symbol.iterator]();
  }

  /**
   * The lock that guards this array: the RLock it was created with, or the Lock or RLock
   * passed as `lock`. Python's `get_lock()`.
   * @throws {StateError} for an array created with `lock: false`, which has none.
   * @example
   * ```ts
   * totals.getLock().withLockSync(() => {
   *   totals.set(0, totals.get(0) + 1);
   * });
   * ```
   */
  getLock(): Lock | RLock {
    if (this.#lock === null) throw noLockError('SharedArray');
    return this.#lock;
  }

  /** @internal */
  [kSharedState](): SharedState {
    return this.#state;
  }

  /** A checked index, counted from the start. */
  #index(index: number): number {
    const length = this.#length;
    if (typeof index !== 'number' || !Number.isInteger(index))
      throw typeError('index', 'an integer', index);
    if (index < -length || index >= length) {
      const expected =
        length === 0
          ? 'within the SharedArray, which is empty'
          : `an integer from ${-length} to ${length - 1} for a SharedArray of length ${length}`;
      throw new ArgumentRangeError(
        `Expected \`index\` to be ${expected}, got ${describeValue(index)}`,
      );
    }
    return index < 0 ? index + length : index;
  }

  /** Python's slice bounds: [from, to) within [0, length]. */
  #bounds(start: number | undefined, end: number | undefined): [number, number] {
    return [this.#bound(start, 'start', 0), this.#bound(end, 'end', this.#length)];
  }

  #bound(value: number | undefined, name: string, absent: number): number {
    if (value === undefined) return absent;
    if (typeof value !== 'number' || !Number.isInteger(value))
      throw typeError(name, 'an integer', value);
    const length = this.#length;
    if (value < 0) return Math.max(0, value + length);
    return Math.min(value, length);
  }
}

installIndexing(
  SharedArray,
  (array, index) => array.get(index),
  (array, index, value) => {
    array.set(index, value as never);
  },
);

function isIterable(value: unknown): value is Iterable<unknown> {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { [Symbol.iterator]?: unknown })[Symbol.iterator] === 'function'
  );
}

registerSharedKind<SharedArrayCoreApi>(
  KIND,
  {
    localCore: (state) => {
      const { typecode } = state.meta as SharedArrayMeta;
      return new SharedArrayCore(elementsOf(typecode, stateBuffer(state)));
    },
    wrap: (state, core) => new SharedArray({ [kAttach]: { state, core } }),
    methods: { get: 'sync', set: 'sync', getSlice: 'sync', setSlice: 'sync' },
  },
  import.meta.url,
);

// Python's `array('d', [1.0, 2.0])`, truncated: `SharedArray('d', [1, 2, … 98 more])`.
defineRepr(SharedArray, (array) => {
  const shown = Array.from({ length: Math.min(array.length, 8) }, (_, i) => array.get(i));
  return `SharedArray('${array.typecode}', ${reprItems(shown, array.length)})`;
});
