/**
 * How errors come back from another thread or process.
 *
 * {@link errorToWire} describes a thrown value as plain data on the worker's side, and
 * {@link errorFromWire} rebuilds it in the parent with its class, message, `code` and the
 * remote stack, with a {@link RemoteTraceback} as its `cause`. What the description keeps of
 * an error's other properties is what {@link assertCloneable} (cloneable.ts) lets cross.
 */
import * as catalogue from '../errors.ts';
import { ArgumentTypeError, RemoteTraceback } from '../errors.ts';
import { assertCloneable } from './cloneable.ts';
import { isError, safeGet, safeHasOwn, safeKeys, safeProto, safeString } from './safe-read.ts';

type ErrorClass = new (...args: never[]) => Error;

/**
 * The classes an error crossing from a worker can be rebuilt as, by name: JavaScript's own
 * and every class of the catalogue (errors.ts), taken from its exports so that a new class
 * needs no entry here. Errors of other classes come back as a plain `Error` whose `name` is
 * the remote class's name.
 */
export const errorClassesByName: ReadonlyMap<string, ErrorClass> = new Map<string, ErrorClass>([
  ['Error', Error],
  ['TypeError', TypeError],
  ['RangeError', RangeError],
  ['SyntaxError', SyntaxError],
  ['ReferenceError', ReferenceError],
  ['EvalError', EvalError],
  ['URIError', URIError],
  ['AggregateError', AggregateError],
  ...Object.entries(catalogue).flatMap(([name, value]): [string, ErrorClass][] =>
    typeof value === 'function' && value.prototype instanceof Error
      ? [[name, value as ErrorClass]]
      : [],
  ),
]);

/** An `Error` thrown in a worker, described as plain data for the trip back. */
export interface WireErrorObject {
  readonly kind: 'error';
  /** The class name to show: `err.name`, or the subclass's name where `name` is inherited. */
  readonly name: string;
  /**
   * The nearest class in the error's prototype chain that {@link errorClassesByName} knows,
   * such as `'TypeError'` or `'StateError'`: the class it is rebuilt as.
   */
  readonly base: string;
  readonly message: string;
  /** The error's `code`, when it is a string or a number. */
  readonly code?: string | number;
  /** The stack as printed on the remote side. */
  readonly stack: string;
  /** The error's own `cause`, if it has one (chains are cut 8 deep). */
  readonly cause?: WireError;
  /** An `AggregateError`'s `errors`. */
  readonly errors?: readonly WireError[];
  /** The other own enumerable properties whose values can cross, as `[key, value]` pairs. */
  readonly props: readonly (readonly [string, unknown])[];
}

/** A thrown value that is not an `Error`: the value itself, or its `String()` if it cannot cross. */
export interface WireThrownValue {
  readonly kind: 'value';
  readonly value: unknown;
}

/**
 * A plain, structured-cloneable description of a thrown value, made by {@link errorToWire}
 * and turned back into an error by {@link errorFromWire}.
 */
export type WireError = WireErrorObject | WireThrownValue;

/** How deep `cause` chains and `AggregateError`s nest before the rest is dropped. */
const MAX_ERROR_DEPTH = 8;

/** Properties that {@link WireErrorObject} carries in fields of their own. */
const ERROR_FIELDS = new Set(['name', 'message', 'stack', 'cause', 'code']);

/**
 * Describes a thrown value so that it can be sent to the parent and rebuilt there by
 * {@link errorFromWire}. Never throws: it runs on the path that reports a failure, and reads
 * every property defensively (getters may throw, the value may be a Proxy).
 *
 * An error carries its class name, message, `code`, stack, `cause` and an `AggregateError`'s
 * `errors` (both recursively, up to 8 deep), and its other own enumerable properties whose
 * values can cross; the others are dropped. Any other thrown value goes as itself if it can
 * cross, else as its `String()`.
 *
 * @example
 * ```ts
 * port.postMessage({ type: 'error', error: errorToWire(thrown) });
 * ```
 */
export function errorToWire(thrown: unknown): WireError {
  try {
    return toWire(thrown, 0, new Set());
  } catch {
    // Only hostile objects get here (a revoked Proxy where an array was expected).
    return { kind: 'value', value: safeString(thrown) };
  }
}

/**
 * @param chain - The errors whose `cause` or `errors` led here, to cut cycles
 * (`err.cause = err`) short of the depth limit.
 */
function toWire(thrown: unknown, depth: number, chain: Set<object>): WireError {
  if (!isError(thrown)) {
    return { kind: 'value', value: canCross(thrown) ? thrown : safeString(thrown) };
  }
  chain.add(thrown);
  const base = baseClassName(thrown);
  const name = errorName(thrown, base);
  const rawMessage = safeGet(thrown, 'message');
  const message =
    typeof rawMessage === 'string'
      ? rawMessage
      : rawMessage === undefined
        ? ''
        : safeString(rawMessage);
  const rawStack = safeGet(thrown, 'stack');
  const stack =
    typeof rawStack === 'string' ? rawStack : message === '' ? name : `${name}: ${message}`;
  const code = safeGet(thrown, 'code');

  const deeper = depth + 1 < MAX_ERROR_DEPTH;
  let cause: WireError | undefined;
  if (deeper && safeHasOwn(thrown, 'cause')) {
    const value = safeGet(thrown, 'cause');
    if (!(typeof value === 'object' && value !== null && chain.has(value))) {
      cause = toWire(value, depth + 1, chain);
    }
  }
  let errors: WireError[] | undefined;
  const rawErrors = base === 'AggregateError' ? safeGet(thrown, 'errors') : undefined;
  if (deeper && Array.isArray(rawErrors)) {
    errors = (rawErrors as unknown[])
      .filter((error) => !(typeof error === 'object' && error !== null && chain.has(error)))
      .map((error) => toWire(error, depth + 1, chain));
  }

  const props: (readonly [string, unknown])[] = [];
  for (const key of safeKeys(thrown)) {
    if (ERROR_FIELDS.has(key)) continue;
    const value = safeGet(thrown, key);
    if (canCross(value)) props.push([key, value]);
  }
  chain.delete(thrown);

  return {
    kind: 'error',
    name,
    base,
    message,
    stack,
    props,
    ...(typeof code === 'string' || typeof code === 'number' ? { code } : {}),
    ...(cause === undefined ? {} : { cause }),
    ...(errors === undefined ? {} : { errors }),
  };
}

