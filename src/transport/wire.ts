/**
 * What may cross to another thread or process, and how errors come back.
 *
 * Arguments go to threads by structured clone (`postMessage`) and to child processes by
 * `v8.serialize` (`fork` with `serialization: 'advanced'`). Both refuse functions, symbols
 * and a few kinds of object, but they say so with "() => 1 could not be cloned." and no hint
 * of where the value sat. {@link assertCloneable} checks before sending and names the path,
 * as Python's `pickle.PicklingError` names the object it could not pickle.
 *
 * Errors cross the other way: {@link errorToWire} describes a thrown value as plain data on
 * the worker's side, and {@link errorFromWire} rebuilds it in the parent with its class,
 * message, `code` and the remote stack, with a {@link RemoteTraceback} as its `cause`.
 */
import { types } from 'node:util';
import { serialize } from 'node:v8';
import { MessagePort } from 'node:worker_threads';
import { PicklingError, RemoteTraceback, errorClassesByName } from '../errors.ts';

/** Where a value is sent: a worker thread of this process, or a child process. */
export type Destination = 'thread' | 'process';

// ---------------------------------------------------------------------------------------------
// assertCloneable
// ---------------------------------------------------------------------------------------------

/**
 * One step of a path: a property name, an array index, or an entry of a Map or Set
 * (`index` counts entries in insertion order). The root's segment is the root's name.
 */
type Segment = string | number | EntrySegment;

interface EntrySegment {
  readonly entry: 'map-key' | 'map-value' | 'set-member';
  readonly index: number;
  /** For a Map value: the entry's key, shown when it is a primitive. */
  readonly key?: unknown;
}

/** A value waiting to be checked, with the way back to the root for the error message. */
interface Visit {
  readonly value: unknown;
  readonly parent: Visit | undefined;
  readonly segment: Segment;
}

/**
 * Arrays up to this length are also checked for named properties besides their indexes,
 * which structured clone copies too (a RegExp match's `index` and `groups`). Listing the keys
 * of a longer array costs more than sending it (200 ms for a million elements), and a
 * serialization trial costs as much again, so on longer arrays they go unchecked.
 */
const MAX_ARRAY_KEYS_WALK = 4096;

/**
 * How many objects the walk could not vouch for are serialized one by one, after the trial
 * of the whole value failed, to find which of them to name. Past this the error names no path.
 */
const MAX_LOCATE_TRIALS = 256;

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;
const ARRAY_INDEX = /^(?:0|[1-9]\d*)$/;

/**
 * Checks that `value` can be sent to a thread or a child process, before it is sent.
 *
 * Walks plain objects, arrays, Map keys and values, Set members, the `cause` of errors and
 * the own enumerable string-keyed properties of class instances (structured clone copies
 * those and drops the prototype), and refuses functions, symbols, `WeakMap`, `WeakSet`,
 * `WeakRef`, `FinalizationRegistry`, `Promise` and `Proxy`. For a `'process'` it also refuses
 * `SharedArrayBuffer`s, views backed by one, and `MessagePort`s: child processes share no
 * memory. Cycles are fine, as they are for structured clone; symbol-keyed properties are
 * ignored, as structured clone drops them.
 *
 * Values the walk cannot vouch for by itself (class instances, which may be host objects)
 * are then serialized once for real: `v8.serialize` for a process, `structuredClone` for a
 * thread (which accepts Node's cloneable objects such as `KeyObject` and `BlockList`). A value
 * made of plain data only is proven by the walk alone.
 *
 * Known limitations: for a `'thread'`, a value holding a `MessagePort` skips that trial,
 * because a port only crosses in the transfer list and the trial would have to detach it;
 * and named properties of arrays longer than 4096 elements are not checked, as listing them
 * costs more than sending the array. What slips through fails at the send instead.
 *
 * @param value - The value to check.
 * @param root - The name of the value, first segment of every path: `'args'`.
 * @param destination - Where the value is going.
 * @throws {PicklingError} With code `ERR_NOT_CLONEABLE`, naming the first value that cannot
 * cross by its path: `args[1].onDone is a function, which cannot be sent to a thread`.
 * @example
 * ```ts
 * assertCloneable([1, { onDone() {} }], 'args', 'thread');
 * // PicklingError: args[1].onDone is a function, which cannot be sent to a thread
 * ```
 */
