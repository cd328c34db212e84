/**
 * The served `Value` and `Array` of a Manager's server (served-types.ts), as Python's
 * `SyncManager.Value` (an object with `get`/`set` and a `value`) and `SyncManager.Array`
 * (an `array.array` with `len`, item and slice access) are served. Values are checked
 * against the typecode as multitask's shared `Value` and `SharedArray` check them, and wrap
 * as C integers do; negative indices count from the end, as Python's.
 */
import { IndexError } from '../errors.ts';
import { typeError } from '../internal/validate.ts';
import {
  assertElement,
  assertTypecode,
  bytesPerElement,
  elementsOf,
  fromStored,
  toStored,
  zeroOf,
  type Elements,
  type Typecode,
} from '../values/typecodes.ts';
import { sliceIndices } from './builtins.ts';

/** One value of a typecode: Python's `managers.Value`. */
export class ServedValue {
  readonly #typecode: Typecode;
  readonly #cell: Elements;

  constructor(typecode: unknown, value?: unknown) {
    assertTypecode(typecode);
    this.#typecode = typecode;
    this.#cell = elementsOf(typecode, new SharedArrayBuffer(bytesPerElement(typecode)));
    if (value !== undefined) this.set(value);
  }

  get(): unknown {
    return fromStored(this.#typecode, this.#cell.read(0));
  }

  /** @throws {ArgumentTypeError} for a value the typecode cannot hold. */
  set(value: unknown): void {
    assertElement(this.#typecode, value, 'value');
    this.#cell.write(0, toStored(this.#typecode, value));
  }

  typecode(): string {
    return this.#typecode;
  }
}

/** An array of one typecode: Python's `array.array` as `SyncManager.Array` serves it. */
export class ServedArray {
  readonly #typecode: Typecode;
  readonly #elements: Elements;

  constructor(typecode: unknown, init: unknown) {
    assertTypecode(typecode);
    this.#typecode = typecode;
    let values: unknown[] = [];
    let length: number;
    if (typeof init === 'number') {
      if (!Number.isInteger(init) || init < 0) throw typeError('init', 'a length from 0 up', init);
      length = init;
    } else if (Array.isArray(init)) {
      values = init as unknown[];
      length = values.length;
    } else {
      throw typeError('init', 'a length or an array of values', init);
    }
    const size = Math.max(length, 1) * bytesPerElement(typecode);
    this.#elements = elementsOf(typecode, new SharedArrayBuffer(size));
    this.#length = length;
    this.setSlice(0, length, 1, values.length === 0 ? this.#zeros(length) : values);
  }

  readonly #length: number;

  #zeros(length: number): unknown[] {
    return Array.from({ length }, () => fromStored(this.#typecode, zeroOf(this.#typecode)));
  }

  #index(index: unknown, message: string): number {
    if (typeof index !== 'number' || !Number.isInteger(index)) {
      throw typeError('index', 'an integer', index);
    }
    const at = index < 0 ? index + this.#length : index;
    if (at < 0 || at >= this.#length) throw new IndexError('ERR_INDEX_OUT_OF_RANGE', message);
    return at;
  }

  len(): number {
    return this.#length;
  }

  /** @throws {IndexError} `ERR_INDEX_OUT_OF_RANGE` (`array index out of range`). */
  get(index: unknown): unknown {
    const at = this.#index(index, 'array index out of range');
    return fromStored(this.#typecode, this.#elements.read(at));
  }

  /** @throws {IndexError} `ERR_INDEX_OUT_OF_RANGE` (`array assignment index out of range`). */
  set(index: unknown, value: unknown): void {
    const at = this.#index(index, 'array assignment index out of range');
    assertElement(this.#typecode, value, 'value');
    this.#elements.write(at, toStored(this.#typecode, value));
  }

  #positions(start: unknown, stop: unknown, step: unknown): number[] {
    const [from, to, by] = sliceIndices(this.#length, start, stop, step);
    const positions: number[] = [];
    for (let i = from; by > 0 ? i < to : i > to; i += by) positions.push(i);
    return positions;
  }

  getSlice(start?: unknown, stop?: unknown, step?: unknown): unknown[] {
    return this.#positions(start, stop, step).map((i) =>
      fromStored(this.#typecode, this.#elements.read(i)),
    );
  }

  /**
   * Writes `values` over the slice; its length must match (an array's length is fixed).
   * @throws {IndexError} `ERR_INDEX_OUT_OF_RANGE` when the lengths differ.
   */
  setSlice(start: unknown, stop: unknown, step: unknown, values: unknown): void {
    if (!Array.isArray(values)) throw typeError('values', 'an array', values);
    const positions = this.#positions(start, stop, step);
    if (positions.length !== values.length) {
      throw new IndexError(
        'ERR_INDEX_OUT_OF_RANGE',
        `can only assign ${positions.length} values to this slice of the array, got ${values.length}`,
      );
    }
    for (const value of values as unknown[]) assertElement(this.#typecode, value, 'value');
    positions.forEach((at, i) => {
      this.#elements.write(at, toStored(this.#typecode, (values as unknown[])[i]));
    });
  }

  toArray(): unknown[] {
    return this.getSlice();
  }

  typecode(): string {
    return this.#typecode;
  }
}
