/**
 * Scenario 13's tasks, run in multitask Processes with proxies from a Manager: set+get
 * round trips on a dict, and locked increments of a dict entry.
 */
import type { DictProxy, Lock, Queue } from '../../src/index.ts';

/**
 * `n` times `d.k = i` then `d.k`; puts the set+get pairs per second on `out`. One call
 * first, untimed: it opens the connection, as CPython's proxy does when it arrives in the
 * process (its `incref`), before its timed loop.
 */
export async function roundTrips(
  d: DictProxy<string, number>,
  n: number,
  out: Queue<number>,
): Promise<void> {
  await d.get('k');
  const start = process.hrtime.bigint();
  for (let i = 0; i < n; i++) {
    await d.set('k', i);
    if ((await d.get('k')) !== i) throw new Error(`d.k is not ${i}`);
  }
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  await out.put(n / seconds);
}

/** `times` increments of `d.count`, each under `lock`: the course's `with lock: d['count'] += 1`. */
export async function lockedIncrements(
  d: DictProxy<string, number>,
  lock: Lock,
  times: number,
): Promise<void> {
  for (let i = 0; i < times; i++) {
    await lock.acquire();
    try {
      await d.set('count', ((await d.get('count')) ?? 0) + 1);
    } finally {
      lock.release();
    }
  }
}
