/**
 * Scenario 6b: a contended lock. Two threads take one lock in turn as fast as they can,
 * each bumping a shared counter inside; the time per acquisition is what a lock costs when
 * it is handed from one thread to the other, sleeping and waking included. The bare Atomics
 * lock runs in two raw workers; multitask's Lock in two multitask Threads; CPython's
 * `threading.Lock` in two threads (where the GIL makes it a different game: one thread
 * mostly runs at a time).
 */
import { Worker } from 'node:worker_threads';
import { loadMultitask } from '../lib/multitask.ts';
import { benchUrl } from '../lib/paths.ts';
import { nowMs } from '../lib/timing.ts';
import type { Measurement, Scenario } from '../lib/types.ts';
import type { handoff } from '../workers/handoff-tasks.ts';

type HandoffParams = { count: number };

/** Waits (without blocking this thread) until `flags[0]` reaches `n`. */
async function untilReady(flags: Int32Array, n: number): Promise<void> {
  for (let seen = Atomics.load(flags, 0); seen < n; seen = Atomics.load(flags, 0)) {
    const result = Atomics.waitAsync(flags, 0, seen, 1000);
    if (result.async) await result.value;
  }
}

function perAcquisition(start: number, counter: Int32Array, count: number): Measurement {
  const elapsed = nowMs() - start;
  if (counter[0] !== 2 * count) throw new Error(`lost updates: ${counter[0]} != ${2 * count}`);
  return { values: { ns: (elapsed * 1e6) / (2 * count) } };
}

/** The bare lock (bench/baselines/atomics-lock.ts's algorithm) inlined for a raw worker. */
const BARE_WORKER = `
const { workerData } = require('node:worker_threads');
const { lock, flags, counter, count } = workerData;
const cells = new Int32Array(lock);
const f = new Int32Array(flags);
const c = new Int32Array(counter);
Atomics.add(f, 0, 1);
Atomics.notify(f, 0);
while (Atomics.load(f, 1) === 0) Atomics.wait(f, 1, 0);
for (let i = 0; i < count; i++) {
  let state = Atomics.compareExchange(cells, 0, 0, 1);
  if (state !== 0) {
    if (state !== 2) state = Atomics.exchange(cells, 0, 2);
    while (state !== 0) {
      Atomics.wait(cells, 0, 2);
      state = Atomics.exchange(cells, 0, 2);
    }
  }
  c[0] = c[0] + 1;
  if (Atomics.compareExchange(cells, 0, 1, 0) !== 1) {
    Atomics.store(cells, 0, 0);
    Atomics.notify(cells, 0, 1);
  }
}
`;

export const lockHandoff: Scenario<HandoffParams> = {
  id: '06b-lock-handoff',
  title: 'Contended lock: two threads hand one lock back and forth',
  rounds: { quick: 2, full: 5 },
  params: (mode) => ({ count: mode === 'quick' ? 50_000 : 200_000 }),
  describe: ({ count }) =>
    `Two threads each take the same lock ${count.toLocaleString('en-US')} times as fast as ` +
    'they can, bumping a shared counter inside (checked at the end: no update lost); the ' +
    'time from the start signal to both threads done, per acquisition. Thread start-up is ' +
    'not timed.',
  timeoutMs: () => 120_000,
  contenders: [
    {
      kind: 'node',
      id: 'bare-handoff',
      label: 'bare Atomics lock, 2 raw workers',
      measure: async ({ count }) => {
        const lock = new SharedArrayBuffer(4);
        const flags = new Int32Array(new SharedArrayBuffer(8));
        const counter = new Int32Array(new SharedArrayBuffer(4));
        const workers = [0, 1].map(
          () =>
            new Worker(BARE_WORKER, {
              eval: true,
              workerData: { lock, flags: flags.buffer, counter: counter.buffer, count },
            }),
        );
        const exited = workers.map(
          (worker) => new Promise((resolve) => worker.once('exit', resolve)),
        );
        await untilReady(flags, 2);
        const start = nowMs();
        Atomics.store(flags, 1, 1);
        Atomics.notify(flags, 1);
        await Promise.all(exited);
        return perAcquisition(start, counter, count);
      },
    },
    {
      kind: 'node',
      id: 'multitask-handoff',
      label: 'multitask Lock, acquireSync() in 2 Threads',
      requires: { exports: ['Lock', 'Thread', 'taskRef'], issue: 3 },
      measure: async ({ count }) => {
        const { Lock, Thread, taskRef } = await loadMultitask();
        const target = taskRef<typeof handoff>(benchUrl('workers/handoff-tasks'), 'handoff');
        const lock = new Lock();
        const flags = new Int32Array(new SharedArrayBuffer(8));
        const counter = new Int32Array(new SharedArrayBuffer(4));
        const threads = [0, 1].map(
          () => new Thread({ target, args: [lock, flags, counter, count] }),
        );
        for (const thread of threads) thread.start();
        await untilReady(flags, 2);
        const start = nowMs();
        Atomics.store(flags, 1, 1);
        Atomics.notify(flags, 1);
        for (const thread of threads) await thread.join();
        if (threads.some((thread) => thread.exitCode !== 0)) throw new Error('a thread failed');
        return perAcquisition(start, counter, count);
      },
    },
    {
      kind: 'python',
      id: 'cpython-handoff',
      label: 'CPython threading.Lock, 2 threads',
      script: 'handoff.py',
    },
  ],
  table: {
    columns: [{ key: 'ns', header: 'per acquisition', unit: 'ns', better: 'lower' }],
    primary: 'ns',
    ratios: [
      { header: 'vs bare Atomics', ref: () => 'bare-handoff' },
      { header: 'vs CPython', ref: () => 'cpython-handoff' },
    ],
  },
};
