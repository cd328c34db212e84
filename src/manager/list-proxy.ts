/** The proxy of a Manager's list: every method async, and its blocking `Sync` twin. */
import { ArgumentTypeError } from '../errors.ts';
import { BaseProxy } from './base-proxy.ts';

/** Python's slice bounds: `null`/`undefined` for an omitted one, negatives from the end. */
export type SliceBound = number | null | undefined;

/** Options of {@link ListProxy.sort}. */
export interface ListSortOptions {
  /** A field path of the items to sort by: `'name'`, `'a.b'`, or `['a', 0]`. */
  readonly key?: string | readonly (string | number)[];
  readonly reverse?: boolean;
}

/**
 * `options`, with a key function refused here, clearly: it cannot be sent to the server.
 * @throws {ArgumentTypeError} `ERR_INVALID_ARG_TYPE` for a function as `key`.
 */
function sortOptions(options: ListSortOptions | undefined): ListSortOptions | undefined {
  const key: unknown = options?.key;
  if (typeof key === 'function') {
    throw new ArgumentTypeError(
      "Expected `key` to be a field path ('name', 'a.b' or ['a', 0]), got a function: a key function cannot cross to the server",
    );
  }
  return options;
}

/** A proxy for a list held by a Manager: Python's `ListProxy`. */
export class ListProxy<T = unknown> extends BaseProxy implements AsyncIterable<T> {
  /** `l[index]`, negative from the end: an `IndexError` `ERR_INDEX_OUT_OF_RANGE` outside. */
  get(index: number): Promise<T> {
    return this.callMethod('get', index) as Promise<T>;
  }

  /** {@link get}, blocking the thread until the server answers. */
  getSync(index: number): T {
    return this.callMethodSync('get', index) as T;
  }
  /** `l[index] = value`. */
  async set(index: number, value: T): Promise<void> {
    await this.callMethod('set', index, value);
  }

  /** {@link set}, blocking the thread until the server answers. */
  setSync(index: number, value: T): void {
    this.callMethodSync('set', index, value);
  }
  /** `del l[index]`. */
  async delete(index: number): Promise<void> {
    await this.callMethod('delete', index);
  }

  /** {@link delete}, blocking the thread until the server answers. */
  deleteSync(index: number): void {
    this.callMethodSync('delete', index);
  }
  /** `l[start:stop:step]`. */
  getSlice(start?: SliceBound, stop?: SliceBound, step?: SliceBound): Promise<T[]> {
    return this.callMethod('getSlice', start, stop, step) as Promise<T[]>;
  }

  /** {@link getSlice}, blocking the thread until the server answers. */
  getSliceSync(start?: SliceBound, stop?: SliceBound, step?: SliceBound): T[] {
    return this.callMethodSync('getSlice', start, stop, step) as T[];
  }
  /** `l[start:stop] = values` (or `l[start:stop:step] = values`, of the slice's length). */
  async setSlice(
    start: SliceBound,
    stop: SliceBound,
    values: readonly T[],
    step?: SliceBound,
  ): Promise<void> {
    await this.callMethod('setSlice', start, stop, step, values);
  }

  /** {@link setSlice}, blocking the thread until the server answers. */
  setSliceSync(start: SliceBound, stop: SliceBound, values: readonly T[], step?: SliceBound): void {
    this.callMethodSync('setSlice', start, stop, step, values);
  }
  /** `del l[start:stop:step]`. */
  async deleteSlice(start?: SliceBound, stop?: SliceBound, step?: SliceBound): Promise<void> {
    await this.callMethod('deleteSlice', start, stop, step);
  }

  /** {@link deleteSlice}, blocking the thread until the server answers. */
  deleteSliceSync(start?: SliceBound, stop?: SliceBound, step?: SliceBound): void {
    this.callMethodSync('deleteSlice', start, stop, step);
  }
  len(): Promise<number> {
    return this.callMethod('len') as Promise<number>;
  }

