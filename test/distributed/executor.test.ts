/**
 * DistributedExecutor against a real, throwaway redis-server, with an in-process
 * DistributedWorker on each backend (thread, process), and one that runs its tasks inline
 * (on its main thread). Skipped, saying why, only where redis-server is not installed.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import type { Queue } from 'bullmq';
import {
  asCompleted,
  CancelledError,
  DistributedError,
  DistributedExecutor,
  type DistributedFuture,
  DistributedWorker,
  INLINE_BUDGET_MS,
  RemoteTraceback,
  StateError,
  taskModule,
  TimeoutError,
  wait,
} from '../../src/index.ts';
import { NO_REDIS_REASON, REDIS_SERVER, startRedis, type RedisServer } from './redis.ts';

const TASKS = new URL('./tasks.ts', import.meta.url);
const tasks = taskModule<typeof import('./tasks.ts')>(TASKS);
const skip = REDIS_SERVER === null ? NO_REDIS_REASON : false;
/** What the inline worker runs on its main thread: every task but `busy`. */
const INLINE = [
  'add',
  'bytes',
  'fail',
  'flaky',
  'identity',
  'slow',
  'square',
  'steps',
  'whereRuns',
].map((name) => `tasks:${name}`);

let queues = 0;
const nextQueue = (): string => `test-${process.pid}-${++queues}`;

/** Polls `condition` (a Redis look-up) until it holds. */
async function until(condition: () => boolean | Promise<boolean>): Promise<void> {
  while (!(await condition())) await delay(5);
}

describe('DistributedExecutor: a Redis server that is not there', () => {
  it('fails the futures and ready() with ERR_REDIS_UNREACHABLE, and later submits throw it', async () => {
    // Port 1 on loopback: nothing listens there, the connection is refused at once.
    const executor = new DistributedExecutor({ connection: 'redis://127.0.0.1:1', queue: 'q' });
    const future = executor.submit(tasks.add, 1, 2);
    await assert.rejects(future.result(), (error: unknown) => {
      assert.ok(error instanceof DistributedError);
      assert.equal(error.code, 'ERR_REDIS_UNREACHABLE');
      assert.match(error.message, /redis:\/\/127\.0\.0\.1:1: .*ECONNREFUSED/);
      return true;
    });
    await assert.rejects(executor.ready(), { code: 'ERR_REDIS_UNREACHABLE' });
    assert.throws(() => executor.submit(tasks.add, 1, 2), { code: 'ERR_REDIS_UNREACHABLE' });
    await executor.shutdown();
  });

  it('refuses a connection that is not a redis URL, naming it', () => {
    assert.throws(() => new DistributedExecutor({ connection: 'http://localhost', queue: 'q' }), {
      code: 'ERR_INVALID_ARG_VALUE',
      message: /redis:\/\/ or rediss:\/\/ URL, got `"http:\/\/localhost"`/,
    });
  });
});

