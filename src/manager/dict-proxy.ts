/** The proxy of a Manager's dict: every method async, and its blocking `Sync` twin. */
import { BaseProxy } from './base-proxy.ts';

/** A dict keyed by strings, numbers, bigints, booleans, null or undefined. */
export type DictKey = string | number | bigint | boolean | null | undefined;

/**
 * A proxy for a dict held by a Manager: Python's `DictProxy`. Keys are primitives (Python's
 * hashables); values are anything the network codec carries, proxies included.
 */
export class DictProxy<K extends DictKey = DictKey, V = unknown>
  extends BaseProxy
  implements AsyncIterable<K>
{
  /** `d[key]`: the value, or a `KeyError` `ERR_KEY_NOT_FOUND` if the key is missing. */
  getItem(key: K): Promise<V> {
    return this.callMethod('getItem', key) as Promise<V>;
  }

  /** {@link getItem}, blocking the thread until the server answers. */
  getItemSync(key: K): V {
    return this.callMethodSync('getItem', key) as V;
  }
  /** `d.get(key, fallback)`: the value, or `fallback` (default `undefined`) if missing. */
  get<D = undefined>(key: K, fallback?: D): Promise<V | D> {
    return this.callMethod('get', key, fallback) as Promise<V | D>;
  }

  /** {@link get}, blocking the thread until the server answers. */
  getSync<D = undefined>(key: K, fallback?: D): V | D {
    return this.callMethodSync('get', key, fallback) as V | D;
  }
  /** `d[key] = value`. */
  async set(key: K, value: V): Promise<void> {
    await this.callMethod('set', key, value);
  }

  /** {@link set}, blocking the thread until the server answers. */
  setSync(key: K, value: V): void {
    this.callMethodSync('set', key, value);
  }
  /** `del d[key]`: a `KeyError` if the key is missing. */
  async delete(key: K): Promise<void> {
    await this.callMethod('delete', key);
  }

  /** {@link delete}, blocking the thread until the server answers. */
  deleteSync(key: K): void {
    this.callMethodSync('delete', key);
  }
  /** `key in d`. */
  has(key: K): Promise<boolean> {
    return this.callMethod('has', key) as Promise<boolean>;
  }

  /** {@link has}, blocking the thread until the server answers. */
  hasSync(key: K): boolean {
    return this.callMethodSync('has', key) as boolean;
  }
  /** `list(d.keys())`, in insertion order. */
  keys(): Promise<K[]> {
    return this.callMethod('keys') as Promise<K[]>;
  }

  /** {@link keys}, blocking the thread until the server answers. */
  keysSync(): K[] {
    return this.callMethodSync('keys') as K[];
  }
  values(): Promise<V[]> {
    return this.callMethod('values') as Promise<V[]>;
  }

  /** {@link values}, blocking the thread until the server answers. */
  valuesSync(): V[] {
    return this.callMethodSync('values') as V[];
  }
  items(): Promise<[K, V][]> {
    return this.callMethod('items') as Promise<[K, V][]>;
  }

  /** {@link items}, blocking the thread until the server answers. */
  itemsSync(): [K, V][] {
    return this.callMethodSync('items') as [K, V][];
  }
  /** `len(d)`. */
  len(): Promise<number> {
    return this.callMethod('len') as Promise<number>;
  }

  /** {@link len}, blocking the thread until the server answers. */
  lenSync(): number {
    return this.callMethodSync('len') as number;
  }
  /** `d.update(other)`: from a Map, a plain object or an array of `[key, value]` pairs. */
  async update(other: Map<K, V> | Record<string, V> | readonly (readonly [K, V])[]): Promise<void> {
    await this.callMethod('update', other);
  }
  /** {@link update}, blocking the thread until the server answers. */
  updateSync(other: Map<K, V> | Record<string, V> | readonly (readonly [K, V])[]): void {
    this.callMethodSync('update', other);
  }

  /** `d.pop(key[, fallback])`: a `KeyError` if the key is missing and no fallback is given. */
  pop<D = never>(key: K, ...fallback: [D?]): Promise<V | D> {
    return this.callMethod('pop', key, ...fallback) as Promise<V | D>;
  }

  /** {@link pop}, blocking the thread until the server answers. */
  popSync<D = never>(key: K, ...fallback: [D?]): V | D {
    return this.callMethodSync('pop', key, ...fallback) as V | D;
  }
  /** `d.popitem()`: the last pair inserted; a `KeyError` if the dict is empty. */
  popitem(): Promise<[K, V]> {
    return this.callMethod('popitem') as Promise<[K, V]>;
  }

  /** {@link popitem}, blocking the thread until the server answers. */
  popitemSync(): [K, V] {
    return this.callMethodSync('popitem') as [K, V];
  }
  /** `d.setdefault(key, fallback)`: the value, after setting it to `fallback` if missing. */
  setdefault(key: K, fallback?: V): Promise<V> {
    return this.callMethod('setdefault', key, fallback) as Promise<V>;
  }

  /** {@link setdefault}, blocking the thread until the server answers. */
  setdefaultSync(key: K, fallback?: V): V {
    return this.callMethodSync('setdefault', key, fallback) as V;
  }
  async clear(): Promise<void> {
    await this.callMethod('clear');
  }

  /** {@link clear}, blocking the thread until the server answers. */
  clearSync(): void {
    this.callMethodSync('clear');
  }
  /** `d.copy()`: the contents now, as a Map. */
  copy(): Promise<Map<K, V>> {
    return this.callMethod('copy') as Promise<Map<K, V>>;
  }

  /** {@link copy}, blocking the thread until the server answers. */
  copySync(): Map<K, V> {
    return this.callMethodSync('copy') as Map<K, V>;
  }
  /** Iterates over the keys as they were when the iteration started. */
  async *[Symbol.asyncIterator](): AsyncIterator<K> {
    yield* await this.keys();
  }
}
