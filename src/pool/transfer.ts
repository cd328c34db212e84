/**
 * Moving a task's result to the parent instead of copying it: a task returns
 * `transfer(value, [buffer])`, and the pool sends `value` with `buffer` in the transfer list
 * (`postMessage` semantics: the worker's copy is detached). Worth it for large buffers; a
 * process worker copies them anyway.
 */
import type { Transferable } from 'node:worker_threads';
import { typeError } from '../internal/validate.ts';

/** Shared by every copy of this module, in any realm. */
const kTransferred = Symbol.for('multitask.transferred');

/** A result with its transfer list; the pool unwraps it (see {@link ResultOf}). */
export interface Transferred<T> {
  readonly [kTransferred]: true;
  readonly value: T;
  readonly list: readonly Transferable[];
}

/**
 * Marks a task's result so that `list` is moved, not copied, to the thread that submitted it.
 *
 * @example
 * ```ts
 * export function render(width: number, height: number) {
 *   const pixels = new Uint8Array(width * height * 4);
 *   // ...
 *   return transfer(pixels, [pixels.buffer]);
 * }
 * // await pool.apply(tasks.render, [640, 480]) is a Uint8Array
 * ```
 * @throws {ArgumentTypeError} `ERR_INVALID_ARG_TYPE` if `list` is not an array.
 */
export function transfer<T>(value: T, list: readonly Transferable[]): Transferred<T> {
  if (!Array.isArray(list)) throw typeError('list', 'an array of transferables', list);
  return { [kTransferred]: true, value, list };
}

/** Whether a task's result was marked by {@link transfer}. */
export function isTransferred(value: unknown): value is Transferred<unknown> {
  return typeof value === 'object' && value !== null && kTransferred in value;
}

/** A task's result as its caller sees it: awaited, and unwrapped from {@link transfer}. */
export type Unwrapped<R> = R extends Transferred<infer T> ? T : R;
