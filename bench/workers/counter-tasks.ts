/**
 * Scenario 11's task: `times` locked increments of a shared `Value`, each one the course's
 * `with value.get_lock(): value.value += 1`.
 */
import type { Value } from '../../src/index.ts';

export function increment(value: Value<'i'>, times: number): void {
  const lock = value.getLock();
  for (let i = 0; i < times; i++) {
    lock.acquireSync();
    value.value += 1;
    lock.release();
  }
}
