/**
 * `ShareableList`: Python's `multiprocessing.shared_memory.ShareableList`, a fixed-length
 * list of `number`, `bigint`, `boolean`, `string`, `Uint8Array` (bytes) or `null` items in a
 * `SharedMemory`, which other processes attach to by its name. Needs the native addon, as
 * `SharedMemory` does. Like Python's, it has no lock: guard read-modify-writes yourself.
 */
import { ArgumentRangeError, StateError } from '../errors.ts';
import { kAttach } from '../internal/symbols.ts';
import { checkOptions } from '../internal/options.ts';
import { describeValue, typeError } from '../internal/validate.ts';
import {
  attachmentOf,
  kSharedState,
  registerSharedKind,
  type AttachArgument,
  type LocalState,
  type Shareable,
  type SharedState,
} from '../memory/shared-object.ts';
import { installIndexing } from './indexing.ts';
import {
  addonPresent,
  byNameState,
  segmentCore,
  SharedMemory,
  type SharedMemoryCoreApi,
} from './shared-memory.ts';
import { defineRepr, reprItems, reprValue } from '../internal/repr.ts';

/** What a ShareableList holds: Python's int/float, int, bool, str, bytes and None. */
export type ShareableItem = number | bigint | boolean | string | Uint8Array | null;

/**
 * Layout (little-endian, in the segment's bytes):
 * ```
 * [0, 4)                 COUNT     Int32: the number of items
 * [8 + 16 i, 24 + 16 i)  ENTRY[i]  Int32 TYPE, LENGTH (bytes used), CAPACITY, OFFSET
 * [OFFSET, + CAPACITY)   DATA[i]   Float64, BigInt64, 0/1, UTF-8 or raw bytes
 * ```
 * An item's capacity is fixed at creation (8 bytes, or its string's or bytes' length
 * rounded up to 8): a later value must fit in it, as in Python.
 */
const HEADER = 8;
const ENTRY = 16;
const NULL = 0;
const NUMBER = 1;
const BIGINT = 2;
const BOOLEAN = 3;
const STRING = 4;
const BYTES = 5;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** An item as bytes to store, with its type. */
function encode(value: unknown, name: string): { type: number; bytes: Uint8Array } {
  const bytes = new Uint8Array(8);
  const view = new DataView(bytes.buffer);
  if (value === null) return { type: NULL, bytes: new Uint8Array(0) };
  if (typeof value === 'number') {
    view.setFloat64(0, value, true);
    return { type: NUMBER, bytes };
  }
  if (typeof value === 'bigint') {
    if (value < -(2n ** 63n) || value >= 2n ** 63n) {
      throw new ArgumentRangeError(
        `Expected \`${name}\` to be a 64-bit integer, got ${describeValue(value)}`,
      );
    }
    view.setBigInt64(0, value, true);
    return { type: BIGINT, bytes };
  }
  if (typeof value === 'boolean') return { type: BOOLEAN, bytes: new Uint8Array([value ? 1 : 0]) };
  if (typeof value === 'string') return { type: STRING, bytes: encoder.encode(value) };
  if (value instanceof Uint8Array) return { type: BYTES, bytes: value.slice() };
  throw typeError(name, 'a number, bigint, boolean, string, Uint8Array or null', value);
}

function capacityOf(bytes: Uint8Array): number {
  return Math.max(8, Math.ceil(bytes.length / 8) * 8);
}

const KIND = 'ShareableList';

/**
 * A fixed-length list of simple items in shared memory, attachable by name from any
 * process: Python's `ShareableList`. `list[i]` reads and writes as `get(i)` / `set(i, v)`.
 *
 * @example
 * ```ts
 * const list = new ShareableList([1, 'text', null, true, 2n ** 40n]);
 * // in another process: const same = new ShareableList(null, { name: list.shm.name });
 * list[1] = 'other';   // fits the 8 bytes 'text' got
 * list.shm.unlink();
 * ```
 */
export class ShareableList implements Shareable {
  /** Python's repr of this object, as `util.inspect` (so `console.log`) shows it too. */
  declare toString: () => string;

  /** `list[i]`: {@link ShareableList.get} and {@link ShareableList.set}. */
  [index: number]: ShareableItem;

