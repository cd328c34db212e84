/**
 * The objects a Manager's server holds for `dict()`, `list()` and `namespace()`, and their
 * methods as the server performs them: Python's `dict`, `list` and `Namespace`, with
 * Python's errors (`KeyError`, `IndexError`, `ValueError`) and messages.
 *
 * Equality (`index`, `count`, `remove`) is `util.isDeepStrictEqual`, the nearest to Python's
 * `==` for values that crossed a network as copies; dict keys are primitives (Python's
 * hashables), compared as `Map` compares them.
 */
import { isDeepStrictEqual } from 'node:util';
import {
  ArgumentRangeError,
  ArgumentTypeError,
  AttributeError,
  IndexError,
  KeyError,
} from '../errors.ts';

/** A method as the server performs it: the target, and the arguments from the request. */
export type ServerMethod = (target: never, args: readonly unknown[]) => unknown;

/** Python's repr() of a key, for messages: strings quoted, others as JavaScript prints them. */
export function repr(value: unknown): string {
  if (typeof value === 'string') return `'${value}'`;
  if (typeof value === 'bigint') return `${value}n`;
  try {
    return typeof value === 'object' && value !== null ? JSON.stringify(value) : String(value);
  } catch {
    return Object.prototype.toString.call(value);
  }
}

function hashable(key: unknown): unknown {
  if (typeof key === 'object' && key !== null) {
    const name = Array.isArray(key)
      ? 'list'
      : (key.constructor as { name?: string } | undefined)?.name;
    throw new ArgumentTypeError(
      `unhashable type: '${name ?? 'object'}': a dict key must be a string, number, bigint, boolean, null or undefined`,
    );
  }
  return key;
}

function missing(key: unknown): KeyError {
  return new KeyError('ERR_KEY_NOT_FOUND', repr(key));
}

function pairsOf(other: unknown): Iterable<readonly [unknown, unknown]> {
  if (other instanceof Map) return other;
  if (Array.isArray(other)) {
    return other.map((pair, i) => {
      if (!Array.isArray(pair) || pair.length !== 2) {
        throw new ArgumentRangeError(
          `dictionary update sequence element #${i} has length ${Array.isArray(pair) ? pair.length : 1}; 2 is required`,
          'ERR_INVALID_ARG_VALUE',
        );
      }
      return [pair[0], pair[1]] as const;
    });
  }
  if (typeof other === 'object' && other !== null) return Object.entries(other);
  throw new ArgumentTypeError(
    `Expected \`other\` to be a Map, an object or an array of pairs, got ${repr(other)}`,
  );
}

type Args = readonly unknown[];

export const DICT_METHODS: Record<string, (map: Map<unknown, unknown>, args: Args) => unknown> = {
  getItem: (map, [key]) => {
    if (!map.has(hashable(key))) throw missing(key);
    return map.get(key);
  },
  get: (map, [key, fallback]) => (map.has(hashable(key)) ? map.get(key) : fallback),
  set: (map, [key, value]) => {
    map.set(hashable(key), value);
  },
  delete: (map, [key]) => {
    if (!map.delete(hashable(key))) throw missing(key);
  },
  has: (map, [key]) => map.has(hashable(key)),
  keys: (map) => [...map.keys()],
  values: (map) => [...map.values()],
  items: (map) => [...map.entries()],
  len: (map) => map.size,
  update: (map, [other]) => {
    for (const [key, value] of pairsOf(other)) map.set(hashable(key), value);
  },
  pop: (map, args) => {
    const key = hashable(args[0]);
    if (map.has(key)) {
      const value = map.get(key);
      map.delete(key);
      return value;
    }
    if (args.length < 2) throw missing(key);
    return args[1];
  },
  popitem: (map) => {
    const last = [...map.keys()].at(-1);
    if (map.size === 0) throw new KeyError('ERR_KEY_NOT_FOUND', "'popitem(): dictionary is empty'");
    const value = map.get(last);
    map.delete(last);
    return [last, value];
  },
  setdefault: (map, [key, fallback]) => {
    if (!map.has(hashable(key))) map.set(key, fallback);
    return map.get(key);
  },
  clear: (map) => {
    map.clear();
  },
  copy: (map) => new Map(map),
};

/** An index as Python reads it: negative counts from the end. */
function at(list: unknown[], index: unknown, message: string): number {
  if (typeof index !== 'number' || !Number.isInteger(index)) {
    throw new ArgumentTypeError(`list indices must be integers, not ${repr(index)}`);
  }
  const i = index < 0 ? index + list.length : index;
  if (i < 0 || i >= list.length) throw new IndexError('ERR_INDEX_OUT_OF_RANGE', message);
  return i;
}

