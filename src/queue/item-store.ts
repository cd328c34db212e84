/**
 * The items of a queue: ENTRIES and DATA (see queue-layout.ts), and the CONTROL slots that
 * describe them. Every method is called holding the queue's lock.
 */
import { deserialize, serialize } from 'node:v8';
import { ArgumentRangeError, StateError } from '../errors.ts';
import { compareKeys, type PriorityKey } from './priority.ts';
import {
  COUNT,
  DATA_BYTES,
  DATA_END,
  DISCIPLINE,
  Discipline,
  ENTRIES_BYTES,
  ENTRY_SLOTS,
  growStore,
  HEAD,
  ITEM_LENGTH,
  KEY_LENGTH,
  LIVE,
  MAX_DATA,
  OFFSET,
} from './queue-layout.ts';

const PAGE = 4096;
/** Items up to this many bytes are copied in by a loop. */
const SMALL = 64;

export class ItemStore {
  readonly #cells: Int32Array;
  readonly #entriesBuffer: SharedArrayBuffer;
  readonly #dataBuffer: SharedArrayBuffer;
  /** Fixed-length views, made again when a realm grew the buffers (see queue-layout.ts). */
  #entries: Int32Array;
  #data: Uint8Array;
  /** Their byte lengths, as numbers: cheaper to compare than a view's `byteLength`. */
  #entriesBytes = 0;
  #dataBytes = 0;

  constructor(cells: Int32Array, entries: SharedArrayBuffer, data: SharedArrayBuffer) {
    this.#cells = cells;
    this.#entriesBuffer = entries;
    this.#dataBuffer = data;
    this.#entries = new Int32Array(0);
    this.#data = new Uint8Array(0);
  }

