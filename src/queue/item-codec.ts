/**
 * A compact encoding for the small items queues carry most: a number, string, boolean,
 * `null` or `undefined`, or a plain object whose own values are all of those. Encoding and
 * decoding them in JavaScript costs a fraction of `v8.serialize`/`v8.deserialize`, which
 * allocate a serializer, a buffer and a deserializer per item. Anything else (arrays,
 * nested objects, bigints, Maps, typed arrays, long strings, class instances…) still goes
 * through structured clone. The decoded value is what structured clone would give: the
 * same numbers (-0 and NaN included), the same UTF-16 strings (lone surrogates included),
 * a fresh plain object with the same own enumerable string-keyed properties in the same
 * order. (One difference remains: decoding assigns properties, where structured clone defines
 * them, so a setter that code put on `Object.prototype` for one of the keys would run.)
 *
 * Every encoding starts with a tag byte below 0xFF; structured clone's starts with 0xFF
 * (its version tag), so one byte tells them apart. Lengths and int32s are little-endian.
 * ```
 * 0x00 undefined   0x01 null   0x02 false   0x03 true
 * 0x04 int32       [i32]
 * 0x05 float64     [f64]                        any other number, -0 and NaN included (the
 *                                               platform's byte order: one machine)
 * 0x06 one-byte    [u32 n][n bytes]             a string whose code units are all < 256
 * 0x07 two-byte    [u32 n][2n bytes]            any other string (UTF-16 code units)
 * 0x08 object      [u8 n] n × (key, value: any tag above but 0x08), each key
 *                  0x06 [u8 n][n bytes] or 0x07 [u8 n][2n bytes]: keys of at most 255 units
 * ```
 * `{ i: 5 }` takes 10 bytes: few enough to travel in one slot of a queue's ring
 * (queue-ring.ts).
 */
import { isArgumentsObject, isProxy } from 'node:util/types';
import { UnpicklingError } from '../errors.ts';

const UNDEFINED = 0x00;
const NULL = 0x01;
const FALSE = 0x02;
const TRUE = 0x03;
const INT32 = 0x04;
const FLOAT64 = 0x05;
const ONE_BYTE = 0x06;
const TWO_BYTE = 0x07;
const OBJECT = 0x08;
/** The first byte of every `v8.serialize` output. */
export const STRUCTURED_CLONE_TAG = 0xff;

/** Longer strings, and objects with more keys (or longer ones), go through structured clone. */
const MAX_CHARS = 256;
const MAX_KEYS = 64;
const MAX_KEY_CHARS = 255;

/**
 * The longest encoding: an object of MAX_KEYS two-byte keys of MAX_KEY_CHARS units, each
 * holding a two-byte string of MAX_CHARS units. The scratch buffer is that long, so that
 * encoding never checks for room.
 */
const LONGEST = 2 + MAX_KEYS * (2 + MAX_KEY_CHARS * 2 + 5 + MAX_CHARS * 2);

/**
 * Where items are encoded: reused, so an encoding lives until the next one. Also seen as
 * Int32 words, for a caller that copies an encoding a word at a time.
 */
const scratch = new Uint8Array((LONGEST + 3) & ~3);
const scratchWords = new Int32Array(scratch.buffer);
/** `scratch.subarray(0, n)` for the small `n`s, made once: allocating one per item shows. */
const views: Uint8Array[] = [];
const VIEWS = 128;
let encoding = false;
const float = new Float64Array(1);
const floatBytes = new Uint8Array(float.buffer);

function writeU32(at: number, value: number): void {
  scratch[at] = value & 0xff;
  scratch[at + 1] = (value >>> 8) & 0xff;
  scratch[at + 2] = (value >>> 16) & 0xff;
  scratch[at + 3] = value >>> 24;
}

/**
 * Writes `text` at `at` with a length of `lengthBytes` bytes (4 for a value, 1 for a key);
 * returns where it ends, or -1 when longer than `max` code units.
 */
function writeString(text: string, at: number, lengthBytes: 1 | 4, max: number): number {
  const length = text.length;
  if (length > max) return -1;
  const from = at + 1 + lengthBytes;
  if (lengthBytes === 1) scratch[at + 1] = length;
  else writeU32(at + 1, length);
  let to = from;
  let i = 0;
  for (; i < length; i++) {
    const unit = text.charCodeAt(i);
    if (unit > 0xff) break;
    scratch[to++] = unit;
  }
  if (i === length) {
    scratch[at] = ONE_BYTE;
    return to;
  }
  scratch[at] = TWO_BYTE;
  to = from;
  for (i = 0; i < length; i++) {
    const unit = text.charCodeAt(i);
    scratch[to++] = unit & 0xff;
    scratch[to++] = unit >>> 8;
  }
  return to;
}

