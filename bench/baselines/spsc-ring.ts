/**
 * The bare ring baseline: one producer thread, one consumer thread, Int32 items in a
 * SharedArrayBuffer. No framing, no cloning, no locks: the floor under any shared-memory
 * queue. A side that finds the ring full (or empty) spins briefly, then sleeps with
 * `Atomics.wait`; the other side notifies only when the sleeper's flag is up.
 *
 * Layout (Int32 slots):
 *
 * ```
 *  0 HEAD              next position to write (written by the producer only)
 *  1 TAIL              next position to read  (written by the consumer only)
 *  2 PRODUCER_WAITING  1 while the producer sleeps on TAIL
 *  3 CONSUMER_WAITING  1 while the consumer sleeps on HEAD
 *  4 … 4 + capacity    the items; position p lives in slot 4 + (p & (capacity - 1))
 * ```
 *
 * Positions only grow; `HEAD - TAIL` is the number of items in the ring.
 */

const HEAD = 0;
const TAIL = 1;
const PRODUCER_WAITING = 2;
const CONSUMER_WAITING = 3;
const HEADER = 4;

/** How many times a side re-checks before it sleeps. */
const SPINS = 64;

export class SpscRing {
  readonly #cells: Int32Array;
  readonly #mask: number;
  readonly #capacity: number;
  /** The producer's copy of HEAD (or the consumer's of TAIL): only this side writes it. */
  #position: number;

  /** A ring's memory, for `capacity` items (a power of two). */
  static allocate(capacity: number): SharedArrayBuffer {
    if (capacity < 2 || (capacity & (capacity - 1)) !== 0) {
      throw new RangeError(`Expected capacity to be a power of two, got ${capacity}`);
    }
    return new SharedArrayBuffer((HEADER + capacity) * Int32Array.BYTES_PER_ELEMENT);
  }

  constructor(buffer: SharedArrayBuffer, side: 'producer' | 'consumer') {
    this.#cells = new Int32Array(buffer);
    this.#capacity = this.#cells.length - HEADER;
    this.#mask = this.#capacity - 1;
    this.#position = Atomics.load(this.#cells, side === 'producer' ? HEAD : TAIL);
  }

  /** Waits while `cells[index]` still equals `seen`: spin first, then sleep on it. */
  #await(index: number, seen: number, flag: number): void {
    const cells = this.#cells;
    for (let i = 0; i < SPINS; i++) if (Atomics.load(cells, index) !== seen) return;
    // Raise the flag, then re-check: the other side stores before it reads the flag, so
    // either it sees the flag and notifies, or this re-check (or wait) sees its store.
    Atomics.store(cells, flag, 1);
    while (Atomics.load(cells, index) === seen) Atomics.wait(cells, index, seen);
    Atomics.store(cells, flag, 0);
  }

  /** Producer side: appends `value`, sleeping while the ring is full. */
  push(value: number): void {
    const cells = this.#cells;
    const head = this.#position;
    let tail = Atomics.load(cells, TAIL);
    while (head - tail >= this.#capacity) {
      this.#await(TAIL, tail, PRODUCER_WAITING);
      tail = Atomics.load(cells, TAIL);
    }
    cells[HEADER + (head & this.#mask)] = value;
    this.#position = head + 1;
    Atomics.store(cells, HEAD, head + 1);
    if (Atomics.load(cells, CONSUMER_WAITING) === 1) Atomics.notify(cells, HEAD, 1);
  }

  /** Consumer side: removes the oldest item, sleeping while the ring is empty. */
  pop(): number {
    const cells = this.#cells;
    const tail = this.#position;
    let head = Atomics.load(cells, HEAD);
    while (head === tail) {
      this.#await(HEAD, head, CONSUMER_WAITING);
      head = Atomics.load(cells, HEAD);
    }
    const value = cells[HEADER + (tail & this.#mask)] ?? 0;
    this.#position = tail + 1;
    Atomics.store(cells, TAIL, tail + 1);
    if (Atomics.load(cells, PRODUCER_WAITING) === 1) Atomics.notify(cells, TAIL, 1);
    return value;
  }
}
