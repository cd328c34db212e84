/**
 * Owner identities: which thread or process holds a lock, and whether it is still alive.
 *
 * Every realm (a process's main thread, each worker thread, and each broker connection
 * acting for a child process) gets an owner id from the owner table. A lock word stores its
 * holder's id, so that a waiter can tell an owner that is merely slow from one that died
 * holding the lock.
 *
 * With the native addon, processes share locks' words, so one table serves the whole process
 * tree: it lives in an arena that the first process to need it (the root) creates, and each
 * process names it to its children in `MULTITASK_OWNERS=<pid>:<fd>:<inode>` (inherited by
 * fork), which a child rewrites to its own fd once it maps the table, so that grandchildren
 * can open it after the root is gone. With the broker, each process has a table of its own.
 *
 * Layout of the table (Int32 slots; SLOTS = 4,096):
 *
 * ```
 * [0]                           NEXT_ID     last id handed out (ids start at 1; 0 = nobody)
 * [1 .. 1 + SLOTS)              SLOT[i]     the live id whose id % SLOTS == i; 0 when free;
 *                                           -1 while an allocator writes the slot's fields
 * [1 + SLOTS .. 1 + 2 SLOTS)    PID[i]      the process of SLOT[i]'s realm
 * [1 + 2 SLOTS .. 1 + 4 SLOTS)  START[i]    that process's start time (clock ticks since
 *                                           boot), as two words: high, low
 * [.. + 32 SLOTS)               WAIT[i]     what SLOT[i] waits for, with deadlock detection on
 *                                           (32 words): the waiter's id (0 when not
 *                                           waiting), the holder it saw, then the lock's
 *                                           label (byte length, then UTF-8)
 * [.. + 16 SLOTS)               NAME[i]     a name for reports: its owner's id, then byte
 *                                           length and UTF-8
 * [.. + ORDER_WORDS)            ORDER       the lock-order graph of lock-order checking
 *                                           (lock-order.ts lays it out)
 * [.. + 128 SLOTS)              ASLEEP[i]   with all-asleep detection on, how SLOT[i] sleeps
 *                                           in a wait without a deadline (128 words): its
 *                                           id (0 when it does not), the wait's number, how
 *                                           many times it re-checked and slept again, then
 *                                           what it waits on and its stack (length, UTF-8)
 * ```
 *
 * WAIT and NAME are written only by deadlock detection (src/diagnostics), on the slow path
 * of a lock, ORDER only by lock-order checking, and ASLEEP only by all-asleep detection: untouched pages of the table cost no
 * memory.
 *
 * An id is alive while its slot holds it and its process runs: a realm that ends releases its
 * slot (its parent does it for a thread), and a process that dies, even by `kill -9`, is seen
 * dead by its pid and start time. Ids are never reused (up to 2^30), so a stale id can never
 * be mistaken for a newer realm that took the same slot. PID and START are written before
 * SLOT is set to the id, and change only after SLOT has been taken away from it.
 */
import { isMainThread } from 'node:worker_threads';
import { MultitaskError, WorkerStartError } from '../errors.ts';
import { arenaReference, isArenaBuffer } from './arena.ts';
import { ORDER_WORDS } from './lock-order.ts';
import { isProcessAlive, nativeAddon, type NativeAddon } from './native.ts';
import { OWNERS_VARIABLE, takeOwner } from './owner-handoff.ts';

const NEXT_ID = 0;
const SLOTS = 4096;
const SLOT = 1;
const PID = SLOT + SLOTS;
const START = PID + SLOTS;
const WAIT = START + 2 * SLOTS;
const WAIT_WORDS = 32;
const NAME = WAIT + WAIT_WORDS * SLOTS;
const NAME_WORDS = 16;
const ORDER = NAME + NAME_WORDS * SLOTS;
const ASLEEP = ORDER + ORDER_WORDS;
const ASLEEP_WORDS = 128;
/** Where an ASLEEP entry's texts start, and how many words each may take (its length first). */
const ASLEEP_LABEL = 3;
const ASLEEP_LABEL_WORDS = 32;
const ASLEEP_STACK = ASLEEP_LABEL + ASLEEP_LABEL_WORDS;
const WORDS = ASLEEP + ASLEEP_WORDS * SLOTS;
/** WAIT's first word when its owner does not wait (else its owner's id). */
const NOT_WAITING = 0;