describe('DistributedExecutor', { skip }, () => {
  let redis: RedisServer;
  let inspector: Queue[] = [];
  const scratch = mkdtempSync(join(tmpdir(), 'mt-dist-'));

  before(async () => {
    redis = await startRedis();
  });
  after(async () => {
    await Promise.all(inspector.map((q) => q.close()));
    inspector = [];
    await redis.stop();
    rmSync(scratch, { recursive: true, force: true });
  });

  /** A BullMQ queue object to look at the jobs in Redis. */
  async function inspect(queue: string): Promise<Queue> {
    const { Queue } = await import('bullmq');
    const q = new Queue(queue, { connection: { url: redis.url } });
    inspector.push(q);
    return q;
  }

  const setups = [
    { name: 'thread', backend: 'thread', inline: false },
    { name: 'process', backend: 'process', inline: false },
    { name: 'inline', backend: 'thread', inline: true },
  ] as const;
  for (const { name: backend, inline, ...setup } of setups) {
    describe(`with a worker on the ${backend} backend`, () => {
      const queue = nextQueue();
      let worker: DistributedWorker;
      let executor: DistributedExecutor;
      before(async () => {
        worker = await DistributedWorker.start({
          connection: redis.url,
          queue,
          modules: [TASKS.href],
          concurrency: 2,
          backend: setup.backend,
          ...(inline ? { inline: INLINE } : {}),
        });
        executor = new DistributedExecutor({ connection: redis.url, queue });
      });
      after(async () => {
        await executor.shutdown();
        await worker.close();
      });

      it('serves the functions its modules export, named module:export', () => {
        assert.deepEqual(worker.tasks, [
          'tasks:add',
          'tasks:busy',
          'tasks:bytes',
          'tasks:fail',
          'tasks:flaky',
          'tasks:identity',
          'tasks:slow',
          'tasks:slowWhere',
          'tasks:sometimesAsync',
          'tasks:square',
          'tasks:steps',
          'tasks:syncSteps',
          'tasks:whereIs',
          'tasks:whereRuns',
        ]);
      });

      it(
        inline
          ? 'runs its tasks on its main thread, and a job with a timeout on the pool'
          : 'runs its tasks on its pool',
        async () => {
          const where = await executor.submit(tasks.whereRuns);
          if (inline) assert.deepEqual(where, { main: true, pid: process.pid });
          else if (setup.backend === 'thread')
            assert.deepEqual(where, { main: false, pid: process.pid });
          else assert.notEqual(where.pid, process.pid);
          const timed = await executor.submitWith(tasks.whereRuns, [], { timeout: 60_000 });
          if (setup.backend === 'thread')
            assert.deepEqual(timed, { main: false, pid: process.pid });
          else assert.notEqual(timed.pid, process.pid);
        },
      );

      it('settles futures that wait() and asCompleted() take, each once', async () => {
        const futures = Array.from({ length: 40 }, (_, i) => executor.submit(tasks.add, i, 1000));
        const seen: number[] = [];
        for await (const f of asCompleted(futures)) seen.push(await f.result());
        assert.deepEqual(
          seen.sort((a, b) => a - b),
          futures.map((_, i) => i + 1000),
        );
        const { done, notDone } = await wait(futures);
        assert.equal(done.size, 40);
        assert.equal(notDone.size, 0);
        const called: number[] = [];
        futures[3]?.addDoneCallback((f) => called.push(f === futures[3] ? 3 : -1));
        assert.deepEqual(called, [3]);
      });

      it('carries bytes and bigints both ways', async () => {
        const { data, big } = await executor.submit(tasks.bytes, 5);
        assert.deepEqual(data, new Uint8Array([7, 7, 7, 7, 7]));
        assert.equal(big, 2n ** 70n);
      });

      it('carries JSON scalars as they are and the other values through the codec', async () => {
        const values = [
          0,
          -1.5,
          2 ** 40,
          '',
          'é😀 "quoted" \\',
          true,
          false,
          null,
          undefined,
          -0,
          NaN,
          Infinity,
          7n,
          [1, 2],
          { a: 1 },
        ];
        const results = await Promise.all(values.map((v) => executor.submit(tasks.identity, v)));
        results.forEach((result, i) => {
          assert.deepEqual(result, values[i]);
          assert.ok(Object.is(result, values[i]) || typeof result === 'object', `value ${i}`);
        });
      });

      it('refuses arguments and results past maxBytes, with ERR_NET_TOO_LARGE', async () => {
        const small = new DistributedExecutor({ connection: redis.url, queue, maxBytes: 1000 });
        try {
          assert.throws(() => small.submit(tasks.add, 1, new Uint8Array(5000) as never), {
            name: 'PicklingError',
            code: 'ERR_NET_TOO_LARGE',
          });
          assert.throws(() => small.submit(tasks.identity, 'x'.repeat(2000)), {
            name: 'PicklingError',
            code: 'ERR_NET_TOO_LARGE',
          });
          assert.equal(await small.submit(tasks.identity, 'y'.repeat(900)), 'y'.repeat(900));
          const { data } = await small.submit(tasks.bytes, 10);
          assert.equal(data.length, 10);
          await assert.rejects(small.submit(tasks.bytes, 5000).result(), {
            name: 'UnpicklingError',
            code: 'ERR_NET_TOO_LARGE',
          });
        } finally {
          await small.shutdown();
        }
      });

      it('map() reads its input lazily, prefetch ahead, and yields in order', async () => {
        let pulled = 0;
        function* naturals(): Generator<number> {
          for (let i = 0; ; i++) {
            pulled++;
            yield i;
          }
        }
        const results: number[] = [];
        for await (const value of executor.map(tasks.square, naturals(), { prefetch: 4 })) {
          results.push(value);
          if (results.length === 10) break;
        }
        assert.deepEqual(results, [0, 1, 4, 9, 16, 25, 36, 49, 64, 81]);
        assert.equal(pulled, 14);
      });

      it("rebuilds a task's error with its class, code, message and remote stack", async () => {
        const error = await executor.submit(tasks.fail, 'boom').exception();
        assert.ok(error instanceof StateError);
        assert.equal(error.code, 'ERR_INVALID_STATE');
        assert.equal(error.message, 'boom');
        assert.match(error.stack ?? '', /^StateError: boom\n\s+at fail \(.*tasks\.ts:\d+:\d+\)/);
        assert.ok(error.cause instanceof RemoteTraceback);
        assert.match(error.cause.remoteStack, /at fail \(/);
      });

      it('fails a job naming an unregistered task at once, without retrying it', async () => {
        const future = executor.submitWith('tasks:nope', [], { retries: 3 });
        const error = await future.exception();
        assert.ok(error instanceof DistributedError);
        assert.equal(error.code, 'ERR_TASK_NOT_REGISTERED');
        assert.match(error.message, /"tasks:nope"/);
        const job = await (await inspect(queue)).getJob(future.jobId);
        assert.equal(job?.attemptsMade, 1);
        const other = executor.submit('other:add', 1, 2);
        await assert.rejects(other.result(), { code: 'ERR_TASK_NOT_REGISTERED' });
      });

      it('retries a failing task as many times as asked, then gives its result', async () => {
        const counter = join(scratch, `${backend}-flaky`);
        const ok = executor.submitWith(tasks.flaky, [counter, 2], { retries: 2 });
        assert.equal(await ok, 3);
        assert.equal(readFileSync(counter, 'utf8'), '3');
        const counter2 = join(scratch, `${backend}-flaky2`);
        const failed = executor.submitWith(tasks.flaky, [counter2, 2], { retries: 1, backoff: 1 });
        await assert.rejects(failed.result(), { name: 'StateError', message: 'attempt 2 fails' });
        assert.equal(readFileSync(counter2, 'utf8'), '2');
      });

      it('fails a run past its timeout with TimeoutError', async () => {
        const future = executor.submitWith(tasks.slow, [1, 60_000], { timeout: 100 });
        const error = await future.exception();
        assert.ok(error instanceof TimeoutError, String(error));
        assert.equal(await executor.submit(tasks.add, 2, 2), 4);
      });

      it("delivers a task's progress reports to its future, in order", async () => {
        const future = executor.submit(tasks.steps, 3);
        const seen: unknown[] = [];
        future.onProgress((p) => seen.push(p));
        assert.equal(await future, 3);
        assert.deepEqual(seen, [
          { step: 1, of: 3 },
          { step: 2, of: 3 },
          { step: 3, of: 3 },
        ]);
        assert.deepEqual(future.progress, { step: 3, of: 3 });
      });

      it('cancel() of a running job returns false, and its result still arrives', async () => {
        const future = executor.submit(tasks.slow, 7, 300);
        await until(() => {
          assert.ok(!future.done(), 'the future finished without having been seen running');
          return future.running();
        });
        assert.equal(future.cancel(), false);
        assert.equal(await future, 7);
      });
    });
  }

  describe('inline tasks', () => {
    it('delivers the progress of plain functions, async functions and both, run again and again', async () => {
      const queue = nextQueue();
      const worker = await DistributedWorker.start({
        connection: redis.url,
        queue,
        modules: [TASKS.href],
        concurrency: 2,
        inline: ['tasks:syncSteps', 'tasks:steps', 'tasks:sometimesAsync'],
      });
      const executor = new DistributedExecutor({ connection: redis.url, queue });
      const progressOf = async <T>(future: DistributedFuture<T>): Promise<unknown[]> => {
        const seen: unknown[] = [];
        future.onProgress((p) => seen.push(p));
        await future;
        return seen;
      };
      try {
        for (let run = 1; run <= 3; run++) {
          // The first run of a plain function follows its awaits; the next ones need not.
          assert.deepEqual(await progressOf(executor.submit(tasks.syncSteps, 2)), [
            { step: 1, of: 2 },
            { step: 2, of: 2 },
          ]);
          const [sync, async] = await Promise.all([
            progressOf(executor.submit(tasks.syncSteps, 1)),
            progressOf(executor.submit(tasks.steps, 2)),
          ]);
          assert.deepEqual(sync, [{ step: 1, of: 1 }]);
          assert.deepEqual(async, [
            { step: 1, of: 2 },
            { step: 2, of: 2 },
          ]);
        }
        assert.equal(await executor.submit(tasks.sometimesAsync, 1, false), 1);
        // A plain function that returned a value, then a promise: followed from then on.
        assert.equal(await executor.submit(tasks.sometimesAsync, 2, true), 2);
        for (const n of [3, 4]) {
          const future = executor.submit(tasks.sometimesAsync, n, true);
          assert.deepEqual(await progressOf(future), [{ later: n }]);
          assert.equal(await future, n);
        }
      } finally {
        await executor.shutdown();
        await worker.close();
      }
    });

    it('refuses an inline task that the worker does not serve, naming it', async () => {
      await assert.rejects(
        DistributedWorker.start({
          connection: redis.url,
          queue: nextQueue(),
          modules: [TASKS.href],
          inline: ['tasks:add', 'tasks:nope'],
        }),
        {
          name: 'DistributedError',
          code: 'ERR_INVALID_ARG_VALUE',
          message: /got `"tasks:nope"` \(string\); it serves tasks:add, tasks:busy/,
        },
      );
      await assert.rejects(
        DistributedWorker.start({
          connection: redis.url,
          queue: nextQueue(),
          modules: [TASKS.href],
          inline: 'tasks:add' as never,
        }),
        { name: 'ArgumentTypeError', code: 'ERR_INVALID_ARG_TYPE' },
      );
    });

    it(`sends a task that ran inline past ${INLINE_BUDGET_MS} ms to the pool for good`, async () => {
      const queue = nextQueue();
      const moved: { task: string; ms: number }[] = [];
      const worker = await DistributedWorker.start({
        connection: redis.url,
        queue,
        modules: [TASKS.href],
        concurrency: 1,
        inline: ['tasks:busy', 'tasks:whereRuns'],
        onEvent: (event) => {
          if (event.kind === 'moved-to-pool') moved.push({ task: event.task, ms: event.ms });
        },
      });
      const executor = new DistributedExecutor({ connection: redis.url, queue });
      try {
        assert.deepEqual(await executor.submit(tasks.busy, 1), { main: true, pid: process.pid });
        assert.equal(moved.length, 0);
        const ms = INLINE_BUDGET_MS + 20;
        assert.deepEqual(await executor.submit(tasks.busy, ms), { main: true, pid: process.pid });
        assert.equal(moved.length, 1);
        const [first] = moved;
        assert.ok(first !== undefined);
        assert.equal(first.task, 'tasks:busy');
        assert.ok(first.ms >= ms, `${first.ms} ms`);
        assert.deepEqual(await executor.submit(tasks.busy, 1), { main: false, pid: process.pid });
        // The other inline task stays inline.
        assert.deepEqual(await executor.submit(tasks.whereRuns), { main: true, pid: process.pid });
        assert.equal(moved.length, 1);
      } finally {
        await executor.shutdown();
        await worker.close();
      }
    });
  });

  describe('with no worker yet', () => {
    it("stores JSON scalars in a job's data as they are, other arguments encoded", async () => {
      const queue = nextQueue();
      const q = await inspect(queue);
      const executor = new DistributedExecutor({ connection: redis.url, queue });
      try {
        const plain = executor.submit(tasks.identity, 'text');
        const scalars = executor.submitWith('tasks:add', [1.5, null, true]);
        const encoded = executor.submit(tasks.identity, -0);
        const bigint = executor.submit(tasks.identity, 1n);
        await until(async () => (await q.getJobCounts('wait')).wait === 4);
        const data = async <T>(f: DistributedFuture<T>): Promise<unknown> =>
          ((await q.getJob(f.jobId))?.data as { a: unknown }).a;
        assert.deepEqual(await data(plain), ['text']);
        assert.deepEqual(await data(scalars), [1.5, null, true]);
        assert.equal(typeof (await data(encoded)), 'string');
        assert.equal(typeof (await data(bigint)), 'string');
      } finally {
        await executor.shutdown({ cancelFutures: true });
      }
    });

    it('cancel() removes a waiting or delayed job and returns true; it never runs', async () => {
      const queue = nextQueue();
      const q = await inspect(queue);
      const executor = new DistributedExecutor({ connection: redis.url, queue });
      const waiting = executor.submit(tasks.add, 1, 2);
      const delayed = executor.submitWith(tasks.add, [3, 4], { delay: 60_000 });
      await until(async () => (await q.getJobCounts('wait', 'delayed')).delayed === 1);
      assert.equal(await q.getJobState(waiting.jobId), 'waiting');
      assert.equal(waiting.cancel(), true);
      assert.equal(delayed.cancel(), true);
      assert.ok(waiting.cancelled() && delayed.cancelled());
      await assert.rejects(waiting.result(), CancelledError);
      await until(async () => (await q.getJob(waiting.jobId)) === undefined);
      await until(async () => (await q.getJob(delayed.jobId)) === undefined);
      const worker = await DistributedWorker.start({
        connection: redis.url,
        queue,
        modules: [TASKS.href],
        concurrency: 1,
      });
      try {
        assert.equal(await executor.submit(tasks.add, 5, 6), 11);
      } finally {
        await executor.shutdown();
        await worker.close();
      }
      // Counted once the worker has closed: only the job submitted after ran.
      assert.deepEqual(worker.counts, { completed: 1, failed: 0 });
    });

    it('shutdown({ cancelFutures }) cancels the pending jobs and removes them', async () => {
      const queue = nextQueue();
      const q = await inspect(queue);
      const executor = new DistributedExecutor({ connection: redis.url, queue });
      const futures = [1, 2, 3].map((i) => executor.submit(tasks.add, i, i));
      await until(async () => (await q.getJobCounts('wait')).wait === 3);
      await executor.shutdown({ cancelFutures: true });
      assert.deepEqual(
        futures.map((f) => f.cancelled()),
        [true, true, true],
      );
      await until(async () => (await q.getJobCounts('wait')).wait === 0);
      assert.throws(() => executor.submit(tasks.add, 1, 1), { code: 'ERR_EXECUTOR_SHUTDOWN' });
    });

    it('shutdown() waits for the pending jobs, which a worker started later runs', async () => {
      const queue = nextQueue();
      const executor = new DistributedExecutor({ connection: redis.url, queue });
      const futures = [1, 2, 3, 4, 5].map((i) => executor.submit(tasks.square, i));
      const closed = executor.shutdown();
      assert.throws(() => executor.submit(tasks.add, 1, 1), StateError);
      const worker = await DistributedWorker.start({
        connection: redis.url,
        queue,
        modules: [TASKS.href],
        concurrency: 2,
      });
      try {
        await closed;
        assert.deepEqual(
          futures.map((f) => f.done() && !f.cancelled()),
          [true, true, true, true, true],
        );
        assert.deepEqual(await Promise.all(futures), [1, 4, 9, 16, 25]);
      } finally {
        await worker.close();
      }
    });
  });
});
