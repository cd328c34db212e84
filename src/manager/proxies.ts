/**
 * Proxies: objects that stand for an object a Manager's server holds, and forward each
 * method call to it (Python's `BaseProxy`, `DictProxy`, `ListProxy`, `NamespaceProxy` and
 * `AutoProxy`). Every method is async: the call goes to another process.
 *
 * A proxy crosses to a thread or process in `args` like a shared object: it is registered
 * as an external shared kind, whose envelope carries the server's address and key and the
 * object's token, and the receiving realm opens its own connection (client.ts). A proxy
 * inside a value sent to the server (a list put in a dict) crosses as its token, and comes
 * back as a proxy (nested proxies).
 */
import {
  kSharedState,
  registerExternalSharedKind,
  type LocalState,
  type Shareable,
  type SharedState,
} from '../memory/shared-object.ts';
import { request, setProxyFactory, type ServerInfo } from './client.ts';
import type { Token } from './protocol.ts';

const KIND = 'ManagerProxy';

interface ProxyMeta {
  readonly server: ServerInfo;
  readonly token: Token;
}

/** The base of every proxy: its token, and `callMethod()`. Python's `BaseProxy`. */
export class BaseProxy implements Shareable {
  /** The type and id of the object in the server. */
  readonly token: Token;
  readonly #server: ServerInfo;

  constructor(token: Token, server: ServerInfo) {
    this.token = token;
    this.#server = server;
  }