export function assertCloneable(value: unknown, root: string, destination: Destination): void {
  // The common cases, a primitive or a short list of them, are proven without a walk.
  if (!needsVisit(value) || isShortPrimitiveList(value)) return;
  const walk = new CloneWalk(destination);
  walk.run({ value, parent: undefined, segment: root });
  if (walk.uncertain.length === 0) return;
  if (destination === 'thread' && walk.sawPort) return;
  try {
    trialSerialize(value, destination);
  } catch (error) {
    const located = locateFailure(walk.uncertain, destination);
    const where = located === undefined ? '' : `at ${formatPath(located.visit)}: `;
    const cause = located === undefined ? error : located.error;
    throw new PicklingError(
      'ERR_NOT_CLONEABLE',
      `\`${root}\` cannot be sent to a ${destination}: ${where}${errorMessage(cause)}`,
      { cause },
    );
  }
}

function isShortPrimitiveList(value: unknown): boolean {
  // isProxy first: Array.isArray throws on a revoked Proxy.
  if (types.isProxy(value) || !Array.isArray(value) || value.length > 16) return false;
  for (let i = 0; i < value.length; i++) if (needsVisit(value[i])) return false;
  // Named properties would be copied too; for a short array, listing its keys is cheap.
  return Object.keys(value).length === value.length;
}

/** Whether a value has to be looked at: objects, and the primitives that cannot cross. */
function needsVisit(value: unknown): boolean {
  const type = typeof value;
  return type === 'object' ? value !== null : type === 'function' || type === 'symbol';
}

/**
 * A depth-first walk in the order structured clone reads the value, so the value named is
 * the first one the real send would have failed on. It keeps its own stack, not the call
 * stack, so deep lists do not overflow it.
 */
class CloneWalk {
  readonly #destination: Destination;
  readonly #seen = new Set<object>();
  readonly #stack: Visit[] = [];
  /** Children of the object being visited, in order; moved to the stack reversed. */
  readonly #pending: Visit[] = [];
  /** Objects the walk cannot vouch for (class instances, maybe host objects), in walk order. */
  readonly uncertain: Visit[] = [];
  sawPort = false;

  constructor(destination: Destination) {
    this.#destination = destination;
  }

  run(root: Visit): void {
    this.#stack.push(root);
    for (let visit = this.#stack.pop(); visit !== undefined; visit = this.#stack.pop()) {
      this.#visit(visit);
      for (let i = this.#pending.length - 1; i >= 0; i--) {
        this.#stack.push(this.#pending[i] as Visit);
      }
      this.#pending.length = 0;
    }
  }

