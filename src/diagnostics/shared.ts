/** What deadlock detection and lock-order checking share: names in reports, the env flags. */
import { debuglog } from 'node:util';
import type { OwnerTable } from '../memory/owners.ts';
import { realmName } from '../runtime/identity.ts';

/** This realm's name in reports: `process/thread (pid n)`. */
export function ownName(): string {
  return realmName();
}

/** The name `id` gave itself in the owner table, or what it is when it gave none. */
export function nameOf(id: number, owners: OwnerTable): string {
  const name = owners.nameOf(id);
  return name === '' ? `owner ${id} (a child process served by the broker)` : name;
}

/** `MULTITASK_DEBUG`'s flag `feature[:…]`, or undefined. */
export function debugFlag(feature: string): string | undefined {
  return (process.env.MULTITASK_DEBUG ?? '')
    .split(',')
    .find((each) => each === feature || each.startsWith(`${feature}:`));
}

/**
 * Sets `feature`'s flag in `MULTITASK_DEBUG` (`undefined` removes it), so that the threads and
 * processes started afterwards inherit it.
 */
export function setDebugFlag(feature: string, flag: string | undefined): void {
  const others = (process.env.MULTITASK_DEBUG ?? '')
    .split(',')
    .filter((each) => each !== '' && each !== feature && !each.startsWith(`${feature}:`));
  process.env.MULTITASK_DEBUG = [...others, ...(flag === undefined ? [] : [flag])].join(',');
}

/** Diagnostics' tracing: on with `NODE_DEBUG=multitask`. */
export const trace = debuglog('multitask');
