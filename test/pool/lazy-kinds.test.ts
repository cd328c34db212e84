/**
 * A pool worker loads only the kinds of shared object it receives (runtime/kind-modules.ts),
 * as a Thread or Process does: in its initializer's arguments or in a task's.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Lock, Pool, taskModule, ThreadPool, Value } from '../../src/index.ts';

const tasks = taskModule<typeof import('../runtime/fixtures/kind-tasks.ts')>(
  new URL('../runtime/fixtures/kind-tasks.ts', import.meta.url),
);

const backends = [
  { kind: 'thread', Pool: ThreadPool },
  { kind: 'process', Pool: Pool },
] as const;

for (const { kind, Pool: PoolClass } of backends) {
  describe(kind, () => {
    it('a worker given no shared object loads no kind; then the kinds of each task', async () => {
      const pool = new PoolClass(1);
      try {
        assert.deepEqual(await pool.apply(tasks.loadedKinds), []);
        assert.deepEqual(await pool.apply(tasks.loadedKinds, [new Lock()]), ['Lock']);
        // The worker keeps what it loaded; a Value brings its lock's kind (RLock) along.
        assert.deepEqual(await pool.map(tasks.loadedKinds, [new Value('i', 0)]), [
          ['Lock', 'RLock', 'Value'],
        ]);
      } finally {
        pool.terminate();
        await pool.join();
      }
    });

    it("the initializer's shared arguments load their kinds before it runs", async () => {
      const pool = new PoolClass({
        processes: 1,
        initializer: tasks.loadedKinds,
        initargs: [new Lock()],
      });
      try {
        assert.deepEqual(await pool.apply(tasks.loadedKinds), ['Lock']);
      } finally {
        pool.terminate();
        await pool.join();
      }
    });
  });
}
