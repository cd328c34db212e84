/**
 * Argument validation in one form: "Expected `name` to be ..., got `value` (type)".
 */
import { ArgumentRangeError, ArgumentTypeError } from '../errors.ts';

/** Renders a value for an error message: `-1` (number), `"abc"` (string), `[object]`. */
export function describeValue(value: unknown): string {
  let shown: string;
  if (typeof value === 'string') shown = JSON.stringify(value);
  else if (typeof value === 'function')
    shown = value.name === '' ? 'anonymous function' : value.name;
  else if (typeof value === 'bigint') shown = `${value}n`;
  else if (typeof value === 'object' && value !== null) {
    const constructor = (value as { constructor?: { name?: string } }).constructor;
    shown = Array.isArray(value) ? 'array' : (constructor?.name ?? 'object');
  } else shown = String(value);
  const type = value === null ? 'null' : typeof value;
  return `\`${shown}\` (${type})`;
}

export function typeError(name: string, expected: string, value: unknown): ArgumentTypeError {
  return new ArgumentTypeError(
    `Expected \`${name}\` to be ${expected}, got ${describeValue(value)}`,
  );
}

export function rangeError(name: string, expected: string, value: unknown): ArgumentRangeError {
  return new ArgumentRangeError(
    `Expected \`${name}\` to be ${expected}, got ${describeValue(value)}`,
  );
}

export function assertString(value: unknown, name: string): asserts value is string {
  if (typeof value !== 'string') throw typeError(name, 'a string', value);
}

export function assertBoolean(value: unknown, name: string): asserts value is boolean {
  if (typeof value !== 'boolean') throw typeError(name, 'a boolean', value);
}

/** Checks the `signal` option of a wait. */
export function assertSignal(value: unknown, name = 'signal'): asserts value is AbortSignal {
  if (!(value instanceof AbortSignal)) throw typeError(name, 'an AbortSignal', value);
}

/**
 * Checks an integer from `min` up (to `max`, when given).
 * @throws {ArgumentTypeError} for a value that is not a number.
 * @throws {ArgumentRangeError} for a number that is not an integer, or out of range.
 */
export function assertInteger(
  value: unknown,
  name: string,
  min: number,
  max = Infinity,
): asserts value is number {
  const expected =
    max === Infinity ? `an integer from ${min} and up` : `an integer from ${min} to ${max}`;
  if (typeof value !== 'number') throw typeError(name, expected, value);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw rangeError(name, expected, value);
  }
}

/**
 * Reads a timeout in milliseconds. `undefined`, `null` and `Infinity` mean "wait forever"
 * (returned as `Infinity`); a negative timeout means "do not wait" as in Python's
 * `join(timeout)`, unless `negative` is `'reject'`.
 */
export function parseTimeout(
  value: unknown,
  name = 'timeout',
  negative: 'clamp' | 'reject' = 'clamp',
): number {
  if (value === undefined || value === null) return Infinity;
  if (typeof value !== 'number') {
    throw typeError(name, 'a number of milliseconds', value);
  }
  if (Number.isNaN(value)) throw rangeError(name, 'a number of milliseconds', value);
  if (value < 0) {
    if (negative === 'reject') throw rangeError(name, 'a non-negative number', value);
    return 0;
  }
  return value;
}
