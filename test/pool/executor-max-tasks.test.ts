/**
 * `maxTasksPerChild` stays exact when an idle worker takes back tasks a busy one holds and
 * has not claimed (dispatch.ts `rebalance`): no worker ever runs more than its limit. The
 * thread form uses the executor engine with the limit, which Python's ThreadPoolExecutor does
 * not offer, through a subclass; the process form is ProcessPoolExecutor itself (claim words
 * need the native addon there, so it is declared on the native backend only: with the broker
 * nothing is taken back).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Event, ProcessPoolExecutor, sharedMemoryBackend, taskModule } from '../../src/index.ts';
import { Executor } from '../../src/pool/executor.ts';
import { threadWorkerIdentity } from '../../src/pool/workers-identity.ts';

const tasks = taskModule<typeof import('../fixtures/pool-tasks.ts')>(
  new URL('../fixtures/pool-tasks.ts', import.meta.url),
);

const LIMIT = 4;

/** The executor engine on threads, with a per-worker task limit. */
class LimitedThreadExecutor extends Executor {
  constructor(maxWorkers: number, maxTasksPerChild: number) {
    let n = 0;
    super('thread', { maxWorkers, maxTasksPerChild }, () => {
      const name = `Limited_${n++}`;
      return { name, identity: threadWorkerIdentity(name) };
    });
  }
}

const backends = [
  { kind: 'thread', make: () => new LimitedThreadExecutor(2, LIMIT) },
  ...(sharedMemoryBackend() === 'native'
    ? [
        {
          kind: 'process',
          make: () => new ProcessPoolExecutor({ maxWorkers: 2, maxTasksPerChild: LIMIT }),
        },
      ]
    : []),
] as const;

for (const { kind, make } of backends) {
  describe(`${kind}: maxTasksPerChild with take-back`, () => {
    it('an idle worker takes back no more than its limit leaves it', async () => {
      const executor = make();
      const started = new Event();
      const release = new Event();
      try {
        // Worker A runs the held task; the burst then starts worker B. 26 queued over 2
        // workers makes a batch of ceil(26 / 8) = 4: A holds the held task and 3 more (its
        // limit), the other 23 go 4 to each later worker, and the last one is left with 3.
        // Idle then, with the queue empty, it takes back A's unclaimed tasks: half of A's 4
        // would make it run 5.
        const held = executor.submit(tasks.holdThenKey, started, release);
        await started.wait();
        const burst = Array.from({ length: 26 }, () => executor.submit(tasks.workerKey));
        // Every task but the ones behind the held task on A can finish while it is held.
        await Promise.all(burst.slice(3).map((f) => f.result()));
        release.set();
        const keys = [await held.result(), ...(await Promise.all(burst.map((f) => f.result())))];
        assert.equal(keys.length, 27);
        const counts = new Map<string, number>();
        for (const key of keys) counts.set(key, (counts.get(key) ?? 0) + 1);
        const over = [...counts].filter(([, count]) => count > LIMIT);
        assert.deepEqual(over, [], `workers over the limit of ${LIMIT}`);
        // 27 tasks at 4 a worker need at least 7 workers.
        assert.ok(counts.size >= 7, `${counts.size} workers`);
      } finally {
        release.set();
        await executor.shutdown({ cancelFutures: true });
      }
    });
  });
}
