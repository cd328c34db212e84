/**
 * What may cross to another thread or process.
 *
 * Arguments go to threads by structured clone (`postMessage`) and to child processes by
 * `v8.serialize` (`fork` with `serialization: 'advanced'`). Both refuse functions, symbols
 * and a few kinds of object, but they say so with "() => 1 could not be cloned." and no hint
 * of where the value sat. {@link assertCloneable} checks before sending and names the path,
 * as Python's `pickle.PicklingError` names the object it could not pickle.
 */
import { types } from 'node:util';
import { serialize } from 'node:v8';
import { MessagePort } from 'node:worker_threads';
import { PicklingError } from '../errors.ts';
import { type CloneTarget, goingTo, sharedReason } from './clone-target.ts';
import { errorMessage } from './safe-read.ts';

export type { Destination } from './clone-target.ts';

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
export function assertCloneable(value: unknown, root: string, destination: CloneTarget): void {
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
      `\`${root}\` cannot ${goingTo(destination)}: ${where}${errorMessage(cause)}`,
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
  readonly #destination: CloneTarget;
  readonly #seen = new Set<object>();
  readonly #stack: Visit[] = [];
  /** Children of the object being visited, in order; moved to the stack reversed. */
  readonly #pending: Visit[] = [];
  /** Objects the walk cannot vouch for (class instances, maybe host objects), in walk order. */
  readonly uncertain: Visit[] = [];
  sawPort = false;

  constructor(destination: CloneTarget) {
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
      if (this.#destination !== 'thread') throw this.#refuseShared(visit, 'a SharedArrayBuffer');
      return;
    }
    if (ArrayBuffer.isView(value)) {
      if (this.#destination !== 'thread' && types.isSharedArrayBuffer(value.buffer)) {
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
      if (this.#destination !== 'thread') {
        throw this.#error(
          `${formatPath(visit)} is a MessagePort, which cannot ${goingTo(this.#destination)}: a port moves only in postMessage's transfer list`,
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
        `${path} could not be read to ${goingTo(this.#destination)}: ${errorMessage(error)}`,
        { cause: error },
      );
    }
  }

  #refuse(visit: Visit, what: string): PicklingError {
    return this.#error(
      `${formatPath(visit)} is ${what}, which cannot ${goingTo(this.#destination)}`,
    );
  }

  #refuseShared(visit: Visit, what: string): PicklingError {
    return this.#error(
      `${formatPath(visit)} is ${what}, which cannot ${sharedReason(this.#destination)}`,
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

function trialSerialize(value: unknown, destination: CloneTarget): void {
  // Each destination's own serializer: v8.serialize is what `serialization: 'advanced'`
  // and the queues use, and structuredClone is what postMessage uses, Node's cloneable
  // objects included.
  if (destination !== 'thread') serialize(value);
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
  destination: CloneTarget,
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