/** What an owner waits for, as it last published it. */
export interface PublishedWait {
  readonly holder: number;
  readonly label: string;
}

/** How an owner sleeps in a wait without a deadline, as it last published it. */
export interface PublishedSleep {
  /** The wait's number: a new wait of the owner has a new one. */
  readonly wait: number;
  /** How many times the owner woke, found its wait unmet, and slept again. */
  readonly rounds: number;
  readonly label: string;
  readonly stack: string;
}
const WRITING = -1;
/** Lock words keep a flag in bit 0 and the owner id above it, so ids stay below 2^30. */
export const MAX_OWNER_ID = 2 ** 30 - 1;
export { OWNERS_VARIABLE } from './owner-handoff.ts';
/** How long a verdict "that process runs" is trusted before /proc is read again. */
const ALIVE_FOR_MS = 10;

/** Processes seen running: pid → start time, and when that was read. */
const seenAlive = new Map<number, { start: number; at: number }>();

export class OwnerTable {
  readonly #cells: Int32Array;

  constructor(buffer?: SharedArrayBuffer) {
    this.#cells = new Int32Array(
      buffer ?? new SharedArrayBuffer(WORDS * Int32Array.BYTES_PER_ELEMENT),
    );
  }

  get buffer(): SharedArrayBuffer {
    return this.#cells.buffer as SharedArrayBuffer;
  }

  /** The region of the lock-order graph (see lock-order.ts), shared as the table is. */
  orderCells(): Int32Array {
    return this.#cells.subarray(ORDER, ORDER + ORDER_WORDS);
  }

  /** Hands out a fresh id and marks it alive, for a realm of this process. */
  allocate(): number {
    const cells = this.#cells;
    for (;;) {
      const id = Atomics.add(cells, NEXT_ID, 1) + 1;
      if (id > MAX_OWNER_ID) {
        // Python says "can't start new thread" when it runs out of what a thread needs.
        throw new WorkerStartError(
          'ERR_WORKER_START_FAILED',
          `can't start new thread: all ${MAX_OWNER_ID} owner ids are used`,
        );
      }
      const slot = id % SLOTS;
      const held = Atomics.load(cells, SLOT + slot);
      // A slot held by a live realm (more than SLOTS alive at once) is skipped; one left by
      // a process that died (never released) is taken over.
      if (held === WRITING || (held !== 0 && this.isAlive(held))) continue;
      if (Atomics.compareExchange(cells, SLOT + slot, held, WRITING) !== held) continue;
      const start = ownStartTime();
      Atomics.store(cells, PID + slot, process.pid);
      Atomics.store(cells, START + 2 * slot, Math.floor(start / 2 ** 32));
      Atomics.store(cells, START + 2 * slot + 1, start >>> 0);
      Atomics.store(cells, SLOT + slot, id);
      return id;
    }
  }

  /** Marks `id` dead: locks it holds are now abandoned. */
  release(id: number): void {
    Atomics.compareExchange(this.#cells, SLOT + (id % SLOTS), id, 0);
  }

  isAlive(id: number): boolean {
    const cells = this.#cells;
    const slot = id % SLOTS;
    if (Atomics.load(cells, SLOT + slot) !== id) return false;
    const pid = Atomics.load(cells, PID + slot);
    if (pid === process.pid) return true;
    // If the slot was taken over since, these fields are the new realm's; the id is dead
    // then, which the next look at SLOT will say.
    const start =
      Atomics.load(cells, START + 2 * slot) * 2 ** 32 +
      (Atomics.load(cells, START + 2 * slot + 1) >>> 0);
    return processRuns(pid, start);
  }

  /** Publishes that `id` waits for a lock (`label`) that `holder` holds. */
  publishWait(id: number, holder: number, label: string): void {
    const at = WAIT + (id % SLOTS) * WAIT_WORDS;
    if (Atomics.load(this.#cells, at) !== id) writeText(this.#cells, at + 2, label, 29);
    Atomics.store(this.#cells, at + 1, holder);
    Atomics.store(this.#cells, at, id);
  }

  clearWait(id: number): void {
    Atomics.compareExchange(this.#cells, WAIT + (id % SLOTS) * WAIT_WORDS, id, NOT_WAITING);
  }

  /** What live owner `id` waits for; null when it does not wait (as far as it published). */
  waitOf(id: number): PublishedWait | null {
    const at = WAIT + (id % SLOTS) * WAIT_WORDS;
    // The entry is tagged with its owner's id: one left by an earlier owner of the slot
    // (a process killed in a wait) is not this one's.
    if (Atomics.load(this.#cells, at) !== id || !this.isAlive(id)) return null;
    const holder = Atomics.load(this.#cells, at + 1);
    return { holder, label: readText(this.#cells, at + 2) };
  }

  /** Publishes that `id` sleeps in its wait number `wait`, on `label`, called from `stack`. */
  publishSleep(id: number, wait: number, label: string, stack: string): void {
    const at = ASLEEP + (id % SLOTS) * ASLEEP_WORDS;
    Atomics.store(this.#cells, at, NOT_WAITING);
    writeText(this.#cells, at + ASLEEP_LABEL, label, ASLEEP_LABEL_WORDS - 1);
    writeText(this.#cells, at + ASLEEP_STACK, stack, ASLEEP_WORDS - ASLEEP_STACK - 1);
    Atomics.store(this.#cells, at + 1, wait);
    Atomics.store(this.#cells, at + 2, 0);
    Atomics.store(this.#cells, at, id);
  }

  /** Counts one more round of `id`'s published sleep: it woke, re-checked, sleeps again. */
  sleptAgain(id: number): void {
    Atomics.add(this.#cells, ASLEEP + (id % SLOTS) * ASLEEP_WORDS + 2, 1);
  }

  clearSleep(id: number): void {
    Atomics.compareExchange(this.#cells, ASLEEP + (id % SLOTS) * ASLEEP_WORDS, id, NOT_WAITING);
  }

  /** How live owner `id` sleeps; null when it does not (as far as it published). */
  sleepOf(id: number): PublishedSleep | null {
    const at = ASLEEP + (id % SLOTS) * ASLEEP_WORDS;
    if (Atomics.load(this.#cells, at) !== id) return null;
    const wait = Atomics.load(this.#cells, at + 1);
    const rounds = Atomics.load(this.#cells, at + 2);
    const label = readText(this.#cells, at + ASLEEP_LABEL);
    const stack = readText(this.#cells, at + ASLEEP_STACK);
    // Read again: an entry rewritten meanwhile (a new wait) is not the one just read.
    if (Atomics.load(this.#cells, at) !== id || Atomics.load(this.#cells, at + 1) !== wait) {
      return null;
    }
    return { wait, rounds, label, stack };
  }

  /** The ids of every live owner, in id order (the process tree's, with the addon). */
  liveOwners(): number[] {
    const live: number[] = [];
    for (let slot = 0; slot < SLOTS; slot++) {
      const id = Atomics.load(this.#cells, SLOT + slot);
      if (id > 0 && this.isAlive(id)) live.push(id);
    }
    return live.sort((a, b) => a - b);
  }

  /** The process id of live owner `id`'s realm. */
  pidOf(id: number): number {
    return Atomics.load(this.#cells, PID + (id % SLOTS));
  }

  setName(id: number, name: string): void {
    const at = NAME + (id % SLOTS) * NAME_WORDS;
    writeText(this.#cells, at + 1, name, NAME_WORDS - 2);
    Atomics.store(this.#cells, at, id);
  }

  /** The name `id` gave itself; '' when it gave none. */
  nameOf(id: number): string {
    const at = NAME + (id % SLOTS) * NAME_WORDS;
    return Atomics.load(this.#cells, at) === id ? readText(this.#cells, at + 1) : '';
  }
}

/** Writes `text` at `cells[at]` (its byte length) and the `words` words after it, cut to fit. */
function writeText(cells: Int32Array, at: number, text: string, words: number): void {
  const bytes = new Uint8Array(cells.buffer, cells.byteOffset + (at + 1) * 4, words * 4);
  const { written } = new TextEncoder().encodeInto(text, bytes);
  Atomics.store(cells, at, written);
}

function readText(cells: Int32Array, at: number): string {
  const length = Atomics.load(cells, at);
  const bytes = new Uint8Array(cells.buffer, cells.byteOffset + (at + 1) * 4, length);
  // A copy: TextDecoder does not read shared memory.
  return new TextDecoder().decode(bytes.slice());
}

/** Whether process `pid`, started at `start`, runs: read from /proc at most every few ms. */
function processRuns(pid: number, start: number): boolean {
  const addon = nativeAddon();
  // Another process's id in a table without the addon cannot happen: tables are per process.
  if (addon === null) return true;
  const now = performance.now();
  const seen = seenAlive.get(pid);
  if (seen !== undefined && seen.start === start && now - seen.at < ALIVE_FOR_MS) return true;
  if (!isProcessAlive(addon, pid, start)) return false;
  seenAlive.set(pid, { start, at: now });
  return true;
}

let startTime: number | undefined;
function ownStartTime(): number {
  startTime ??= nativeAddon()?.processStartTime(process.pid) ?? 0;
  return startTime;
}

let table: OwnerTable | undefined;
let ownId: number | undefined;

/** The owner table of this process (of its process tree, with the addon). */
export function ownerTable(): OwnerTable {
  table ??= openTreeTable();
  return table;
}

/** This realm's owner id, taken the first time it is asked for. */
export function currentOwnerId(): number {
  if (ownId === undefined) {
    ownId = ownerTable().allocate();
    // Threads' ids are released by their parent when they end; a process's main realm
    // releases its own at exit (a killed one is seen dead by its pid).
    if (isMainThread) {
      const id = ownId;
      const owners = table;
      process.once('exit', () => owners?.release(id));
    }
  }
  return ownId;
}

/** Called by a thread's entry point: share the parent process's table, take the given id. */
export function adoptOwner(buffer: SharedArrayBuffer, id: number): void {
  table = new OwnerTable(buffer);
  ownId = id;
  // This realm's copy of the environment may predate the table: name it to the processes
  // this thread will start.
  if (isArenaBuffer(buffer)) nameToChildren(buffer);
}

/**
 * The process tree's table (opened from {@link OWNERS_VARIABLE}, or created here and named
 * there) with the addon; a table of this process's own without it.
 */
function openTreeTable(): OwnerTable {
  const addon = nativeAddon();
  if (addon === null) return new OwnerTable();
  const buffer = inheritedTable(addon) ?? addon.createArena(WORDS * 4).buffer;
  nameToChildren(buffer);
  return new OwnerTable(buffer);
}

function inheritedTable(addon: NativeAddon): SharedArrayBuffer | undefined {
  const named = /^(\d+):(\d+):(\d+)$/.exec(process.env[OWNERS_VARIABLE] ?? '');
  if (named === null) return undefined;
  try {
    const { buffer } = addon.openArena(Number(named[1]), Number(named[2]), Number(named[3]));
    if (buffer.byteLength === WORDS * 4) return buffer;
  } catch {
    // The process that named it is gone (or its fd was reused): this process starts a tree
    // of its own. Its ancestors' locks were never shared with it through that table.
  }
  return undefined;
}

function nameToChildren(buffer: SharedArrayBuffer): void {
  const reference = arenaReference(buffer);
  if (reference === null) {
    throw new MultitaskError('ERR_INTERNAL', 'multitask: the owner table is not an arena');
  }
  process.env[OWNERS_VARIABLE] = `${reference.pid}:${reference.fd}:${reference.inode}`;
}

// A thread's entry point hands its owner over without loading this module (owner-handoff.ts).
takeOwner(adoptOwner);
