/**
 * Reference counting in a Manager's server, as Python's `Server.incref`/`decref`: each proxy
 * a client makes sends `incref` for its object on its realm's connection, and `decref` when
 * it is collected (a FinalizationRegistry in refs.ts). The server frees an object when its
 * count falls to zero; a connection that closes (a client that ended or died) drops every
 * reference it held.
 *
 * Counts are kept per connection, so a `decref` counts only against what its own connection
 * took: a proxy whose connection was lost (and so already dropped) cannot free an object
 * twice. An object that was ever sent inside a value (a list stored in a dict) is pinned:
 * the server cannot tell when the container lets go of it, so it lives until the server
 * stops, where Python would free it with its container.
 */

export class RefCounts<C extends object> {
  readonly #counts = new Map<number, number>();
  readonly #byConnection = new Map<C, Map<number, number>>();
  readonly #pinned = new Set<number>();
  readonly #free: (id: number) => void;

  /** @param free - Lets go of the object `id`, whose last reference went. */
  constructor(free: (id: number) => void) {
    this.#free = free;
  }

  incref(connection: C, id: number): void {
    let tallies = this.#byConnection.get(connection);
    if (tallies === undefined) {
      tallies = new Map();
      this.#byConnection.set(connection, tallies);
    }
    tallies.set(id, (tallies.get(id) ?? 0) + 1);
    this.#counts.set(id, (this.#counts.get(id) ?? 0) + 1);
  }

  decref(connection: C, id: number): void {
    const tallies = this.#byConnection.get(connection);
    const tally = tallies?.get(id) ?? 0;
    if (tallies === undefined || tally === 0) return;
    if (tally === 1) tallies.delete(id);
    else tallies.set(id, tally - 1);
    this.#drop(id, 1);
  }

  /** A connection closed: the references it held go. */
  dropConnection(connection: C): void {
    const tallies = this.#byConnection.get(connection);
    if (tallies === undefined) return;
    this.#byConnection.delete(connection);
    for (const [id, tally] of tallies) this.#drop(id, tally);
  }

  #drop(id: number, n: number): void {
    const count = (this.#counts.get(id) ?? 0) - n;
    if (count > 0) {
      this.#counts.set(id, count);
      return;
    }
    this.#counts.delete(id);
    if (!this.#pinned.has(id)) this.#free(id);
  }

  /** Keeps `id` until the server stops (it was sent inside a value). */
  pin(id: number): void {
    this.#pinned.add(id);
  }

  /** The proxies counted for `id`. */
  count(id: number): number {
    return this.#counts.get(id) ?? 0;
  }

  isPinned(id: number): boolean {
    return this.#pinned.has(id);
  }
}
