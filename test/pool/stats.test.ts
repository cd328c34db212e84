/**
 * `stats()` of pools and executors under load: thousands of tasks, some failing, some
 * cancelled; the totals add up (done + failed + cancelled = submitted once idle), and the
 * workers' counts add up to the totals. One body per backend.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  CancelledError,
  Event,
  Pool,
  ProcessPoolExecutor,
  ThreadPool,
  ThreadPoolExecutor,
  taskModule,
  type Future,
  type PoolStats,
} from '../../src/index.ts';

const tasks = taskModule<typeof import('../fixtures/pool-tasks.ts')>(
  new URL('../fixtures/pool-tasks.ts', import.meta.url),
);

const TASKS = 2000;
/** Every FAIL_EVERY-th task throws. */
const FAIL_EVERY = 7;

function sum(stats: PoolStats, field: 'done' | 'failed'): number {
  return stats.workers.reduce((total, worker) => total + worker[field], 0);
}

function assertAddsUp(stats: PoolStats): void {
  const { totals } = stats;
  assert.equal(
    totals.queued + totals.running + totals.done + totals.failed + totals.cancelled,
    totals.submitted,
    JSON.stringify(totals),
  );
}

const executors = [
  { kind: 'thread', Executor: ThreadPoolExecutor, name: /^ThreadPoolExecutor-\d+_\d+$/ },
  { kind: 'process', Executor: ProcessPoolExecutor, name: /^SpawnProcess-\d+$/ },
] as const;

for (const { kind, Executor, name } of executors) {
  describe(`${Executor.name}.stats() (${kind})`, () => {
    it('adds up under load: done + failed + cancelled = submitted, workers sum to the totals', async () => {
      const executor = new Executor(2);
      try {
        const release = new Event();
        const started = [new Event(), new Event()];
        const held = started.map((event, i) => executor.submit(tasks.hold, event, release, i));
        await Promise.all(started.map((event) => event.wait()));
        const futures: Pick<Future, 'result' | 'cancel'>[] = [];
        for (let i = 0; i < TASKS; i++) {
          futures.push(
            i % FAIL_EVERY === 0
              ? executor.submit(tasks.fail, `task ${i}`)
              : executor.submit(tasks.inc, i),
          );
        }
        // Both workers hold a task that waits: every other task is queued or sent, unclaimed.
        const during = executor.stats();
        assert.equal(during.pool, Executor.name);
        assert.equal(during.kind, kind);
        assert.equal(during.totals.submitted, TASKS + 2);
        assertAddsUp(during);
        assert.equal(during.workers.length, 2);
        for (const worker of during.workers) {
          assert.match(worker.name, name);
          assert.equal(worker.state, 'running');
          assert.equal(worker.task, 'hold');
          assert.equal(
            kind === 'thread' ? worker.threadId : worker.pid,
            worker.pid ?? worker.threadId,
          );
          assert.equal(typeof (kind === 'thread' ? worker.threadId : worker.pid), 'number');
        }
        // Cancel every third task that has not run; the cancel succeeds for each of them.
        let cancelled = 0;
        for (let i = 1; i < TASKS; i += 3) if (futures[i]?.cancel() === true) cancelled++;
        assert.equal(cancelled, Math.ceil((TASKS - 1) / 3));
        release.set();
        await Promise.all(held.map((f) => f.result()));
        let done = 2;
        let failed = 0;
        for (const future of futures) {
          try {
            await future.result();
            done++;
          } catch (error) {
            if (!(error instanceof CancelledError)) failed++;
          }
        }
        await executor.shutdown();
        const after = executor.stats();
        assert.deepEqual(after.totals, {
          submitted: TASKS + 2,
          queued: 0,
          running: 0,
          done,
          failed,
          cancelled,
        });
        assert.equal(done + failed + cancelled, TASKS + 2);
        assert.ok(failed > 0 && cancelled > 0);
        assert.equal(sum(after, 'done'), done);
        assert.equal(sum(after, 'failed'), failed);
        for (const worker of after.workers) {
          assert.equal(worker.state, 'done');
          assert.equal(worker.holding, 0);
          assert.ok(worker.utilization > 0 && worker.utilization <= 1, String(worker.utilization));
        }
      } finally {
        await executor.shutdown({ cancelFutures: true });
      }
    });
  });
}

const pools = [
  { kind: 'thread', Pool: ThreadPool },
  { kind: 'process', Pool: Pool },
] as const;

for (const { kind, Pool: PoolClass } of pools) {
  describe(`${PoolClass.name}.stats() (${kind})`, () => {
    it('adds up under load, with tasks aborted while queued counted cancelled', async () => {
      const pool = new PoolClass(2);
      try {
        const release = new Event();
        const started = [new Event(), new Event()];
        const held = started.map((event, i) =>
          pool.applyAsync(tasks.hold, [event, release, i]).get(),
        );
        await Promise.all(started.map((event) => event.wait()));
        const abort = new AbortController();
        // Each outcome is read at once, so that no rejection goes unhandled meanwhile.
        const results: Promise<boolean>[] = [];
        const settled = (result: { get(): Promise<unknown> }): Promise<boolean> =>
          result.get().then(
            () => true,
            () => false,
          );
        let aborted = 0;
        for (let i = 0; i < TASKS; i++) {
          if (i % 200 === 1) {
            aborted++;
            const signal = abort.signal;
            results.push(settled(pool.applyAsync(tasks.inc, [i], { signal })));
          } else if (i % FAIL_EVERY === 0) {
            results.push(settled(pool.applyAsync(tasks.fail, [`task ${i}`])));
          } else results.push(settled(pool.applyAsync(tasks.inc, [i])));
        }
        const during = pool.stats();
        assert.equal(during.totals.submitted, TASKS + 2);
        assertAddsUp(during);
        abort.abort();
        release.set();
        await Promise.all(held);
        const outcomes = await Promise.all(results);
        pool.close();
        await pool.join();
        const ok = outcomes.filter(Boolean).length;
        const after = pool.stats();
        assert.equal(after.state, 'closed');
        assert.deepEqual(after.totals, {
          submitted: TASKS + 2,
          queued: 0,
          running: 0,
          done: ok + 2,
          failed: TASKS - ok - aborted,
          cancelled: aborted,
        });
        assert.equal(sum(after, 'done'), ok + 2);
        assert.equal(sum(after, 'failed'), TASKS - ok - aborted);
        assert.deepEqual(
          after.workers.map((worker) => [worker.id, worker.state]),
          [
            [1, 'done'],
            [2, 'done'],
          ],
        );
      } finally {
        await pool.terminate();
      }
    });
  });
}
