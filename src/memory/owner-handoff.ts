/**
 * A child thread's owner id, from its entry point to owners.ts, which need not be loaded
 * for it: the owner table (and through it the native addon) costs a thread's start a few
 * milliseconds, and only a thread that uses a lock or the like needs it. The entry point
 * hands its parent's table and the id over here; owners.ts adopts them when it loads, or at
 * once if it is loaded already (a spare's preloaded module may have loaded it).
 */
import { realmState } from '../internal/realm-state.ts';

/** The environment variable that names the process tree's table to a child process. */
export const OWNERS_VARIABLE = 'MULTITASK_OWNERS';

const handoff = realmState(
  'owner-handoff',
  (): {
    /** The owner given to this realm, until owners.ts takes it. */
    pending: { readonly buffer: SharedArrayBuffer; readonly id: number } | null;
    /** owners.ts's `adoptOwner`, once that module is loaded. */
    adopter: ((buffer: SharedArrayBuffer, id: number) => void) | null;
  } => ({ pending: null, adopter: null }),
);

/**
 * Called by a thread's entry point: this realm's owner is `id` in the table `buffer`, which
 * the parent's {@link OWNERS_VARIABLE} names to processes (this realm's copy of the
 * environment may predate it), if it is an arena.
 */
export function handOwner(buffer: SharedArrayBuffer, id: number, name: string | undefined): void {
  if (name !== undefined) process.env[OWNERS_VARIABLE] = name;
  if (handoff.adopter === null) handoff.pending = { buffer, id };
  else handoff.adopter(buffer, id);
}

/** Called by owners.ts as it loads: adopts the owner handed over, and any handed later. */
export function takeOwner(adopt: (buffer: SharedArrayBuffer, id: number) => void): void {
  handoff.adopter = adopt;
  const given = handoff.pending;
  handoff.pending = null;
  if (given !== null) adopt(given.buffer, given.id);
}
