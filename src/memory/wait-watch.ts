/**
 * The lower half of deadlock detection (the upper half is src/diagnostics/deadlock.ts): with
 * detection on, a lock waiter publishes what it waits for in the owner table before each
 * sleep, and calls the hook that diagnostics installed. Both happen only on the slow path,
 * after the one attempt that takes a free lock: an uncontended acquire does nothing more.
 *
 * Detection is on in a realm when `MULTITASK_DEBUG` names `deadlock` (threads and processes
 * inherit it, and so does the broker thread, which waits for child processes), or after
 * diagnostics switched it on in this realm.
 */
import type { OwnerTable } from './owners.ts';

/** One slow acquire: made once, passed to the hook before every sleep. */
export interface ContendedWait {
  readonly cells: Int32Array;
  readonly index: number;
  readonly owner: number;
  readonly owners: OwnerTable;
  readonly label: string;
  /** `performance.now()` when the wait began. */
  readonly since: number;
}

/** Called before each sleep of a watched wait; it may throw to end the wait. */
export type ContentionHook = (wait: ContendedWait) => void;

let watching: boolean | undefined;
let hook: ContentionHook | undefined;

/** Whether waits are published in this realm. */
export function watchingWaits(): boolean {
  watching ??= /(^|,)deadlock\b/.test(process.env.MULTITASK_DEBUG ?? '');
  return watching;
}

/** Switches publishing on or off in this realm, and sets (or removes) the hook. */
export function watchWaits(on: boolean, contentionHook: ContentionHook | undefined): void {
  watching = on;
  hook = contentionHook;
}

export function contentionHook(): ContentionHook | undefined {
  return hook;
}

/** The multitask sources' folder (src/ or dist/), whose frames a creation site skips... */
const OWN_SOURCES = new URL('../', import.meta.url).pathname;
/** ...except its examples', which are programs of their own. */
const EXAMPLES = new URL('../examples/', import.meta.url).pathname;

/**
 * Where a lock was created, for reports (`file:line:column` of the first caller outside
 * multitask, or in its examples); taken only while a check is on, as a stack costs
 * microseconds.
 */
export function creationSite(): string {
  return callerFrames(1)[0]?.place ?? 'an unknown place';
}

/** A caller's frame: as the stack prints it (`at f (file:line:column)`), and its place. */
export interface CallerFrame {
  readonly frame: string;
  readonly place: string;
}

/** The first `count` frames of callers outside multitask (or in its examples). */
export function callerFrames(count: number): CallerFrame[] {
  const frames = (new Error().stack ?? '').split('\n').slice(1);
  const found: CallerFrame[] = [];
  for (const frame of frames) {
    const at = /\(?((?:file:\/\/)?\/[^()]*:\d+:\d+)\)?$/.exec(frame.trim());
    if (at?.[1] === undefined || /(^|\(|at )node:/.test(frame.trim())) continue;
    const place = at[1].replace(/^file:\/\//, '');
    const own = place.startsWith(OWN_SOURCES) && !place.startsWith(EXAMPLES);
    if (own || place.startsWith('node:')) continue;
    found.push({ frame: frame.trim().replace('file://', ''), place });
    if (found.length === count) break;
  }
  return found;
}
