/**
 * `RLock`: Python's reentrant lock. The owner (a thread, or a process's thread) may acquire
 * it again; it is free once released as many times as acquired. Only the owner may release.
 */
import { StateError } from '../errors.ts';
import type { OwnerTable } from '../memory/owners.ts';
import { kAttach } from '../internal/symbols.ts';
import { registerSharedKind, stateBuffer, type AttachArgument } from '../memory/shared-object.ts';
import {
  holderOf,
  lockWordSteps,
  lockWordStepsUntilHeld,
  Outcome,
  tryLockWord,
  unlockWord,
} from '../memory/lock-word.ts';
import {
  kTryAcquire,
  LockBase,
  lockLabel,
  lockMethods,
  type ConditionLock,
  type LockCoreApi,
  type LockOptions,
} from './lock-base.ts';
import { runAsync, runSync, type Steps } from '../memory/waiting.ts';
import { forever } from '../memory/sleep-watch.ts';
import { kReprState, type LockReprState } from '../internal/repr.ts';

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

export class RLockCore implements LockCoreApi, ConditionLock {
  readonly #cells: Int32Array;
  readonly #owner: number;
  readonly #owners: OwnerTable;
  readonly #label: string;

  constructor(cells: Int32Array, owner: number, owners: OwnerTable, label = '') {
    this.#cells = cells;
    this.#owner = owner;
    this.#owners = owners;
    this.#label = label;
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

  /** One attempt, no waiting: the fast path of `acquire()`. */
  [kTryAcquire](): boolean {
    if (this.#reenter()) return true;
    if (!tryLockWord(this.#cells, WORD, this.#owner)) return false;
    this.#took(Outcome.Acquired);
    return true;
  }

  acquire(timeout: number, signal?: AbortSignal): Promise<Outcome> {
    if (this.#reenter()) return Promise.resolve(Outcome.Acquired);
    if (tryLockWord(this.#cells, WORD, this.#owner))
      return Promise.resolve(this.#took(Outcome.Acquired));
    if (timeout === 0) return Promise.resolve(Outcome.NotAcquired);
    return runAsync(
      lockWordSteps(this.#cells, WORD, this.#owner, this.#owners, timeout, this.#label),
      signal,
      forever(timeout, this.#label || 'an RLock'),
    ).then((outcome) => this.#took(outcome));
  }

  acquireSync(timeout: number): Outcome {
    if (this.#reenter()) return Outcome.Acquired;
    if (tryLockWord(this.#cells, WORD, this.#owner)) return this.#took(Outcome.Acquired);
    if (timeout === 0) return Outcome.NotAcquired;
    return this.#took(
      runSync(
        lockWordSteps(this.#cells, WORD, this.#owner, this.#owners, timeout, this.#label),
        forever(timeout, this.#label || 'an RLock'),
      ) as Outcome,
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

  [kReprState](): LockReprState {
    const word = Atomics.load(this.#cells, WORD);
    return {
      owner: word === 0 ? 0 : holderOf(word),
      count: word === 0 ? 0 : (this.#cells[COUNT] ?? 0),
    };
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
    const outcome = yield* lockWordStepsUntilHeld(
      this.#cells,
      WORD,
      this.#owner,
      this.#owners,
      this.#label,
    );
    this.#cells[COUNT] = saved;
    return outcome;
  }
}

const KIND = 'RLock';

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
export class RLock extends LockBase {
  /**
   * A new, unlocked re-entrant lock (`threading.RLock()`, `multiprocessing.RLock()`), shared by
   * the threads and processes it is passed to.
   * @param options `name`: the lock's name in deadlock and lock-order reports.
   * @throws {ArgumentTypeError} for a `name` that is not a string.
   */
  constructor(options?: LockOptions);
  /** @internal Rebuilds a lock that exists (see AttachArgument). */
  constructor(attach: AttachArgument<LockCoreApi>);
  constructor(argument?: AttachArgument<LockCoreApi> | LockOptions) {
    super(
      KIND,
      SLOTS,
      (cells, owner, owners, label) => new RLockCore(cells, owner, owners, label),
      argument,
    );
  }
}

registerSharedKind<LockCoreApi>(
  KIND,
  {
    localCore: (state, owner, owners) =>
      new RLockCore(new Int32Array(stateBuffer(state), 0, SLOTS), owner, owners, lockLabel(state)),
    wrap: (state, core) => new RLock({ [kAttach]: { state, core } }),
    methods: lockMethods,
  },
  import.meta.url,
);
