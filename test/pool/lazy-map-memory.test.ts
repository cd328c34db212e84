/**
 * Lazy maps (issue 13): `imap` over a 10,000,000-item generator runs in bounded memory. In a
 * file of its own, so that it runs in a fresh process whose RSS no earlier test has grown.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import v8 from 'node:v8';
import vm from 'node:vm';
import { taskModule, ThreadPool } from '../../src/index.ts';

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

const tasks = taskModule<typeof import('../fixtures/pool-tasks.ts')>(
  new URL('../fixtures/pool-tasks.ts', import.meta.url),
);

describe('thread: ThreadPool over 10,000,000 items', () => {
  it(
    'imap() over a 10,000,000-item generator runs in bounded memory',
    { timeout: 300_000 },
    async () => {
      const pool = new ThreadPool(2);
      try {
        const count = 10_000_000;
        const items = (function* () {
          for (let i = 0; i < count; i++) yield i;
        })();
        // Settle the heap first, so the growth measured is the map's.
        assert.equal(await pool.apply(tasks.inc, [1]), 2);
        const before = process.memoryUsage().rss;
        let peak = before;
        let seen = 0;
        let sum = 0;
        for await (const value of pool.imap(tasks.inc, items, { chunksize: 10_000 })) {
          sum += value;
          if (++seen % 1_000_000 === 0) {
            // What is kept, not garbage yet to collect.
            gc();
            peak = Math.max(peak, process.memoryUsage().rss);
          }
        }
        assert.equal(seen, count);
        // The sum of 1..count.
        assert.equal(sum, (count * (count + 1)) / 2);
        // Reading the input at once holds 10,000,000 numbers plus their chunks: RSS grew by
        // 420 MB that way (measured on the eager version). Read as results are taken, the
        // input holds a few chunks at a time; what grows is the heaps' own room, 60 to 90 MB.
        const growth = (peak - before) / 2 ** 20;
        assert.ok(growth < 160, `RSS grew by ${growth.toFixed(1)} MB`);
      } finally {
        await pool.terminate();
      }
    },
  );
});
