/**
 * The order of a `PriorityQueue`: Python's, for the values JavaScript has in common with it.
 * Numbers, bigints and booleans compare as numbers (Python's `int`, `float`, `bool`), strings
 * by UTF-16 code units, and arrays element by element, as Python compares tuples: the first
 * elements that differ decide, and a shorter array that is a prefix of a longer one comes
 * first. Anything else cannot be ordered, and comparing it raises a `TypeError` as Python's
 * `'<' not supported between instances of ...` does.
 *
 * The queue keeps, next to each item, its *key*: the item with every part that cannot be
 * ordered replaced by a marker naming its type. Keys are small and structured-cloneable, so
 * the queue's core (here or in the broker) orders items without deserializing them whole.
 */
import { ArgumentTypeError } from '../errors.ts';
import { typeError } from '../internal/validate.ts';

/** A part of an item that cannot be ordered, by the name of its type. */
export interface Incomparable {
  readonly incomparable: string;
}

/** What a PriorityQueue compares: an item with its unorderable parts marked. */
export type PriorityKey = number | bigint | string | boolean | Incomparable | PriorityKey[];

function project(value: unknown): PriorityKey {
  const type = typeof value;
  if (type === 'number' || type === 'bigint' || type === 'string' || type === 'boolean') {
    return value as number | bigint | string | boolean;
  }
  if (Array.isArray(value)) return (value as unknown[]).map(project);
  return { incomparable: typeName(value) };
}

function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value !== 'object') return typeof value;
  const constructor = (value as { constructor?: { name?: unknown } }).constructor;
  return typeof constructor?.name === 'string' ? constructor.name : 'object';
}

/**
 * The key of an item put in a PriorityQueue.
 * @throws {ArgumentTypeError} for an item that is not a number, bigint, boolean, string or
 * array: it could never be ordered against another.
 */
export function priorityKey(item: unknown): PriorityKey {
  const key = project(item);
  if (isIncomparable(key)) {
    throw typeError(
      'item',
      'a number, bigint, boolean, string or array, which a PriorityQueue can order',
      item,
    );
  }
  return key;
}

function isIncomparable(key: PriorityKey): key is Incomparable {
  return typeof key === 'object' && !Array.isArray(key);
}

type Family = 'number' | 'string' | 'array' | 'none';

function familyOf(key: PriorityKey): Family {
  const type = typeof key;
  if (type === 'number' || type === 'bigint' || type === 'boolean') return 'number';
  if (type === 'string') return 'string';
  return Array.isArray(key) ? 'array' : 'none';
}

function nameOf(key: PriorityKey): string {
  if (Array.isArray(key)) return 'Array';
  if (isIncomparable(key)) return key.incomparable;
  return typeof key;
}

function asNumber(key: number | bigint | boolean): number | bigint {
  return typeof key === 'boolean' ? Number(key) : key;
}

/** Python's `==` on keys; unorderable parts are never equal (their contents are not kept). */
function keysEqual(a: PriorityKey, b: PriorityKey): boolean {
  const family = familyOf(a);
  if (family !== familyOf(b)) return false;
  switch (family) {
    case 'number': {
      // Python's 1 == 1.0 == True: across number and bigint, neither is less.
      const [x, y] = [asNumber(a as number), asNumber(b as number)];
      return !(x < y) && !(x > y);
    }
    case 'string':
      return a === b;
    case 'array': {
      const [x, y] = [a as PriorityKey[], b as PriorityKey[]];
      return x.length === y.length && x.every((item, i) => keysEqual(item, y[i] ?? 0));
    }
    case 'none':
      return false;
  }
}

/**
 * Negative when `a` comes first, positive when `b` does, 0 when they tie.
 * @throws {ArgumentTypeError} when the comparison reaches values that cannot be ordered: a
 * number and a string, or anything against an object.
 */
export function compareKeys(a: PriorityKey, b: PriorityKey): number {
  const family = familyOf(a);
  if (family === 'none' || family !== familyOf(b)) {
    throw new ArgumentTypeError(
      `'<' not supported between instances of '${nameOf(a)}' and '${nameOf(b)}'`,
    );
  }
  if (family === 'array') {
    const [x, y] = [a as PriorityKey[], b as PriorityKey[]];
    const shorter = Math.min(x.length, y.length);
    for (let i = 0; i < shorter; i++) {
      const [p, q] = [x[i] ?? 0, y[i] ?? 0];
      if (!keysEqual(p, q)) return compareKeys(p, q);
    }
    return x.length - y.length;
  }
  const [p, q] =
    family === 'number'
      ? [asNumber(a as number | bigint | boolean), asNumber(b as number | bigint | boolean)]
      : [a as string, b as string];
  return p < q ? -1 : p > q ? 1 : 0;
}
