/**
 * Owner identities: which thread or process holds a lock, and whether it is still alive.
 *
 * Every realm (a process's main thread, each worker thread, and each broker connection
 * acting for a child process) gets an owner id from the owner table of the process whose
 * memory it touches. A lock word stores its holder's id, so that a waiter can tell an owner
 * that is merely slow from one that died holding the lock.
 *
 * Layout of the table (Int32 slots):
 *
 * ```
 * [0]               NEXT_ID   last id handed out (ids start at 1; 0 means "nobody")
 * [1 .. 1 + SLOTS)  SLOT[i]   the live id whose id % SLOTS == i, or 0 when free
 * ```
 *
 * An id is alive while its slot holds it. Ids are never reused (up to 2^30), so a stale id
 * can never be mistaken for a newer realm that took the same slot.
 */
import { WorkerStartError } from '../errors.ts';

const NEXT_ID = 0;
const SLOTS = 4096;
/** Lock words keep a flag in bit 0 and the owner id above it, so ids stay below 2^30. */
export const MAX_OWNER_ID = 2 ** 30 - 1;

export class OwnerTable {
  readonly #cells: Int32Array;

  constructor(buffer?: SharedArrayBuffer) {
    this.#cells = new Int32Array(
      buffer ?? new SharedArrayBuffer((1 + SLOTS) * Int32Array.BYTES_PER_ELEMENT),
    );
  }

  get buffer(): SharedArrayBuffer {
    return this.#cells.buffer as SharedArrayBuffer;
  }

  /** Hands out a fresh id and marks it alive. */
  allocate(): number {
    for (;;) {
      const id = Atomics.add(this.#cells, NEXT_ID, 1) + 1;
      if (id > MAX_OWNER_ID) {
        // Python says "can't start new thread" when it runs out of what a thread needs.
        throw new WorkerStartError(
          'ERR_WORKER_START_FAILED',
          `can't start new thread: all ${MAX_OWNER_ID} owner ids of this process are used`,
        );
      }
      // A slot still held by a live realm (more than SLOTS realms alive at once) is skipped.
      if (Atomics.compareExchange(this.#cells, 1 + (id % SLOTS), 0, id) === 0) return id;
    }
  }

  /** Marks `id` dead: locks it holds are now abandoned. */
  release(id: number): void {
    Atomics.compareExchange(this.#cells, 1 + (id % SLOTS), id, 0);
  }

  isAlive(id: number): boolean {
    return Atomics.load(this.#cells, 1 + (id % SLOTS)) === id;
  }
}

let table = new OwnerTable();
let ownId = table.allocate();

/** The owner table of this process. */
export function ownerTable(): OwnerTable {
  return table;
}

/** This realm's owner id. */
export function currentOwnerId(): number {
  return ownId;
}

/** Called by a thread's entry point: share the parent process's table, take the given id. */
export function adoptOwner(buffer: SharedArrayBuffer, id: number): void {
  table = new OwnerTable(buffer);
  ownId = id;
}
