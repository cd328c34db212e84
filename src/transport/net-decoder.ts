/**
 * The reading half of the network codec (net-codec.ts documents the format and its limits):
 * every length is checked against the bytes left before it is used, every container counts
 * against the depth limit, and object keys are defined, never assigned.
 */
import { UnpicklingError } from '../errors.ts';
import { Tag, TYPED_ARRAYS, type NetExtension } from './net-format.ts';
import type { WireError, WireErrorObject } from './wire.ts';
import { defineVisible, errorFromWire } from './wire.ts';

/** Reads one message that may be hostile; see net-codec.ts. */
export class NetDecoder {
  #at = 0;

  readonly #view: DataView;
  /** The same bytes as a Buffer, made once: its `toString` reads a string in place. */
  readonly #text: Buffer;

  constructor(
    readonly bytes: Uint8Array,
    readonly maxDepth: number,
    readonly ext: readonly NetExtension[],
  ) {
    this.#view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.#text = Buffer.isBuffer(bytes)
      ? bytes
      : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  #malformed(what: string): UnpicklingError {
    return new UnpicklingError(
      'ERR_NET_MALFORMED',
      `malformed message at byte ${this.#at}: ${what}`,
    );
  }

  /** Takes `n` bytes, after checking that they are there. */
  #take(n: number): number {
    if (n > this.bytes.length - this.#at) throw this.#malformed(`${n} bytes past the end`);
    const at = this.#at;
    this.#at += n;
    return at;
  }

  end(): void {
    if (this.#at !== this.bytes.length) throw this.#malformed('trailing bytes');
  }

  u8(): number {
    return this.bytes[this.#take(1)] ?? 0;
  }

  u32(): number {
    return this.#view.getUint32(this.#take(4), true);
  }

  /** A count of items each at least `minBytes` long: checked before anything is allocated. */
  count(minBytes: number): number {
    const count = this.u32();
    if (count * minBytes > this.bytes.length - this.#at) {
      throw this.#malformed(`a count of ${count} past the end`);
    }
    return count;
  }

  string(): string {
    const length = this.u32();
    const at = this.#take(length);
    return this.#text.toString('utf8', at, at + length);
  }

  /** A copy of the next length-prefixed bytes, in a buffer of their own. */
  bytesCopy(): Uint8Array<ArrayBuffer> {
    const length = this.u32();
    const at = this.#take(length);
    // new Uint8Array(view) copies; Buffer's slice() would not.
    return new Uint8Array(this.bytes.subarray(at, at + length));
  }

  value(depth: number): unknown {
    const tag = this.u8();
    switch (tag) {
      case Tag.Undefined:
        return undefined;
      case Tag.Null:
        return null;
      case Tag.False:
        return false;
      case Tag.True:
        return true;
      case Tag.Int32:
        return this.#view.getInt32(this.#take(4), true);
      case Tag.Float64:
        return this.#view.getFloat64(this.#take(8), true);
      case Tag.String:
        return this.string();
      case Tag.BigInt: {
        const negative = this.u8();
        if (negative > 1) throw this.#malformed('a bigint sign that is neither 0 nor 1');
        const magnitude = Buffer.from(this.bytesCopy()).reverse().toString('hex');
        const value = magnitude === '' ? 0n : BigInt(`0x${magnitude}`);
        return negative === 1 ? -value : value;
      }
      case Tag.Date:
        return new Date(this.#view.getFloat64(this.#take(8), true));
      case Tag.Buffer:
        return Buffer.from(this.bytesCopy());
      case Tag.ArrayBuffer:
        return this.bytesCopy().buffer;
      case Tag.Typed:
        return this.typed();
      default:
        return this.nested(tag, depth + 1);
    }
  }

  typed(): ArrayBufferView {
    const Class = TYPED_ARRAYS[this.u8()];
    if (Class === undefined) throw this.#malformed('an unknown typed array kind');
    const bytes = this.bytesCopy();
    if (bytes.length % Class.BYTES_PER_ELEMENT !== 0) {
      throw this.#malformed(`a ${Class.name} of ${bytes.length} bytes`);
    }
    return new Class(bytes.buffer, 0, bytes.length / Class.BYTES_PER_ELEMENT);
  }

  /** The containers: each one level deeper. */
  nested(tag: number, depth: number): unknown {
    if (depth > this.maxDepth) {
      throw new UnpicklingError(
        'ERR_NET_TOO_DEEP',
        `the message is nested deeper than the limit of ${this.maxDepth}`,
      );
    }
    switch (tag) {
      case Tag.Array: {
        const count = this.count(1);
        const array: unknown[] = [];
        for (let i = 0; i < count; i++) array.push(this.value(depth));
        return array;
      }
      case Tag.Object: {
        const count = this.count(5);
        const object: Record<string, unknown> = {};
        for (let i = 0; i < count; i++) defineVisible(object, this.string(), this.value(depth));
        return object;
      }
      case Tag.Map: {
        const count = this.count(2);
        const map = new Map<unknown, unknown>();
        for (let i = 0; i < count; i++) map.set(this.value(depth), this.value(depth));
        return map;
      }
      case Tag.Set: {
        const count = this.count(1);
        const set = new Set<unknown>();
        for (let i = 0; i < count; i++) set.add(this.value(depth));
        return set;
      }
      case Tag.Error:
      case Tag.ErrorValue:
        this.#at--;
        return errorFromWire(this.error(depth));
      case Tag.Ext: {
        const extTag = this.u8();
        const extension = this.ext.find((candidate) => candidate.tag === extTag);
        if (extension === undefined) throw this.#malformed(`an unknown extension ${extTag}`);
        return extension.decode(this.value(depth));
      }
      default:
        this.#at--;
        throw this.#malformed(`an unknown tag ${tag}`);
    }
  }

  /** An error's description, checked field by field; rebuilt by errorFromWire(). */
  error(depth: number): WireError {
    if (depth > this.maxDepth) {
      throw new UnpicklingError('ERR_NET_TOO_DEEP', `an error nested deeper than ${this.maxDepth}`);
    }
    const tag = this.u8();
    if (tag === Tag.ErrorValue) return { kind: 'value', value: this.value(depth) };
    if (tag !== Tag.Error) throw this.#malformed(`an error field of tag ${tag}`);
    const name = this.string();
    const base = this.string();
    const message = this.string();
    const stack = this.string();
    const code = this.value(depth);
    if (code !== undefined && typeof code !== 'string' && typeof code !== 'number') {
      throw this.#malformed('an error code that is not a string or a number');
    }
    let cause: WireError | undefined;
    if (this.bytes[this.#at] === Tag.Undefined) this.#at++;
    else cause = this.error(depth + 1);
    const errors: WireError[] = [];
    const errorCount = this.count(1);
    for (let i = 0; i < errorCount; i++) errors.push(this.error(depth + 1));
    const props: [string, unknown][] = [];
    const propCount = this.count(5);
    for (let i = 0; i < propCount; i++) props.push([this.string(), this.value(depth)]);
    const wire: WireErrorObject = {
      kind: 'error',
      name,
      base,
      message,
      stack,
      props,
      ...(code === undefined ? {} : { code }),
      ...(cause === undefined ? {} : { cause }),
      ...(errorCount === 0 ? {} : { errors }),
    };
    return wire;
  }
}
