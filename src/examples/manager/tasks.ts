/**
 * The course's Manager workers: each changes the one dict and the one list a Manager holds.
 * `count` is read and written back in two calls, so without a lock two workers that read the
 * same value both write value + 1, and one update is lost.
 */
import type { DictProxy, ListProxy, Lock } from '../../index.ts';

/** `times` read-modify-writes of `d.count`, then the worker's number appended to `l`. */
export async function change(
  d: DictProxy<string, number>,
  l: ListProxy<number>,
  id: number,
  times: number,
  lock: Lock | null,
): Promise<void> {
  for (let i = 0; i < times; i++) {
    if (lock !== null) await lock.acquire();
    try {
      const count = (await d.get('count')) ?? 0;
      await d.set('count', count + 1);
    } finally {
      lock?.release();
    }
  }
  await d.set(`worker ${id}`, times);
  await l.append(id);
}