/** Python's slice.indices(): start, stop and step clamped to a list of `length`. */
export function sliceIndices(
  length: number,
  start: unknown,
  stop: unknown,
  step: unknown,
): [number, number, number] {
  const s = step === undefined || step === null ? 1 : Number(step);
  if (!Number.isInteger(s) || s === 0) {
    throw new ArgumentRangeError(`slice step cannot be zero or fractional, got ${repr(step)}`);
  }
  const clamp = (value: unknown, fallback: number): number => {
    if (value === undefined || value === null) return fallback;
    if (typeof value !== 'number' || !Number.isInteger(value)) {
      throw new ArgumentTypeError(`slice indices must be integers or null, got ${repr(value)}`);
    }
    const v = value < 0 ? value + length : value;
    return s > 0 ? Math.min(Math.max(v, 0), length) : Math.min(Math.max(v, -1), length - 1);
  };
  return [clamp(start, s > 0 ? 0 : length - 1), clamp(stop, s > 0 ? length : -1), s];
}

function sliceIndexList(length: number, start: unknown, stop: unknown, step: unknown): number[] {
  const [from, to, by] = sliceIndices(length, start, stop, step);
  const indexes: number[] = [];
  for (let i = from; by > 0 ? i < to : i > to; i += by) indexes.push(i);
  return indexes;
}

function compare(a: unknown, b: unknown): number {
  const comparable = (v: unknown): boolean =>
    typeof v === 'number' || typeof v === 'bigint' || typeof v === 'string';
  if (!comparable(a) || !comparable(b) || (typeof a === 'string') !== (typeof b === 'string')) {
    throw new ArgumentTypeError(`'<' not supported between ${repr(a)} and ${repr(b)}`);
  }
  return (a as number) < (b as number) ? -1 : (a as number) > (b as number) ? 1 : 0;
}

/**
 * A list's sort options: `reverse`, and `key` as a field path (`'a.b'` or `['a', 0]`), read
 * from each item on the server. A path, not a function: code never comes from the wire.
 */
function sortOptions(options: unknown): { key: (string | number)[] | null; reverse: boolean } {
  if (options === undefined || options === null) return { key: null, reverse: false };
  if (typeof options !== 'object') {
    throw new ArgumentTypeError(`Expected sort options to be an object, got ${repr(options)}`);
  }
  const { key, reverse, ...rest } = options as { key?: unknown; reverse?: unknown };
  const unknown = Object.keys(rest);
  if (unknown.length > 0) {
    throw new ArgumentTypeError(
      `sort() got an unknown option ${repr(unknown[0])}: it takes key and reverse`,
      'ERR_INVALID_ARG_VALUE',
    );
  }
  if (reverse !== undefined && typeof reverse !== 'boolean') {
    throw new ArgumentTypeError(`Expected \`reverse\` to be a boolean, got ${repr(reverse)}`);
  }
  let path: (string | number)[] | null = null;
  if (typeof key === 'string' && key !== '') path = key.split('.');
  else if (
    Array.isArray(key) &&
    key.length > 0 &&
    key.every((part) => typeof part === 'string' || typeof part === 'number')
  ) {
    path = key;
  } else if (key !== undefined && key !== null) {
    throw new ArgumentTypeError(
      `Expected \`key\` to be a field path ('name', 'a.b' or ['a', 0]), got ${repr(key)}`,
    );
  }
  return { key: path, reverse: reverse === true };
}

/**
 * The value at `path` in `item`, through own properties only (never a prototype's).
 * @throws {KeyError} `ERR_KEY_NOT_FOUND` for an item without the field.
 */
function keyOf(item: unknown, path: readonly (string | number)[]): unknown {
  let value = item;
  for (const part of path) {
    const field = String(part);
    if (typeof value !== 'object' || value === null || !Object.hasOwn(value, field)) {
      throw new KeyError('ERR_KEY_NOT_FOUND', `${repr(path.join('.'))}: no field ${repr(field)}`);
    }
    value = (value as Record<string, unknown>)[field];
  }
  return value;
}

function indexOf(list: unknown[], value: unknown, start = 0, stop = list.length): number {
  const [from, to] = sliceIndices(list.length, start, stop, 1);
  for (let i = from; i < to; i++) if (isDeepStrictEqual(list[i], value)) return i;
  return -1;
}

