/**
 * What every queue does on its side of the core: items to bytes and back (structured clone,
 * as `postMessage` copies, with a faster encoding for small plain items: item-codec.ts), and
 * the `{ block, timeout }` options to one timeout.
 */
import { isArrayBuffer } from 'node:util/types';
import { deserialize, serialize } from 'node:v8';
import { PicklingError } from '../errors.ts';
import { parseTimeout, typeError } from '../internal/validate.ts';
import { findShared } from '../memory/shared-object.ts';
import { goingTo } from '../transport/clone-target.ts';
import { assertCloneable } from '../transport/cloneable.ts';
import { decodeFast, encodeFast, isFast } from './item-codec.ts';
import { checkOptions } from '../internal/options.ts';

/** Where an item goes: a queue's put, or a pipe's send (errors say which). */
export type ItemTarget = 'queue' | 'pipe';

/**
 * The item's bytes, its own: item-codec.ts's encoding when it has one, else its
 * structured-clone serialization.
 * @throws {PicklingError} (`ERR_NOT_CLONEABLE`) naming the part that cannot be cloned.
 */
export function encodeItem(item: unknown, target: ItemTarget = 'queue'): Uint8Array {
  return encodeFast(item)?.slice() ?? serializeItem(item, target);
}

/**
 * As {@link encodeItem}, but the bytes may be a view of a scratch buffer that the next
 * encoding overwrites: for a caller that copies them into the queue at once.
 */
export function encodeItemScratch(item: unknown): Uint8Array {
  return encodeFast(item) ?? serializeItem(item, 'queue');
}

/**
 * An item's structured-clone serialization. Whoever takes the item, a thread of this
 * process or another process, it is copied as these bytes: what cannot be serialized is
 * refused here, at the put, for a put that stays in one process too.
 */
function serializeItem(item: unknown, target: ItemTarget): Uint8Array {
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
    assertCloneable(item, 'item', target);
    throw new PicklingError(
      'ERR_NOT_CLONEABLE',
      `\`item\` cannot ${goingTo(target)}: ${String(error)}`,
      { cause: error },
    );
  }
}

/** The item whose bytes {@link encodeItem} made. */
export function decodeItem(bytes: Uint8Array): unknown {
  return isFast(bytes, 0) ? decodeFast(bytes, 0, bytes.length) : deserialize(bytes);
}

/** Bytes still to deserialize, copied out of the queue: see {@link readItem}. */
export class Serialized {
  constructor(readonly bytes: Uint8Array) {}
}

/**
 * Reads the item at `offset` in a queue's memory, holding its lock: the item itself when
 * it is cheap to decode, else a copy of its bytes to deserialize once the lock is released
 * (a large item would hold the lock through a long deserialization; and `deserialize`
 * wants memory of its own: the views it makes for typed arrays share the bytes given).
 */
export function readItem(data: Uint8Array, offset: number, length: number): unknown {
  if (!isFast(data, offset)) return new Serialized(data.slice(offset, offset + length));
  return decodeFast(data, offset, length);
}

/** Where {@link takeItem} copies an item's bytes, and how many. */
let taken = new Uint8Array(256);
let takenLength = 0;
/** What {@link takeItem} returns: the item is in `taken`. (No item decodes to a symbol.) */
const TAKEN: unique symbol = Symbol('multitask.taken');

/**
 * As {@link readItem}, but shorter on the lock: a small item's bytes are only copied out,
 * and decoded by {@link finishItem} once the lock is released. For a caller that finishes
 * the item before anything else runs in this thread (the copy lives until the next one).
 */
export function takeItem(data: Uint8Array, offset: number, length: number): unknown {
  if (!isFast(data, offset)) return new Serialized(data.slice(offset, offset + length));
  if (length > taken.length) taken = new Uint8Array(Math.max(length, taken.length * 2));
  const into = taken;
  for (let i = 0; i < length; i++) into[i] = data[offset + i] ?? 0;
  takenLength = length;
  return TAKEN;
}

/** The item {@link readItem} or {@link takeItem} read, decoded if it was not yet. */
export function finishItem(read: unknown): unknown {
  if (read === TAKEN) return decodeFast(taken, 0, takenLength);
  if (typeof read !== 'object' || read === null) return read;
  if (read instanceof Serialized) return deserialize(read.bytes);
  return read;
}

interface BlockOptions {
  readonly block?: boolean | undefined;
  readonly timeout?: number | undefined;
}

/** The keys of a queue's get options, and of its put options (`transfer` too). */
const GET_OPTIONS = ['block', 'timeout', 'signal'];
const PUT_OPTIONS = [...GET_OPTIONS, 'transfer'];

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
  checkOptions(options, PUT_OPTIONS, 'put()');
  if (!blocking(options)) return 0;
  const timeout = options?.timeout;
  if (typeof timeout === 'number' && timeout < 0) return timeout;
  return parseTimeout(timeout);
}

/** A get's timeout: 0 when not blocking, `Infinity` for none; a negative one is refused. */
export function getTimeout(options: BlockOptions | undefined): number {
  checkOptions(options, GET_OPTIONS, 'get()');
  if (!blocking(options)) return 0;
  return parseTimeout(options?.timeout, 'timeout', 'reject');
}

const NO_TRANSFER: readonly ArrayBuffer[] = [];

function isDetached(buffer: ArrayBuffer): boolean {
  if (buffer.byteLength !== 0) return false;
  try {
    new Uint8Array(buffer);
    return false;
  } catch {
    return true;
  }
}

/**
 * The buffers of a `transfer` option, checked before anything is sent.
 * @throws {ArgumentTypeError} for a list that is not an array, or holds anything but
 * ArrayBuffers (a queue or pipe copies items into shared memory: there is no port or
 * stream whose ownership could move), a detached ArrayBuffer, or one listed twice.
 */
export function transferList(transfer: unknown): readonly ArrayBuffer[] {
  if (transfer === undefined) return NO_TRANSFER;
  if (!Array.isArray(transfer)) throw typeError('transfer', 'an array of ArrayBuffers', transfer);
  const seen = new Set<unknown>();
  (transfer as unknown[]).forEach((buffer, i) => {
    if (!isArrayBuffer(buffer)) {
      throw typeError(
        `transfer[${i}]`,
        'an ArrayBuffer (items are copied into shared memory: only ArrayBuffers can be given up)',
        buffer,
      );
    }
    if (isDetached(buffer))
      throw typeError(`transfer[${i}]`, 'an ArrayBuffer not detached', buffer);
    if (seen.has(buffer)) throw typeError(`transfer[${i}]`, 'an ArrayBuffer listed once', buffer);
    seen.add(buffer);
  });
  return transfer as ArrayBuffer[];
}

/**
 * Detaches the sender's `buffers` once the item holding a copy of them is sent, as
 * `postMessage` detaches what it transfers: the sender can no longer read or change them.
 * Buffers that Node marks untransferable (Buffer's shared pool) stay, as with postMessage.
 */
export function detach(buffers: readonly ArrayBuffer[]): void {
  if (buffers.length > 0) structuredClone(buffers, { transfer: [...buffers] });
}