  #visit(visit: Visit): void {
    const { value } = visit;
    if (typeof value === 'function') throw this.#refuse(visit, 'a function');
    if (typeof value === 'symbol') throw this.#refuse(visit, 'a symbol');
    if (typeof value !== 'object' || value === null) return;
    if (this.#seen.has(value)) return;
    this.#seen.add(value);

    // Before anything reads a property: a Proxy's traps would run, and structured clone
    // refuses every Proxy anyway.
    if (types.isProxy(value)) throw this.#refuse(visit, 'a Proxy');
    if (Array.isArray(value)) {
      this.#visitArray(visit, value);
      return;
    }
    const proto: unknown = Object.getPrototypeOf(value);
    // Two exotic objects look plain but structured clone refuses them: `arguments` (which
    // has its own Symbol.iterator) and module namespaces (null prototype). The cheap test
    // first, since these checks are most of the cost of walking many small objects.
    if (
      (proto === Object.prototype &&
        !(Object.hasOwn(value, Symbol.iterator) && types.isArgumentsObject(value))) ||
      (proto === null && !types.isModuleNamespaceObject(value))
    ) {
      this.#visitProperties(visit, value);
      return;
    }
    if (types.isNativeError(value)) {
      // Structured clone copies an error's name, message and stack, and its `cause` when
      // that is an own data property; other properties are dropped.
      const cause = Object.getOwnPropertyDescriptor(value, 'cause');
      if (cause !== undefined && 'value' in cause) this.#child(visit, cause.value, 'cause');
      return;
    }
    if (types.isMap(value)) {
      let index = 0;
      for (const [key, entry] of value) {
        this.#child(visit, key, { entry: 'map-key', index });
        this.#child(visit, entry, { entry: 'map-value', index, key });
        index++;
      }
      return;
    }
    if (types.isSet(value)) {
      let index = 0;
      for (const member of value)
        this.#child(visit, member, { entry: 'set-member', index: index++ });
      return;
    }
    if (types.isSymbolObject(value)) throw this.#refuse(visit, 'a Symbol object');
    if (
      types.isDate(value) ||
      types.isRegExp(value) ||
      types.isBoxedPrimitive(value) ||
      types.isArrayBuffer(value)
    ) {
      return;
    }
    if (types.isSharedArrayBuffer(value)) {
      if (this.#destination === 'process') throw this.#refuseShared(visit, 'a SharedArrayBuffer');
      return;
    }
    if (ArrayBuffer.isView(value)) {
      if (this.#destination === 'process' && types.isSharedArrayBuffer(value.buffer)) {
        const kind = types.isDataView(value)
          ? 'DataView'
          : String(Reflect.get(value, Symbol.toStringTag));
        throw this.#refuseShared(
          visit,
          `${/^[AEIOU]/.test(kind) ? 'an' : 'a'} ${kind} backed by a SharedArrayBuffer`,
        );
      }
      return;
    }
    const refused = refusedKind(value);
    if (refused !== undefined) throw this.#refuse(visit, refused);
    if (value instanceof MessagePort) {
      if (this.#destination === 'process') {
        throw this.#error(
          `${formatPath(visit)} is a MessagePort, which cannot reach a child process: a port connects threads of one process`,
        );
      }
      this.sawPort = true;
      return;
    }
    // A class instance crosses as a plain object of its own enumerable properties, unless it
    // is a host object (a native handle), which only serializing it can tell.
    this.uncertain.push(visit);
    this.#visitProperties(visit, value);
  }

  #visitArray(visit: Visit, array: readonly unknown[]): void {
    const { length } = array;
    for (let i = 0; i < length; i++) this.#child(visit, array[i], i);
    if (length > MAX_ARRAY_KEYS_WALK) return;
    for (const key of Object.keys(array)) {
      if (!ARRAY_INDEX.test(key)) this.#child(visit, this.#read(visit, array, key), key);
    }
  }

  #visitProperties(visit: Visit, object: object): void {
    for (const key of Object.keys(object)) this.#child(visit, this.#read(visit, object, key), key);
  }

  #child(parent: Visit, value: unknown, segment: Segment): void {
    if (needsVisit(value)) this.#pending.push({ value, parent, segment });
  }

  /** Reads a property; a getter that throws would also throw when the value is sent. */
  #read(visit: Visit, object: object, key: string): unknown {
    try {
      return Reflect.get(object, key);
    } catch (error) {
      const path = formatPath({ value: undefined, parent: visit, segment: key });
      throw new PicklingError(
        'ERR_NOT_CLONEABLE',
        `${path} could not be read to be sent to a ${this.#destination}: ${errorMessage(error)}`,
        { cause: error },
      );
    }
  }

  #refuse(visit: Visit, what: string): PicklingError {
    return this.#error(
      `${formatPath(visit)} is ${what}, which cannot be sent to a ${this.#destination}`,
    );
  }

  #refuseShared(visit: Visit, what: string): PicklingError {
    return this.#error(
      `${formatPath(visit)} is ${what}, which cannot reach a child process: child processes do not share memory`,
    );
  }

  #error(message: string): PicklingError {
    return new PicklingError('ERR_NOT_CLONEABLE', message);
  }
}

/** The name of an object kind that structured clone always refuses, if `value` is one. */
function refusedKind(value: object): string | undefined {
  if (types.isWeakMap(value)) return 'a WeakMap';
  if (types.isWeakSet(value)) return 'a WeakSet';
  if (value instanceof WeakRef) return 'a WeakRef';
  if (value instanceof FinalizationRegistry) return 'a FinalizationRegistry';
  if (types.isPromise(value)) return 'a Promise';
  return undefined;
}

