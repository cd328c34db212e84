/**
 * `Event`: Python's `threading.Event` / `multiprocessing.Event`, a flag in shared memory that
 * threads and processes wait on.
 */
import { allocateShared } from '../memory/arena.ts';
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
import { defineRepr } from '../internal/repr.ts';

/**
 * Layout (Int32 slots):
 * ```
 * [0] FLAG        1 when set
 * [1] GENERATION  bumped by every set(); waiters sleep on it
 * ```
 * A waiter reads GENERATION before FLAG, so a set() between the two is seen either way; and
 * one woken by set() returns true even if clear() came right after, as Python's does.
 */
const FLAG = 0;
const GENERATION = 1;
const SLOTS = 2;

export interface EventCoreApi {
  isSet(): boolean;
  set(): void;
  clear(): void;
  wait(timeout: number, signal?: AbortSignal): Promise<boolean>;
  waitSync(timeout: number): boolean;
}

function* waitSteps(cells: Int32Array, timeout: number): Steps<boolean | typeof ABORTED> {
  const generation = Atomics.load(cells, GENERATION);
  if (Atomics.load(cells, FLAG) === 1) return true;
  const deadline = deadlineAfter(timeout);
  for (;;) {
    if (Atomics.load(cells, GENERATION) !== generation) return true;
    const slice = sliceUntil(deadline);
    if (slice === 0) return false;
    if ((yield { cells, index: GENERATION, expected: generation, timeout: slice }) === 'aborted')
      return ABORTED;
  }
}

export class EventCore implements EventCoreApi {
  readonly #cells: Int32Array;

  constructor(cells: Int32Array) {
    this.#cells = cells;
  }

  isSet(): boolean {
    return Atomics.load(this.#cells, FLAG) === 1;
  }

  set(): void {
    Atomics.store(this.#cells, FLAG, 1);
    Atomics.add(this.#cells, GENERATION, 1);
    notify(this.#cells, GENERATION);
  }

  clear(): void {
    Atomics.store(this.#cells, FLAG, 0);
  }

  wait(timeout: number, signal?: AbortSignal): Promise<boolean> {
    if (this.isSet()) return Promise.resolve(true);
    return runAsync(waitSteps(this.#cells, timeout), signal, forever(timeout, 'Event.wait()'));
  }

  waitSync(timeout: number): boolean {
    return runSync(waitSteps(this.#cells, timeout), forever(timeout, 'Event.wait()')) === true;
  }
}

const KIND = 'Event';

/**
 * A flag that threads and processes wait on: Python's `Event`.
 *
 * @example
 * ```ts
 * const ready = new Event();
 * new Thread({ target: tasks.worker, args: [ready] }).start();
 * ready.set();          // every waiter wakes
 * ```
 */
export class Event implements Shareable {
  /** Python's repr of this object, as `util.inspect` (so `console.log`) shows it too. */
  declare toString: () => string;

  readonly #state: SharedState;
  readonly #core: EventCoreApi;

  constructor();
  /** @internal Rebuilds an event that exists (see AttachArgument). */
  // eslint-disable-next-line @typescript-eslint/unified-signatures -- kept apart so that the public signature shows no parameter
  constructor(attach: AttachArgument<EventCoreApi>);
  constructor(attach?: AttachArgument<EventCoreApi>) {
    const attached = attachmentOf<EventCoreApi>(attach);
    if (attached !== undefined) {
      this.#state = attached.state;
      this.#core = attached.core;
      return;
    }
    const buffer = allocateShared(SLOTS * Int32Array.BYTES_PER_ELEMENT);
    this.#state = { kind: KIND, buffers: [buffer], meta: null };
    this.#core = new EventCore(new Int32Array(buffer));
  }

  /** Whether the flag is set. Python's `is_set()`. */
  isSet(): boolean {
    return this.#core.isSet();
  }

  /** Sets the flag and wakes every waiter. */
  set(): void {
    this.#core.set();
  }

  /** Clears the flag; later waits block until the next `set()`. */
  clear(): void {
    this.#core.clear();
  }

  /**
   * Waits until the flag is set. Resolves `true` once it is (at once if it already is), or
   * `false` when `timeout` ms pass first.
   */
  async wait(timeout?: number | WaitOptions): Promise<boolean> {
    const { ms, signal } = waitArguments(timeout);
    return this.#core.wait(ms, signal);
  }

  /** As {@link Event.wait}, blocking the calling thread. */
  waitSync(timeout?: number): boolean {
    return this.#core.waitSync(waitArguments(timeout).ms);
  }

  /** @internal */
  [kSharedState](): SharedState {
    return this.#state;
  }
}

registerSharedKind<EventCoreApi>(
  KIND,
  {
    localCore: (state) => new EventCore(new Int32Array(stateBuffer(state), 0, SLOTS)),
    wrap: (state, core) => new Event({ [kAttach]: { state, core } }),
    methods: { isSet: 'sync', set: 'sync', clear: 'sync', wait: 'async', waitSync: 'blocking' },
  },
  import.meta.url,
);

// Python's `<threading.Event at …: set>` / `unset`.
defineRepr(Event, (event) => `<Event ${event.isSet() ? 'set' : 'unset'}>`);
