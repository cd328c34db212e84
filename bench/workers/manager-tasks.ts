/**
 * Scenario 13's tasks, run in multitask Processes with proxies from a Manager: set+get
 * round trips on a dict, and locked increments of a dict entry.
 */
import type { DictProxy, Lock, Queue } from '../../src/index.ts';

/**
 * `warmUp` untimed pairs of `d.k = i` then `d.k` (the first timed as a whole: the cold rate,
 * while V8 still compiles the path), then `n` pairs in {@link BATCHES} batches each timed on its
 * own; puts `[cold pairs per second, the median batch's]` on `out` (a burst of load on the
 * shared machine spoils a batch, not the round). One call before all, untimed: it opens the
 * connection, as CPython's proxy does when it arrives in the process (its `incref`).
 */
export async function roundTrips(
  d: DictProxy<string, number>,
  warmUp: number,
  n: number,
  out: Queue<[number, number]>,
): Promise<void> {
  await d.get('k');
  const cold = process.hrtime.bigint();
  for (let i = 0; i < warmUp; i++) {
    await d.set('k', i);
    if ((await d.get('k')) !== i) throw new Error(`d.k is not ${i}`);
  }
  const coldRate = warmUp / (Number(process.hrtime.bigint() - cold) / 1e9);
  const size = Math.ceil(n / BATCHES);
  const rates: number[] = [];
  for (let batch = 0; batch < BATCHES; batch++) {
    const start = process.hrtime.bigint();
    for (let i = batch * size; i < (batch + 1) * size; i++) {
      await d.set('k', i);
      if ((await d.get('k')) !== i) throw new Error(`d.k is not ${i}`);
    }
    rates.push(size / (Number(process.hrtime.bigint() - start) / 1e9));
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
