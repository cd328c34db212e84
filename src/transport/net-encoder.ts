/**
 * The writing half of the network codec (net-codec.ts documents the format and its limits).
 */
import { PicklingError } from '../errors.ts';
import { Tag, TYPED_ARRAYS, type NetExtension } from './net-format.ts';
import { isError, safeString } from './safe-read.ts';
import type { WireError } from './wire.ts';
import { errorToWire } from './wire.ts';

/** Writes one message; see net-codec.ts. */
export class NetEncoder {
  #buffer = Buffer.allocUnsafe(256);
  #length = 0;
  /** The objects being encoded, outermost first: a cycle meets one of them again. */
  readonly #open = new Set<object>();

  constructor(
    readonly maxBytes: number,
    readonly maxDepth: number,
    readonly ext: readonly NetExtension[],
  ) {}

  finish(): Buffer {
    return this.#buffer.subarray(0, this.#length);
  }

  #room(bytes: number): number {
    const at = this.#length;
    const needed = at + bytes;
    if (needed > this.maxBytes) {
      throw new PicklingError(
        'ERR_NET_TOO_LARGE',
        `the message would be larger than the limit of ${this.maxBytes} bytes`,
      );
    }
    if (needed > this.#buffer.length) {
      const grown = Buffer.allocUnsafe(Math.max(needed, this.#buffer.length * 2));
      this.#buffer.copy(grown, 0, 0, at);
      this.#buffer = grown;
    }
    this.#length = needed;
    return at;
  }

  tag(tag: number): void {
    const at = this.#room(1); // before reading #buffer, which #room() may replace
    this.#buffer[at] = tag;
  }

  u32(n: number): void {
    const at = this.#room(4);
    this.#buffer.writeUInt32LE(n, at);
  }

  f64(n: number): void {
    const at = this.#room(8);
    this.#buffer.writeDoubleLE(n, at);
  }

  string(text: string): void {
    const bytes = Buffer.byteLength(text);
    this.u32(bytes);
    const at = this.#room(bytes);
    this.#buffer.write(text, at, bytes, 'utf8');
  }

  bytes(view: ArrayBufferView | ArrayBuffer): void {
    const source =
      view instanceof ArrayBuffer
        ? new Uint8Array(view)
        : new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
    this.u32(source.length);
    const at = this.#room(source.length);
    this.#buffer.set(source, at);
  }

  value(value: unknown, path: string, depth: number): void {
    switch (typeof value) {
      case 'undefined':
        this.tag(Tag.Undefined);
        return;
      case 'boolean':
        this.tag(value ? Tag.True : Tag.False);
        return;
      case 'number':
        if ((value | 0) === value && !Object.is(value, -0)) {
          this.tag(Tag.Int32);
          const at = this.#room(4);
          this.#buffer.writeInt32LE(value, at);
        } else {
          this.tag(Tag.Float64);
          this.f64(value);
        }
        return;
      case 'string':
        this.tag(Tag.String);
        this.string(value);
        return;
      case 'bigint':
        this.bigint(value);
        return;
      case 'symbol':
        throw notCarried(path, 'a symbol');
      case 'object':
        if (value === null) this.tag(Tag.Null);
        else this.object(value, path, depth);
        return;
      case 'function':
        this.object(value, path, depth);
        return;
    }
  }

  bigint(value: bigint): void {
    this.tag(Tag.BigInt);
    this.tag(value < 0n ? 1 : 0);
    let hex = (value < 0n ? -value : value).toString(16);
    if (hex.length % 2 === 1) hex = `0${hex}`;
    // Little-endian magnitude: the hex digits' bytes, reversed.
    const magnitude = Buffer.from(hex, 'hex').reverse();
    this.bytes(magnitude);
  }

  object(value: object, path: string, depth: number): void {
    if (depth >= this.maxDepth) {
      throw new PicklingError(
        'ERR_NET_TOO_DEEP',
        `${path} is nested deeper than the limit of ${this.maxDepth}`,
      );
    }
    if (this.#open.has(value)) throw notCarried(path, 'a reference to one of its containers');
    const extension = this.ext.find((candidate) => candidate.test(value));
    if (extension === undefined && typeof value === 'function') {
      throw notCarried(path, 'a function');
    }
    this.#open.add(value);
    try {
      if (extension === undefined) {
        this.container(value, path, depth + 1);
      } else {
        this.tag(Tag.Ext);
        this.tag(extension.tag);
        this.value(extension.encode(value), `${path}<ext ${extension.tag}>`, depth + 1);
      }
    } finally {
      this.#open.delete(value);
    }
  }

  container(value: object, path: string, depth: number): void {
    // isError() narrows `value` to never in its else branch; the plain object is read here.
    const plain: object = value;
    if (Array.isArray(value)) {
      this.tag(Tag.Array);
      this.u32(value.length);
      for (let i = 0; i < value.length; i++) {
        this.value((value as unknown[])[i], `${path}[${i}]`, depth);
      }
    } else if (Buffer.isBuffer(value)) {
      this.tag(Tag.Buffer);
      this.bytes(value);
    } else if (ArrayBuffer.isView(value) && !(value instanceof DataView)) {
      const kind = TYPED_ARRAYS.findIndex((Class) => value.constructor === Class);
      if (kind === -1) throw notCarried(path, `a ${value.constructor.name}`);
      this.tag(Tag.Typed);
      this.tag(kind);
      this.bytes(value);
    } else if (value instanceof ArrayBuffer) {
      this.tag(Tag.ArrayBuffer);
      this.bytes(value);
    } else if (value instanceof Date) {
      this.tag(Tag.Date);
      this.f64(value.getTime());
    } else if (value instanceof Map) {
      this.tag(Tag.Map);
      this.u32(value.size);
      let i = 0;
      for (const [key, item] of value) {
        this.value(key, `${path}.keys()[${i}]`, depth);
        this.value(item, `${path}.get(${safeString(key)})`, depth);
        i++;
      }
    } else if (value instanceof Set) {
      this.tag(Tag.Set);
      this.u32(value.size);
      let i = 0;
      for (const item of value) this.value(item, `${path}.values()[${i++}]`, depth);
    } else if (isError(value)) {
      this.error(errorToWire(value), path, depth);
    } else {
      const proto: unknown = Object.getPrototypeOf(plain);
      if (proto !== Object.prototype && proto !== null) {
        const name = (plain.constructor as { name?: unknown } | undefined)?.name;
        throw notCarried(path, `an instance of ${typeof name === 'string' ? name : 'a class'}`);
      }
      const keys = Object.keys(plain);
      this.tag(Tag.Object);
      this.u32(keys.length);
      for (const key of keys) {
        this.string(key);
        this.value((plain as Record<string, unknown>)[key], `${path}.${key}`, depth);
      }
    }
  }

  /**
   * An error as errorToWire() describes it: name, base, message, stack (strings), code
   * (a value), cause (an error or a value, or undefined), errors (an array of them) and the
   * other properties as an object.
   */
  error(wire: WireError, path: string, depth: number): void {
    if (depth > this.maxDepth) {
      throw new PicklingError(
        'ERR_NET_TOO_DEEP',
        `${path} is nested deeper than the limit of ${this.maxDepth}`,
      );
    }
    if (wire.kind === 'value') {
      this.tag(Tag.ErrorValue);
      this.#valueOrString(wire.value, path, depth);
      return;
    }
    this.tag(Tag.Error);
    this.string(wire.name);
    this.string(wire.base);
    this.string(wire.message);
    this.string(wire.stack);
    this.value(wire.code, `${path}.code`, depth);
    if (wire.cause === undefined) this.tag(Tag.Undefined);
    else this.error(wire.cause, `${path}.cause`, depth + 1);
    const errors = wire.errors ?? [];
    this.u32(errors.length);
    errors.forEach((error, i) => {
      this.error(error, `${path}.errors[${i}]`, depth + 1);
    });
    // Only the properties the codec carries: the rest are dropped, as errorToWire drops those
    // that cannot be cloned.
    const props = wire.props.filter(([, value]) => {
      const mark = this.#length;
      try {
        this.value(value, path, depth);
        return true;
      } catch {
        return false;
      } finally {
        this.#length = mark;
      }
    });
    this.u32(props.length);
    for (const [key, value] of props) {
      this.string(key);
      this.value(value, `${path}.${key}`, depth);
    }
  }

  /** A thrown value that is not an error: itself if the codec carries it, else its text. */
  #valueOrString(value: unknown, path: string, depth: number): void {
    const mark = this.#length;
    try {
      this.value(value, path, depth);
    } catch {
      this.#length = mark;
      this.value(safeString(value), path, depth);
    }
  }
}

function notCarried(path: string, what: string): PicklingError {
  return new PicklingError('ERR_NOT_CLONEABLE', `${path} is ${what}, which cannot be sent`);
}
