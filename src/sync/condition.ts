/**
 * `Condition`: Python's condition variable, over a Lock or RLock (an RLock by default).
 * Waiters queue in shared memory and `notify(n)` wakes the first n, in order.
 */
import { inspect } from 'node:util';
import { allocateShared } from '../memory/arena.ts';
import { MultitaskError, StateError } from '../errors.ts';
import type { OwnerTable } from '../memory/owners.ts';
import { assertInteger, typeError } from '../internal/validate.ts';
import { kAttach } from '../internal/symbols.ts';
import {
  attach,
  attachmentOf,
  kSharedState,
  registerSharedKind,
  sharedKind,
  stateBuffer,
  type AttachArgument,
  type LocalState,
  type Shareable,
  type SharedState,
} from '../memory/shared-object.ts';
import { AcquirableBase, type AcquireOptions } from './acquirable.ts';
import { Lock } from './lock.ts';
import type { ConditionLock } from './lock-base.ts';
import { RLock } from './rlock.ts';
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
import { forever } from '../memory/sleep-watch.ts';

/**
 * Layout (Int32 slots). Every field is read and written only while holding the condition's
 * lock, except a waiter's own slot, which notify() flips and the waiter sleeps on.
 * ```
 * [0] HEAD   the oldest ticket that may still be waiting
 * [1] TAIL   the next ticket to hand out
 * [2 + t % CAPACITY]            SLOT of ticket t: 0 free, 1 waiting, 2 notified
 * [2 + CAPACITY + t % CAPACITY] WAITER of ticket t: its owner id, so that notify() can pass
 *                               over a waiter that died (a terminated thread never frees
 *                               its slot, and would swallow a notification)
 * ```
 */
const HEAD = 0;
const TAIL = 1;
const SLOT0 = 2;
/** Waiters one condition can hold at once. */
export const CONDITION_CAPACITY = 4096;
const WAITER0 = SLOT0 + CONDITION_CAPACITY;
const CELLS = WAITER0 + CONDITION_CAPACITY;
const FREE = 0;
const WAITING = 1;
const NOTIFIED = 2;

export interface ConditionCoreApi {
  wait(timeout: number, signal?: AbortSignal): Promise<boolean>;
  waitSync(timeout: number): boolean;
  notify(n: number): void;
  /** How many wait now (not yet notified), read without the lock: for the repr. */
  waiting(): number;
}

export class ConditionCore implements ConditionCoreApi {
  readonly #cells: Int32Array;
  readonly #lock: ConditionLock;
  readonly #owner: number;
  readonly #owners: OwnerTable;

  constructor(cells: Int32Array, lock: ConditionLock, owner: number, owners: OwnerTable) {
    this.#cells = cells;
    this.#lock = lock;
    this.#owner = owner;
    this.#owners = owners;
  }

