/**
 * The memory of every queue (`Queue`, `LifoQueue`, `PriorityQueue`, `JoinableQueue`,
 * `SimpleQueue`, and each direction of a `Pipe`). Items are stored as bytes (item-codec.ts's
 * encoding, or their structured-clone serialization) in shared memory, so a thread puts and
 * another gets without any event loop relaying them; child processes reach the same memory
 * through the broker.
 *
 * Four SharedArrayBuffers: CONTROL, ENTRIES and DATA (the store, growable with
 * `maxByteLength`, so that it grows in place and every realm sees the new memory without
 * re-sharing), and RING. With the native addon all four lie in arenas (memory/arena.ts), so
 * that child processes map them; an arena cannot grow, so ENTRIES and DATA are reserved at
 * their maximum from the start (a memfd's pages cost nothing until touched) and growing one
 * only moves ENTRIES_BYTES or DATA_BYTES, which bound every realm's views (`growStore`).
 *
 * A FIFO queue's items travel in two places. The RING (queue-ring.ts) takes small items
 * without the lock: a put and a get each claim a position with a compare-and-swap. The
 * store (ENTRIES and DATA, guarded by LOCK) takes the rest: items too large for a slot,
 * items put while the ring was full, and every item put while the store holds any (an item
 * must not overtake those before it). Getters take from the ring first and from the store
 * only once no position of the ring is claimed, so the order is the order of the puts.
 * LIFO and priority queues have no ring (RING is empty): every item is in the store.
 *
 * CONTROL (Int32 slots, fixed size), in 64-byte cache lines, so that what one side writes
 * on every item is not on a line that the other side reads on every item:
 * ```
 * [0]  LOCK           lock word (lock-word.ts) guarding the store: ENTRIES, DATA, and the
 *                     store's slots below
 * [16] COUNT          items in the store
 * [17] SHUTDOWN       0 open, 1 shut down, 2 shut down with `immediate`
 * [18] BUSY           items in the store, plus one while a store put is under way: ring
 *                     putters read it (queue-ring.ts)
 * [32] MAXSIZE        the most items it holds; <= 0 unbounded
 * [33] PUTS           items put into the store, ever (wraps around)
 * [34] PUT_SEQ        bumped by a put that finds GET_WAITING up, and by shutdown: getters
 *                     sleep on it
 * [35] GET_SEQ        bumped by a get that finds PUT_WAITING up, a maxsize change and
 *                     shutdown: putters sleep on it
 * [36] TASK_SEQ       bumped when the unfinished count falls to 0: join() sleeps on it
 * [37] HEAD           the index in ENTRIES of the first entry
 * [38] DATA_END       bytes of DATA in use, live records and dead ones
 * [39] LIVE           bytes of DATA held by items still in the queue
 * [40] DISCIPLINE     0 FIFO, 1 LIFO, 2 priority
 * [41] TASKS          1 when unfinished tasks are counted (not for a SimpleQueue or a pipe)
 * [42] GET_WAITING    bit 0 (WAITING): a getter or poller may sleep on PUT_SEQ; bit 1
 *                     (IMMEDIATE): shut down with `immediate`, for the ring's putters,
 *                     which read this word after every put and no other (queue-put.ts)
 * [43] PUT_WAITING    WAITING: a putter may sleep on GET_SEQ
 * [44] ENTRIES_BYTES  the byte length ENTRIES has been grown to
 * [45] DATA_BYTES     the byte length DATA has been grown to
 * [46] TOMBS          ring positions claimed without an item (queue-ring.ts), ever
 * [48] ENQ            the ring's next position to put at (putters only)
 * [64] DEQ            the ring's next position to take from (getters only)
 * [80] DONE           taskDone() calls, and items dropped by shutdown, ever
 * ```
 * The unfinished count (Python's `unfinished_tasks`) is ENQ - TOMBS + PUTS - DONE: no
 * counter that putters and getters both write.
 *
 * A put bumps PUT_SEQ and notifies (and a get GET_SEQ) only when a waiter raised the flag:
 * `Atomics.notify` costs more than the rest of a small put. A waiter raises the flag, then
 * looks for an item (or room) once more before it sleeps; a putter stores its item, then
 * reads the flag: one of the two sees the other. The putter that sees the flag lowers it
 * and wakes every sleeper; one that must sleep again raises it again. Lowering it at once
 * spares the puts that follow, while the woken thread is still on its way, a notify each.
 *
 * A store put and get write the store's slots (COUNT, HEAD, DATA_END, LIVE) with plain
 * stores, holding LOCK, whose release publishes them: an atomic store costs a fence each.
 * What reads them without the lock (qsize(), a spinning waiter) only takes a hint, and
 * decides holding the lock, or sleeps on a sequence number that is bumped atomically.
 * Likewise, a put or get of the ring reads SHUTDOWN, MAXSIZE and BUSY plainly first, as
 * hints; what decides is read atomically (`Atomics.load` costs several plain reads).
 *
 * Each realm reads ENTRIES and DATA through fixed-length views, made again when
 * ENTRIES_BYTES or DATA_BYTES shows that another realm grew the buffer: V8 reads and writes
 * length-tracking views of a growable buffer many times slower. The two cells repeat the
 * buffers' `byteLength` on purpose: that getter costs some 15 ns more than a cell, and every
 * store put and get looks (several times) whether the views are still whole.
 *
 * ENTRIES (Int32, growable): the store's items in order, entry `i` at `[3i, 3i + 2]`:
 * ```
 * [3i]     OFFSET       where the item's record starts in DATA
 * [3i + 1] KEY_LENGTH   bytes of its priority key (0 unless a PriorityQueue)
 * [3i + 2] ITEM_LENGTH  bytes of the serialized item
 * ```
 * FIFO: entries `[HEAD, HEAD + COUNT)`, oldest first. LIFO: the same, newest last.
 * Priority: a binary heap in `[0, COUNT)`, the smallest key at 0 (Python's `heapq`).
 *
 * DATA (Uint8, growable): records appended at DATA_END, each the serialized key followed by
 * the serialized item. A taken record becomes dead space; when a record does not fit at the
 * end, the live records are moved down over the dead ones (and DATA grows first when they
 * would fill more than half of it), so moving costs O(1) per byte put, amortized. An empty
 * store starts again from offset 0.
 */
