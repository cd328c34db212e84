/**
 * What a distributed job is in Redis, shared by the submitter and the worker.
 *
 * BullMQ keeps a job's data and return value as JSON, so the bytes of the network codec
 * (transport/net-codec.ts, safe for bytes from anyone) travel as base64 strings: a job's
 * `name` is its task's name, its `data` a {@link JobData}, its return value the encoded
 * result (a {@link Payload}). Arguments and results that JSON carries exactly (finite
 * numbers, strings, booleans, `null`: {@link Plain}) skip the codec and travel as a JSON
 * array, which BullMQ's own JSON parsing already reads safely. Only names cross the wire,
 * never code: a worker runs a task only if it registered the task's module under that name.
 */
import { basename, extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ArgumentTypeError, UnpicklingError } from '../errors.ts';
import { describeValue, typeError } from '../internal/validate.ts';
import { isTaskRef, type TaskRef } from '../runtime/target.ts';
import { errorFromWire, errorToWire, type WireError } from '../transport/wire.ts';
import { DEFAULT_NET_MAX_BYTES, decodeNet, encodeNet } from '../transport/net-codec.ts';

/** A job's `data`: the task's arguments and its own options. */
export interface JobData {
  /** The argument array, encoded. */
  readonly a: Payload;
  /** Milliseconds a run may take (absent: no limit). */
  readonly t?: number;
  /** The encoded error of the last failed attempt, base64 (set by the worker). */
  readonly e?: string;
}

/** A registered module's name: letters, digits, `_`, `-` and `.`. */
const MODULE_NAME = /^[\w.-]+$/;

/** The name a module file is served under by default: its file name without extension. */
export function defaultModuleName(fileOrUrl: string): string {
  const file = fileOrUrl.startsWith('file:') ? fileURLToPath(fileOrUrl) : fileOrUrl;
  return basename(file, extname(file));
}

export function checkModuleName(name: unknown): string {
  if (typeof name !== 'string' || !MODULE_NAME.test(name)) {
    throw new ArgumentTypeError(
      `Expected a module name of letters, digits, '_', '-' and '.', got ${describeValue(name)}`,
      'ERR_INVALID_ARG_VALUE',
    );
  }
  return name;
}

/**
 * A task's name on the wire: `module:export`, the module named by its file name without
 * extension (`tasks.ts` and `tasks.js` both serve `tasks`). A string is taken as such a name.
 */
export function taskName(task: TaskRef | string): string {
  if (typeof task === 'string') {
    const colon = task.indexOf(':');
    if (colon > 0 && colon < task.length - 1) {
      checkModuleName(task.slice(0, colon));
      return task;
    }
    throw new ArgumentTypeError(
      `Expected a task name as 'module:export', got ${describeValue(task)}`,
      'ERR_INVALID_ARG_VALUE',
    );
  }
  if (!isTaskRef(task)) {
    throw typeError('task', "a task reference from taskModule() or a 'module:export' name", task);
  }
  let name = refNames.get(task);
  if (name === undefined) {
    name = `${checkModuleName(defaultModuleName(task.module))}:${task.exportName}`;
    refNames.set(task, name);
  }
  return name;
}

/** Task references' names, worked out once each (task references are frozen). */
const refNames = new WeakMap<TaskRef, string>();

/** A value that JSON carries exactly: a finite number, a string, a boolean or `null`. */
export type Plain = number | string | boolean | null;

/**
 * Values as they go into a job's data or return value: the network codec's bytes as base64,
 * or, for plain values, a JSON array of them (arguments: the list; a result: `[value]`, or
 * `[]` for `undefined`).
 */
export type Payload = string | readonly Plain[];

/** Most plain values in one payload; past it the codec's own checks apply. */
const MAX_PLAIN_ITEMS = 64;

function isPlain(value: unknown): value is Plain {
  if (typeof value === 'number') return Number.isFinite(value) && !Object.is(value, -0);
  return typeof value === 'string' || typeof value === 'boolean' || value === null;
}

/**
 * The most bytes the network codec would make of `items` (an array header; per item a tag
 * and a float, or a length and UTF-8): a plain payload within the size limit is one the
 * codec would have taken, and the same limit holds for both.
 */
function plainBound(items: readonly unknown[]): number {
  let bytes = 5;
  for (const item of items) bytes += typeof item === 'string' ? 5 + Buffer.byteLength(item) : 9;
  return bytes;
}

