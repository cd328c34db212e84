/**
 * The memory of every queue (`Queue`, `LifoQueue`, `PriorityQueue`, `JoinableQueue`,
 * `SimpleQueue`, and each direction of a `Pipe`). Items are stored as bytes (their
 * structured-clone serialization) in shared memory, so a thread puts and another gets without
 * any event loop relaying them; child processes reach the same memory through the broker.
 *
 * Three SharedArrayBuffers, the last two growable (`maxByteLength`), so that the queue grows
 * in place and every realm's length-tracking views see the new memory without re-sharing.
 *
 * CONTROL (Int32 slots, fixed size):
 * ```
 * [0]  LOCK        lock word (lock-word.ts) guarding everything below and ENTRIES and DATA
 * [1]  COUNT       items in the queue
 * [2]  MAXSIZE     the most items it holds; <= 0 unbounded
 * [3]  UNFINISHED  items put and not yet marked done by taskDone()
 * [4]  SHUTDOWN    1 once shutdown() was called
 * [5]  PUT_SEQ     bumped by every put and by shutdown: getters sleep on it
 * [6]  GET_SEQ     bumped by every get, a maxsize change and shutdown: putters sleep on it
 * [7]  TASK_SEQ    bumped when UNFINISHED falls to 0: join() sleeps on it
 * [8]  HEAD        the index in ENTRIES of the first entry
 * [9]  DATA_END    bytes of DATA in use, live records and dead ones
 * [10] LIVE        bytes of DATA held by items still in the queue
 * [11] DISCIPLINE  0 FIFO, 1 LIFO, 2 priority
 * [12] TASKS       1 when UNFINISHED is kept (not for a SimpleQueue or a pipe)
 * ```
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
export const COUNT = 1;
export const MAXSIZE = 2;
export const UNFINISHED = 3;
export const SHUTDOWN = 4;
export const PUT_SEQ = 5;
export const GET_SEQ = 6;
export const TASK_SEQ = 7;
export const HEAD = 8;
export const DATA_END = 9;
export const LIVE = 10;
export const DISCIPLINE = 11;
export const TASKS = 12;
const CONTROL_SLOTS = 13;

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
  const entries = new SharedArrayBuffer(INITIAL_ENTRIES * ENTRY_SLOTS * 4, {
    maxByteLength: MAX_ENTRIES_BYTES,
  });
  const data = new SharedArrayBuffer(INITIAL_DATA, { maxByteLength: MAX_DATA });
  return [control, entries, data];
}