  /** Makes the views span the buffers as grown, by this realm or another. Holding the lock. */
  #refresh(): void {
    const cells = this.#cells;
    const entriesBytes = cells[ENTRIES_BYTES] ?? 0;
    if (entriesBytes !== this.#entriesBytes) {
      this.#entries = new Int32Array(this.#entriesBuffer, 0, entriesBytes >> 2);
      this.#entriesBytes = entriesBytes;
    }
    const dataBytes = cells[DATA_BYTES] ?? 0;
    if (dataBytes !== this.#dataBytes) {
      this.#data = new Uint8Array(this.#dataBuffer, 0, dataBytes);
      this.#dataBytes = dataBytes;
    }
  }

  /** Adds a record and its entry. Holding the lock. */
  append(item: Uint8Array, key: PriorityKey | null): void {
    this.#refresh();
    const cells = this.#cells;
    const keyBytes = key === null ? undefined : serialize(key);
    const count = cells[COUNT] ?? 0;
    const priority = cells[DISCIPLINE] === Discipline.Priority;
    // Find the new entry's place first: a comparison that fails must leave the queue as it was.
    let position = count;
    if (priority) {
      // Can't happen: PriorityQueue's put gives every item its key (priority.ts).
      if (key === null) {
        throw new StateError('ERR_INTERNAL', 'multitask: a PriorityQueue item needs its key');
      }
      while (position > 0) {
        const parent = (position - 1) >> 1;
        if (compareKeys(key, this.#keyAt(parent)) >= 0) break;
        position = parent;
      }
    }
    const keyLength = keyBytes?.length ?? 0;
    const need = keyLength + item.length;
    this.#reserveData(need);
    this.#reserveEntry();
    const offset = cells[DATA_END] ?? 0;
    const data = this.#data;
    if (keyBytes !== undefined) data.set(keyBytes, offset);
    const length = item.length;
    if (length <= SMALL) {
      // A loop beats set()'s call for the few bytes of a small item.
      for (let i = 0, to = offset + keyLength; i < length; i++) data[to + i] = item[i] ?? 0;
    } else {
      data.set(item, offset + keyLength);
    }
    cells[DATA_END] = offset + need;
    cells[LIVE] = (cells[LIVE] ?? 0) + need;
    const head = cells[HEAD] ?? 0;
    if (priority) {
      // Move the ancestors the new entry passes down one level each, then place it.
      let hole = count;
      while (hole > position) {
        const parent = (hole - 1) >> 1;
        this.#moveEntry(parent, hole);
        hole = parent;
      }
      this.#setEntry(position, offset, keyLength, item.length);
    } else {
      this.#setEntry(head + count, offset, keyLength, item.length);
    }
    // A plain store: readers that hold no lock (qsize, spinning waiters) only take a hint.
    cells[COUNT] = count + 1;
  }

  #keyAt(index: number): PriorityKey {
    const entries = this.#entries;
    const offset = entries[index * ENTRY_SLOTS + OFFSET] ?? 0;
    const length = entries[index * ENTRY_SLOTS + KEY_LENGTH] ?? 0;
    // slice(): deserialize wants memory of its own, not a view of shared memory.
    return deserialize(this.#data.slice(offset, offset + length)) as PriorityKey;
  }

  #setEntry(index: number, offset: number, keyLength: number, itemLength: number): void {
    const at = index * ENTRY_SLOTS;
    this.#entries[at + OFFSET] = offset;
    this.#entries[at + KEY_LENGTH] = keyLength;
    this.#entries[at + ITEM_LENGTH] = itemLength;
  }

  #moveEntry(from: number, to: number): void {
    this.#entries.copyWithin(to * ENTRY_SLOTS, from * ENTRY_SLOTS, (from + 1) * ENTRY_SLOTS);
  }

  /** Makes room for one more entry after the last. Holding the lock. */
  #reserveEntry(): void {
    const cells = this.#cells;
    const head = cells[HEAD] ?? 0;
    const count = cells[COUNT] ?? 0;
    const capacity = this.#entries.length / ENTRY_SLOTS;
    if (head + count < capacity) return;
    if (count * 2 >= capacity) {
      const bytes = capacity * 2 * ENTRY_SLOTS * Int32Array.BYTES_PER_ELEMENT;
      if (bytes > this.#entriesBuffer.maxByteLength) {
        throw new ArgumentRangeError('A queue holds at most 89,478,485 items');
      }
      growStore(this.#entriesBuffer, bytes);
      cells[ENTRIES_BYTES] = bytes;
      this.#refresh();
    }
    if (head > 0) {
      this.#entries.copyWithin(0, head * ENTRY_SLOTS, (head + count) * ENTRY_SLOTS);
      cells[HEAD] = 0;
    }
  }

  /** Makes room for `need` bytes at DATA_END. Holding the lock. */
  #reserveData(need: number): void {
    const cells = this.#cells;
    const end = cells[DATA_END] ?? 0;
    let capacity = this.#data.length;
    if (end + need <= capacity) return;
    const live = cells[LIVE] ?? 0;
    if ((live + need) * 2 > capacity) {
      capacity = Math.min(
        MAX_DATA,
        Math.ceil(Math.max(capacity * 2, (live + need) * 2) / PAGE) * PAGE,
      );
      if (live + need > capacity) {
        throw new ArgumentRangeError(
          `The items in a queue cannot take more than ${MAX_DATA} bytes in all`,
        );
      }
      growStore(this.#dataBuffer, capacity);
      cells[DATA_BYTES] = capacity;
      this.#refresh();
    }
    this.#compact();
  }

  /** Moves the live records to the start of DATA, in offset order. Holding the lock. */
  #compact(): void {
    const cells = this.#cells;
    const entries = this.#entries;
    const head = cells[HEAD] ?? 0;
    const count = cells[COUNT] ?? 0;
    const order = Array.from({ length: count }, (_, i) => head + i);
    // FIFO and LIFO entries are in offset order already; a heap's are not.
    if (cells[DISCIPLINE] === Discipline.Priority) {
      order.sort((a, b) => (entries[a * ENTRY_SLOTS] ?? 0) - (entries[b * ENTRY_SLOTS] ?? 0));
    }
    let to = 0;
    for (const index of order) {
      const at = index * ENTRY_SLOTS;
      const from = entries[at + OFFSET] ?? 0;
      const length = (entries[at + KEY_LENGTH] ?? 0) + (entries[at + ITEM_LENGTH] ?? 0);
      if (from !== to) this.#data.copyWithin(to, from, from + length);
      entries[at + OFFSET] = to;
      to += length;
    }
    cells[DATA_END] = to;
  }

  /**
   * Removes the next item and returns what `read` makes of its bytes (`data[offset,
   * offset + length)`, valid only during the call). Holding the lock. When `read` throws,
   * the item stays.
   */
  take<R>(read: (data: Uint8Array, offset: number, length: number) => R): R {
    const at = this.#first();
    const entries = this.#entries;
    const keyLength = entries[at + KEY_LENGTH] ?? 0;
    const item = read(
      this.#data,
      (entries[at + OFFSET] ?? 0) + keyLength,
      entries[at + ITEM_LENGTH] ?? 0,
    );
    this.#removeFirst(at);
    return item;
  }

  /**
   * As {@link ItemStore.take}, for a `move` that says whether it took the item: when it
   * returns false, the item stays.
   */
  takeIf(move: (data: Uint8Array, offset: number, length: number) => boolean): boolean {
    const at = this.#first();
    const entries = this.#entries;
    const keyLength = entries[at + KEY_LENGTH] ?? 0;
    if (
      !move(this.#data, (entries[at + OFFSET] ?? 0) + keyLength, entries[at + ITEM_LENGTH] ?? 0)
    ) {
      return false;
    }
    this.#removeFirst(at);
    return true;
  }

  /** Where in ENTRIES the next item's entry is. Holding the lock, with COUNT > 0. */
  #first(): number {
    this.#refresh();
    const cells = this.#cells;
    const head = cells[HEAD] ?? 0;
    const count = cells[COUNT] ?? 0;
    const discipline = cells[DISCIPLINE];
    const index =
      discipline === Discipline.Fifo ? head : discipline === Discipline.Lifo ? head + count - 1 : 0;
    return index * ENTRY_SLOTS;
  }

  /**
   * Removes the next item's entry, at `at` in ENTRIES (its record becomes dead space).
   * Holding the lock.
   */
  #removeFirst(at: number): void {
    const cells = this.#cells;
    const entries = this.#entries;
    const head = cells[HEAD] ?? 0;
    const count = cells[COUNT] ?? 0;
    const discipline = cells[DISCIPLINE];
    const length = (entries[at + KEY_LENGTH] ?? 0) + (entries[at + ITEM_LENGTH] ?? 0);
    if (discipline === Discipline.Fifo) cells[HEAD] = head + 1;
    else if (discipline === Discipline.Priority) this.#popHeap(count);
    cells[COUNT] = count - 1;
    if (count === 1) {
      // Empty: start again from the beginning of both buffers, with nothing to move.
      cells[HEAD] = 0;
      cells[DATA_END] = 0;
      cells[LIVE] = 0;
    } else {
      cells[LIVE] = (cells[LIVE] ?? 0) - length;
    }
  }

  /** Replaces the heap's root by its last entry and sifts that down. */
  #popHeap(count: number): void {
    const last = count - 1;
    if (last === 0) return;
    const key = this.#keyAt(last);
    const saved = this.#entries.slice(last * ENTRY_SLOTS, (last + 1) * ENTRY_SLOTS);
    let hole = 0;
    for (;;) {
      let child = hole * 2 + 1;
      if (child >= last) break;
      if (child + 1 < last && this.#before(this.#keyAt(child + 1), this.#keyAt(child))) child++;
      if (!this.#before(this.#keyAt(child), key)) break;
      this.#moveEntry(child, hole);
      hole = child;
    }
    this.#entries.set(saved, hole * ENTRY_SLOTS);
  }

  /**
   * Whether `a` sorts strictly before `b`. Items already in the heap were each compared with
   * some others when put; two that never met may not be comparable, and then neither moves.
   */
  #before(a: PriorityKey, b: PriorityKey): boolean {
    try {
      return compareKeys(a, b) < 0;
    } catch {
      return false;
    }
  }

  /** Drops every item. */
  clear(): void {
    const cells = this.#cells;
    Atomics.store(cells, COUNT, 0);
    cells[HEAD] = 0;
    cells[DATA_END] = 0;
    cells[LIVE] = 0;
  }
}