/**
 * Rebuilds a thrown value described by {@link errorToWire}.
 *
 * An error whose class (or nearest known ancestor) is in {@link errorClassesByName} comes back
 * as an instance of that class, so `instanceof TypeError` and `instanceof StateError` hold;
 * any other error comes back as an `Error` whose own `name` is the remote class's name, so it
 * prints as the remote class. `message`, `code` and the other properties are restored, `stack`
 * is the remote stack, and `cause` is a {@link RemoteTraceback} of the remote stack, whose own
 * `cause` is the remote error's cause, rebuilt. Any other thrown value comes back as itself.
 *
 * @throws {ArgumentTypeError} `ERR_INVALID_ARG_VALUE` for a `wire` of an unknown `kind`.
 * @example
 * ```ts
 * worker.on('message', (message) => {
 *   if (message.type === 'error') reject(errorFromWire(message.error));
 * });
 * ```
 */
export function errorFromWire(wire: WireError): unknown {
  switch (wire.kind) {
    case 'value':
      return wire.value;
    case 'error':
      return rebuildError(wire);
    default:
      // A description errorToWire() did not make: still a TypeError, now with a code.
      throw new ArgumentTypeError(
        `Unknown WireError kind ${String((wire as { readonly kind: unknown }).kind)}`,
        'ERR_INVALID_ARG_VALUE',
      );
  }
}

function rebuildError(wire: WireErrorObject): Error {
  const Class = errorClassesByName.get(wire.base) ?? Error;
  // Error's constructor with the class as new.target: a genuine error object with the
  // class's prototype, without calling a constructor whose parameters differ (StateError
  // takes a code first, RemoteTraceback a stack).
  const error = Reflect.construct<[string], Error>(Error, [wire.message], Class);
  if (error.name !== wire.name) defineHidden(error, 'name', wire.name);
  defineHidden(error, 'stack', wire.stack);
  // Node's own errors carry `code` as an enumerable property; so do multitask's.
  if (wire.code !== undefined) defineVisible(error, 'code', wire.code);
  for (const [key, value] of wire.props) defineVisible(error, key, value);
  if (wire.errors !== undefined) defineHidden(error, 'errors', wire.errors.map(errorFromWire));
  const traceback =
    wire.cause === undefined
      ? new RemoteTraceback(wire.stack)
      : new RemoteTraceback(wire.stack, { cause: errorFromWire(wire.cause) });
  defineHidden(error, 'cause', traceback);
  return error;
}

/** As native errors hold `message`, `stack`, `cause` and `errors`: not enumerable. */
function defineHidden(target: object, key: string, value: unknown): void {
  Object.defineProperty(target, key, {
    value,
    writable: true,
    enumerable: false,
    configurable: true,
  });
}

/**
 * `target[key] = value` as an own, enumerable property. defineProperty rather than
 * assignment: a key may meet a getter-only accessor or a setter on the prototype (`name` on
 * MultitaskError), or be `__proto__` (which would reach the prototype instead).
 */
export function defineVisible(target: object, key: string, value: unknown): void {
  Object.defineProperty(target, key, {
    value,
    writable: true,
    enumerable: true,
    configurable: true,
  });
}

/** Whether a value can be sent to a thread and to a process alike. */
function canCross(value: unknown): boolean {
  try {
    // 'process' is the stricter destination; the error does not know which way it goes.
    assertCloneable(value, 'value', 'process');
    return true;
  } catch {
    return false;
  }
}

function baseClassName(error: object): string {
  for (let proto = safeProto(error); proto !== null; proto = safeProto(proto)) {
    const name = constructorName(proto);
    if (errorClassesByName.has(name)) return name;
  }
  return 'Error';
}

/**
 * `err.name`, except where `name` is inherited unchanged from the known base class and the
 * constructor is a subclass of it: `class ValidationError extends Error {}` has the name
 * `'Error'` and prints as `Error`, but is known by its class name.
 */
function errorName(error: object, base: string): string {
  const name = safeGet(error, 'name');
  const proto = safeProto(error);
  const className = proto === null ? '' : constructorName(proto);
  if (typeof name !== 'string' || name === '') return className === '' ? base : className;
  if (name === base && className !== '' && className !== base && !safeHasOwn(error, 'name')) {
    return className;
  }
  return name;
}

/** The name of the class whose prototype `proto` is, or `''`. */
function constructorName(proto: object): string {
  try {
    const constructor = Object.getOwnPropertyDescriptor(proto, 'constructor')?.value as unknown;
    if (typeof constructor !== 'function') return '';
    const name: unknown = constructor.name;
    return typeof name === 'string' ? name : '';
  } catch {
    return '';
  }
}