/** Writes a primitive at `at`; returns where it ends, or -1 for anything else. */
function writePrimitive(value: unknown, at: number): number {
  switch (typeof value) {
    case 'number':
      // -0 is not an int32: 0 | 0 === -0 holds, so look at its sign.
      if ((value | 0) === value && (value !== 0 || 1 / value > 0)) {
        scratch[at] = INT32;
        writeU32(at + 1, value);
        return at + 5;
      }
      scratch[at] = FLOAT64;
      float[0] = value;
      scratch.set(floatBytes, at + 1);
      return at + 9;
    case 'string':
      return writeString(value, at, 4, MAX_CHARS);
    case 'boolean':
      scratch[at] = value ? TRUE : FALSE;
      return at + 1;
    case 'undefined':
      scratch[at] = UNDEFINED;
      return at + 1;
    case 'object':
      if (value !== null) return -1;
      scratch[at] = NULL;
      return at + 1;
    case 'bigint':
    case 'symbol':
    case 'function':
      return -1;
  }
}

/** Read once: `process.env` is a getter's result. */
const environment = process.env;
const objectPrototype = Object.prototype;

/**
 * Only objects that structured clone copies as plain data: not a Proxy, an `arguments`
 * object or `process.env` (which it refuses), whose prototype is also `Object.prototype`.
 */
function writeObject(value: object): number {
  if (
    value === environment ||
    isProxy(value) ||
    Object.getPrototypeOf(value) !== objectPrototype ||
    isArgumentsObject(value)
  ) {
    return -1;
  }
  const keys = Object.keys(value);
  const keyCount = keys.length;
  if (keyCount > MAX_KEYS) return -1;
  const record = value as Record<string, unknown>;
  scratch[0] = OBJECT;
  let at = 2;
  let count = 0;
  for (let k = 0; k < keyCount; k++) {
    const key = keys[k] as string;
    // Assigning `__proto__` would set the prototype, where structured clone defines a property.
    if (key === '__proto__') return -1;
    const property = record[key];
    // A getter may have deleted a later property: structured clone then skips it too.
    if (property === undefined && !Object.hasOwn(value, key)) continue;
    at = writeString(key, at, 1, MAX_KEY_CHARS);
    if (at < 0) return -1;
    at = writePrimitive(property, at);
    if (at < 0) return -1;
    count++;
  }
  scratch[1] = count;
  return at;
}

/**
 * Encodes `value` into the scratch buffer when it is one of the kinds above.
 * @returns the length of the encoding, which {@link encodedWords} holds until the next
 * call, or -1 when `value` must go through structured clone (or reading it threw:
 * structured clone will then throw the same error, and say so).
 */
export function encodeFastLength(value: unknown): number {
  // A getter that puts into a queue would encode into the scratch buffer being filled.
  if (encoding) return -1;
  encoding = true;
  try {
    return typeof value === 'object' && value !== null
      ? writeObject(value)
      : writePrimitive(value, 0);
  } catch {
    return -1;
  } finally {
    encoding = false;
  }
}

/** Where {@link wordsOf} copies bytes that are not the scratch buffer's. */
const staging = new Int32Array(16);
const stagingBytes = new Uint8Array(staging.buffer);

/**
 * `bytes` (at most 64) as Int32 words, the last one padded: the scratch buffer's words
 * when `bytes` is what {@link encodeFast} returned last (no copy), else a copy, valid until
 * the next call. (Compares the view itself: a view's `buffer` getter costs more.)
 */
export function wordsOf(bytes: Uint8Array): Int32Array {
  if (bytes === views[bytes.length]) return scratchWords;
  stagingBytes.fill(0).set(bytes);
  return staging;
}

/**
 * Encodes `value` into the scratch buffer when it is one of the kinds above.
 * @returns the view of the encoding (valid until the next call), or `undefined` when
 * `value` must go through structured clone (see {@link encodeFastLength}).
 */
export function encodeFast(value: unknown): Uint8Array | undefined {
  const length = encodeFastLength(value);
  if (length < 0) return undefined;
  if (length >= VIEWS) return scratch.subarray(0, length);
  return (views[length] ??= scratch.subarray(0, length));
}

// ---- decoding ---------------------------------------------------------------------------

/** Where the decoder reads next, and where the encoding ends, in the bytes being decoded. */
let cursor = 0;
let limit = 0;

