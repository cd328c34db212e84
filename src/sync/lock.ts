/**
 * `Lock`: Python's `threading.Lock` / `multiprocessing.Lock`, one lock word in shared memory.
 * Not reentrant; any thread may release it. One object excludes every thread and process it
 * is passed to.
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

/**
 * Layout (Int32 slots):
 * ```
 * [0] WORD  0 unlocked, or (owner << 1) | contended  (see lock-word.ts)
 * ```
 */
const WORD = 0;
const SLOTS = 1;

/** The lock's operations on local shared memory, on behalf of `owner`. */
export class LockCore implements LockCoreApi, ConditionLock {
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

  /** One attempt, no waiting: the fast path of `acquire()`. */
  [kTryAcquire](): boolean {
    return tryLockWord(this.#cells, WORD, this.#owner);
  }

  acquire(timeout: number, signal?: AbortSignal): Promise<Outcome> {
    if (tryLockWord(this.#cells, WORD, this.#owner)) return Promise.resolve(Outcome.Acquired);
    if (timeout === 0) return Promise.resolve(Outcome.NotAcquired);
    return runAsync(
      lockWordSteps(this.#cells, WORD, this.#owner, this.#owners, timeout, this.#label),
      signal,
      forever(timeout, this.#label || 'a Lock'),
    );
  }

  acquireSync(timeout: number): Outcome {
    if (tryLockWord(this.#cells, WORD, this.#owner)) return Outcome.Acquired;
    if (timeout === 0) return Outcome.NotAcquired;
    // Only runAsync ever reports an abort, so a blocking acquire never ends ABORTED.
    return runSync(
      lockWordSteps(this.#cells, WORD, this.#owner, this.#owners, timeout, this.#label),
      forever(timeout, this.#label || 'a Lock'),
    ) as Outcome;
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
    return yield* lockWordStepsUntilHeld(this.#cells, WORD, this.#owner, this.#owners, this.#label);
  }
}

const KIND = 'Lock';

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
export class Lock extends LockBase {
  /**
   * A new, unlocked lock (`threading.Lock()`, `multiprocessing.Lock()`), shared by the threads and
   * processes it is passed to.
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
      (cells, owner, owners, label) => new LockCore(cells, owner, owners, label),
      argument,
    );
  }
}

registerSharedKind<LockCoreApi>(
  KIND,
  {
    localCore: (state, owner, owners) =>
      new LockCore(new Int32Array(stateBuffer(state), 0, SLOTS), owner, owners, lockLabel(state)),
    wrap: (state, core) => new Lock({ [kAttach]: { state, core } }),
    methods: lockMethods,
  },
  import.meta.url,
);
