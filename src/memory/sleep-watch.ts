/**
 * The lower half of all-asleep detection (the upper half is src/diagnostics/asleep.ts): with
 * it on, a wait without a deadline (Lock, RLock, Condition, Semaphore, Event, Barrier, Queue
 * get, put and join) publishes in the owner table, before each of its sleeps, that its realm
 * sleeps in it, and calls the hook that diagnostics installed. The drivers of waiting.ts do
 * it for the waits that name themselves with {@link forever}; with the check off, `forever`
 * names nothing and a wait does exactly what it did.
 *
 * A realm sleeps when it cannot run until its wait ends: a blocking wait (the thread is
 * stopped), or an awaited one while its event loop holds nothing else (waiting.ts judges
 * that). Each time it wakes at the end of a slice, finds its wait still unmet and sleeps
 * again, it counts one more round: the upper half confirms "all asleep" only when every
 * member has slept again, in the same wait, since it first saw them all asleep.
 */
import { currentOwnerId, ownerTable, type OwnerTable } from './owners.ts';
import { callerFrames } from './wait-watch.ts';

/** One wait without a deadline, watched: made when it begins, passed to the hook. */
export interface WatchedSleep {
  readonly owner: number;
  readonly owners: OwnerTable;
  /** What it waits on, for reports (`Event.wait()`, `Lock "ledger"`, …). */
  readonly label: string;
  /** `performance.now()` when the wait began. */
  readonly since: number;
}

/** Called before each sleep of a watched wait in which this realm sleeps. */
export type SleepHook = (sleep: WatchedSleep) => void;

/** How many frames of the waiter's stack a report shows. */
const STACK_FRAMES = 4;

let watching: boolean | undefined;
let hook: SleepHook | undefined;
/** This realm's publications, numbered: a new one never looks like an older one. */
let waits = 0;
/**
 * The wait whose sleep this realm's entry shows (a realm has one entry; when it awaits
 * several waits at once, one of them stands for all: the others' ends do not clear it).
 */
let shown = 0;
/** Numbers this realm's watched waits, for {@link shown} (0: none). */
let sleeps = 0;

/** Whether waits without a deadline are watched in this realm. */
export function watchingSleeps(): boolean {
  // `top` too: a live view shows what a blocked thread or process waits on.
  watching ??= /(^|,)(asleep|top)\b/.test(process.env.MULTITASK_DEBUG ?? '');
  return watching;
}

/** Switches watching on or off in this realm, and sets (or removes) the hook. */
export function watchSleeps(on: boolean, sleepHook: SleepHook | undefined): void {
  watching = on;
  hook = sleepHook;
}

/**
 * `label` when a wait of `timeout` ms is to be watched (no deadline, the check on); else
 * undefined, which the drivers take for "not watched".
 */
export function forever(timeout: number, label: string): string | undefined {
  return timeout === Infinity && watchingSleeps() ? label : undefined;
}

/** A watched wait's state in its realm. */
export class Sleep implements WatchedSleep {
  readonly owner: number;
  readonly owners: OwnerTable;
  readonly label: string;
  readonly since = performance.now();
  readonly #stack: string;
  readonly #number = ++sleeps;

  private constructor(owner: number, label: string) {
    this.owner = owner;
    this.owners = ownerTable();
    this.label = label;
    this.#stack = callerFrames(STACK_FRAMES)
      .map(({ frame }) => frame)
      .join('\n');
  }

  /**
   * A watched wait, or undefined where waits are not this realm's own: the broker thread
   * (owner 0) waits on behalf of child processes, whose event loops it cannot see.
   */
  static begin(label: string | undefined): Sleep | undefined {
    if (label === undefined) return undefined;
    const owner = currentOwnerId();
    return owner === 0 ? undefined : new Sleep(owner, label);
  }

  /** Before each sleep: `idle` says whether the realm can run nothing else meanwhile. */
  beforeSleep(idle: boolean): void {
    if (!idle) {
      // Awake: whichever wait the entry shows, this realm does not sleep now.
      if (shown !== 0) this.owners.clearSleep(this.owner);
      shown = 0;
    } else if (shown === this.#number) {
      this.owners.sleptAgain(this.owner);
    } else if (shown === 0) {
      this.owners.publishSleep(this.owner, ++waits, this.label, this.#stack);
      shown = this.#number;
    }
    hook?.(this);
  }

  /** The wait is over. */
  end(): void {
    if (shown !== this.#number) return;
    this.owners.clearSleep(this.owner);
    shown = 0;
  }
}
