/**
 * `RLock`: Python's reentrant lock. The owner (a thread, or a process's thread) may acquire
 * it again; it is free once released as many times as acquired. Only the owner may release.
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
import type { LockCoreApi } from './lock.ts';
import { runAsync, runSync, type Steps } from './waiting.ts';

/**
 * Layout (Int32 slots):
 * ```
 * [0] WORD   0 unlocked, or (owner << 1) | contended  (see lock-word.ts)
 * [1] COUNT  how many times the owner holds it; written only by the owner
 * ```
 */
const WORD = 0;
const COUNT = 1;
const SLOTS = 2;

/** What a Condition needs from its lock: Python's `_is_owned`, `_release_save`, `_acquire_restore`. */
export interface ConditionLock {
  owned(): boolean;
  /** Releases the lock completely; returns what {@link ConditionLock.restoreSteps} needs. */
  releaseSave(): number;
  /** Re-acquires the lock (waiting as long as it takes) and restores the saved state. */
  restoreSteps(saved: number): Steps<Outcome>;
}

export class RLockCore implements LockCoreApi, ConditionLock {
  readonly #cells: Int32Array;
  readonly #owner: number;
  readonly #owners: OwnerTable;

  constructor(cells: Int32Array, owner: number, owners: OwnerTable) {
    this.#cells = cells;
    this.#owner = owner;
    this.#owners = owners;
  }

  #reenter(): boolean {
    if (holderOf(Atomics.load(this.#cells, WORD)) !== this.#owner) return false;
    this.#cells[COUNT] = (this.#cells[COUNT] ?? 0) + 1;
    return true;
  }

  #took(outcome: Outcome): Outcome {
    if (outcome !== Outcome.NotAcquired) this.#cells[COUNT] = 1;
    return outcome;
  }

  acquire(timeout: number, signal?: AbortSignal): Promise<Outcome> {
    if (this.#reenter()) return Promise.resolve(Outcome.Acquired);
    if (tryLockWord(this.#cells, WORD, this.#owner))
      return Promise.resolve(this.#took(Outcome.Acquired));
    if (timeout === 0) return Promise.resolve(Outcome.NotAcquired);
    return runAsync(
      lockWordSteps(this.#cells, WORD, this.#owner, this.#owners, timeout),
      signal,
    ).then((outcome) => this.#took(outcome));
  }

  acquireSync(timeout: number): Outcome {
    if (this.#reenter()) return Outcome.Acquired;
    if (tryLockWord(this.#cells, WORD, this.#owner)) return this.#took(Outcome.Acquired);
    if (timeout === 0) return Outcome.NotAcquired;
    return this.#took(
      runSync(lockWordSteps(this.#cells, WORD, this.#owner, this.#owners, timeout)) as Outcome,
    );
  }

  release(): boolean {
    if (!this.owned()) throw new StateError('ERR_NOT_OWNER', 'cannot release un-acquired lock');
    const count = (this.#cells[COUNT] ?? 1) - 1;
    this.#cells[COUNT] = count;
    if (count === 0) unlockWord(this.#cells, WORD);
    return count > 0;
  }

  locked(): boolean {
    return Atomics.load(this.#cells, WORD) !== 0;
  }

  owned(): boolean {
    return holderOf(Atomics.load(this.#cells, WORD)) === this.#owner;
  }

  releaseSave(): number {
    const count = this.#cells[COUNT] ?? 1;
    this.#cells[COUNT] = 0;
    unlockWord(this.#cells, WORD);
    return count;
  }

  *restoreSteps(saved: number): Steps<Outcome> {
    // As LockCore#restoreSteps: an owner that died while waiting does not take it back.
    if (!this.#owners.isAlive(this.#owner)) return Outcome.NotAcquired;
    const outcome = yield* lockWordStepsUntilHeld(this.#cells, WORD, this.#owner, this.#owners);
    this.#cells[COUNT] = saved;
    return outcome;
  }
}

const KIND = 'RLock';
let adopting: { state: SharedState; core: LockCoreApi } | undefined;

/**
 * A reentrant lock: Python's `threading.RLock` / `multiprocessing.RLock`.
 *
 * @example
 * ```ts
 * const lock = new RLock();
 * await lock.acquire();
 * await lock.acquire();   // the owner may take it again
 * lock.release();
 * lock.release();         // free now
 * ```
 */
export class RLock extends AcquirableBase implements Shareable {
  protected readonly description = 'the lock';
  readonly #state: SharedState;
  readonly #core: LockCoreApi;
  #abandoned = false;

  constructor() {
    super();
    const adopted = adopting;
    adopting = undefined;
    if (adopted !== undefined) {
      this.#state = adopted.state;
      this.#core = adopted.core;
      return;
    }
    const buffer = new SharedArrayBuffer(SLOTS * Int32Array.BYTES_PER_ELEMENT);
    this.#state = { kind: KIND, buffers: [buffer], meta: null };
    this.#core = new RLockCore(new Int32Array(buffer), currentOwnerId(), ownerTable());
  }

  /** Acquires (or re-enters) the lock; see `Lock#acquire` for the options. */
  async acquire(options?: AcquireOptions): Promise<boolean> {
    return this.#settle(await this.#core.acquire(acquireTimeout(options), options?.signal));
  }

  acquireSync(options?: AcquireOptions): boolean {
    return this.#settle(this.#core.acquireSync(acquireTimeout(options)));
  }

  #settle(outcome: Outcome): boolean {
    if (outcome === Outcome.NotAcquired) return false;
    if (outcome === Outcome.Abandoned) this.#abandoned = true;
    return true;
  }

  /**
   * Releases one level; the lock is free after as many releases as acquires.
   * @throws {StateError} `cannot release un-acquired lock` when the caller is not the owner
   * (`ERR_NOT_OWNER`).
   */
  release(): void {
    // One call, which matters in a child process where each is a round trip to the broker.
    if (!this.#core.release()) this.#abandoned = false;
  }

  locked(): boolean {
    return this.#core.locked();
  }

  /** True when the current hold was taken over from an owner that died holding it. */
  get abandoned(): boolean {
    return this.#abandoned;
  }

  /** @internal */
  [kSharedState](): SharedState {
    return this.#state;
  }
}

registerSharedKind<LockCoreApi>(KIND, {
  localCore: (state, owner, owners) => new RLockCore(rlockCells(state.buffers[0]), owner, owners),
  wrap: (state, core) => {
    adopting = { state, core };
    return new RLock();
  },
  asyncMethods: ['acquire'],
});

function rlockCells(buffer: SharedArrayBuffer | undefined): Int32Array {
  if (buffer === undefined) throw new TypeError('multitask: an RLock needs its buffer');
  return new Int32Array(buffer, 0, SLOTS);
}
