/**
 * What a distributed job is in Redis, shared by the submitter and the worker.
 *
 * BullMQ keeps a job's data and return value as JSON, so the bytes of the network codec
 * (transport/net-codec.ts, safe for bytes from anyone) travel as base64 strings: a job's
 * `name` is its task's name, its `data` a {@link JobData}, its return value the encoded
 * result. Only names cross the wire, never
 * code: a worker runs a task only if it registered the task's module under that name.
 */
import { basename, extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ArgumentTypeError } from '../errors.ts';
import { describeValue, typeError } from '../internal/validate.ts';
import { isTaskRef, type TaskRef } from '../runtime/target.ts';
import { errorFromWire, errorToWire, type WireError } from '../transport/wire.ts';
import { decodeNet, encodeNet } from '../transport/net-codec.ts';

/** A job's `data`: the task's arguments and its own options. */
export interface JobData {
  /** The encoded argument array, base64. */
  readonly a: string;
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
