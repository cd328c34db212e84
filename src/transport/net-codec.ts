/**
 * A codec for values that cross a network: {@link encodeNet} and {@link decodeNet}.
 *
 * The bytes a server decodes may come from anyone who got past the handshake, or from a
 * peer that was compromised, so the decoder is written for hostile input:
 * - it never runs code: no constructor, getter, setter or `toJSON` of the sender's choosing is
 *   called; it builds only the types of the table below, plus the app's own extensions;
 * - it cannot pollute prototypes: object keys are defined with `Object.defineProperty`, so a
 *   key `__proto__` or `constructor` becomes an ordinary own property;
 * - it is bounded: a size limit on the whole message, a depth limit on nesting, and every
 *   declared length or count is checked against the bytes that remain before anything is
 *   allocated, so a 10-byte message cannot ask for a 4 GiB array.
 *
 * Why not structured clone (`v8.serialize`/`v8.deserialize`): V8's deserializer is built for
 * trusted input between a process and itself, not hardened against hostile bytes (its
 * history has memory-safety bugs on malformed input), and it can be asked for huge
 * allocations. Why not JSON: it loses `undefined`, `-0`, `NaN`, bigint, `Map`, `Set`, `Date`,
 * binary data and errors. Why not a package: msgpack (`@msgpack/msgpack`) would need
 * extension types for half of these (undefined vs null, bigint, Map, Set, errors, typed
 * arrays), leaving a dependency for the easy half of a few hundred lines.
 *
 * What is lost on the way: shared references become copies (the encoder refuses cycles),
 * array holes become `undefined`, lone UTF-16 surrogates in strings become U+FFFD, and a
 * class instance is refused unless an extension carries it. Errors cross as data (class
 * name, message, `code`, stack, `cause`, other properties) and are rebuilt as the library's
 * class of that name, or as JavaScript's own, through transport/wire.ts.
 *
 * Format: a value is one tag byte followed by its body; lengths and counts are unsigned
 * 32-bit little-endian; net-format.ts lists the tags.
 */
import { UnpicklingError } from '../errors.ts';
import { NetDecoder } from './net-decoder.ts';
import { NetEncoder } from './net-encoder.ts';
import type { NetExtension } from './net-format.ts';

export type { NetExtension } from './net-format.ts';

export interface NetEncodeOptions {
  /** The largest message to produce, in bytes. @default 67108864 (64 MiB) */
  readonly maxBytes?: number;
  /** The deepest nesting to encode. @default 64 */
  readonly maxDepth?: number;
  /** Extensions, tried in order on every object and function before the built-in types. */
  readonly ext?: readonly NetExtension[];
}

export interface NetDecodeOptions {
  /** The largest message to accept, in bytes. @default 67108864 (64 MiB) */
  readonly maxBytes?: number;
  /** The deepest nesting to accept. @default 64 */
  readonly maxDepth?: number;
  /** The extensions whose tags may appear in the message. */
  readonly ext?: readonly NetExtension[];
}

export const DEFAULT_NET_MAX_BYTES = 64 * 1024 * 1024;
export const DEFAULT_NET_MAX_DEPTH = 64;

/**
 * Encodes a value for {@link decodeNet}.
 *
 * @throws {PicklingError} `ERR_NOT_CLONEABLE` for a value the codec does not carry (a
 * function, a symbol, a class instance no extension takes, a cycle), naming its path;
 * `ERR_NET_TOO_DEEP` past `maxDepth`; `ERR_NET_TOO_LARGE` past `maxBytes`.
 * @example
 * ```ts
 * socket.write(frame(encodeNet({ op: 'set', key: 'a', value: new Map([[1, 2n]]) })));
 * ```
 */
export function encodeNet(value: unknown, options: NetEncodeOptions = {}): Buffer {
  const encoder = new NetEncoder(
    options.maxBytes ?? DEFAULT_NET_MAX_BYTES,
    options.maxDepth ?? DEFAULT_NET_MAX_DEPTH,
    options.ext ?? [],
  );
  encoder.value(value, 'value', 0);
  return encoder.finish();
}

/**
 * Decodes bytes made by {@link encodeNet}, which may be hostile.
 *
 * @throws {UnpicklingError} `ERR_NET_TOO_LARGE` for a message past `maxBytes`,
 * `ERR_NET_TOO_DEEP` for nesting past `maxDepth`, `ERR_NET_MALFORMED` for anything else
 * that is not a well-formed message (unknown tag, truncated body, a length past the end,
 * trailing bytes, an unknown extension).
 * @example
 * ```ts
 * const request = decodeNet(body, { maxDepth: 32 });
 * ```
 */
export function decodeNet(bytes: Uint8Array, options: NetDecodeOptions = {}): unknown {
  const maxBytes = options.maxBytes ?? DEFAULT_NET_MAX_BYTES;
  if (bytes.length > maxBytes) {
    throw new UnpicklingError(
      'ERR_NET_TOO_LARGE',
      `the message has ${bytes.length} bytes, more than the limit of ${maxBytes}`,
    );
  }
  const decoder = new NetDecoder(
    bytes,
    options.maxDepth ?? DEFAULT_NET_MAX_DEPTH,
    options.ext ?? [],
  );
  const value = decoder.value(0);
  decoder.end();
  return value;
}
