/**
 * `Barrier`: Python's `threading.Barrier` / `multiprocessing.Barrier`. `parties` threads or
 * processes wait until all have arrived, then all go on; the barrier is reusable.
 */
import { allocateShared } from '../memory/arena.ts';
import { BrokenBarrierError } from '../errors.ts';
import { currentOwnerId, ownerTable, type OwnerTable } from '../memory/owners.ts';
import { assertInteger, typeError } from '../internal/validate.ts';
import { shipFunction, type ShippedFunction } from '../transport/function-source.ts';
import { reviveFunction } from '../transport/function-revive.ts';
import { kAttach } from '../internal/symbols.ts';
import {
  attachmentOf,
  kSharedState,
  registerSharedKind,
  stateBuffer,
  type AttachArgument,
  type Shareable,
  type SharedState,
} from '../memory/shared-object.ts';
import { lockWordStepsUntilHeld, unlockWord } from '../memory/lock-word.ts';
import { waitArguments, type WaitOptions } from '../internal/wait-options.ts';
import {
  notify,
  ABORTED,
  deadlineAfter,
  runAsync,
  runSync,
  sliceUntil,
  type Steps,
} from '../memory/waiting.ts';

/**
 * Layout (Int32 slots). LOCK guards every other field.
 * ```
 * [0] LOCK       a lock word (lock-word.ts), held briefly by arrivals, abort() and reset()
 * [1] COUNT      parties arrived in the current generation
 * [2] GENERATION bumped when the barrier trips, breaks or resets; waiters sleep on it
 * [3] BROKEN     1 from a break until reset()
 * [4 + g % 256]  OUTCOME of generation g: 1 passed, 2 broken
 * [260 + i]      owner id of the i-th arrival of the current generation
 * ```
 * A waiter of generation g reads OUTCOME[g % 256] after GENERATION moves on. It is
 * overwritten only 256 generations later, which needs every other party to pass the barrier
 * 255 more times while this waiter has not yet run again.
 */
const LOCK = 0;
const COUNT = 1;
const GENERATION = 2;
const BROKEN = 3;
const OUTCOMES = 4;
const OUTCOME_SLOTS = 256;
const ARRIVALS = OUTCOMES + OUTCOME_SLOTS;
const PASSED = 1;
const BROKE = 2;

interface BarrierMeta {
  readonly parties: number;
  readonly action: ShippedFunction | null;
  readonly timeout: number | null;
}

export interface BarrierCoreApi {
  wait(timeout: number, signal?: AbortSignal): Promise<number>;
  waitSync(timeout: number): number;
  abort(): void;
  reset(): void;
  nWaiting(): number;
  broken(): boolean;
}

export class BarrierCore implements BarrierCoreApi {
  readonly #cells: Int32Array;
  readonly #parties: number;
  readonly #action: (() => unknown) | null;
  readonly #owner: number;
  readonly #owners: OwnerTable;

  constructor(
    cells: Int32Array,
    meta: BarrierMeta,
    action: (() => unknown) | null,
    owner: number,
    owners: OwnerTable,
  ) {
    this.#cells = cells;
    this.#parties = meta.parties;
    this.#action = action;
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
    Atomics.store(cells, GENERATION, generation + 1);
    notify(cells, GENERATION);
  }

