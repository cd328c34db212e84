/**
 * The codec of what crosses the network: a task's arguments, its result and its error.
 *
 * A stand-in for the Manager's network codec (transport/net-codec.ts) behind the same two
 * function names, until it lands: JSON with tags for the values JSON loses (`undefined`,
 * `bigint`, non-finite numbers, bytes, dates), a size limit on both sides and a depth limit
 * on decode. Decoding never runs code and never builds anything but plain data.
 */
import { ArgumentRangeError, PicklingError } from '../errors.ts';

/** Past this many bytes a message is refused (both ways). */
export const DEFAULT_NET_MAX_BYTES = 64 * 1024 * 1024;
const DEFAULT_MAX_DEPTH = 64;
const TAG = '\u0000t';

type Tagged = { [TAG]: string; v?: unknown };

function tag(kind: string, v?: unknown): Tagged {
  return v === undefined ? { [TAG]: kind } : { [TAG]: kind, v };
}

function toJson(value: unknown, path: string, seen: Set<object>): unknown {
  switch (typeof value) {
    case 'undefined':
      return tag('u');
    case 'bigint':
      return tag('n', value.toString());
    case 'number':
      return Number.isFinite(value) ? value : tag('f', String(value));
    case 'string':
    case 'boolean':
      return value;
    case 'object': {
      if (value === null) return null;
      if (seen.has(value)) throw notSendable(path, 'a cycle');
      if (value instanceof Uint8Array) return tag('b', Buffer.from(value).toString('base64'));
      if (value instanceof Date) return tag('d', value.getTime());
      seen.add(value);
      try {
        if (Array.isArray(value))
          return value.map((v: unknown, i) => toJson(v, `${path}[${i}]`, seen));
        const proto: unknown = Object.getPrototypeOf(value);
        if (proto !== Object.prototype && proto !== null) {
          throw notSendable(path, `an instance of ${describeProto(proto)}`);
        }
        const out: Record<string, unknown> = {};
        for (const [k, v] of Object.entries(value)) out[k] = toJson(v, `${path}.${k}`, seen);
        return out;
      } finally {
        seen.delete(value);
      }
    }
    case 'function':
    case 'symbol':
      throw notSendable(path, `a ${typeof value}`);
  }
}

function describeProto(proto: unknown): string {
  const ctor = (proto as { constructor?: { name?: unknown } }).constructor;
  return typeof ctor?.name === 'string' ? ctor.name : 'a class';
}

function notSendable(path: string, what: string): PicklingError {
  return new PicklingError('ERR_NOT_CLONEABLE', `${path} is ${what}, which cannot be sent`);
}

function fromJson(value: unknown, depth: number, maxDepth: number): unknown {
  if (depth > maxDepth) throw malformed(`nested deeper than ${maxDepth}`);
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v: unknown) => fromJson(v, depth + 1, maxDepth));
  const record = value as Record<string, unknown>;
  if (Object.hasOwn(record, TAG)) {
    const v = record.v;
    switch (record[TAG]) {
      case 'u':
        return undefined;
      case 'n':
        if (typeof v === 'string' && /^-?\d+$/.test(v)) return BigInt(v);
        break;
      case 'f':
        if (v === 'NaN' || v === 'Infinity' || v === '-Infinity') return Number(v);
        break;
      case 'b':
        if (typeof v === 'string') return new Uint8Array(Buffer.from(v, 'base64'));
        break;
      case 'd':
        if (typeof v === 'number') return new Date(v);
        break;
    }
    throw malformed(`an unknown tag ${JSON.stringify(record[TAG])}`);
  }
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(record)) {
    // A plain own property even for '__proto__': never the prototype.
    Object.defineProperty(out, k, {
      value: fromJson(v, depth + 1, maxDepth),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return out;
}

function malformed(what: string): PicklingError {
  return new PicklingError('ERR_NOT_CLONEABLE', `a malformed network message: ${what}`);
}

function tooLarge(size: number, max: number): ArgumentRangeError {
  return new ArgumentRangeError(
    `A network message of ${size} bytes is over the limit of ${max} bytes (maxBytes)`,
    'ERR_OUT_OF_RANGE',
  );
}

/** `value` as bytes for the network. @throws {PicklingError} for a value it cannot carry. */
export function encodeNet(value: unknown, options: { maxBytes?: number } = {}): Buffer {
  const max = options.maxBytes ?? DEFAULT_NET_MAX_BYTES;
  const bytes = Buffer.from(JSON.stringify(toJson(value, 'value', new Set())), 'utf8');
  if (bytes.length > max) throw tooLarge(bytes.length, max);
  return bytes;
}

/** The value `bytes` encode. @throws {PicklingError} for bytes that are not a message. */
export function decodeNet(
  bytes: Uint8Array,
  options: { maxBytes?: number; maxDepth?: number } = {},
): unknown {
  const max = options.maxBytes ?? DEFAULT_NET_MAX_BYTES;
  if (bytes.length > max) throw tooLarge(bytes.length, max);
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('utf8'));
  } catch {
    throw malformed('not JSON');
  }
  return fromJson(parsed, 0, options.maxDepth ?? DEFAULT_MAX_DEPTH);
}
