/**
 * The threads and processes started from this realm that have not ended yet. The
 * module-level functions (`enumerate()`, `activeChildren()`) read it, and a child's entry
 * point waits on the non-daemon ones before it exits, as Python joins non-daemon threads.
 */
import { realmState } from '../internal/realm-state.ts';
import type { BaseWorker } from './base-worker.ts';

const live = realmState('children', () => new Set<BaseWorker>());

export function rememberChild(worker: BaseWorker): void {
  live.add(worker);
}

export function forgetChild(worker: BaseWorker): void {
  live.delete(worker);
}

/** The live children, oldest first. */
export function liveChildren(): BaseWorker[] {
  return [...live];
}

/** Waits until every non-daemon child has ended, including ones started meanwhile. */
export async function joinNonDaemonChildren(): Promise<void> {
  for (;;) {
    const waiting = [...live].filter((child) => !child.daemon);
    if (waiting.length === 0) return;
    await Promise.all(waiting.map((child) => child.join()));
  }
}
