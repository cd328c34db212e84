/**
 * The lower half of lock-order checking (the upper half, src/diagnostics/lock-order.ts,
 * switches it on and words the report), after Linux's lockdep: every time a realm reaches for
 * a lock while it holds others, each pair "held, then reached for" is an edge of one order
 * graph that every thread (and, with the native addon, every process of the tree) shares in
 * the owner table. A new edge that closes a cycle of the graph is an inversion: with two
 * locks, its reverse is there (two owners take them in opposite orders); with more, a chain
 * of orders leads back (A then B, B then C, and now C then A), as lockdep finds them. Either
 * deadlocks the day its owners do it at once. It is reported the first time it is seen,
 * whether or not this run deadlocked.
 *
 * Layout of the graph (Int32 slots, in the owner table's ORDER region):
 *
 * ```
 * [0]                   NEXT_LOCK   last lock id handed out (ids start at 1)
 * [1 + 4 e .. + 4)      EDGE[e]     before (0: free), after (0 while being written), the
 *                                   owner that took them in this order, reported (0 or 1)
 * [.. + 16 l)           LABEL[l]    a lock's label, for the locks of a chain that this realm
 *                                   never saw: its id (0: free), byte length, UTF-8
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

/** One order of the graph: `owner` took `after` while holding `before`. */
export interface OrderLink {
  readonly before: OrderedLock;
  readonly after: OrderedLock;
  readonly owner: number;
}

/** An inversion seen by this realm: it reaches for `taking` while holding `holding`. */
export interface OrderInversion {
  readonly holding: OrderedLock;
  readonly taking: OrderedLock;
  /** This realm's owner id. */
  readonly owner: number;
  /**
   * The owner that took them the other way (`taking`, then `holding`) first; with a longer
   * chain, the one that took the chain's first link.
   */
  readonly other: number;
  /** The orders taken before, from `taking` back to `holding` (one link for two locks). */
  readonly chain: readonly OrderLink[];
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
const EDGE_SLOTS = 16_384;
const LABELS = EDGES + EDGE_WORDS * EDGE_SLOTS;
const LABEL_WORDS = 16;
const LABEL_SLOTS = 4096;
/** The size of the graph's region in the owner table, in words. */
export const ORDER_WORDS = LABELS + LABEL_WORDS * LABEL_SLOTS;
/** The longest chain followed (a cycle has at most as many locks). */
const MAX_CHAIN = 64;

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
    if (hooks === undefined) continue;
    keepLabel(cells, holding);
    keepLabel(cells, lock);
    const path = pathBetween(cells, lock.id, holding.id);
    if (path === null) continue;
    // Reported once in the whole tree: by whoever flips the flag of the cycle's edge from
    // its lowest lock id (a realm that has not loaded the upper half does not claim it).
    // One flag for the cycle: two owners that each close it at once would each flip a flag
    // of their own.
    const cycle = [...path, findEdge(cells, holding.id, lock.id)];
    const flagged = cycle.reduce((low, at) => ((cells[at] ?? 0) < (cells[low] ?? 0) ? at : low));
    if (Atomics.compareExchange(cells, flagged + 3, 0, 1) !== 0) continue;
    const chain = path.map((at) => ({
      before: lockAt(cells, Atomics.load(cells, at), lock, holding),
      after: lockAt(cells, Atomics.load(cells, at + 1), lock, holding),
      owner: Atomics.load(cells, at + 2),
    }));
    const other = chain[0]?.owner ?? 0;
    hooks.report({ holding, taking: lock, owner, other, chain, owners });
  }
}

/**
 * The edges of a chain of orders from lock `from` to lock `to` (word indexes, in order), or
 * null: a breadth-first walk of the graph, read whole (a new edge is rare: each pair of
 * locks makes one, once).
 */
function pathBetween(cells: Int32Array, from: number, to: number): number[] | null {
  const out = new Map<number, number[]>();
  for (let slot = 0; slot < EDGE_SLOTS; slot++) {
    const at = EDGES + slot * EDGE_WORDS;
    const before = Atomics.load(cells, at);
    if (before === 0 || Atomics.load(cells, at + 1) === 0) continue;
    const list = out.get(before);
    if (list === undefined) out.set(before, [at]);
    else list.push(at);
  }
  const via = new Map<number, number>([[from, -1]]);
  let frontier = [from];
  for (let depth = 0; depth < MAX_CHAIN && frontier.length > 0; depth++) {
    const next: number[] = [];
    for (const id of frontier) {
      for (const at of out.get(id) ?? []) {
        const after = Atomics.load(cells, at + 1);
        if (via.has(after)) continue;
        via.set(after, at);
        if (after === to) return chainTo(cells, via, to);
        next.push(after);
      }
    }
    frontier = next;
  }
  return null;
}

function chainTo(cells: Int32Array, via: ReadonlyMap<number, number>, to: number): number[] {
  const path: number[] = [];
  for (let at = via.get(to) ?? -1; at >= 0; at = via.get(Atomics.load(cells, at)) ?? -1) {
    path.unshift(at);
  }
  return path;
}

/** Keeps `lock`'s label in the graph, for the realms that find it in a chain. */
function keepLabel(cells: Int32Array, lock: OrderedLock): void {
  for (let probe = 0; probe < LABEL_SLOTS; probe++) {
    const at = LABELS + ((lock.id + probe) % LABEL_SLOTS) * LABEL_WORDS;
    const id = Atomics.compareExchange(cells, at, 0, -lock.id);
    if (id === lock.id || id === -lock.id) return;
    if (id !== 0) continue;
    const bytes = new Uint8Array(
      cells.buffer,
      cells.byteOffset + (at + 2) * 4,
      (LABEL_WORDS - 2) * 4,
    );
    Atomics.store(cells, at + 1, new TextEncoder().encodeInto(lock.label, bytes).written);
    Atomics.store(cells, at, lock.id);
    return;
  }
}

/** The lock `id` of a chain: one of the two at hand, or as the graph keeps its label. */
function lockAt(cells: Int32Array, id: number, ...known: OrderedLock[]): OrderedLock {
  const found = known.find((lock) => lock.id === id);
  if (found !== undefined) return found;
  for (let probe = 0; probe < LABEL_SLOTS; probe++) {
    const at = LABELS + ((id + probe) % LABEL_SLOTS) * LABEL_WORDS;
    const kept = Atomics.load(cells, at);
    if (kept === 0) break;
    if (kept !== id) continue;
    const length = Atomics.load(cells, at + 1);
    const bytes = new Uint8Array(cells.buffer, cells.byteOffset + (at + 2) * 4, length);
    return { id, label: new TextDecoder().decode(bytes.slice()) };
  }
  return { id, label: `lock #${id}` };
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
  const edges = EDGE_SLOTS;
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
  const edges = EDGE_SLOTS;
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