/** `items` as a plain payload, or `null` when the codec must carry them. */
function asPlain(items: readonly unknown[], maxBytes: number | undefined): readonly Plain[] | null {
  if (items.length > MAX_PLAIN_ITEMS) return null;
  for (const item of items) if (!isPlain(item)) return null;
  if (plainBound(items) > (maxBytes ?? DEFAULT_NET_MAX_BYTES)) return null;
  return items as readonly Plain[];
}

/** A plain payload from Redis, checked: only JSON's scalars, within the size limit. */
function checkPlain(items: readonly unknown[], maxBytes: number | undefined): readonly unknown[] {
  for (const item of items) {
    if (typeof item === 'object' && item !== null) {
      throw new UnpicklingError(
        'ERR_NET_MALFORMED',
        `a plain payload holds ${describeValue(item)}`,
      );
    }
  }
  const bytes = plainBound(items);
  const limit = maxBytes ?? DEFAULT_NET_MAX_BYTES;
  if (bytes > limit) {
    throw new UnpicklingError(
      'ERR_NET_TOO_LARGE',
      `the message has up to ${bytes} bytes, more than the limit of ${limit}`,
    );
  }
  return items;
}

/** A task's arguments as a job's `a`. */
export function encodeArgs(args: readonly unknown[], maxBytes: number | undefined): Payload {
  return asPlain(args, maxBytes) ?? toBase64(args, maxBytes);
}

/** A job's `a`, decoded. */
export function decodeArgs(payload: unknown, maxBytes: number | undefined): unknown[] {
  const decoded = Array.isArray(payload)
    ? checkPlain(payload as unknown[], maxBytes)
    : fromBase64(payload, maxBytes);
  if (!Array.isArray(decoded)) throw typeError('arguments', 'an array', decoded);
  return decoded as unknown[];
}

/** A task's result as its job's return value. */
export function encodeResult(value: unknown, maxBytes: number | undefined): Payload {
  if (value === undefined) return [];
  return asPlain([value], maxBytes) ?? toBase64(value, maxBytes);
}

/** A job's return value, decoded. */
export function decodeResult(payload: unknown, maxBytes: number | undefined): unknown {
  if (!Array.isArray(payload)) return fromBase64(payload, maxBytes);
  if (payload.length > 1) {
    throw new UnpicklingError('ERR_NET_MALFORMED', `a result of ${payload.length} values`);
  }
  return checkPlain(payload as unknown[], maxBytes)[0];
}

export function toBase64(value: unknown, maxBytes: number | undefined): string {
  return encodeNet(value, maxBytes === undefined ? {} : { maxBytes }).toString('base64');
}

export function fromBase64(text: unknown, maxBytes: number | undefined): unknown {
  if (typeof text !== 'string') throw typeError('message', 'a base64 string', text);
  return decodeNet(Buffer.from(text, 'base64'), maxBytes === undefined ? {} : { maxBytes });
}

/** A task's error as a job's `e`: its class, message, code, stack and cause, encoded. */
export function encodeError(error: unknown, maxBytes: number | undefined): string {
  return toBase64(errorToWire(error), maxBytes);
}

/**
 * The error a failed job's data carries, rebuilt as its class with the remote stack (see
 * `errorFromWire`); an `Error` of BullMQ's `failedReason` when the job has none (a job
 * removed meanwhile, or one that failed outside a task, such as a stalled job).
 */
export function decodeError(data: unknown, failedReason: string): unknown {
  const encoded = (data as { e?: unknown } | undefined)?.e;
  if (typeof encoded === 'string') {
    const wire = fromBase64(encoded, undefined);
    if (isWireError(wire)) return errorFromWire(wire);
  }
  return new Error(failedReason);
}

/** Whether decoded network data has the shape `errorFromWire` rebuilds. */
function isWireError(value: unknown, depth = 0): value is WireError {
  if (typeof value !== 'object' || value === null || depth > 8) return false;
  const wire = value as Record<string, unknown>;
  if (wire.kind === 'value') return Object.hasOwn(wire, 'value');
  return (
    wire.kind === 'error' &&
    typeof wire.name === 'string' &&
    typeof wire.base === 'string' &&
    typeof wire.message === 'string' &&
    typeof wire.stack === 'string' &&
    (wire.code === undefined || typeof wire.code === 'string' || typeof wire.code === 'number') &&
    Array.isArray(wire.props) &&
    wire.props.every((p) => Array.isArray(p) && p.length === 2 && typeof p[0] === 'string') &&
    (wire.cause === undefined || isWireError(wire.cause, depth + 1)) &&
    (wire.errors === undefined ||
      (Array.isArray(wire.errors) && wire.errors.every((e) => isWireError(e, depth + 1))))
  );
}
