/**
 * The contended-lock scenario's thread task: wait for the start signal, then take the lock
 * `count` times, bumping a shared counter inside, while another thread does the same.
 */
import type { Lock } from '../../src/index.ts';

/**
 * Flags (Int32 slots): `[0]` threads ready, `[1]` go. `counter[0]` is bumped under the lock,
 * so the parent can check that no update was lost.
 */
export function handoff(lock: Lock, flags: Int32Array, counter: Int32Array, count: number): void {
  Atomics.add(flags, 0, 1);
  Atomics.notify(flags, 0);
  while (Atomics.load(flags, 1) === 0) Atomics.wait(flags, 1, 0);
  for (let i = 0; i < count; i++) {
    lock.acquireSync();
    counter[0] = (counter[0] ?? 0) + 1;
    lock.release();
  }
}