/** Bytes that no encoder of ours wrote: Python's unpickling of garbage raises the same class. */
function notAnItem(why: string): UnpicklingError {
  return new UnpicklingError('ERR_MALFORMED_ITEM', `the bytes are not a queue item (${why})`);
}

/** Recently decoded one-byte keys, by a hash of their bytes: objects share few keys. */
const keyCache: (string | undefined)[] = new Array<string | undefined>(256).fill(undefined);

function readU32(bytes: Uint8Array, at: number): number {
  return (
    ((bytes[at] ?? 0) |
      ((bytes[at + 1] ?? 0) << 8) |
      ((bytes[at + 2] ?? 0) << 16) |
      ((bytes[at + 3] ?? 0) << 24)) >>>
    0
  );
}

/** A one-byte key of `length` units at `from`: the cached string when it was seen lately. */
function readKey(bytes: Uint8Array, from: number, length: number): string {
  let hash = length;
  for (let i = from, to = from + length; i < to; i++) hash = (hash * 31 + (bytes[i] ?? 0)) & 0xff;
  const cached = keyCache[hash];
  if (cached !== undefined && cached.length === length) {
    let same = true;
    for (let i = 0; i < length; i++) {
      if (cached.charCodeAt(i) !== bytes[from + i]) {
        same = false;
        break;
      }
    }
    if (same) return cached;
  }
  const text = String.fromCharCode.apply(null, Array.from(bytes.subarray(from, from + length)));
  keyCache[hash] = text;
  return text;
}

/** Reads a string whose tag was read; a key's length is one byte, a value's four. */
function readString(bytes: Uint8Array, tag: number, key: boolean): string {
  const length = key ? (bytes[cursor] ?? 0) : readU32(bytes, cursor);
  const from = cursor + (key ? 1 : 4);
  if (from + length * (tag === TWO_BYTE ? 2 : 1) > limit) throw notAnItem('string too long');
  if (tag === ONE_BYTE) {
    cursor = from + length;
    if (key && length <= 16) return readKey(bytes, from, length);
    let text = '';
    for (let i = from; i < cursor; i++) text += String.fromCharCode(bytes[i] ?? 0);
    return text;
  }
  if (tag !== TWO_BYTE) throw notAnItem(`tag ${tag} where a string was expected`);
  cursor = from + length * 2;
  let text = '';
  for (let i = from; i < cursor; i += 2) {
    text += String.fromCharCode((bytes[i] ?? 0) | ((bytes[i + 1] ?? 0) << 8));
  }
  return text;
}

function readPrimitive(bytes: Uint8Array): unknown {
  const tag = bytes[cursor++];
  switch (tag) {
    case UNDEFINED:
      return undefined;
    case NULL:
      return null;
    case FALSE:
      return false;
    case TRUE:
      return true;
    case INT32: {
      const value = readU32(bytes, cursor) | 0;
      cursor += 4;
      return value;
    }
    case FLOAT64:
      for (let i = 0; i < 8; i++) floatBytes[i] = bytes[cursor + i] ?? 0;
      cursor += 8;
      return float[0];
    case ONE_BYTE:
    case TWO_BYTE:
      return readString(bytes, tag, false);
    case undefined:
    default:
      throw notAnItem(`tag ${String(tag)}`);
  }
}

/** Whether the `length` bytes at `offset` are this module's encoding (not structured clone's). */
export function isFast(bytes: Uint8Array, offset: number): boolean {
  return bytes[offset] !== STRUCTURED_CLONE_TAG;
}

/**
 * Decodes the `length` bytes at `offset` of `bytes` (which may be shared memory: nothing
 * returned refers to it).
 * @throws {TypeError} for bytes that are not an encoding of this module.
 */
export function decodeFast(bytes: Uint8Array, offset: number, length: number): unknown {
  cursor = offset;
  limit = offset + length;
  let value: unknown;
  if (bytes[offset] === OBJECT) {
    const count = bytes[offset + 1] ?? 0;
    cursor = offset + 2;
    const record: Record<string, unknown> = {};
    for (let n = 0; n < count; n++) {
      const tag = bytes[cursor++] ?? 0;
      const key = readString(bytes, tag, true);
      const property = readPrimitive(bytes);
      // A property, as structured clone defines it, not the prototype's setter.
      if (key === '__proto__') {
        Object.defineProperty(record, key, {
          value: property,
          writable: true,
          enumerable: true,
          configurable: true,
        });
      } else {
        record[key] = property;
      }
    }
    value = record;
  } else {
    value = readPrimitive(bytes);
  }
  if (cursor !== limit) throw notAnItem('bad length');
  return value;
}