  *#waitSteps(timeout: number): Steps<boolean | typeof ABORTED> {
    const cells = this.#cells;
    if (!this.#lock.owned())
      throw new StateError('ERR_NOT_OWNER', 'cannot wait on un-acquired lock');
    const ticket = cells[TAIL] ?? 0;
    const slot = SLOT0 + (ticket % CONDITION_CAPACITY);
    if (ticket - (cells[HEAD] ?? 0) >= CONDITION_CAPACITY || Atomics.load(cells, slot) !== FREE) {
      throw new MultitaskError(
        'ERR_TOO_MANY_WAITERS',
        `A Condition can hold at most ${CONDITION_CAPACITY} waiters at once`,
      );
    }
    Atomics.store(cells, WAITER0 + (ticket % CONDITION_CAPACITY), this.#owner);
    Atomics.store(cells, slot, WAITING);
    cells[TAIL] = ticket + 1;
    const saved = this.#lock.releaseSave();
    const deadline = deadlineAfter(timeout);
    let aborted = false;
    while (Atomics.load(cells, slot) === WAITING) {
      const slice = sliceUntil(deadline);
      if (slice === 0) break;
      if ((yield { cells, index: slot, expected: WAITING, timeout: slice }) === 'aborted') {
        aborted = true;
        break;
      }
    }
    // Whatever happened, the caller gets the lock back before wait() returns, as in Python.
    yield* this.#lock.restoreSteps(saved);
    const notified = Atomics.load(cells, slot) === NOTIFIED;
    Atomics.store(cells, slot, FREE);
    if (aborted && !notified) return ABORTED;
    return notified;
  }

  async wait(timeout: number, signal?: AbortSignal): Promise<boolean> {
    return runAsync(this.#waitSteps(timeout), signal, forever(timeout, 'Condition.wait()'));
  }

  waitSync(timeout: number): boolean {
    const result = runSync(this.#waitSteps(timeout), forever(timeout, 'Condition.wait()'));
    return result === true;
  }

  waiting(): number {
    const cells = this.#cells;
    const tail = Atomics.load(cells, TAIL);
    let count = 0;
    for (let ticket = Atomics.load(cells, HEAD); ticket < tail; ticket++) {
      if (Atomics.load(cells, SLOT0 + (ticket % CONDITION_CAPACITY)) === WAITING) count++;
    }
    return count;
  }

  notify(n: number): void {
    const cells = this.#cells;
    if (!this.#lock.owned())
      throw new StateError('ERR_NOT_OWNER', 'cannot notify on un-acquired lock');
    const tail = cells[TAIL] ?? 0;
    let woken = 0;
    for (let ticket = cells[HEAD] ?? 0; ticket !== tail && woken < n; ticket++) {
      const slot = SLOT0 + (ticket % CONDITION_CAPACITY);
      if (Atomics.load(cells, slot) !== WAITING) continue;
      if (!this.#owners.isAlive(Atomics.load(cells, WAITER0 + (ticket % CONDITION_CAPACITY)))) {
        // Its waiter died waiting: it will neither take this notification nor free its slot.
        Atomics.store(cells, slot, FREE);
        continue;
      }
      Atomics.store(cells, slot, NOTIFIED);
      notify(cells, slot);
      woken++;
    }
    // Move HEAD past tickets nobody waits on any more.
    let head = cells[HEAD] ?? 0;
    while (head !== tail && Atomics.load(cells, SLOT0 + (head % CONDITION_CAPACITY)) !== WAITING)
      head++;
    cells[HEAD] = head;
  }
}

const KIND = 'Condition';

interface ConditionMeta {
  /** The state of the condition's lock: the lock travels with the condition. */
  readonly lock: SharedState;
}

/**
 * A condition variable: Python's `threading.Condition` / `multiprocessing.Condition`.
 *
 * @example
 * ```ts
 * const cond = new Condition();
 * // consumer
 * await cond.withLock(async () => {
 *   await cond.waitFor(() => items.value > 0);
 *   items.value -= 1;
 * });
 * // producer
 * await cond.withLock(() => { items.value += 1; cond.notify(); });
 * ```
 */
export class Condition extends AcquirableBase implements Shareable {
  /** Python's repr of this object, as `util.inspect` (so `console.log`) shows it too. */
  declare toString: () => string;

  protected readonly description = 'the condition';
  readonly #state: SharedState;
  readonly #core: ConditionCoreApi;
  readonly #lock: Lock | RLock;

  /**
   * @param lock The lock to use; a new RLock by default, as in Python.
   */
  constructor(lock?: Lock | RLock);
  /** @internal Rebuilds a condition that exists (see AttachArgument). */
  constructor(attach: AttachArgument<ConditionCoreApi>);
  constructor(lock?: Lock | RLock | AttachArgument<ConditionCoreApi>) {
    super();
    const attached = attachmentOf<ConditionCoreApi>(lock);
    if (attached !== undefined) {
      // The lock travels in the condition's state, and is rebuilt here with it.
      this.#state = attached.state;
      this.#core = attached.core;
      this.#lock = attach((attached.state.meta as ConditionMeta).lock) as Lock | RLock;
      return;
    }
    if (lock !== undefined && !(lock instanceof Lock) && !(lock instanceof RLock)) {
      throw typeError('lock', 'a Lock or an RLock', lock);
    }
    this.#lock = lock ?? new RLock();
    const lockState = this.#lock[kSharedState]();
    const buffer = allocateShared(CELLS * Int32Array.BYTES_PER_ELEMENT);
    const meta: ConditionMeta = { lock: lockState };
    this.#state = { kind: KIND, buffers: [buffer], meta };
    if ('broker' in lockState) {
      // A condition made in a child process over a lock it received: its memory would have
      // to live with the lock's, in the parent.
      throw new MultitaskError(
        'ERR_INTERNAL',
        'A Condition cannot be made in a child process over a lock from its parent; make it in the parent',
      );
    }
    this.#core = conditionCore(this.#state, lockState, currentCoreOwner());
  }

  /** The lock this condition uses. */
  get lock(): Lock | RLock {
    return this.#lock;
  }

  static {
    // Python's `<Condition(<unlocked _thread.RLock object …>, 0)>`: the lock and the waiters.
    defineRepr(Condition, (condition) => {
      return `<Condition(${inspect(condition.#lock)}, ${condition.#core.waiting()})>`;
    });
  }

  /** Acquires the underlying lock. */
  acquire(options?: AcquireOptions): Promise<boolean> {
    return this.#lock.acquire(options);
  }

  acquireSync(options?: AcquireOptions): boolean {
    return this.#lock.acquireSync(options);
  }

  /** Releases the underlying lock. */
  release(): void {
    this.#lock.release();
  }

  /**
   * Whether the underlying lock is held, by any thread or process: Python 3.14's
   * `Condition.locked()`.
   */
  locked(): boolean {
    return this.#lock.locked();
  }

  /**
   * Releases the lock, waits until notified or until `timeout` ms pass, and re-acquires the
   * lock. Resolves `true` when notified, `false` on timeout. A multiply-held RLock is fully
   * released and restored.
   * @throws {StateError} `cannot wait on un-acquired lock` (`ERR_NOT_OWNER`).
   */
  async wait(timeout?: number | WaitOptions): Promise<boolean> {
    const { ms, signal } = waitArguments(timeout);
    return this.#core.wait(ms, signal);
  }

  /** As {@link Condition.wait}, blocking the calling thread. */
  waitSync(timeout?: number): boolean {
    return this.#core.waitSync(waitArguments(timeout).ms);
  }

  /**
   * Waits until `predicate()` is truthy, re-checking after every notification, for at most
   * `timeout` ms in all. Resolves the predicate's last value, as Python's `wait_for`.
   */
  async waitFor<T>(predicate: () => T, timeout?: number | WaitOptions): Promise<T> {
    assertPredicate(predicate);
    const { ms, signal } = waitArguments(timeout);
    const deadline = deadlineAfter(ms);
    let result = predicate();
    while (!result) {
      const left = deadline - performance.now();
      if (left <= 0) break;
      await this.#core.wait(left, signal);
      result = predicate();
    }
    return result;
  }

  /** As {@link Condition.waitFor}, blocking. */
  waitForSync<T>(predicate: () => T, timeout?: number): T {
    assertPredicate(predicate);
    const deadline = deadlineAfter(waitArguments(timeout).ms);
    let result = predicate();
    while (!result) {
      const left = deadline - performance.now();
      if (left <= 0) break;
      this.#core.waitSync(left);
      result = predicate();
    }
    return result;
  }

  /**
   * Wakes up to `n` waiters (default 1), the longest-waiting first. Without waiters, nothing
   * happens.
   * @throws {StateError} `cannot notify on un-acquired lock` (`ERR_NOT_OWNER`).
   */
  notify(n = 1): void {
    assertInteger(n, 'n', 0);
    this.#core.notify(n);
  }

  /** Wakes every waiter. Python's `notify_all()`. */
  notifyAll(): void {
    this.#core.notify(CONDITION_CAPACITY);
  }

  /** @internal */
  [kSharedState](): SharedState {
    return this.#state;
  }
}

import { currentOwnerId, ownerTable } from '../memory/owners.ts';
import { defineRepr } from '../internal/repr.ts';

/** `waitFor`'s predicate: Python raises TypeError when it cannot call it. */
function assertPredicate(predicate: unknown): void {
  if (typeof predicate !== 'function') throw typeError('predicate', 'a function', predicate);
}

function currentCoreOwner(): { owner: number; owners: OwnerTable } {
  return { owner: currentOwnerId(), owners: ownerTable() };
}

function conditionCore(
  state: LocalState,
  lockState: SharedState,
  { owner, owners }: { owner: number; owners: OwnerTable },
): ConditionCore {
  const lockCore = sharedKind(lockState.kind).localCore(
    lockState as LocalState,
    owner,
    owners,
  ) as unknown as ConditionLock;
  return new ConditionCore(new Int32Array(stateBuffer(state)), lockCore, owner, owners);
}

registerSharedKind<ConditionCoreApi>(
  KIND,
  {
    localCore: (state, owner, owners) =>
      conditionCore(state, (state.meta as ConditionMeta).lock, { owner, owners }),
    wrap: (state, core) => new Condition({ [kAttach]: { state, core } }),
    methods: { wait: 'async', waitSync: 'blocking', notify: 'sync', waiting: 'sync' },
  },
  import.meta.url,
);