  /** {@link len}, blocking the thread until the server answers. */
  lenSync(): number {
    return this.callMethodSync('len') as number;
  }
  async append(value: T): Promise<void> {
    await this.callMethod('append', value);
  }

  /** {@link append}, blocking the thread until the server answers. */
  appendSync(value: T): void {
    this.callMethodSync('append', value);
  }
  async extend(values: readonly T[]): Promise<void> {
    await this.callMethod('extend', values);
  }

  /** {@link extend}, blocking the thread until the server answers. */
  extendSync(values: readonly T[]): void {
    this.callMethodSync('extend', values);
  }
  async insert(index: number, value: T): Promise<void> {
    await this.callMethod('insert', index, value);
  }

  /** {@link insert}, blocking the thread until the server answers. */
  insertSync(index: number, value: T): void {
    this.callMethodSync('insert', index, value);
  }
  /** `l.pop([index])`, the last by default: an `IndexError` on an empty list. */
  pop(index?: number): Promise<T> {
    return this.callMethod('pop', ...(index === undefined ? [] : [index])) as Promise<T>;
  }

  /** {@link pop}, blocking the thread until the server answers. */
  popSync(index?: number): T {
    return this.callMethodSync('pop', ...(index === undefined ? [] : [index])) as T;
  }
  /** Removes the first item equal to `value`: `ERR_NOT_IN_LIST` (Python's ValueError) if none. */
  async remove(value: T): Promise<void> {
    await this.callMethod('remove', value);
  }

  /** {@link remove}, blocking the thread until the server answers. */
  removeSync(value: T): void {
    this.callMethodSync('remove', value);
  }
  /** The index of the first item equal to `value` in `[start, stop)`: `ERR_NOT_IN_LIST` if none. */
  index(value: T, start?: number, stop?: number): Promise<number> {
    return this.callMethod('index', value, start, stop) as Promise<number>;
  }

  /** {@link index}, blocking the thread until the server answers. */
  indexSync(value: T, start?: number, stop?: number): number {
    return this.callMethodSync('index', value, start, stop) as number;
  }
  count(value: T): Promise<number> {
    return this.callMethod('count', value) as Promise<number>;
  }

  /** {@link count}, blocking the thread until the server answers. */
  countSync(value: T): number {
    return this.callMethodSync('count', value) as number;
  }
  /** `value in l`. */
  contains(value: T): Promise<boolean> {
    return this.callMethod('contains', value) as Promise<boolean>;
  }

  /** {@link contains}, blocking the thread until the server answers. */
  containsSync(value: T): boolean {
    return this.callMethodSync('contains', value) as boolean;
  }
  /**
   * Sorts in place by numbers, bigints or strings (stable, as Python's). `key` is a field
   * path read from each item on the server (`'age'`, `'address.city'`, `['scores', 0]`): a
   * key function cannot cross to the server, and no code is taken from the wire.
   * @throws {KeyError} `ERR_KEY_NOT_FOUND` for an item without the field.
   */
  async sort(options?: ListSortOptions): Promise<void> {
    await this.callMethod('sort', sortOptions(options));
  }

  /** {@link sort}, blocking the thread until the server answers. */
  sortSync(options?: ListSortOptions): void {
    this.callMethodSync('sort', sortOptions(options));
  }
  async reverse(): Promise<void> {
    await this.callMethod('reverse');
  }

  /** {@link reverse}, blocking the thread until the server answers. */
  reverseSync(): void {
    this.callMethodSync('reverse');
  }
  /** `l[:]`: the contents now, as an array. */
  copy(): Promise<T[]> {
    return this.callMethod('copy') as Promise<T[]>;
  }

  /** {@link copy}, blocking the thread until the server answers. */
  copySync(): T[] {
    return this.callMethodSync('copy') as T[];
  }
  async *[Symbol.asyncIterator](): AsyncIterator<T> {
    yield* await this.copy();
  }
}
