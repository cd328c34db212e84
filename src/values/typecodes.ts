/**
 * What `Value` and `SharedArray` share: Python's ctypes typecodes mapped to typed arrays,
 * the checks on the values stored, element access, and the `lock` option.
 */
import { ArgumentTypeError, StateError } from '../errors.ts';
import { checkOptions, optionNames } from '../internal/options.ts';
import { describeValue, typeError } from '../internal/validate.ts';
import { Lock } from '../sync/lock.ts';
import { RLock } from '../sync/rlock.ts';

/** Typecodes whose values are `number`s. */
export type NumberTypecode = 'b' | 'B' | 'h' | 'H' | 'i' | 'I' | 'f' | 'd';
/** Typecodes of 64-bit integers, whose values are `bigint`s. */
export type BigIntTypecode = 'l' | 'L' | 'q' | 'Q';
/** The typecode of a C `char`, whose values are one-byte `Uint8Array`s (Python's `bytes`). */
export type CharTypecode = 'c';
/**
 * Python's ctypes typecodes, as `multiprocessing.Value` and `Array` take them:
 *
 * | typecode | C type             | element          | JavaScript value |
 * | -------- | ------------------ | ---------------- | ---------------- |
 * | `'c'`    | char               | `Uint8Array`     | `Uint8Array`     |
 * | `'b'`    | signed char        | `Int8Array`      | `number`         |
 * | `'B'`    | unsigned char      | `Uint8Array`     | `number`         |
 * | `'h'`    | short              | `Int16Array`     | `number`         |
 * | `'H'`    | unsigned short     | `Uint16Array`    | `number`         |
 * | `'i'`    | int                | `Int32Array`     | `number`         |
 * | `'I'`    | unsigned int       | `Uint32Array`    | `number`         |
 * | `'l'`    | long (64-bit)      | `BigInt64Array`  | `bigint`         |
 * | `'L'`    | unsigned long      | `BigUint64Array` | `bigint`         |
 * | `'q'`    | long long          | `BigInt64Array`  | `bigint`         |
 * | `'Q'`    | unsigned long long | `BigUint64Array` | `bigint`         |
 * | `'f'`    | float              | `Float32Array`   | `number`         |
 * | `'d'`    | double             | `Float64Array`   | `number`         |
 *
 * `long` is 64-bit as on Linux and macOS, where Python's `'l'` is too. A `'c'` value reads
 * as a one-byte `Uint8Array`, as Python's reads as a one-byte `bytes`, and is written from
 * one (or from an integer from 0 to 255, as Python's `c_char` takes an `int` too).
 */
export type Typecode = CharTypecode | NumberTypecode | BigIntTypecode;

/**
 * The JavaScript type of a typecode's values: `bigint` for 64-bit integers, a one-byte
 * `Uint8Array` for `'c'`, else `number`.
 */
export type ValueOf<T extends Typecode> = T extends BigIntTypecode
  ? bigint
  : T extends CharTypecode
    ? Uint8Array
    : number;

/** What a typecode's elements may be written from: a value, or a byte's integer for `'c'`. */
export type InputOf<T extends Typecode> = T extends CharTypecode ? Uint8Array | number : ValueOf<T>;

/** What a slice reads as: bytes (a `Uint8Array`) for `'c'`, as Python's, else an array. */
export type SliceOf<T extends Typecode> = T extends CharTypecode ? Uint8Array : ValueOf<T>[];

/** The value as it is stored: the byte of a `'c'` value, else the value itself. */
export type Stored = number | bigint;

type IntArray = Int8Array | Uint8Array | Int16Array | Uint16Array | Int32Array | Uint32Array;
type BigIntArray = BigInt64Array | BigUint64Array;
type FloatArray = Float32Array | Float64Array;

interface TypedArrayClass<A> {
  readonly BYTES_PER_ELEMENT: number;
  new (buffer: SharedArrayBuffer, byteOffset?: number, length?: number): A;
}

type Spec =
  | { readonly family: 'int' | 'char'; readonly Array: TypedArrayClass<IntArray> }
  | { readonly family: 'bigint'; readonly Array: TypedArrayClass<BigIntArray> }
  | { readonly family: 'float'; readonly Array: TypedArrayClass<FloatArray> };