  /**
   * Calls `method` of the object in the server with `args`, as Python's `_callmethod`.
   * @throws {AttributeError} `ERR_NOT_EXPOSED` for a method the object does not expose;
   * whatever the method throws, rebuilt with its class, message and remote stack.
   * @throws {BrokerError} `ERR_MANAGER_LOST` when the server cannot be reached.
   * @throws {StateError} `ERR_MANAGER_SHUT_DOWN` after this realm shut the manager down.
   */
  callMethod(method: string, ...args: unknown[]): Promise<unknown> {
    return request(this.#server, ['call', this.token.id, method, args]);
  }

  /** @internal How the proxy crosses to a thread or process. */
  [kSharedState](): SharedState {
    const meta: ProxyMeta = { server: this.#server, token: this.token };
    return { kind: KIND, buffers: [], meta };
  }

  toString(): string {
    return `<${this.constructor.name} object, typeid '${this.token.typeid}' id ${this.token.id}>`;
  }
}

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
  /** `d.get(key, fallback)`: the value, or `fallback` (default `undefined`) if missing. */
  get<D = undefined>(key: K, fallback?: D): Promise<V | D> {
    return this.callMethod('get', key, fallback) as Promise<V | D>;
  }
  /** `d[key] = value`. */
  async set(key: K, value: V): Promise<void> {
    await this.callMethod('set', key, value);
  }
  /** `del d[key]`: a `KeyError` if the key is missing. */
  async delete(key: K): Promise<void> {
    await this.callMethod('delete', key);
  }
  /** `key in d`. */
  has(key: K): Promise<boolean> {
    return this.callMethod('has', key) as Promise<boolean>;
  }
  /** `list(d.keys())`, in insertion order. */
  keys(): Promise<K[]> {
    return this.callMethod('keys') as Promise<K[]>;
  }
  values(): Promise<V[]> {
    return this.callMethod('values') as Promise<V[]>;
  }
  items(): Promise<[K, V][]> {
    return this.callMethod('items') as Promise<[K, V][]>;
  }
  /** `len(d)`. */
  len(): Promise<number> {
    return this.callMethod('len') as Promise<number>;
  }
  /** `d.update(other)`: from a Map, a plain object or an array of `[key, value]` pairs. */
  async update(other: Map<K, V> | Record<string, V> | readonly (readonly [K, V])[]): Promise<void> {
    await this.callMethod('update', other);
  }
  /** `d.pop(key[, fallback])`: a `KeyError` if the key is missing and no fallback is given. */
  pop<D = never>(key: K, ...fallback: [D?]): Promise<V | D> {
    return this.callMethod('pop', key, ...fallback) as Promise<V | D>;
  }
  /** `d.popitem()`: the last pair inserted; a `KeyError` if the dict is empty. */
  popitem(): Promise<[K, V]> {
    return this.callMethod('popitem') as Promise<[K, V]>;
  }
  /** `d.setdefault(key, fallback)`: the value, after setting it to `fallback` if missing. */
  setdefault(key: K, fallback?: V): Promise<V> {
    return this.callMethod('setdefault', key, fallback) as Promise<V>;
  }
  async clear(): Promise<void> {
    await this.callMethod('clear');
  }
  /** `d.copy()`: the contents now, as a Map. */
  copy(): Promise<Map<K, V>> {
    return this.callMethod('copy') as Promise<Map<K, V>>;
  }
  /** Iterates over the keys as they were when the iteration started. */
  async *[Symbol.asyncIterator](): AsyncIterator<K> {
    yield* await this.keys();
  }
}

/** Python's slice bounds: `null`/`undefined` for an omitted one, negatives from the end. */
export type SliceBound = number | null | undefined;

/** A proxy for a list held by a Manager: Python's `ListProxy`. */
export class ListProxy<T = unknown> extends BaseProxy implements AsyncIterable<T> {
  /** `l[index]`, negative from the end: an `IndexError` `ERR_INDEX_OUT_OF_RANGE` outside. */
  get(index: number): Promise<T> {
    return this.callMethod('get', index) as Promise<T>;
  }
  /** `l[index] = value`. */
  async set(index: number, value: T): Promise<void> {
    await this.callMethod('set', index, value);
  }
  /** `del l[index]`. */
  async delete(index: number): Promise<void> {
    await this.callMethod('delete', index);
  }
  /** `l[start:stop:step]`. */
  getSlice(start?: SliceBound, stop?: SliceBound, step?: SliceBound): Promise<T[]> {
    return this.callMethod('getSlice', start, stop, step) as Promise<T[]>;
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
  /** `del l[start:stop:step]`. */
  async deleteSlice(start?: SliceBound, stop?: SliceBound, step?: SliceBound): Promise<void> {
    await this.callMethod('deleteSlice', start, stop, step);
  }
  len(): Promise<number> {
    return this.callMethod('len') as Promise<number>;
  }
  async append(value: T): Promise<void> {
    await this.callMethod('append', value);
  }
  async extend(values: readonly T[]): Promise<void> {
    await this.callMethod('extend', values);
  }
  async insert(index: number, value: T): Promise<void> {
    await this.callMethod('insert', index, value);
  }
  /** `l.pop([index])`, the last by default: an `IndexError` on an empty list. */
  pop(index?: number): Promise<T> {
    return this.callMethod('pop', ...(index === undefined ? [] : [index])) as Promise<T>;
  }
  /** Removes the first item equal to `value`: `ERR_NOT_IN_LIST` (Python's ValueError) if none. */
  async remove(value: T): Promise<void> {
    await this.callMethod('remove', value);
  }
  /** The index of the first item equal to `value` in `[start, stop)`: `ERR_NOT_IN_LIST` if none. */
  index(value: T, start?: number, stop?: number): Promise<number> {
    return this.callMethod('index', value, start, stop) as Promise<number>;
  }
  count(value: T): Promise<number> {
    return this.callMethod('count', value) as Promise<number>;
  }
  /** `value in l`. */
  contains(value: T): Promise<boolean> {
    return this.callMethod('contains', value) as Promise<boolean>;
  }
  /** Sorts numbers, bigints or strings in place; a key function cannot cross to the server. */
  async sort(options?: { readonly reverse?: boolean }): Promise<void> {
    await this.callMethod('sort', options);
  }
  async reverse(): Promise<void> {
    await this.callMethod('reverse');
  }
  /** `l[:]`: the contents now, as an array. */
  copy(): Promise<T[]> {
    return this.callMethod('copy') as Promise<T[]>;
  }
  async *[Symbol.asyncIterator](): AsyncIterator<T> {
    yield* await this.copy();
  }
}

/** A proxy for a Namespace held by a Manager: attributes read and written by name. */
export class NamespaceProxy extends BaseProxy {
  /** `ns.name`: an `AttributeError` `ERR_NO_ATTRIBUTE` if it has none such. */
  get(name: string): Promise<unknown> {
    return this.callMethod('get', name);
  }
  /** `ns.name = value`. */
  async set(name: string, value: unknown): Promise<void> {
    await this.callMethod('set', name, value);
  }
  /** `del ns.name`. */
  async delete(name: string): Promise<void> {
    await this.callMethod('delete', name);
  }
  has(name: string): Promise<boolean> {
    return this.callMethod('has', name) as Promise<boolean>;
  }
  /** `vars(ns)`: every attribute, as a plain object. */
  toObject(): Promise<Record<string, unknown>> {
    return this.callMethod('toObject') as Promise<Record<string, unknown>>;
  }
}

/**
 * A proxy for an object of a registered type, with one async method per name the server
 * exposes, as Python's `AutoProxy`. Other names are `undefined` on it.
 */
export type AutoProxy<T = Record<string, unknown>> = BaseProxy & {
  readonly [K in keyof T]: T[K] extends (...args: infer A) => infer R
    ? (...args: A) => Promise<Awaited<R>>
    : never;
};

function autoProxy(token: Token, server: ServerInfo): BaseProxy {
  const base = new BaseProxy(token, server);
  for (const name of token.exposed ?? []) {
    if (name in base) continue; // callMethod, token, toString stay the proxy's own.
    Object.defineProperty(base, name, {
      value: (...args: unknown[]) => base.callMethod(name, ...args),
      enumerable: true,
    });
  }
  return base;
}

/** The proxy class of each built-in type id. */
const PROXY_TYPES: Record<string, new (token: Token, server: ServerInfo) => BaseProxy> = {
  dict: DictProxy,
  list: ListProxy,
  Namespace: NamespaceProxy,
};

/** The proxy for `token` of the manager at `server`. */
export function makeProxy(token: Token, server: ServerInfo): BaseProxy {
  const Class = Object.hasOwn(PROXY_TYPES, token.typeid) ? PROXY_TYPES[token.typeid] : undefined;
  return Class === undefined ? autoProxy(token, server) : new Class(token, server);
}

setProxyFactory(makeProxy, (value): value is BaseProxy => value instanceof BaseProxy);

/** A proxy's core: no methods of its own (a symbol key, so the method table is empty). */
const kMeta: unique symbol = Symbol('multitask.proxyMeta');
interface ProxyCore {
  readonly [kMeta]: ProxyMeta;
}

registerExternalSharedKind<ProxyCore>(
  KIND,
  {
    localCore: (state: LocalState) => ({ [kMeta]: state.meta as ProxyMeta }),
    wrap: (_state, core) => makeProxy(core[kMeta].token, core[kMeta].server),
    methods: {},
    toProcess: (state) => state,
  },
  import.meta.url,
);
