/**
 * The shared state of a `Barrier` and the operations on it, in any realm: a thread, a
 * process that maps the memory, or the broker on behalf of a child process. The action is
 * not run here: the party that arrives last is told to run it (in its own realm, as Python
 * runs it in the last thread to arrive) and reports the outcome with `finishAction`.
 */
import { BrokenBarrierError } from '../errors.ts';
import type { OwnerTable } from '../memory/owners.ts';
import { lockWordStepsUntilHeld, unlockWord } from '../memory/lock-word.ts';
import {
  notify,
  ABORTED,
  SLICE_MS,
  deadlineAfter,
  runAsync,
  runSync,
  sliceUntil,
  type Steps,
} from '../memory/waiting.ts';
import { forever } from '../memory/sleep-watch.ts';

/**
 * Layout (Int32 slots). LOCK guards every other field.
 * ```
 * [0] LOCK       a lock word (lock-word.ts), held briefly by arrivals, abort() and reset()
 * [1] COUNT      parties arrived in the current generation
 * [2] GENERATION bumped when the barrier trips, breaks or resets; waiters sleep on it
 * [3] BROKEN     1 from a break until reset()
 * [4] ACTING     1 while the last party of the current generation runs the action
 * [5 + g % 256]  OUTCOME of generation g: 1 passed, 2 broken
 * [261 + i]      owner id of the i-th arrival of the current generation
 * ```
 * A waiter of generation g reads OUTCOME[g % 256] after GENERATION moves on. It is
 * overwritten only 256 generations later, which needs every other party to pass the barrier
 * 255 more times while this waiter has not yet run again.
 */
const LOCK = 0;
const COUNT = 1;
const GENERATION = 2;
const BROKEN = 3;
const ACTING = 4;
const OUTCOMES = 5;
const OUTCOME_SLOTS = 256;
const ARRIVALS = OUTCOMES + OUTCOME_SLOTS;
const PASSED = 1;
const BROKE = 2;

/** Int32 slots of a barrier of `parties`. */
export function barrierSlots(parties: number): number {
  return ARRIVALS + parties;
}

/** What a party learns when it arrives. */
export interface Arrival {
  /** Its arrival index, from 0 to `parties - 1`. */
  readonly index: number;
  /**
   * `null` when the passage is over (every party arrived, or there is no action); else the
   * party arrived last and must run the action, then call `finishAction(act, ok)`: the
   * others wait until then.
   */
  readonly act: number | null;
}

export interface BarrierCoreApi {
  arrive(timeout: number, signal?: AbortSignal): Promise<Arrival>;
  arriveSync(timeout: number): Arrival;
  finishAction(generation: number, ok: boolean): void;
  abort(): void;
  reset(): void;
  nWaiting(): number;
  broken(): boolean;
}

export class BarrierCore implements BarrierCoreApi {
  readonly #cells: Int32Array;
  readonly #parties: number;
  readonly #hasAction: boolean;
  readonly #owner: number;
  readonly #owners: OwnerTable;

  constructor(
    cells: Int32Array,
    parties: number,
    hasAction: boolean,
    owner: number,
    owners: OwnerTable,
  ) {
    this.#cells = cells;
    this.#parties = parties;
    this.#hasAction = hasAction;
    this.#owner = owner;
    this.#owners = owners;
  }

  *#lock(): Steps<void> {
    yield* lockWordStepsUntilHeld(this.#cells, LOCK, this.#owner, this.#owners);
  }

  #unlock(): void {
    unlockWord(this.#cells, LOCK);
  }