  #break(): void {
    this.#cells[BROKEN] = 1;
    this.#endGeneration(BROKE);
  }

  *#waitSteps(timeout: number): Steps<number | typeof ABORTED> {
    const cells = this.#cells;
    yield* this.#lock();
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
      try {
        this.#action?.();
      } catch (error) {
        this.#break();
        this.#unlock();
        throw error;
      }
      this.#endGeneration(PASSED);
      this.#unlock();
      return index;
    }
    this.#unlock();
    const deadline = deadlineAfter(timeout);
    let aborted = false;
    while (Atomics.load(cells, GENERATION) === generation) {
      const slice = sliceUntil(deadline);
      if (slice === 0 || aborted || this.#partyDied(generation)) {
        // A timeout, an abandoned wait or a dead party breaks the barrier for everyone
        // waiting: the others cannot pass without this party.
        yield* this.#lock();
        if ((cells[GENERATION] ?? 0) === generation) this.#break();
        this.#unlock();
        break;
      }
      aborted =
        (yield { cells, index: GENERATION, expected: generation, timeout: slice }) === 'aborted';
    }
    if (aborted) return ABORTED;
    if (cells[OUTCOMES + (generation % OUTCOME_SLOTS)] !== PASSED) throw new BrokenBarrierError();
    return index;
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

  wait(timeout: number, signal?: AbortSignal): Promise<number> {
    return runAsync(this.#waitSteps(timeout), signal);
  }

  waitSync(timeout: number): number {
    return runSync(this.#waitSteps(timeout)) as number;
  }

  abort(): void {
    runSync(this.#lock());
    this.#break();
    this.#unlock();
  }

  reset(): void {
    runSync(this.#lock());
    if ((this.#cells[COUNT] ?? 0) > 0) this.#endGeneration(BROKE);
    this.#cells[BROKEN] = 0;
    this.#unlock();
  }

  nWaiting(): number {
    return Atomics.load(this.#cells, COUNT);
  }

  broken(): boolean {
    return Atomics.load(this.#cells, BROKEN) === 1;
  }
}

const KIND = 'Barrier';

/** Options of `new Barrier(parties, options)`. */
export interface BarrierOptions {
  /**
   * Called once by the last party to arrive, before any party goes on. A self-contained
   * function (it is shipped to whichever thread arrives last). If it throws, the barrier
   * breaks: that party gets the error, the others `BrokenBarrierError`.
   */
  readonly action?: (() => unknown) | undefined;
  /** The default timeout of `wait()`, in milliseconds. */
  readonly timeout?: number | undefined;
}

/**
 * A reusable barrier for a fixed number of parties.
 *
 * @example
 * ```ts
 * const barrier = new Barrier(3);
 * // in each of 3 threads:
 * const index = await barrier.wait();   // 0, 1, 2: distinct
 * ```
 */
export class Barrier implements Shareable {
  readonly #state: SharedState;
  readonly #core: BarrierCoreApi;
  readonly #parties: number;
  readonly #timeout: number | null;

  /**
   * @throws {ArgumentRangeError} when `parties` is not an integer from 1 up.
   * @throws {PicklingError} when `action` captures variables from its surroundings.
   */
  constructor(parties: number, options?: BarrierOptions);
  /** @internal Rebuilds a barrier that exists (see AttachArgument). */
  constructor(attach: AttachArgument<BarrierCoreApi>);
  constructor(parties: number | AttachArgument<BarrierCoreApi>, options: BarrierOptions = {}) {
    const attached = attachmentOf<BarrierCoreApi>(parties);
    if (attached !== undefined) {
      const meta = attached.state.meta as BarrierMeta;
      this.#state = attached.state;
      this.#core = attached.core;
      this.#parties = meta.parties;
      this.#timeout = meta.timeout;
      return;
    }
    assertInteger(parties, 'parties', 1);
    const { action, timeout } = options;
    if (action !== undefined && typeof action !== 'function')
      throw typeError('action', 'a function', action);
    if (timeout !== undefined) waitArguments(timeout);
    const meta: BarrierMeta = {
      parties,
      action: action === undefined ? null : shipFunction(action, 'action'),
      timeout: timeout ?? null,
    };
    const buffer = allocateShared((ARRIVALS + parties) * Int32Array.BYTES_PER_ELEMENT);
    this.#state = { kind: KIND, buffers: [buffer], meta };
    this.#parties = parties;
    this.#timeout = meta.timeout;
    this.#core = new BarrierCore(
      new Int32Array(buffer),
      meta,
      action ?? null,
      currentOwnerId(),
      ownerTable(),
    );
  }

  /** How many parties the barrier waits for. */
  get parties(): number {
    return this.#parties;
  }

  /** How many parties are waiting now. Python's `n_waiting`. */
  get nWaiting(): number {
    return this.#core.nWaiting();
  }

  /** Whether the barrier is broken (until `reset()`). */
  get broken(): boolean {
    return this.#core.broken();
  }

  /**
   * Waits until all parties have arrived. Resolves this party's arrival index, from 0 to
   * `parties - 1`, distinct among the parties of one passage.
   * @throws {BrokenBarrierError} when the barrier is or becomes broken: aborted, reset while
   * waiting, timed out (which also breaks it), or a party died or its action failed.
   */
  async wait(timeout?: number | WaitOptions): Promise<number> {
    const { ms, signal } = waitArguments(timeout ?? this.#timeout ?? undefined);
    return this.#core.wait(ms, signal);
  }

  /** As {@link Barrier.wait}, blocking the calling thread. */
  waitSync(timeout?: number): number {
    return this.#core.waitSync(waitArguments(timeout ?? this.#timeout ?? undefined).ms);
  }

  /** Breaks the barrier: current and later waits fail with BrokenBarrierError until `reset()`. */
  abort(): void {
    this.#core.abort();
  }

  /** Returns the barrier to its empty state; current waiters get BrokenBarrierError. */
  reset(): void {
    this.#core.reset();
  }

  /** @internal */
  [kSharedState](): SharedState {
    return this.#state;
  }
}

registerSharedKind<BarrierCoreApi>(
  KIND,
  {
    localCore: (state, owner, owners) => {
      const meta = state.meta as BarrierMeta;
      const action = meta.action === null ? null : reviveFunction(meta.action);
      return new BarrierCore(new Int32Array(stateBuffer(state)), meta, action, owner, owners);
    },
    wrap: (state, core) => new Barrier({ [kAttach]: { state, core } }),
    methods: {
      wait: 'async',
      waitSync: 'blocking',
      abort: 'sync',
      reset: 'sync',
      nWaiting: 'sync',
      broken: 'sync',
    },
  },
  import.meta.url,
);
