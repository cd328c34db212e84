/**
 * What every queue does on its side of the core: items to bytes and back (structured clone,
 * as `postMessage` copies), and the `{ block, timeout }` options to one timeout.
 */
import { deserialize, serialize } from 'node:v8';
import { PicklingError } from '../errors.ts';
import { parseTimeout, typeError } from '../internal/validate.ts';
import { findShared } from '../shared/shared-object.ts';
import { assertCloneable } from '../transport/wire.ts';

/**
 * The item's structured-clone serialization.
 * @throws {PicklingError} (`ERR_NOT_CLONEABLE`) naming the part that cannot be cloned.
 */
export function encodeItem(item: unknown): Uint8Array {
  if (typeof item === 'object' && item !== null) {
    // Structured clone would turn a Lock or a Queue into an empty object: refuse it instead.
    const shared = findShared(item, 'item');
    if (shared !== null) {
      throw new PicklingError(
        'ERR_NOT_CLONEABLE',
        `${shared} is a shared object (a lock, queue or value), which cannot travel inside an ` +
          'item or message; pass it to the thread or process in `args` instead',
      );
    }
  }
  try {
    return serialize(item);
  } catch (error) {
    // Only now walk the item, to say where the problem is.
    assertCloneable(item, 'item', 'process');
    throw new PicklingError('ERR_NOT_CLONEABLE', `\`item\` cannot be queued: ${String(error)}`, {
      cause: error,
    });
  }
}

export function decodeItem(bytes: Uint8Array): unknown {
  return deserialize(bytes);
}

interface BlockOptions {
  readonly block?: boolean | undefined;
  readonly timeout?: number | undefined;
}

function blocking(options: BlockOptions | undefined): boolean {
  const block = options?.block ?? true;
  if (typeof block !== 'boolean') throw typeError('block', 'a boolean', block);
  return block;
}

/**
 * A put's timeout: 0 when not blocking, `Infinity` for none. A negative one is passed on:
 * Python refuses it only on a bounded queue, which the core knows.
 */
export function putTimeout(options: BlockOptions | undefined): number {
  if (!blocking(options)) return 0;
  const timeout = options?.timeout;
  if (typeof timeout === 'number' && timeout < 0) return timeout;
  return parseTimeout(timeout);
}

/** A get's timeout: 0 when not blocking, `Infinity` for none; a negative one is refused. */
export function getTimeout(options: BlockOptions | undefined): number {
  if (!blocking(options)) return 0;
  return parseTimeout(options?.timeout, 'timeout', 'reject');
}
