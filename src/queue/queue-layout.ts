/**
 * The memory of every queue (`Queue`, `LifoQueue`, `PriorityQueue`, `JoinableQueue`,
 * `SimpleQueue`, and each direction of a `Pipe`). Items are stored as bytes (item-codec.ts's
 * encoding, or their structured-clone serialization) in shared memory, so a thread puts and another gets without
 * any event loop relaying them; child processes reach the same memory through the broker.
 *
 * Three SharedArrayBuffers, the last two growable (`maxByteLength`), so that the queue grows
 * in place and every realm sees the new memory without re-sharing.
 *
 * CONTROL (Int32 slots, fixed size), in three 64-byte cache lines: the lock word alone, the
 * two slots that waiting threads spin on, then the rest. A thread spinning for the lock, or
 * for an item, then reads a line that the holder writes once, not one it writes all along.
 * ```
 * [0]  LOCK           lock word (lock-word.ts) guarding everything below and ENTRIES and DATA
 * [16] COUNT          items in the queue
 * [17] SHUTDOWN       1 once shutdown() was called
 * [32] MAXSIZE        the most items it holds; <= 0 unbounded
 * [33] UNFINISHED     items put and not yet marked done by taskDone()
 * [34] PUT_SEQ        bumped by a put that finds GET_WAITING up, and by shutdown: getters
 *                     sleep on it
 * [35] GET_SEQ        bumped by a get that finds PUT_WAITING up, a maxsize change and
 *                     shutdown: putters sleep on it
 * [36] TASK_SEQ       bumped when UNFINISHED falls to 0: join() sleeps on it
 * [37] HEAD           the index in ENTRIES of the first entry
 * [38] DATA_END       bytes of DATA in use, live records and dead ones
 * [39] LIVE           bytes of DATA held by items still in the queue
 * [40] DISCIPLINE     0 FIFO, 1 LIFO, 2 priority
 * [41] TASKS          1 when UNFINISHED is kept (not for a SimpleQueue or a pipe)
 * [42] GET_WAITING    1 when a getter or poller may sleep on PUT_SEQ
 * [43] PUT_WAITING    1 when a putter may sleep on GET_SEQ
 * [44] ENTRIES_BYTES  the byte length ENTRIES has been grown to
 * [45] DATA_BYTES     the byte length DATA has been grown to
 * ```
 * A put bumps PUT_SEQ and notifies (and a get GET_SEQ) only when a waiter raised the flag:
 * `Atomics.notify` costs more than the rest of a small put. A waiter raises the flag before
 * it reads the sequence number it sleeps on, and a putter reads the flag after it stores
 * COUNT, both holding LOCK, so that one of the two sees the other. The putter that sees the
 * flag lowers it and wakes every sleeper; one that must sleep again raises it again.
 * Lowering it at once spares the puts that follow, while the woken thread is still on its
 * way, a notify each.
 *
 * A put and a get write their slots (COUNT, UNFINISHED, HEAD, DATA_END, LIVE) with plain
 * stores, holding LOCK, whose release publishes them: an atomic store costs a fence each.
 * What reads them without the lock (qsize(), join(), a spinning waiter) only takes a hint,
 * and decides holding the lock, or sleeps on a sequence number that is bumped atomically.
 *
 * Each realm reads ENTRIES and DATA through fixed-length views, made again when
 * ENTRIES_BYTES or DATA_BYTES shows that another realm grew the buffer: V8 reads and writes
 * length-tracking views of a growable buffer many times slower.
 *
 * ENTRIES (Int32, growable): the items in order, entry `i` at `[3i, 3i + 2]`:
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
 * queue starts again from offset 0.
 */
export const LOCK = 0;
export const COUNT = 16;
export const MAXSIZE = 32;
export const UNFINISHED = 33;
export const SHUTDOWN = 17;
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
export const ENTRIES_BYTES = 44;
export const DATA_BYTES = 45;
const CONTROL_SLOTS = 48;

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

/** The memory of a new queue: CONTROL, ENTRIES and DATA. */
export function queueBuffers(
  discipline: Discipline,
  maxsize: number,
  tasks: boolean,
): SharedArrayBuffer[] {
  const control = new SharedArrayBuffer(CONTROL_SLOTS * Int32Array.BYTES_PER_ELEMENT);
  const cells = new Int32Array(control);
  cells[MAXSIZE] = maxsize;
  cells[DISCIPLINE] = discipline;
  cells[TASKS] = tasks ? 1 : 0;
  cells[ENTRIES_BYTES] = INITIAL_ENTRIES * ENTRY_SLOTS * 4;
  cells[DATA_BYTES] = INITIAL_DATA;
  const entries = new SharedArrayBuffer(INITIAL_ENTRIES * ENTRY_SLOTS * 4, {
    maxByteLength: MAX_ENTRIES_BYTES,
  });
  const data = new SharedArrayBuffer(INITIAL_DATA, { maxByteLength: MAX_DATA });
  return [control, entries, data];
}