export const LIST_METHODS: Record<string, (list: unknown[], args: Args) => unknown> = {
  get: (list, [index]) => list[at(list, index, 'list index out of range')],
  set: (list, [index, value]) => {
    list[at(list, index, 'list assignment index out of range')] = value;
  },
  delete: (list, [index]) => {
    list.splice(at(list, index, 'list assignment index out of range'), 1);
  },
  getSlice: (list, [start, stop, step]) =>
    sliceIndexList(list.length, start, stop, step).map((i) => list[i]),
  setSlice: (list, [start, stop, step, values]) => {
    if (!Array.isArray(values)) throw new ArgumentTypeError('can only assign an array to a slice');
    if (step === undefined || step === null || step === 1) {
      const [from, to] = sliceIndices(list.length, start, stop, 1);
      list.splice(from, Math.max(to - from, 0), ...(values as unknown[]));
      return;
    }
    const indexes = sliceIndexList(list.length, start, stop, step);
    if (indexes.length !== values.length) {
      throw new ArgumentRangeError(
        `attempt to assign sequence of size ${values.length} to extended slice of size ${indexes.length}`,
        'ERR_INVALID_ARG_VALUE',
      );
    }
    indexes.forEach((index, i) => {
      list[index] = (values as unknown[])[i];
    });
  },
  deleteSlice: (list, [start, stop, step]) => {
    const indexes = sliceIndexList(list.length, start, stop, step).sort((a, b) => b - a);
    for (const index of indexes) list.splice(index, 1);
  },
  len: (list) => list.length,
  append: (list, [value]) => {
    list.push(value);
  },
  extend: (list, [values]) => {
    if (!Array.isArray(values))
      throw new ArgumentTypeError(`Expected \`values\` to be an array, got ${repr(values)}`);
    list.push(...(values as unknown[]));
  },
  insert: (list, [index, value]) => {
    const [i] = sliceIndices(list.length, index, null, 1);
    list.splice(i, 0, value);
  },
  pop: (list, args) => {
    if (list.length === 0) throw new IndexError('ERR_INDEX_OUT_OF_RANGE', 'pop from empty list');
    return list.splice(at(list, args[0] ?? -1, 'pop index out of range'), 1)[0];
  },
  remove: (list, [value]) => {
    const i = indexOf(list, value);
    if (i === -1) throw new ArgumentRangeError('list.remove(x): x not in list', 'ERR_NOT_IN_LIST');
    list.splice(i, 1);
  },
  index: (list, [value, start, stop]) => {
    const i = indexOf(list, value, start as number | undefined, stop as number | undefined);
    if (i === -1) throw new ArgumentRangeError(`${repr(value)} is not in list`, 'ERR_NOT_IN_LIST');
    return i;
  },
  count: (list, [value]) => list.filter((item) => isDeepStrictEqual(item, value)).length,
  contains: (list, [value]) => indexOf(list, value) !== -1,
  sort: (list, [options]) => {
    const { key, reverse } = sortOptions(options);
    // Decorate, sort, undecorate: each key is read once, as Python calls `key` once an item.
    const decorated = list.map((item) => [key === null ? item : keyOf(item, key), item] as const);
    decorated.sort((a, b) => (reverse ? compare(b[0], a[0]) : compare(a[0], b[0])));
    decorated.forEach(([, item], i) => {
      list[i] = item;
    });
  },
  reverse: (list) => {
    list.reverse();
  },
  copy: (list) => [...list],
};

function attribute(name: unknown): string {
  if (typeof name !== 'string')
    throw new ArgumentTypeError(`attribute name must be string, not ${repr(name)}`);
  return name;
}

export const NAMESPACE_METHODS: Record<
  string,
  (ns: Record<string, unknown>, args: Args) => unknown
> = {
  get: (ns, [name]) => {
    const key = attribute(name);
    if (!Object.hasOwn(ns, key)) {
      throw new AttributeError('ERR_NO_ATTRIBUTE', `'Namespace' object has no attribute '${key}'`);
    }
    return ns[key];
  },
  set: (ns, [name, value]) => {
    Object.defineProperty(ns, attribute(name), {
      value,
      writable: true,
      enumerable: true,
      configurable: true,
    });
  },
  delete: (ns, [name]) => {
    const key = attribute(name);
    if (!Object.hasOwn(ns, key)) throw new AttributeError('ERR_NO_ATTRIBUTE', key);
    // eslint-disable-next-line @typescript-eslint/no-dynamic-delete -- a null-prototype record
    delete ns[key];
  },
  has: (ns, [name]) => Object.hasOwn(ns, attribute(name)),
  toObject: (ns) => ({ ...ns }),
};

/** The built-in types: how the server makes each, and its methods. */
export const BUILTIN_TYPES: Record<
  string,
  { make(args: Args): object; methods: Record<string, (target: never, args: Args) => unknown> }
> = {
  dict: {
    make: ([init]) => {
      const map = new Map<unknown, unknown>();
      if (init !== undefined) DICT_METHODS['update']?.(map, [init]);
      return map;
    },
    methods: DICT_METHODS,
  },
  list: {
    make: ([init]) => {
      if (init !== undefined && !Array.isArray(init)) {
        throw new ArgumentTypeError(`Expected \`init\` to be an array, got ${repr(init)}`);
      }
      return [...((init as unknown[] | undefined) ?? [])];
    },
    methods: LIST_METHODS,
  },
  Namespace: {
    make: ([init]) => {
      const ns = Object.create(null) as Record<string, unknown>;
      if (typeof init === 'object' && init !== null) {
        for (const [key, value] of Object.entries(init))
          NAMESPACE_METHODS['set']?.(ns, [key, value]);
      }
      return ns;
    },
    methods: NAMESPACE_METHODS,
  },
};
