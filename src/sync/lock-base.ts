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

/** A lock's label for deadlock reports (see LockBase's constructor); '' when it has none. */
export function lockLabel(state: SharedState): string {
  return typeof state.meta === 'string' ? state.meta : '';
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
    attach: AttachArgument<LockCoreApi> | undefined,
  ) {
    super();
    const attached = attachmentOf<LockCoreApi>(attach);
    if (attached !== undefined) {
      this.#state = attached.state;
      this.#core = attached.core;
      return;
    }
    const buffer = allocateShared(slots * Int32Array.BYTES_PER_ELEMENT);
    // The meta is the lock's label for deadlock reports: its creation site, while detection is on.
    const label = watchingWaits() ? `${kind} created at ${creationSite()}` : '';
    this.#state = { kind, buffers: [buffer], meta: label === '' ? null : label };
    this.#core = makeCore(new Int32Array(buffer), currentOwnerId(), ownerTable(), label);
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