const SPECS: Readonly<Record<Typecode, Spec>> = {
  c: { family: 'char', Array: Uint8Array },
  b: { family: 'int', Array: Int8Array },
  B: { family: 'int', Array: Uint8Array },
  h: { family: 'int', Array: Int16Array },
  H: { family: 'int', Array: Uint16Array },
  i: { family: 'int', Array: Int32Array },
  I: { family: 'int', Array: Uint32Array },
  l: { family: 'bigint', Array: BigInt64Array },
  L: { family: 'bigint', Array: BigUint64Array },
  q: { family: 'bigint', Array: BigInt64Array },
  Q: { family: 'bigint', Array: BigUint64Array },
  f: { family: 'float', Array: Float32Array },
  d: { family: 'float', Array: Float64Array },
};

/** Every typecode, in Python's documentation order. */
export const TYPECODES: readonly Typecode[] = Object.keys(SPECS) as Typecode[];

function isTypecode(value: unknown): value is Typecode {
  return typeof value === 'string' && Object.hasOwn(SPECS, value);
}

/**
 * @throws {ArgumentTypeError} `ERR_INVALID_ARG_VALUE` for anything but a typecode, as
 * Python's `Value` and `Array` raise `TypeError` for one.
 */
export function assertTypecode(value: unknown): asserts value is Typecode {
  if (isTypecode(value)) return;
  const list = TYPECODES.map((code) => `'${code}'`).join(', ');
  throw new ArgumentTypeError(
    `Expected \`typecode\` to be one of ${list}, got ${describeValue(value)}`,
    'ERR_INVALID_ARG_VALUE',
  );
}

/** Bytes one element of `typecode` takes. */
export function bytesPerElement(typecode: Typecode): number {
  return SPECS[typecode].Array.BYTES_PER_ELEMENT;
}

/**
 * Checks that `value` can be stored under `typecode`: an integer `number` for the 8- to
 * 32-bit integer codes, a `bigint` for the 64-bit ones, any `number` for `'f'` and `'d'`,
 * a one-byte `Uint8Array` or an integer from 0 to 255 for `'c'`. As in C (and Python's
 * ctypes), an integer outside the type's range wraps around, except for `'c'`, which Python
 * refuses as a `TypeError`.
 * @throws {ArgumentTypeError} for a value of the wrong type, or a fraction for an integer type.
 */
export function assertElement(typecode: Typecode, value: unknown, name: string): void {
  switch (SPECS[typecode].family) {
    case 'int':
      if (typeof value !== 'number' || !Number.isInteger(value))
        throw typeError(name, `an integer for typecode '${typecode}'`, value);
      return;
    case 'bigint':
      if (typeof value !== 'bigint')
        throw typeError(name, `a bigint for typecode '${typecode}'`, value);
      return;
    case 'float':
      if (typeof value !== 'number')
        throw typeError(name, `a number for typecode '${typecode}'`, value);
      return;
    case 'char':
      if (isByte(value) || (value instanceof Uint8Array && value.length === 1)) return;
      throw typeError(
        name,
        "a one-byte Uint8Array or an integer from 0 to 255 for typecode 'c'",
        value,
      );
  }
}

function isByte(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= 255;
}

/** The zero of a typecode, as stored: `0n` or `0`. */
export function zeroOf(typecode: Typecode): Stored {
  return SPECS[typecode].family === 'bigint' ? 0n : 0;
}

/** A checked value (see {@link assertElement}) as it is stored: a `'c'` value's byte. */
export function toStored(typecode: Typecode, value: unknown): Stored {
  if (SPECS[typecode].family === 'char' && value instanceof Uint8Array) return value[0] ?? 0;
  return value as Stored;
}

/** A stored value as it is read: a one-byte `Uint8Array` for `'c'`. */
export function fromStored<T extends Typecode>(typecode: T, stored: Stored): ValueOf<T> {
  const value = SPECS[typecode].family === 'char' ? Uint8Array.of(stored as number) : stored;
  return value as ValueOf<T>;
}