  readonly #state: LocalState;
  readonly #shm: SharedMemory;
  readonly #view: DataView;
  readonly #length: number;

  /**
   * @param sequence The items of a new list; `null`/omitted with a `name` attaches to an
   * existing list instead (and with neither makes an empty list).
   * @param options `name`: the segment's name (generated when creating without one).
   * @throws {FileExistsError}, {FileNotFoundError}, {MultitaskError} `ERR_NATIVE_UNAVAILABLE`
   * as `SharedMemory`.
   * @throws {ArgumentTypeError} for an item of another type.
   */
  constructor(sequence?: Iterable<ShareableItem> | null, options?: { readonly name?: string });
  /** @internal Rebuilds a list that exists (see AttachArgument). */
  constructor(attach: AttachArgument<SharedMemoryCoreApi>);
  constructor(
    sequence?: Iterable<ShareableItem> | null | AttachArgument<SharedMemoryCoreApi>,
    options?: { readonly name?: string },
  ) {
    const attached = attachmentOf<SharedMemoryCoreApi>(sequence);
    if (attached !== undefined) {
      this.#shm = new SharedMemory({
        [kAttach]: { state: { ...attached.state, kind: 'SharedMemory' }, core: attached.core },
      });
      const meta = (attached.state as LocalState).meta as { byName?: true };
      this.#state = meta.byName === true ? this.#ownState() : (attached.state as LocalState);
    } else {
      checkOptions(options, ['name'], 'new ShareableList()');
      const name = options?.name;
      if (sequence === undefined || sequence === null) {
        this.#shm =
          name === undefined
            ? new SharedMemory({ create: true, size: HEADER })
            : new SharedMemory({ name });
      } else {
        if (typeof (sequence as { [Symbol.iterator]?: unknown })[Symbol.iterator] !== 'function')
          throw typeError('sequence', 'an iterable of items', sequence);
        const items = [...(sequence as Iterable<unknown>)].map((value, i) =>
          encode(value, `sequence[${i}]`),
        );
        const data = items.reduce((sum, { bytes }) => sum + capacityOf(bytes), 0);
        const size = HEADER + ENTRY * items.length + data;
        this.#shm = new SharedMemory(
          name === undefined ? { create: true, size } : { name, create: true, size },
        );
        const view = new DataView(this.#shm.buf.buffer);
        view.setInt32(0, items.length, true);
        let offset = HEADER + ENTRY * items.length;
        items.forEach(({ bytes }, i) => {
          view.setInt32(HEADER + ENTRY * i + 8, capacityOf(bytes), true);
          view.setInt32(HEADER + ENTRY * i + 12, offset, true);
          offset += capacityOf(bytes);
        });
        this.#view = view;
        items.forEach((item, i) => {
          this.#store(i, item);
        });
      }
      this.#state = this.#ownState();
    }
    this.#view = new DataView(this.#shm.buf.buffer);
    this.#length = this.#view.getInt32(0, true);
    if (HEADER + ENTRY * this.#length > this.#shm.size || this.#length < 0) {
      throw new StateError(
        'ERR_INVALID_STATE',
        `SharedMemory '${this.#shm.name}' does not hold a ShareableList`,
      );
    }
  }

  #ownState(): LocalState {
    const state = this.#shm[kSharedState]() as LocalState;
    return { ...state, kind: KIND };
  }

  /** The segment the list lives in: `list.shm.name` attaches, `list.shm.unlink()` removes. */
  get shm(): SharedMemory {
    return this.#shm;
  }

  /** The number of items, fixed at creation. */
  get length(): number {
    return this.#length;
  }

  /**
   * The item at `index`; a negative index counts from the end.
   * @throws {ArgumentRangeError} for an index outside the list (`ERR_OUT_OF_RANGE`).
   */
  get(index: number): ShareableItem {
    const entry = HEADER + ENTRY * this.#index(index);
    const view = this.#view;
    const length = view.getInt32(entry + 4, true);
    const offset = view.getInt32(entry + 12, true);
    switch (view.getInt32(entry, true)) {
      case NUMBER:
        return view.getFloat64(offset, true);
      case BIGINT:
        return view.getBigInt64(offset, true);
      case BOOLEAN:
        return view.getUint8(offset) === 1;
      case STRING:
        return decoder.decode(new Uint8Array(view.buffer, offset, length).slice());
      case BYTES:
        return new Uint8Array(view.buffer, offset, length).slice();
      default:
        return null;
    }
  }

  /**
   * Stores `value` at `index`; a string or bytes must fit the item's capacity.
   * @throws {ArgumentRangeError} for an index outside the list (`ERR_OUT_OF_RANGE`), or a
   * value larger than the item's storage (`ERR_INVALID_ARG_VALUE`), Python's `ValueError`.
   * @throws {ArgumentTypeError} for a value of another type.
   */
  set(index: number, value: ShareableItem): void {
    const at = this.#index(index);
    const item = encode(value, 'value');
    const capacity = this.#view.getInt32(HEADER + ENTRY * at + 8, true);
    if (item.bytes.length > capacity) {
      throw new ArgumentRangeError(
        `Expected \`value\` to fit the ${capacity} bytes of item ${at}, got ${item.bytes.length} bytes: a ShareableList's items cannot grow`,
        'ERR_INVALID_ARG_VALUE',
      );
    }
    this.#store(at, item);
  }

  /** How many items equal `value` (bytes by content). Python's `count()`. */
  count(value: ShareableItem): number {
    return this.toArray().filter((item) => same(item, value)).length;
  }

  /**
   * The index of the first item equal to `value`. Python's `index()`.
   * @throws {ArgumentRangeError} `ERR_INVALID_ARG_VALUE` when there is none (`ValueError`).
   */
  index(value: ShareableItem): number {
    const found = this.toArray().findIndex((item) => same(item, value));
    if (found < 0) {
      throw new ArgumentRangeError(
        `${describeValue(value)} is not in the ShareableList`,
        'ERR_INVALID_ARG_VALUE',
      );
    }
    return found;
  }

  /** Every item, as an array. */
  toArray(): ShareableItem[] {
    return Array.from({ length: this.#length }, (_, i) => this.get(i));
  }

  /** Iterates over a copy of the items taken when iteration starts. */
  [Symbol.iterator](): Iterator<ShareableItem> {
    return this.toArray()[Symbol.iterator]();
  }

  /** @internal */
  [kSharedState](): SharedState {
    return this.#state;
  }

  #store(at: number, { type, bytes }: { type: number; bytes: Uint8Array }): void {
    const entry = HEADER + ENTRY * at;
    const offset = this.#view.getInt32(entry + 12, true);
    new Uint8Array(this.#view.buffer, offset, bytes.length).set(bytes);
    this.#view.setInt32(entry + 4, bytes.length, true);
    this.#view.setInt32(entry, type, true);
  }

  #index(index: number): number {
    const length = this.#length;
    if (typeof index !== 'number' || !Number.isInteger(index))
      throw typeError('index', 'an integer', index);
    if (index < -length || index >= length) {
      throw new ArgumentRangeError(
        `Expected \`index\` to be ${length === 0 ? 'within the ShareableList, which is empty' : `an integer from ${-length} to ${length - 1} for a ShareableList of length ${length}`}, got ${describeValue(index)}`,
      );
    }
    return index < 0 ? index + length : index;
  }
}

function same(a: ShareableItem, b: ShareableItem): boolean {
  if (a instanceof Uint8Array && b instanceof Uint8Array) {
    return a.length === b.length && a.every((byte, i) => byte === b[i]);
  }
  return Object.is(a, b) || a === b;
}

installIndexing(
  ShareableList,
  (list, index) => list.get(index),
  (list, index, value) => {
    list.set(index, value as ShareableItem);
  },
);

if (addonPresent()) {
  registerSharedKind<SharedMemoryCoreApi>(
    KIND,
    {
      localCore: segmentCore,
      wrap: (state, core) => new ShareableList({ [kAttach]: { state, core } }),
      toProcess: byNameState,
      methods: { buffer: 'sync' },
    },
    import.meta.url,
  );
}

// Python's `ShareableList([1, 'a'], name='psm_…')`.
defineRepr(ShareableList, (list) => {
  const shown = Array.from({ length: Math.min(list.length, 8) }, (_, i) => list.get(i));
  return `ShareableList(${reprItems(shown, list.length)}, name=${reprValue(list.shm.name)})`;
});
