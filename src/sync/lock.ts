/**
 * `Lock`: Python's `threading.Lock` / `multiprocessing.Lock`, one lock word in shared memory.
 * Not reentrant; any thread may release it. One object excludes every thread and process it
 * is passed to.
 */
import { StateError } from '../errors.ts';
import { currentOwnerId, ownerTable, type OwnerTable } from '../internal/owners.ts';
import {
  kSharedState,
  registerSharedKind,
  type Shareable,
  type SharedState,
} from '../shared/shared-object.ts';
import { AcquirableBase, acquireTimeout, type AcquireOptions } from './acquirable.ts';
import {
  holderOf,
  lockWordSteps,
  lockWordStepsUntilHeld,
  Outcome,
  tryLockWord,
  unlockWord,
} from './lock-word.ts';
import type { ConditionLock } from './rlock.ts';
import { runAsync, runSync, type Steps } from './waiting.ts';

/**
 * Layout (Int32 slots):
 * ```
 * [0] WORD  0 unlocked, or (owner << 1) | contended  (see lock-word.ts)
 * ```
 */
const WORD = 0;
const SLOTS = 1;

/** The operations of a lock, performed on its memory by whoever holds the memory. */
export interface LockCoreApi {
  acquire(timeout: number, signal?: AbortSignal): Promise<Outcome>;
  acquireSync(timeout: number): Outcome;
  /** Releases once; returns whether the caller still holds it (an RLock held twice). */
  release(): boolean;
  locked(): boolean;
  /** Whether the calling owner holds it. */
  owned(): boolean;
}

/** The lock's operations on local shared memory, on behalf of `owner`. */
/** Shared by every fast-path acquire: a settled promise cannot be changed by its users. */
const RESOLVED_TRUE = Promise.resolve(true);

export class LockCore implements LockCoreApi, ConditionLock {
  readonly #cells: Int32Array;
  readonly #owner: number;
  readonly #owners: OwnerTable;

  constructor(cells: Int32Array, owner: number, owners: OwnerTable) {
    this.#cells = cells;
    this.#owner = owner;
    this.#owners = owners;
  }

