/**
 * Scenario 13's tasks, run in multitask Processes with proxies from a Manager: set+get
 * round trips on a dict, and locked increments of a dict entry.
 */
import type { DictProxy, Lock, Queue } from '../../src/index.ts';

/**
 * Pairs of `d.k = i` then `d.k` for `i` from `from` to `to` (each value checked); their rate,
 * in pairs per second.
 */
async function pairsPerSecond(
  d: DictProxy<string, number>,
  from: number,
  to: number,
): Promise<number> {
  const start = process.hrtime.bigint();
  for (let i = from; i < to; i++) {
    await d.set('k', i);
    if ((await d.get('k')) !== i) throw new Error(`d.k is not ${i}`);
  }
  return (to - from) / (Number(process.hrtime.bigint() - start) / 1e9);
}

/**
 * `warmUp` pairs timed as a whole (the cold rate, while V8 still compiles the path), then `n`
 * pairs in {@link BATCHES} batches each timed on its own; puts `[the cold rate, the median
 * batch's]` on `out` (a burst of load on the shared machine spoils a batch, not the round).
 * One call before all, untimed: it opens the connection, as CPython's proxy does when it
 * arrives in the process (its `incref`).
 */
export async function roundTrips(
  d: DictProxy<string, number>,
  warmUp: number,
  n: number,
  out: Queue<[number, number]>,
): Promise<void> {
  await d.get('k');
  const coldRate = await pairsPerSecond(d, 0, warmUp);
  const size = Math.ceil(n / BATCHES);
  const rates: number[] = [];
  for (let batch = 0; batch < BATCHES; batch++) {
    rates.push(await pairsPerSecond(d, batch * size, (batch + 1) * size));
  }
  rates.sort((a, b) => a - b);
  await out.put([coldRate, rates[Math.floor(BATCHES / 2)] ?? 0]);
}

/** How many batches {@link roundTrips} times (bench/python/manager.py the same). */
const BATCHES = 5;

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
