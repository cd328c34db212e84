/**
 * What Lock and RLock share: the core interfaces, and the public class over a core (the
 * acquire/release forms, the abandoned flag, and rebuilding in another realm).
 */
import { allocateShared } from '../memory/arena.ts';
import { currentOwnerId, ownerTable, type OwnerTable } from '../memory/owners.ts';
import {
  attachmentOf,
  kSharedState,
  type AttachArgument,
  type Shareable,
  type SharedState,
} from '../memory/shared-object.ts';
import { AcquirableBase, acquireTimeout, type AcquireOptions } from './acquirable.ts';
import type { MethodTable } from '../memory/core-methods.ts';
import { Outcome } from '../memory/lock-word.ts';
import type { Steps } from '../memory/waiting.ts';
import { creationSite, watchingWaits } from '../memory/wait-watch.ts';
import { watchingSleeps } from '../memory/sleep-watch.ts';
import {
  checkingLockOrder,
  newLockId,
  reachingFor,
  released,
  took,
  type OrderedLock,
} from '../memory/lock-order.ts';
import { assertString } from '../internal/validate.ts';
import { checkOptions, optionNames } from '../internal/options.ts';
import { defineRepr, kReprState, type LockReprState } from '../internal/repr.ts';

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

/** How child processes reach a lock's core, through the broker (Lock and RLock alike). */
export const lockMethods: MethodTable<LockCoreApi> = {
  acquire: 'async',
  acquireSync: 'blocking',
  release: 'sync',
  locked: 'sync',
  owned: 'sync',
};

/** What a Condition needs from its lock: Python's `_is_owned`, `_release_save`, `_acquire_restore`. */
export interface ConditionLock {
  owned(): boolean;
  /** Releases the lock completely; returns what {@link ConditionLock.restoreSteps} needs. */
  releaseSave(): number;
  /** Re-acquires the lock (waiting as long as it takes) and restores the saved state. */
  restoreSteps(saved: number): Steps<Outcome>;
}

/**
 * A local core's one-attempt acquire, used as the fast path of `acquire()`. A symbol, so
 * that a remote core (a Proxy that forwards every string-named method) does not have it.
 */
export const kTryAcquire: unique symbol = Symbol('multitask.tryAcquire');

/** A core that lives on local memory: it can try without waiting or a round trip. */
interface LocalLockCore extends LockCoreApi {
  [kTryAcquire](): boolean;
}

/** Shared by every fast-path acquire: a settled promise cannot be changed by its users. */
const RESOLVED_TRUE = Promise.resolve(true);

/** Options of `new Lock()` and `new RLock()`. */
export interface LockOptions {
  /**
   * The lock's name in deadlock and lock-order reports (multitask's own: Python's locks have
   * no name). Without it, reports name the line that created the lock.
   */
  readonly name?: string | undefined;
}

/**
 * What a lock's state carries for diagnostics: its label for reports (its name, or its
 * creation site while a check is on; '' otherwise) and its id in the lock-order graph (0 when
 * it was made with lock-order checking off).
 */
interface LockMeta {
  readonly label: string;
  readonly order: number;
}

/** A lock's label for deadlock reports (see LockBase's constructor); '' when it has none. */
export function lockLabel(state: SharedState): string {
  return (state.meta as LockMeta | null)?.label ?? '';
}

const LOCK_OPTIONS = optionNames<LockOptions>({ name: true });

/** The label of a new lock of `kind`. */
function newLabel(kind: string, options: LockOptions | undefined): string {
  checkOptions(options, LOCK_OPTIONS, `new ${kind}()`);
  const name: unknown = options?.name;
  if (name !== undefined) assertString(name, 'name');
  if (name !== undefined) return `${kind} ${JSON.stringify(name)}`;
  const labelled = watchingWaits() || checkingLockOrder() || watchingSleeps();
  return labelled ? `${kind} created at ${creationSite()}` : '';
}

/**
 * A lock core under lock-order checking (src/memory/lock-order.ts): before each attempt it
 * records the order "each lock this realm holds, then this one", and it keeps this realm's
 * list of held locks. Only locks made or rebuilt while checking is on are wrapped, so an
 * unchecked lock's acquire is exactly what it was.
 */
class OrderedLockCore implements LockCoreApi {
  readonly #core: LockCoreApi & Partial<LocalLockCore>;
  readonly #lock: OrderedLock;
  readonly #owner: number;
  readonly #owners: OwnerTable;

