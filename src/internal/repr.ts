/**
 * Python-like reprs: `toString()` and `util.inspect` (so `console.log`) of a public object
 * print what Python's `repr()` would (`<Thread(Thread-1 (work), started 1234)>`,
 * `Value('i', 3)`), instead of `Thread {}` and `[object Object]`. One helper installs both;
 * a repr reads state without waiting (no lock taken) and never throws.
 */
import { constants } from 'node:os';
import { inspect } from 'node:util';

/** A lock core's state for a repr, read without taking the lock (local cores only). */
export const kReprState: unique symbol = Symbol('multitask.reprState');

/** What a lock core tells a repr: the holder's owner id (0: none) and the hold count. */
export interface LockReprState {
  readonly owner: number;
  readonly count: number;
}

/**
 * Gives instances of `cls` a repr: `toString()` and `[util.inspect.custom]` return
 * `repr(instance)`, or, should reading the state throw, `<ClassName>`. Without `repr`, the
 * class's own `toString()` is the repr.
 */
export function defineRepr<T extends object>(
  cls: { readonly prototype: T },
  repr?: (self: T) => string,
): void {
  const own = Object.getOwnPropertyDescriptor(cls.prototype, 'toString')?.value as
    ((this: T) => string) | undefined;
  const read = repr ?? ((self: T): string => (own === undefined ? '' : own.call(self)));
  function safeRepr(this: T): string {
    try {
      return read(this);
    } catch {
      return `<${this.constructor.name}>`;
    }
  }
  for (const key of ['toString', inspect.custom]) {
    Object.defineProperty(cls.prototype, key, {
      value: safeRepr,
      writable: true,
      configurable: true,
      enumerable: false,
    });
  }
}

/** A value as a repr shows it: short, on one line (`'abc'`, `[1, 2]`, `<Buffer 61>`). */
export function reprValue(value: unknown): string {
  if (Array.isArray(value)) return reprItems(value, value.length);
  return inspect(value, {
    depth: 1,
    breakLength: Infinity,
    maxArrayLength: 8,
    maxStringLength: 60,
  });
}

/** Items of a sequence with at most `max` shown: `[1, 2, 3, … 7 more]`. */
export function reprItems(items: readonly unknown[], length: number, max = 8): string {
  const shown = items.slice(0, max).map(reprValue);
  if (length > max) shown.push(`… ${length - max} more`);
  return `[${shown.join(', ')}]`;
}

/** An exit code as Python's multiprocessing prints it: `-15` is `-SIGTERM`. */
export function exitCodeName(code: number): string {
  if (code >= 0) return String(code);
  const signal = Object.entries(constants.signals).find(([, number]) => number === -code);
  return signal === undefined ? String(code) : `-${signal[0]}`;
}
