/**
 * The format of the network codec (net-codec.ts): the tag byte that starts each value, the
 * typed-array kinds, and the extension hook. Shared by net-encoder.ts and net-decoder.ts.
 */

/** A tagged value of the application, carried by the codec (the Manager's proxy tokens). */
export interface NetExtension {
  /** The extension's tag, an integer from 0 to 255, unique in the list. */
  readonly tag: number;
  /** Whether the extension carries `value`; asked of every object and function. */
  readonly test: (value: unknown) => boolean;
  /** The value as data the codec carries (anything {@link encodeNet} accepts). */
  readonly encode: (value: unknown) => unknown;
  /** Rebuilds the value from the decoded data. Receives data from the network: check it. */
  readonly decode: (data: unknown) => unknown;
}

/** The tag byte that starts each value. */
export const Tag = {
  Undefined: 0,
  Null: 1,
  False: 2,
  True: 3,
  Int32: 4, // i32
  Float64: 5, // f64
  BigInt: 6, // u8 sign, u32 length, magnitude bytes little-endian
  String: 7, // u32 length, UTF-8
  Array: 8, // u32 count, values
  Object: 9, // u32 count, (string body, value) pairs
  Map: 10, // u32 count, (value, value) pairs
  Set: 11, // u32 count, values
  Date: 12, // f64 time
  Buffer: 13, // u32 length, bytes
  Typed: 14, // u8 kind, u32 byte length, bytes
  ArrayBuffer: 15, // u32 length, bytes
  Error: 16, // see encodeError
  ErrorValue: 17, // a thrown non-error inside an error's cause: a value
  Ext: 18, // u8 extension tag, value
} as const;

/** The typed-array kinds of {@link Tag.Typed}, by index. */
export const TYPED_ARRAYS = [
  Uint8Array,
  Int8Array,
  Uint8ClampedArray,
  Int16Array,
  Uint16Array,
  Int32Array,
  Uint32Array,
  Float32Array,
  Float64Array,
  BigInt64Array,
  BigUint64Array,
] as const;