  constructor(core: LockCoreApi, lock: OrderedLock, owner: number, owners: OwnerTable) {
    this.#core = core;
    this.#lock = lock;
    this.#owner = owner;
    this.#owners = owners;
    // A local core keeps a fast path (a remote one has none).
    const tryAcquire = this.#core[kTryAcquire];
    if (tryAcquire !== undefined) {
      (this as Partial<LocalLockCore>)[kTryAcquire] = () => {
        this.#reaching();
        const acquired = tryAcquire.call(this.#core);
        if (acquired) took(this.#lock);
        return acquired;
      };
    }
  }

  async acquire(timeout: number, signal?: AbortSignal): Promise<Outcome> {
    this.#reaching();
    return this.#settled(await this.#core.acquire(timeout, signal));
  }

  acquireSync(timeout: number): Outcome {
    this.#reaching();
    return this.#settled(this.#core.acquireSync(timeout));
  }

  release(): boolean {
    const stillHeld = this.#core.release();
    released(this.#lock);
    return stillHeld;
  }

  locked(): boolean {
    return this.#core.locked();
  }

  owned(): boolean {
    return this.#core.owned();
  }

  #reaching(): void {
    reachingFor(this.#lock, this.#owner, this.#owners);
  }

  #settled(outcome: Outcome): Outcome {
    if (outcome !== Outcome.NotAcquired) took(this.#lock);
    return outcome;
  }
}

/**
 * `core`, under lock-order checking when the lock has an order id and checking is on here. A
 * core the broker serves (a child process's, without the addon) is not: the order graph of
 * such a child is its own, where the ids of its parent's locks mean nothing.
 */
function checkedCore(core: LockCoreApi, state: SharedState): LockCoreApi {
  const meta = state.meta as LockMeta | null;
  if (meta === null || meta.order === 0 || !checkingLockOrder()) return core;
  if ((core as Partial<LocalLockCore>)[kTryAcquire] === undefined) return core;
  const lock = { id: meta.order, label: meta.label };
  return new OrderedLockCore(core, lock, currentOwnerId(), ownerTable());
}

/** The public side of Lock and RLock. */
export abstract class LockBase extends AcquirableBase implements Shareable {
  protected readonly description: string = 'the lock';
  readonly #state: SharedState;
  readonly #core: LockCoreApi;
  #abandoned = false;

  /**
   * @param attach The subclass's constructor argument: a revival argument rebuilds the lock
   * in another realm over the same memory (or the broker); anything else makes a new lock.
   */
  protected constructor(
    kind: string,
    slots: number,
    makeCore: (cells: Int32Array, owner: number, owners: OwnerTable, label: string) => LockCoreApi,
    argument: AttachArgument<LockCoreApi> | LockOptions | undefined,
  ) {
    super();
    const attached = attachmentOf<LockCoreApi>(argument);
    if (attached !== undefined) {
      this.#state = attached.state;
      this.#core = checkedCore(attached.core, attached.state);
      return;
    }
    const buffer = allocateShared(slots * Int32Array.BYTES_PER_ELEMENT);
    const label = newLabel(kind, argument as LockOptions | undefined);
    const owners = ownerTable();
    const order = checkingLockOrder() ? newLockId(owners) : 0;
    const meta: LockMeta | null = label === '' && order === 0 ? null : { label, order };
    this.#state = { kind, buffers: [buffer], meta };
    const core = makeCore(new Int32Array(buffer), currentOwnerId(), owners, label);
    this.#core = checkedCore(core, this.#state);
  }

  /**
   * Acquires the lock. Resolves `true` when acquired, `false` when `blocking` is false or the
   * `timeout` expired first.
   * @throws {ArgumentRangeError} for a timeout with `blocking: false`, or a negative timeout.
   */
  acquire(options?: AcquireOptions): Promise<boolean> {
    // The common case, a free lock and no options, costs no promise of its own.
    const core = this.#core as Partial<LocalLockCore>;
    if (options === undefined && core[kTryAcquire]?.() === true) return RESOLVED_TRUE;
    return this.#acquire(options);
  }

  async #acquire(options: AcquireOptions | undefined): Promise<boolean> {
    return this.#settle(await this.#core.acquire(acquireTimeout(options), options?.signal));
  }

  /** As `acquire()`, blocking the calling thread. */
  acquireSync(options?: AcquireOptions): boolean {
    return this.#settle(this.#core.acquireSync(acquireTimeout(options)));
  }

  #settle(outcome: Outcome): boolean {
    if (outcome === Outcome.NotAcquired) return false;
    // Cleared when the lock is fully released, so a re-entry keeps what the first acquire saw.
    if (outcome === Outcome.Abandoned) this.#abandoned = true;
    return true;
  }

  /**
   * Releases the lock (one level of an RLock).
   * @throws {StateError} `release unlocked lock` (Lock, `ERR_RELEASE_UNLOCKED`) or `cannot
   * release un-acquired lock` (RLock by a non-owner, `ERR_NOT_OWNER`).
   */
  release(): void {
    // One call, which matters in a child process where each is a round trip to the broker.
    if (!this.#core.release()) this.#abandoned = false;
  }

  /** Whether some thread or process holds the lock. */
  locked(): boolean {
    return this.#core.locked();
  }

  /** Python's repr of the lock: `<unlocked Lock>`, `<locked RLock owner=3 count=1>`. */
  declare toString: () => string;

  static {
    // Python 3.13's `<unlocked _thread.lock object>`, `<locked _thread.RLock object owner=…
    // count=1>`: an RLock's owner and count when its memory is at hand (not on the broker).
    defineRepr(LockBase, (lock) => {
      const name = lock.constructor.name;
      const state = (lock.#core as Partial<{ [kReprState](): LockReprState }>)[kReprState]?.();
      const held = state === undefined ? lock.locked() : state.owner !== 0;
      const extra = state === undefined ? '' : ` owner=${state.owner} count=${state.count}`;
      return `<${held ? 'locked' : 'unlocked'} ${name}${extra}>`;
    });
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
