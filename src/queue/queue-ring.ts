/**
 * The ring of a FIFO queue: where small items travel without the queue's lock. A bounded
 * multi-producer, multi-consumer ring of fixed-size slots (Dmitry Vyukov's design): a
 * putter claims a position by moving ENQ on with one compare-and-swap, writes the slot and
 * publishes it by storing its sequence number; a getter claims the published position at
 * DEQ the same way, reads the slot and frees it for the next lap. Putters touch ENQ and the
 * slot, getters DEQ and the slot: no word that both sides write on every item but the slot
 * itself, which is what carries the item.
 *
 * RING (Int32, fixed size): RING_SLOTS slots (queue-layout.ts) of SLOT_WORDS words:
 * ```
 * [0] SEQ      the slot's state, as `sequence - index` (so that zeroed memory is a fresh ring):
 *              `lap` free for position `lap + index`, `lap + 1` holding its item
 * [1] LENGTH   the item's length in bytes (at most PAYLOAD_BYTES), or TOMBSTONE
 * [2…7]        the item's bytes
 * ```
 * where `lap` is a position less its slot index. Positions are Int32 and wrap around:
 * every comparison is of differences, and the capacity divides 2^32.
 *
 * After the slots, CLAIMANT: one word per slot, the owner id (internal/owners.ts) of the
 * putter that claimed its position, written before the claim and again after it.
 *
 * A tombstone is a claimed position that carries no item: its putter found, after claiming,
 * that items wait in the queue's store (queue-put.ts), which its item must follow. Getters
 * skip it. A getter also gives up a position whose putter died between claiming and
 * publishing it (a thread stopped there), once its CLAIMANT is dead (see recover()):
 * otherwise every getter would wait for that position for ever.
 */
import { BUSY, DEQ, ENQ, SLOT_WORDS, TOMBS } from './queue-layout.ts';

const SEQ = 0;
const LENGTH = 1;
const PAYLOAD = 2;
/** The most bytes an item may take to travel in the ring. */
export const PAYLOAD_BYTES = (SLOT_WORDS - PAYLOAD) * Int32Array.BYTES_PER_ELEMENT;
const TOMBSTONE = -1;

/**
 * Whether plain reads of shared memory keep their order here as atomic ones do: on x86,
 * reads are not reordered with reads, and V8's atomic writes and read-modify-writes are
 * locked instructions that nothing passes. Elsewhere (ARM), reads that must see what an
 * atomic write published are atomic reads, which cost several plain ones in V8.
 */
export const ORDERED_READS = process.arch === 'x64' || process.arch === 'ia32';

/** What {@link QueueRing.tryPut} did. */
export const Put = {
  /** The item is in the ring. */
  Done: 0,
  /** The ring is full: the slot at ENQ still holds an item from the last lap. */
  RingFull: 1,
  /** The queue holds `maxsize` items. */
  Full: 2,
  /** Items wait in the store (or are on their way there): this one must follow them. */
  Store: 3,
} as const;
export type Put = (typeof Put)[keyof typeof Put];

/** What {@link QueueRing.tryTake} returns when the ring holds no item. */
export const RING_EMPTY: unique symbol = Symbol('multitask.ringEmpty');
/** What {@link QueueRing.tryTake} returns when the next item is being written. */
export const NOT_READY: unique symbol = Symbol('multitask.notReady');

/** One realm's view of a queue's ring. */
export class QueueRing {
  readonly #cells: Int32Array;
  readonly #slots: Int32Array;
  readonly #bytes: Uint8Array;
  readonly #mask: number;
  readonly #capacity: number;
  /** A value DEQ had: its lower bound, read again only when the queue seems full. */
  #deqSeen = 0;

  readonly #claimants: Int32Array;
  readonly #owner: number;