  /** Ends the current generation with `outcome` and wakes its waiters. Holding LOCK. */
  #endGeneration(outcome: number): void {
    const cells = this.#cells;
    const generation = cells[GENERATION] ?? 0;
    cells[OUTCOMES + (generation % OUTCOME_SLOTS)] = outcome;
    cells[COUNT] = 0;
    cells[ACTING] = 0;
    Atomics.store(cells, GENERATION, generation + 1);
    notify(cells, GENERATION);
  }

  #break(): void {
    this.#cells[BROKEN] = 1;
    this.#endGeneration(BROKE);
  }

  /** Breaks `generation` if it is still the current one. */
  *#breakGeneration(generation: number): Steps<void> {
    yield* this.#lock();
    if ((this.#cells[GENERATION] ?? 0) === generation) this.#break();
    this.#unlock();
  }

  *#arriveSteps(timeout: number): Steps<Arrival | typeof ABORTED> {
    const cells = this.#cells;
    yield* this.#lock();
    // A passage whose action runs is decided; later arrivals wait for it to end, as Python's
    // wait for the lock the action runs under.
    while (cells[ACTING] === 1) {
      const running = cells[GENERATION] ?? 0;
      this.#unlock();
      while (Atomics.load(cells, GENERATION) === running) {
        if (this.#partyDied(running)) yield* this.#breakGeneration(running);
        else if (
          (yield { cells, index: GENERATION, expected: running, timeout: SLICE_MS }) === 'aborted'
        )
          return ABORTED;
      }
      yield* this.#lock();
    }
    if (cells[BROKEN] === 1) {
      this.#unlock();
      throw new BrokenBarrierError();
    }
    const index = cells[COUNT] ?? 0;
    const generation = cells[GENERATION] ?? 0;
    cells[ARRIVALS + index] = this.#owner;
    cells[COUNT] = index + 1;
    if (index === this.#parties - 1) {
      // The last to arrive runs the action before anyone goes on, as in Python.
      if (this.#hasAction) cells[ACTING] = 1;
      else this.#endGeneration(PASSED);
      this.#unlock();
      return { index, act: this.#hasAction ? generation : null };
    }
    this.#unlock();
    let deadline = deadlineAfter(timeout);
    let aborted = false;
    while (Atomics.load(cells, GENERATION) === generation) {
      const slice = sliceUntil(deadline);
      if (slice === 0 || aborted || this.#partyDied(generation)) {
        if (!aborted && Atomics.load(cells, ACTING) === 1 && !this.#partyDied(generation)) {
          // Time ran out while the last party runs the action: the passage is decided, and
          // a Python waiter that times out must first re-take the lock the action holds.
          deadline = Infinity;
          continue;
        }
        // A timeout, an abandoned wait or a dead party breaks the barrier for everyone
        // waiting: the others cannot pass without this party.
        yield* this.#breakGeneration(generation);
        break;
      }
      aborted =
        (yield { cells, index: GENERATION, expected: generation, timeout: slice }) === 'aborted';
    }
    if (aborted) return ABORTED;
    if (cells[OUTCOMES + (generation % OUTCOME_SLOTS)] !== PASSED) throw new BrokenBarrierError();
    return { index, act: null };
  }

  /** Whether a party that arrived in `generation` has died since. */
  #partyDied(generation: number): boolean {
    const cells = this.#cells;
    if (Atomics.load(cells, GENERATION) !== generation) return false;
    const count = Atomics.load(cells, COUNT);
    for (let i = 0; i < count; i++) {
      const owner = Atomics.load(cells, ARRIVALS + i);
      if (owner !== 0 && !this.#owners.isAlive(owner)) return true;
    }
    return false;
  }

  arrive(timeout: number, signal?: AbortSignal): Promise<Arrival> {
    return runAsync(this.#arriveSteps(timeout), signal, forever(timeout, 'Barrier.wait()'));
  }

  arriveSync(timeout: number): Arrival {
    return runSync(this.#arriveSteps(timeout), forever(timeout, 'Barrier.wait()')) as Arrival;
  }

  /**
   * Ends the passage whose action ran: the parties go on, or, when the action failed, the
   * barrier breaks. Nothing happens to a passage that ended meanwhile (an `abort()`, a dead
   * party).
   */
  finishAction(generation: number, ok: boolean): void {
    runSync(this.#lock());
    const cells = this.#cells;
    if ((cells[GENERATION] ?? 0) === generation && cells[ACTING] === 1) {
      if (ok) this.#endGeneration(PASSED);
      else this.#break();
    }
    this.#unlock();
  }

  abort(): void {
    runSync(this.#lock());
    this.#break();
    this.#unlock();
  }

  reset(): void {
    runSync(this.#lock());
    // A passage whose action runs is decided: Python's reset() waits for the action, and
    // then the parties pass. Waiters of any other passage are sent away broken.
    const cells = this.#cells;
    if ((cells[COUNT] ?? 0) > 0 && cells[ACTING] !== 1) this.#endGeneration(BROKE);
    cells[BROKEN] = 0;
    this.#unlock();
  }

  nWaiting(): number {
    return Atomics.load(this.#cells, COUNT);
  }

  broken(): boolean {
    return Atomics.load(this.#cells, BROKEN) === 1;
  }
}