function trialSerialize(value: unknown, destination: Destination): void {
  // Each destination's own serializer: v8.serialize is what `serialization: 'advanced'`
  // uses, and structuredClone is what postMessage uses, Node's cloneable objects included.
  if (destination === 'process') serialize(value);
  else structuredClone(value);
}

/**
 * After the whole value failed to serialize, finds an object the walk could not vouch for
 * that fails by itself while everything after it in walk order passes. Walk order puts
 * descendants after their ancestors, so the first failure found scanning backwards has no
 * failing descendant: it is the culprit, not a container of one.
 */
function locateFailure(
  uncertain: readonly Visit[],
  destination: Destination,
): { visit: Visit; error: unknown } | undefined {
  const first = Math.max(0, uncertain.length - MAX_LOCATE_TRIALS);
  for (let i = uncertain.length - 1; i >= first; i--) {
    const visit = uncertain[i] as Visit;
    try {
      trialSerialize(visit.value, destination);
    } catch (error) {
      return { visit, error };
    }
  }
  return undefined;
}

function formatPath(visit: Visit): string {
  const segments: string[] = [];
  for (let at: Visit | undefined = visit; at !== undefined; at = at.parent) {
    const { segment } = at;
    // The root's segment is its name, printed as given.
    segments.push(
      at.parent === undefined && typeof segment === 'string' ? segment : formatSegment(segment),
    );
  }
  return segments.reverse().join('');
}

function formatSegment(segment: Segment): string {
  if (typeof segment === 'number') return `[${segment}]`;
  if (typeof segment === 'string') {
    return IDENTIFIER.test(segment) ? `.${segment}` : `[${JSON.stringify(segment)}]`;
  }
  switch (segment.entry) {
    case 'map-key':
      return `<Map key #${segment.index}>`;
    case 'map-value':
      return `<Map value ${describeMapKey(segment.key, segment.index)}>`;
    case 'set-member':
      return `<Set member #${segment.index}>`;
  }
}

/** A Map key as it would be written in code, or its position when it is an object. */
function describeMapKey(key: unknown, index: number): string {
  switch (typeof key) {
    case 'string':
      return JSON.stringify(key);
    case 'number':
    case 'boolean':
    case 'undefined':
      return String(key);
    case 'bigint':
      return `${key}n`;
    case 'object':
      return key === null ? 'null' : `#${index}`;
    case 'function':
    case 'symbol':
      return `#${index}`;
  }
}

// ---------------------------------------------------------------------------------------------
// Errors on the wire
// ---------------------------------------------------------------------------------------------

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
      throw new TypeError(
        `Unknown WireError kind ${String((wire as { readonly kind: unknown }).kind)}`,
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

// defineProperty rather than assignment: a key may meet a getter-only accessor or a setter
// on the prototype (`name` on MultitaskError), or be `__proto__`.
function defineVisible(target: object, key: string, value: unknown): void {
  Object.defineProperty(target, key, {
    value,
    writable: true,
    enumerable: true,
    configurable: true,
  });
}

function isError(value: unknown): value is object {
  if (typeof value !== 'object' || value === null) return false;
  try {
    // isNativeError also knows errors from other realms (vm contexts).
    return types.isNativeError(value) || value instanceof Error;
  } catch {
    return false; // A Proxy whose getPrototypeOf trap throws.
  }
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

function safeGet(object: object, key: string): unknown {
  try {
    return Reflect.get(object, key);
  } catch {
    return undefined;
  }
}

function safeHasOwn(object: object, key: string): boolean {
  try {
    return Object.hasOwn(object, key);
  } catch {
    return false;
  }
}

function safeKeys(object: object): string[] {
  try {
    return Object.keys(object);
  } catch {
    return [];
  }
}

function safeProto(object: object): object | null {
  try {
    return Object.getPrototypeOf(object) as object | null;
  } catch {
    return null;
  }
}

function safeString(value: unknown): string {
  try {
    return String(value);
  } catch {
    try {
      return Object.prototype.toString.call(value);
    } catch {
      return '[value that cannot be printed]';
    }
  }
}

function errorMessage(error: unknown): string {
  if (isError(error)) {
    const message = safeGet(error, 'message');
    if (typeof message === 'string') return message;
  }
  return safeString(error);
}