/**
 * Reads and writes elements of one typecode in shared memory. Each read or write of an
 * element is one memory access, so it never sees half of another's write; a
 * read-modify-write (`value += 1`) is two accesses, and updates can be lost without a lock,
 * as in Python.
 *
 * Integer elements go through `Atomics.load`/`Atomics.store`: the memory model guarantees
 * those never tear (it does not for plain BigInt64 accesses). Float elements have no atomic
 * form; a plain aligned 4- or 8-byte access does not tear on the 64-bit platforms Node runs
 * on.
 */
export interface Elements {
  readonly length: number;
  read(index: number): number | bigint;
  write(index: number, value: number | bigint): void;
  /** Elements [start, end) as an array: what one remote call returns. */
  readRange(start: number, end: number): (number | bigint)[];
  /** Writes `values` from `start` on. */
  writeRange(start: number, values: readonly (number | bigint)[]): void;
}

/** The elements of `typecode` in `buffer` (all of it). */
export function elementsOf(typecode: Typecode, buffer: SharedArrayBuffer): Elements {
  const spec = SPECS[typecode];
  const length = buffer.byteLength / spec.Array.BYTES_PER_ELEMENT;
  const read = readerOf(spec, buffer);
  const write = writerOf(spec, buffer);
  return {
    length,
    read,
    write,
    readRange(start, end) {
      const values: (number | bigint)[] = [];
      for (let i = start; i < end; i++) values.push(read(i));
      return values;
    },
    writeRange(start, values) {
      for (const [offset, value] of values.entries()) write(start + offset, value);
    },
  };
}

function readerOf(spec: Spec, buffer: SharedArrayBuffer): (index: number) => number | bigint {
  switch (spec.family) {
    case 'char':
    case 'int': {
      const cells = new spec.Array(buffer);
      return (index) => Atomics.load(cells, index);
    }
    case 'bigint': {
      const cells = new spec.Array(buffer);
      return (index) => Atomics.load(cells, index);
    }
    case 'float': {
      const cells = new spec.Array(buffer);
      return (index) => cells[index] ?? Number.NaN;
    }
  }
}

function writerOf(
  spec: Spec,
  buffer: SharedArrayBuffer,
): (index: number, value: number | bigint) => void {
  // Values were checked by the public class (assertElement), in the caller's realm.
  switch (spec.family) {
    case 'char':
    case 'int': {
      const cells = new spec.Array(buffer);
      return (index, value) => {
        Atomics.store(cells, index, value as number);
      };
    }
    case 'bigint': {
      const cells = new spec.Array(buffer);
      return (index, value) => {
        Atomics.store(cells, index, value as bigint);
      };
    }
    case 'float': {
      const cells = new spec.Array(buffer);
      return (index, value) => {
        cells[index] = value as number;
      };
    }
  }
}

/** The `lock` option of `Value` and `SharedArray`. */
export interface LockOptions {
  /**
   * The lock that guards the object: `true` for a new `RLock` (as in Python), `false` for
   * none (Python's `RawValue`/`RawArray`: `getLock()` throws), or a `Lock`/`RLock` to share.
   * @default true
   */
  readonly lock?: boolean | Lock | RLock | undefined;
}

const LOCK_OPTIONS = optionNames<LockOptions>({ lock: true });

/**
 * The lock an object is created with.
 * @throws {ArgumentTypeError} for anything but a boolean, a Lock or an RLock.
 */
export function lockFromOptions(
  options: LockOptions | undefined,
  where: string,
): Lock | RLock | null {
  if (options === undefined) return new RLock();
  if (typeof options !== 'object' || (options as unknown) === null)
    throw typeError('options', 'an object', options);
  checkOptions(options, LOCK_OPTIONS, where);
  const { lock = true } = options;
  if (lock === true) return new RLock();
  if (lock === false) return null;
  if (lock instanceof Lock || lock instanceof RLock) return lock;
  throw typeError('lock', 'a boolean, a Lock or an RLock', lock);
}

/** What `getLock()` throws for an object made with `lock: false`. */
export function noLockError(what: string): StateError {
  return new StateError(
    'ERR_INVALID_ARG_VALUE',
    `This ${what} was created with \`lock: false\` and has no lock; create it with \`lock: true\` (the default) or a Lock to have one`,
  );
}
