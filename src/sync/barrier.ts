/**
 * `Barrier`: Python's `threading.Barrier` / `multiprocessing.Barrier`. `parties` threads or
 * processes wait until all have arrived, then all go on; the barrier is reusable. Its state
 * and operations are in barrier-core.ts; the action runs here, in the realm of the party that
 * arrives last, whichever way that party reaches the memory (mapped, or through the broker).
 */
import { allocateShared } from '../memory/arena.ts';
import { currentOwnerId, ownerTable, type OwnerTable } from '../memory/owners.ts';
import { checkOptions, optionNames } from '../internal/options.ts';
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
import { waitArguments, type WaitOptions } from '../internal/wait-options.ts';
import { BarrierCore, barrierSlots, type Arrival, type BarrierCoreApi } from './barrier-core.ts';
import { defineRepr } from '../internal/repr.ts';

interface BarrierMeta {
  readonly parties: number;
  readonly action: ShippedFunction | null;
  readonly timeout: number | null;
}

const KIND = 'Barrier';

function coreOf(
  buffer: SharedArrayBuffer,
  meta: BarrierMeta,
  owner: number,
  owners: OwnerTable,
): BarrierCore {
  return new BarrierCore(new Int32Array(buffer), meta.parties, meta.action !== null, owner, owners);
}

/** Options of `new Barrier(parties, options)`. */
export interface BarrierOptions {
  /**
   * Called once by the last party to arrive, before any party goes on, in that party's
   * thread or process (as Python's). A self-contained function: it is shipped to every
   * party. If it throws, the barrier breaks: that party gets the error, the others
   * `BrokenBarrierError`.
   */
  readonly action?: (() => unknown) | undefined;
  /** The default timeout of `wait()`, in milliseconds. */
  readonly timeout?: number | undefined;
}

const BARRIER_OPTIONS = optionNames<BarrierOptions>({ action: true, timeout: true });

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
  /** Python's repr of this object, as `util.inspect` (so `console.log`) shows it too. */
  declare toString: () => string;

  readonly #state: SharedState;
  readonly #core: BarrierCoreApi;
  readonly #parties: number;
  readonly #timeout: number | null;
  /** The action as a function of this realm: the user's, or revived from its source. */
  #action: (() => unknown) | null | undefined;

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
      // Revived when this party first has to run it: most parties never do.
      this.#action = meta.action === null ? null : undefined;
      return;
    }
    assertInteger(parties, 'parties', 1);
    checkOptions(options, BARRIER_OPTIONS, 'new Barrier()');
    const { action, timeout } = options;
    if (action !== undefined && typeof action !== 'function')
      throw typeError('action', 'a function', action);
    if (timeout !== undefined) waitArguments(timeout);
    const meta: BarrierMeta = {
      parties,
      action: action === undefined ? null : shipFunction(action, 'action'),
      timeout: timeout ?? null,
    };
    const buffer = allocateShared(barrierSlots(parties) * Int32Array.BYTES_PER_ELEMENT);
    this.#state = { kind: KIND, buffers: [buffer], meta };
    this.#parties = parties;
    this.#timeout = meta.timeout;
    this.#action = action ?? null;
    this.#core = coreOf(buffer, meta, currentOwnerId(), ownerTable());
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
    return this.#passed(await this.#core.arrive(ms, signal));
  }

  /** As {@link Barrier.wait}, blocking the calling thread. */
  waitSync(timeout?: number): number {
    const { ms } = waitArguments(timeout ?? this.#timeout ?? undefined);
    return this.#passed(this.#core.arriveSync(ms));
  }

  /**
   * Runs the action when this party arrived last, then lets the others go on (or breaks the
   * barrier with the action's error). Here rather than in the core, so that a child process
   * that reaches the barrier through the broker runs it itself, not the broker's thread.
   */
  #passed({ index, act }: Arrival): number {
    if (act === null) return index;
    let ok = false;
    try {
      this.#action ??= reviveFunction((this.#state.meta as BarrierMeta).action as ShippedFunction);
      this.#action();
      ok = true;
    } finally {
      this.#core.finishAction(act, ok);
    }
    return index;
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
    localCore: (state, owner, owners) =>
      coreOf(stateBuffer(state), state.meta as BarrierMeta, owner, owners),
    wrap: (state, core) => new Barrier({ [kAttach]: { state, core } }),
    methods: {
      arrive: 'async',
      arriveSync: 'blocking',
      finishAction: 'sync',
      abort: 'sync',
      reset: 'sync',
      nWaiting: 'sync',
      broken: 'sync',
    },
  },
  import.meta.url,
);

// Python's `<threading.Barrier at …: waiters=0/2>`, or `broken`.
defineRepr(Barrier, (barrier) =>
  barrier.broken ? '<Barrier broken>' : `<Barrier waiters=${barrier.nWaiting}/${barrier.parties}>`,
);