  constructor(cells: Int32Array, ring: SharedArrayBuffer, owner: number) {
    this.#cells = cells;
    this.#capacity = ring.byteLength / ((SLOT_WORDS + 1) * Int32Array.BYTES_PER_ELEMENT);
    this.#slots = new Int32Array(ring, 0, this.#capacity * SLOT_WORDS);
    this.#claimants = new Int32Array(ring, this.#capacity * SLOT_WORDS * 4, this.#capacity);
    this.#bytes = new Uint8Array(ring);
    this.#mask = this.#capacity - 1;
    this.#owner = owner;
  }

  /**
   * Puts the `length` bytes of `words` (at most {@link PAYLOAD_BYTES}), unless the queue is
   * full (`maxsize` > 0 items), the ring is full, or the store must be used. `overtake`:
   * for the holder of the store's lock, who moves the store's items into the ring.
   */
  tryPut(words: Int32Array, length: number, maxsize: number, overtake = false): Put {
    const cells = this.#cells;
    const slots = this.#slots;
    const mask = this.#mask;
    for (;;) {
      // A plain read: the compare-and-swap below finds out if it was stale.
      const position = cells[ENQ] ?? 0;
      const index = position & mask;
      const at = index * SLOT_WORDS;
      const lap = (position - index) | 0;
      // Plain too: a stale state is an older one (the ring looks full, or the claim below
      // fails), and the writes that follow depend on it, so no processor makes them first.
      const state = ((slots[at + SEQ] ?? 0) - lap) | 0;
      if (state < 0) return Put.RingFull;
      if (state > 0) continue; // another putter took this position: look again
      if (maxsize > 0 && ((position - this.#deqSeen) | 0) >= maxsize) {
        // Plain: an old DEQ only makes the queue look fuller.
        this.#deqSeen = cells[DEQ] ?? 0;
        if (((position - this.#deqSeen) | 0) >= maxsize) return Put.Full;
      }
      // Before the claim, and again after: a putter that dies right after claiming has
      // most likely left its own id here (a rival that lost the claim may have written
      // over the first), and a getter can then see that it died (recover()).
      const claimants = this.#claimants;
      claimants[index] = this.#owner;
      if (Atomics.compareExchange(cells, ENQ, position, (position + 1) | 0) !== position) continue;
      claimants[index] = this.#owner;
      // From the claim to the publishing store: few instructions, with no loop. A thread
      // stopped in between (worker.terminate() can still land here) leaves a position
      // claimed and never published, which a getter gives up once it finds the claimant
      // dead (recover()).
      // Items in the store, or one on its way there: this item must follow them. A store put
      // raises BUSY, then reads ENQ; this put moved ENQ, then reads BUSY: in a bounded
      // queue, one of the two sees the other (an atomic read), so that they do not overfill
      // it together. For the order, a plain read does: a store put that ended before this
      // put began raised BUSY for it to see; one that overlaps it may come after.
      const busy = maxsize > 0 ? Atomics.load(cells, BUSY) : (cells[BUSY] ?? 0);
      if (!overtake && busy !== 0) {
        slots[at + LENGTH] = TOMBSTONE;
        Atomics.add(cells, TOMBS, 1);
        Atomics.store(slots, at + SEQ, (lap + 1) | 0);
        return Put.Store;
      }
      slots[at + PAYLOAD] = words[0] ?? 0;
      slots[at + PAYLOAD + 1] = words[1] ?? 0;
      slots[at + PAYLOAD + 2] = words[2] ?? 0;
      slots[at + PAYLOAD + 3] = words[3] ?? 0;
      slots[at + PAYLOAD + 4] = words[4] ?? 0;
      slots[at + PAYLOAD + 5] = words[5] ?? 0;
      slots[at + LENGTH] = length;
      Atomics.store(slots, at + SEQ, (lap + 1) | 0);
      return Put.Done;
    }
  }

  /**
   * Takes the next item and returns what `read` makes of its bytes (`bytes[offset, offset +
   * length)`, valid only during the call); {@link RING_EMPTY} when no position is claimed,
   * {@link NOT_READY} when the next one is claimed and not yet published.
   */
  tryTake<R>(
    read: (bytes: Uint8Array, offset: number, length: number) => R,
  ): R | typeof RING_EMPTY | typeof NOT_READY {
    const cells = this.#cells;
    const slots = this.#slots;
    const mask = this.#mask;
    for (;;) {
      // A plain read: the compare-and-swap below finds out if it was stale.
      const position = cells[DEQ] ?? 0;
      const index = position & mask;
      const at = index * SLOT_WORDS;
      const lap = (position - index) | 0;
      // What this read sees published, the reads of the slot below must see too.
      const seq = ORDERED_READS ? (slots[at + SEQ] ?? 0) : Atomics.load(slots, at + SEQ);
      const state = (seq - lap) | 0;
      if (state === 0) return Atomics.load(cells, ENQ) === position ? RING_EMPTY : NOT_READY;
      if (state !== 1) continue; // another getter took this position: look again
      if (Atomics.compareExchange(cells, DEQ, position, (position + 1) | 0) !== position) continue;
      const length = slots[at + LENGTH] ?? 0;
      if (length === TOMBSTONE) {
        Atomics.store(slots, at + SEQ, (lap + this.#capacity) | 0);
        continue;
      }
      try {
        return read(this.#bytes, (at + PAYLOAD) * Int32Array.BYTES_PER_ELEMENT, length);
      } finally {
        Atomics.store(slots, at + SEQ, (lap + this.#capacity) | 0);
      }
    }
  }

  /** Whether the item at DEQ is published (a tombstone too: taking it moves on). */
  hasItem(): boolean {
    const position = Atomics.load(this.#cells, DEQ);
    const index = position & this.#mask;
    const lap = (position - index) | 0;
    return ((Atomics.load(this.#slots, index * SLOT_WORDS + SEQ) - lap) | 0) === 1;
  }

  /**
   * Gives up the position at DEQ if it is claimed, not published, and its claimant is dead
   * (`alive` says): a thread stopped between claiming and publishing it. Takes it as a
   * getter takes a tombstone, and returns whether it did. For a getter that has waited long
   * for that position: a live putter publishes within nanoseconds unless its thread is not
   * running, and a dead one writes no more.
   */
  recover(alive: (owner: number) => boolean): boolean {
    const cells = this.#cells;
    const slots = this.#slots;
    const position = Atomics.load(cells, DEQ);
    const index = position & this.#mask;
    const at = index * SLOT_WORDS;
    const lap = (position - index) | 0;
    if (Atomics.load(slots, at + SEQ) !== lap || Atomics.load(cells, ENQ) === position)
      return false;
    const claimant = Atomics.load(this.#claimants, index);
    if (claimant === 0 || alive(claimant)) return false;
    // Only another getter giving it up can move DEQ past an unpublished position.
    if (Atomics.compareExchange(cells, DEQ, position, (position + 1) | 0) !== position)
      return false;
    // The claim counted an item (ENQ) that never came.
    Atomics.add(cells, TOMBS, 1);
    Atomics.store(slots, at + SEQ, (lap + this.#capacity) | 0);
    return true;
  }

  /** Positions claimed and not yet taken: items, and tombstones not yet skipped. */
  size(): number {
    return (Atomics.load(this.#cells, ENQ) - Atomics.load(this.#cells, DEQ)) | 0;
  }

  /** Whether a put of a small item would find a free slot now. */
  hasRoom(): boolean {
    const position = Atomics.load(this.#cells, ENQ);
    const index = position & this.#mask;
    const lap = (position - index) | 0;
    return ((Atomics.load(this.#slots, index * SLOT_WORDS + SEQ) - lap) | 0) >= 0;
  }

  /** Takes every published item, up to one still being written; returns how many. */
  drain(): number {
    let dropped = 0;
    for (;;) {
      const taken = this.tryTake(dropItem);
      if (taken !== true) return dropped;
      dropped++;
    }
  }
}

function dropItem(): true {
  return true;
}
