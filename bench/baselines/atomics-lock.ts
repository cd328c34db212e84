/**
 * The bare lock baseline: one Int32 in a SharedArrayBuffer, taken and given back with
 * `Atomics.compareExchange`, sleeping with `Atomics.wait` only under contention (Drepper's
 * three-state futex mutex). An uncontended acquire + release is exactly two
 * compareExchange calls: the floor for any shared-memory lock.
 *
 * ```
 *  0 STATE   0 unlocked, 1 locked, 2 locked and someone may be sleeping on it
 * ```
 */

const STATE = 0;
const UNLOCKED = 0;
const LOCKED = 1;
const CONTENDED = 2;

export class AtomicsLock {
  readonly #cells: Int32Array;

  constructor(buffer = new SharedArrayBuffer(Int32Array.BYTES_PER_ELEMENT)) {
    this.#cells = new Int32Array(buffer);
  }

  /** The memory, to share the lock with another thread. */
  get buffer(): SharedArrayBuffer {
    return this.#cells.buffer as SharedArrayBuffer;
  }

  acquire(): void {
    const cells = this.#cells;
    let state = Atomics.compareExchange(cells, STATE, UNLOCKED, LOCKED);
    if (state === UNLOCKED) return;
    // Slow path: mark the lock contended, so that the holder's release wakes a sleeper.
    if (state !== CONTENDED) state = Atomics.exchange(cells, STATE, CONTENDED);
    while (state !== UNLOCKED) {
      Atomics.wait(cells, STATE, CONTENDED);
      state = Atomics.exchange(cells, STATE, CONTENDED);
    }
  }

  /** The same fast path behind a Promise: the floor for an async `acquire()`. */
  // eslint-disable-next-line @typescript-eslint/require-await -- the point is the Promise
  async acquireAsync(): Promise<void> {
    this.acquire();
  }

  release(): void {
    const cells = this.#cells;
    if (Atomics.compareExchange(cells, STATE, LOCKED, UNLOCKED) === LOCKED) return;
    Atomics.store(cells, STATE, UNLOCKED);
    Atomics.notify(cells, STATE, 1);
  }
}