import { StateError } from '../errors.ts';
import { allocateGrowable, allocateShared } from '../memory/arena.ts';

export const LOCK = 0;
export const COUNT = 16;
export const SHUTDOWN = 17;
export const BUSY = 18;
export const MAXSIZE = 32;
export const PUTS = 33;
export const PUT_SEQ = 34;
export const GET_SEQ = 35;
export const TASK_SEQ = 36;
export const HEAD = 37;
export const DATA_END = 38;
export const LIVE = 39;
export const DISCIPLINE = 40;
export const TASKS = 41;
export const GET_WAITING = 42;
export const PUT_WAITING = 43;
/** GET_WAITING's and PUT_WAITING's bits. */
export const WAITING = 1;
export const IMMEDIATE = 2;
export const ENTRIES_BYTES = 44;
export const DATA_BYTES = 45;
export const TOMBS = 46;
export const ENQ = 48;
export const DEQ = 64;
export const DONE = 80;
const CONTROL_SLOTS = 96;

/** SHUTDOWN's values. */
export const Shutdown = { Open: 0, Draining: 1, Immediate: 2 } as const;

export const ENTRY_SLOTS = 3;
export const OFFSET = 0;
export const KEY_LENGTH = 1;
export const ITEM_LENGTH = 2;

/** The order items leave the queue in. */
export const Discipline = { Fifo: 0, Lifo: 1, Priority: 2 } as const;
export type Discipline = (typeof Discipline)[keyof typeof Discipline];

const INITIAL_ENTRIES = 64;
const INITIAL_DATA = 4096;
/** Address space reserved, not memory used: DATA and ENTRIES grow into it on demand. */
export const MAX_DATA = 2 ** 30;
const MAX_ENTRIES_BYTES = 2 ** 30;

/**
 * RING: the slots of a FIFO queue's ring (a power of two), of SLOT_WORDS Int32 words each
 * (layout: queue-ring.ts), then one Int32 word per slot, CLAIMANT: the owner id of the
 * putter that claimed the slot's position last. 144 KiB of address space, whose pages the
 * system provides as the ring first reaches them.
 */
export const RING_SLOTS = 4096;
export const SLOT_WORDS = 8;

/** The buffers of one queue. */
export const QUEUE_BUFFERS = 4;

/**
 * Grows ENTRIES or DATA to `bytes`, holding the store's lock; the caller then records the
 * new length in ENTRIES_BYTES or DATA_BYTES. An arena's buffer is already its maximum size:
 * only the recorded length changes, and the pages are touched as they are used.
 */
export function growStore(buffer: SharedArrayBuffer, bytes: number): void {
  if (buffer.growable) buffer.grow(bytes);
}

/** The memory of a new queue: CONTROL, ENTRIES, DATA and RING. */
export function queueBuffers(
  discipline: Discipline,
  maxsize: number,
  tasks: boolean,
): SharedArrayBuffer[] {
  const control = allocateShared(CONTROL_SLOTS * Int32Array.BYTES_PER_ELEMENT);
  const cells = new Int32Array(control);
  cells[MAXSIZE] = maxsize;
  cells[DISCIPLINE] = discipline;
  cells[TASKS] = tasks ? 1 : 0;
  cells[ENTRIES_BYTES] = INITIAL_ENTRIES * ENTRY_SLOTS * 4;
  cells[DATA_BYTES] = INITIAL_DATA;
  // In an arena these two are their full maximum from the start, in one arena (see
  // growStore).
  const [entries, data] = allocateGrowable([
    { byteLength: INITIAL_ENTRIES * ENTRY_SLOTS * 4, maxByteLength: MAX_ENTRIES_BYTES },
    { byteLength: INITIAL_DATA, maxByteLength: MAX_DATA },
  ]);
  if (entries === undefined || data === undefined) {
    throw new StateError('ERR_INTERNAL', 'multitask: a queue needs its ENTRIES and DATA');
  }
  const slots = discipline === Discipline.Fifo ? RING_SLOTS : 0;
  const ring = allocateShared(slots * (SLOT_WORDS + 1) * Int32Array.BYTES_PER_ELEMENT);
  return [control, entries, data, ring];
}
