/**
 * The lower half of lock-order checking (the upper half, src/diagnostics/lock-order.ts,
 * switches it on and words the report), after Linux's lockdep: every time a realm reaches for
 * a lock while it holds others, each pair "held, then reached for" is an edge of one order
 * graph that every thread (and, with the native addon, every process of the tree) shares in
 * the owner table. A new edge whose reverse is already there is an inversion: two owners
 * take the same two locks in opposite orders, which deadlocks the day they do it at once.
 * It is reported the first time it is seen, whether or not this run deadlocked.
 *
 * Layout of the graph (Int32 slots, in the owner table's ORDER region):
 *
 * ```
 * [0]                   NEXT_LOCK   last lock id handed out (ids start at 1)
 * [1 + 4 e .. + 4)      EDGE[e]     before (0: free), after (0 while being written), the
 *                                   owner that took them in this order, reported (0 or 1)
 * ```
 *
 * Edges are found by open addressing on the pair; a full graph records no more edges (it
 * holds 16,384, far more pairs of locks than a program takes in nested order).
 *
 * Checking costs nothing while it is off: only locks made (or rebuilt in a realm) while it is
 * on get an id and go through these functions (see src/sync/ordered-lock-core.ts).
 */
import type { OwnerTable } from './owners.ts';

/** One lock of an inversion: its id in the graph and its label for reports. */
export interface OrderedLock {
  readonly id: number;
  readonly label: string;
}

/** An inversion seen by this realm: it reaches for `taking` while holding `holding`. */
export interface OrderInversion {
  readonly holding: OrderedLock;
  readonly taking: OrderedLock;
  /** This realm's owner id. */
  readonly owner: number;
  /** The owner that took them the other way (`taking`, then `holding`) first. */
  readonly other: number;
  readonly owners: OwnerTable;
}

/** What the upper half does: name this realm in the owner table, and report an inversion. */
export interface OrderHooks {
  nameSelf(owner: number, owners: OwnerTable): void;
  report(inversion: OrderInversion): void;
}

const NEXT_LOCK = 0;
const EDGES = 1;
const EDGE_WORDS = 4;

let checking: boolean | undefined;
let hooks: OrderHooks | undefined;
let named = false;
/** The locks this realm holds, oldest first, with how many times (an RLock re-entered). */
const held: { lock: OrderedLock; count: number }[] = [];

/** Whether locks made in this realm now take part in lock-order checking. */
export function checkingLockOrder(): boolean {
  checking ??= /(^|,)lockorder\b/.test(process.env.MULTITASK_DEBUG ?? '');
  return checking;
}

/** Switches checking on or off for locks made (or rebuilt here) from now on. */
export function checkLockOrder(on: boolean, orderHooks: OrderHooks | undefined): void {
  checking = on;
  hooks = orderHooks;
}

/** A fresh lock id, unique in the graph's table. */
export function newLockId(owners: OwnerTable): number {
  return Atomics.add(owners.orderCells(), NEXT_LOCK, 1) + 1;
}

/**
 * Called before each attempt to take `lock`: records "each held lock, then `lock`", and
 * reports the reverse order if an owner took it first. Re-entering a held lock adds nothing.
 */
export function reachingFor(lock: OrderedLock, owner: number, owners: OwnerTable): void {
  if (held.length === 0 || held.some((each) => each.lock.id === lock.id)) return;
  const cells = owners.orderCells();
  // Named before the first edge is published: another owner may find the edge, and report
  // this owner by name, at once.
  if (!named && hooks !== undefined) {
    named = true;
    hooks.nameSelf(owner, owners);
  }
  for (const { lock: holding } of held) {
    if (!addEdge(cells, holding.id, lock.id, owner)) continue;
    const reverse = findEdge(cells, lock.id, holding.id);
    // Reported once in the whole tree: by whoever flips the flag of the pair's edge from
    // the lower id to the higher (a realm that has not loaded the upper half does not claim
    // it). One flag for the pair: two owners that each find the other's edge at once would
    // each flip a flag of their own.
    if (reverse < 0 || hooks === undefined) continue;
    const flagged = lock.id < holding.id ? reverse : findEdge(cells, holding.id, lock.id);
    if (flagged < 0 || Atomics.compareExchange(cells, flagged + 3, 0, 1) !== 0) continue;
    const other = Atomics.load(cells, reverse + 2);
    hooks.report({ holding, taking: lock, owner, other, owners });
  }
}

/** Called once `lock` is taken. */
export function took(lock: OrderedLock): void {
  const entry = held.find((each) => each.lock.id === lock.id);
  if (entry === undefined) held.push({ lock, count: 1 });
  else entry.count++;
}

/**
 * Called once `lock` is released by this realm. A Lock released by another realm than the one
 * that took it (Python allows it) stays on the taker's list, as lockdep's would.
 */
export function released(lock: OrderedLock): void {
  const at = held.findIndex((each) => each.lock.id === lock.id);
  const entry = held[at];
  if (entry === undefined) return;
  entry.count--;
  if (entry.count === 0) held.splice(at, 1);
}

/** The first slot to probe for the pair, among `edges`. */
function home(before: number, after: number, edges: number): number {
  return (Math.imul(Math.imul(before, 0x9e3779b1) ^ after, 0x85ebca6b) >>> 0) % edges;
}

/** Adds the edge; false if it was there (or the graph is full). */
function addEdge(cells: Int32Array, before: number, after: number, owner: number): boolean {
  const edges = (cells.length - EDGES) / EDGE_WORDS;
  let slot = home(before, after, edges);
  for (let probes = 0; probes < edges; probes++, slot = (slot + 1) % edges) {
    const at = EDGES + slot * EDGE_WORDS;
    let first = Atomics.load(cells, at);
    if (first === 0) {
      first = Atomics.compareExchange(cells, at, 0, before);
      if (first === 0) {
        Atomics.store(cells, at + 2, owner);
        Atomics.store(cells, at + 1, after);
        return true;
      }
    }
    if (first === before && secondOf(cells, at) === after) return false;
  }
  return false;
}

/** The word index of the edge, or -1. */
function findEdge(cells: Int32Array, before: number, after: number): number {
  const edges = (cells.length - EDGES) / EDGE_WORDS;
  let slot = home(before, after, edges);
  for (let probes = 0; probes < edges; probes++, slot = (slot + 1) % edges) {
    const at = EDGES + slot * EDGE_WORDS;
    const first = Atomics.load(cells, at);
    if (first === 0) return -1;
    if (first === before && secondOf(cells, at) === after) return at;
  }
  return -1;
}

/** How many reads of an edge being written wait for its second word. */
const WRITE_SPINS = 100_000;

/**
 * An edge's second lock, waiting out the moment between its two writes; 0 (matching no
 * lock) if its writer never finished (a process killed in between).
 */
function secondOf(cells: Int32Array, at: number): number {
  for (let spin = 0; spin < WRITE_SPINS; spin++) {
    const second = Atomics.load(cells, at + 1);
    if (second !== 0) return second;
  }
  return 0;
}