  /** One attempt, no waiting: the async fast path of `Lock#acquire`. */
  tryAcquire(): boolean {
    return tryLockWord(this.#cells, WORD, this.#owner);
  }

  acquire(timeout: number, signal?: AbortSignal): Promise<Outcome> {
    if (tryLockWord(this.#cells, WORD, this.#owner)) return Promise.resolve(Outcome.Acquired);
    if (timeout === 0) return Promise.resolve(Outcome.NotAcquired);
    return runAsync(lockWordSteps(this.#cells, WORD, this.#owner, this.#owners, timeout), signal);
  }

  acquireSync(timeout: number): Outcome {
    if (tryLockWord(this.#cells, WORD, this.#owner)) return Outcome.Acquired;
    if (timeout === 0) return Outcome.NotAcquired;
    // Only runAsync ever reports an abort, so a blocking acquire never ends ABORTED.
    return runSync(lockWordSteps(this.#cells, WORD, this.#owner, this.#owners, timeout)) as Outcome;
  }

  release(): boolean {
    if (unlockWord(this.#cells, WORD) === 0) {
      throw new StateError('ERR_RELEASE_UNLOCKED', 'release unlocked lock');
    }
    return false;
  }

  locked(): boolean {
    return Atomics.load(this.#cells, WORD) !== 0;
  }

  owned(): boolean {
    return holderOf(Atomics.load(this.#cells, WORD)) === this.#owner;
  }

  releaseSave(): number {
    unlockWord(this.#cells, WORD);
    return 1;
  }

  *restoreSteps(): Steps<Outcome> {
    // A child process that died in Condition#wait() (the broker aborts the wait when the
    // connection closes) does not take the lock back: it would hold it for nobody, and the
    // next acquirer would be told that it was abandoned by a process that never held it.
    if (!this.#owners.isAlive(this.#owner)) return Outcome.NotAcquired;
    return yield* lockWordStepsUntilHeld(this.#cells, WORD, this.#owner, this.#owners);
  }
}

const KIND = 'Lock';

/** Set just around `new Lock()` when a lock is rebuilt from its state in another realm. */
let adopting: { state: SharedState; core: LockCoreApi } | undefined;

/**
 * A primitive lock. `await lock.acquire()` waits without blocking the event loop;
 * `lock.acquireSync()` blocks the calling thread (fine in threads and processes; on the main
 * thread it stops the event loop while it waits).
 *
 * @example
 * ```ts
 * const lock = new Lock();
 * await lock.withLock(async () => { balance.value += 1; });
 * {
 *   using _ = await lock.guard();
 *   balance.value += 1;
 * }
 * ```
 */
export class Lock extends AcquirableBase implements Shareable {
  protected readonly description = 'the lock';
  readonly #state: SharedState;
  readonly #core: LockCoreApi;
  #abandoned = false;

  constructor() {
    super();
    const adopted = adopting;
    adopting = undefined;
    if (adopted !== undefined) {
      // Rebuilt in another realm over the same memory (or the broker).
      this.#state = adopted.state;
      this.#core = adopted.core;
      return;
    }
    const buffer = new SharedArrayBuffer(SLOTS * Int32Array.BYTES_PER_ELEMENT);
    this.#state = { kind: KIND, buffers: [buffer], meta: null };
    this.#core = new LockCore(new Int32Array(buffer), currentOwnerId(), ownerTable());
  }

  /**
   * Acquires the lock. Resolves `true` when acquired, `false` when `blocking` is false or the
   * `timeout` expired first.
   * @throws {ArgumentTypeError} for a timeout with `blocking: false`, or a negative timeout.
   */
  acquire(options?: AcquireOptions): Promise<boolean> {
    // The common case, a free lock and no options, costs no promise of its own.
    if (options === undefined && this.#core instanceof LockCore && this.#core.tryAcquire()) {
      this.#abandoned = false;
      return RESOLVED_TRUE;
    }
    return this.#acquire(options);
  }

  async #acquire(options: AcquireOptions | undefined): Promise<boolean> {
    return this.#settle(await this.#core.acquire(acquireTimeout(options), options?.signal));
  }

  /** As {@link Lock.acquire}, blocking the calling thread. */
  acquireSync(options?: AcquireOptions): boolean {
    return this.#settle(this.#core.acquireSync(acquireTimeout(options)));
  }

  #settle(outcome: Outcome): boolean {
    if (outcome === Outcome.NotAcquired) return false;
    this.#abandoned = outcome === Outcome.Abandoned;
    return true;
  }

  /**
   * Releases the lock. Any thread may release it.
   * @throws {StateError} `release unlocked lock` (`ERR_RELEASE_UNLOCKED`).
   */
  release(): void {
    this.#abandoned = false;
    this.#core.release();
  }

  /** Whether some thread or process holds the lock. */
  locked(): boolean {
    return this.#core.locked();
  }

  /**
   * True when this thread's current hold on the lock was taken over from a thread or
   * process that died holding it: what it protected may be half-updated.
   */
  get abandoned(): boolean {
    return this.#abandoned;
  }

  /** @internal */
  [kSharedState](): SharedState {
    return this.#state;
  }
}

registerSharedKind<LockCoreApi>(KIND, {
  localCore: (state, owner, owners) => new LockCore(lockCells(state.buffers[0]), owner, owners),
  wrap: (state, core) => {
    adopting = { state, core };
    return new Lock();
  },
  asyncMethods: ['acquire'],
});

/** The lock word array over a lock's buffer. */
export function lockCells(buffer: SharedArrayBuffer | undefined): Int32Array {
  if (buffer === undefined) throw new TypeError('multitask: a lock needs its buffer');
  return new Int32Array(buffer, 0, SLOTS);
}
