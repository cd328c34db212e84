/**
 * Pool and ThreadPool: Python's multiprocessing.Pool API (conformance C.7–C.13), one test
 * body per backend.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  ArgumentRangeError,
  ArgumentTypeError,
  PicklingError,
  Pool,
  RemoteTraceback,
  StateError,
  taskModule,
  ThreadPool,
  TimeoutError,
  Value,
  WorkerLostError,
  WorkerStartError,
} from '../../src/index.ts';

const tasks = taskModule<typeof import('../fixtures/pool-tasks.ts')>(
  new URL('../fixtures/pool-tasks.ts', import.meta.url),
);

const backends = [
  { kind: 'thread', Pool: ThreadPool, workerName: /^Thread-\d+ \(worker\)$/ },
  { kind: 'process', Pool: Pool, workerName: /^SpawnPoolWorker-\d+$/ },
] as const;

/** Collects an async iterator's values, and the errors thrown at positions along the way. */
async function drain<T>(iterator: AsyncIterator<T>): Promise<(T | { error: unknown })[]> {
  const out: (T | { error: unknown })[] = [];
  for (;;) {
    try {
      const next = await iterator.next();
      if (next.done === true) return out;
      out.push(next.value);
    } catch (error) {
      out.push({ error });
    }
  }
}

describe('Pool options (C.7)', () => {
  it('refuses fewer than one worker, bad maxTasksPerChild and a non-callable initializer', () => {
    for (const processes of [0, -1]) {
      assert.throws(() => new ThreadPool(processes), {
        name: 'ArgumentRangeError',
        message: `Number of processes must be at least 1, got ${processes}`,
      });
    }
    assert.throws(() => new Pool({ processes: 1.5 }), ArgumentTypeError);
    for (const maxTasksPerChild of [0, -1, 0.5, '12']) {
      assert.throws(
        () => new ThreadPool({ processes: 1, maxTasksPerChild: maxTasksPerChild as number }),
        (error: unknown) =>
          (error instanceof ArgumentRangeError || error instanceof ArgumentTypeError) &&
          /maxTasksPerChild/.test(error.message),
      );
    }
    assert.throws(
      () => new ThreadPool({ processes: 1, initializer: 42 as never }),
      (error: unknown) => error instanceof ArgumentTypeError && /initializer/.test(error.message),
    );
  });
});

for (const backend of backends) {
  describe(`${backend.kind}: ${backend.Pool.name}`, () => {
    let pool: ThreadPool | Pool;
    before(() => {
      pool = new backend.Pool(2);
    });
    after(async () => {
      await pool.terminate();
    });

    it('apply() runs a task reference or an inline function on a named worker', async () => {
      assert.equal(await pool.apply(tasks.add, [2, 3]), 5);
      assert.equal(await pool.apply((x: number) => x * 10, [4]), 40);
      const info = await pool.apply(tasks.whoAmI);
      assert.match(info.thread === 'MainThread' ? info.process : info.thread, backend.workerName);
      assert.equal(pool.processes, 2);
    });

    it('refuses an inline function that captures, before anything runs', () => {
      const factor = 3;
      assert.throws(() => pool.apply((x: number) => x * factor, [1]), {
        name: 'PicklingError',
        code: 'ERR_TARGET_CAPTURES',
      });
    });

    it('fails only the task whose arguments or result cannot be cloned', async () => {
      await assert.rejects(pool.apply(tasks.add, [1, (() => 2) as unknown as number]), (error) => {
        assert.ok(error instanceof PicklingError);
        assert.match(error.message, /args\[1\]/);
        return true;
      });
      await assert.rejects(pool.apply(tasks.returnFunction), (error) => {
        assert.equal((error as Error).name, 'PicklingError');
        assert.match((error as Error).message, /result/);
        return true;
      });
      assert.equal(await pool.apply(tasks.inc, [1]), 2);
    });

    it('an error comes back with its class, message, code and the remote stack (C.10)', async () => {
      await assert.rejects(pool.apply(tasks.fail, ['boom']), (error) => {
        assert.ok(error instanceof RangeError);
        assert.equal(error.message, 'boom');
        assert.equal((error as RangeError & { code: string }).code, 'ERR_TASK_FAILED');
        assert.ok(error.cause instanceof RemoteTraceback);
        assert.match(error.cause.remoteStack, /pool-tasks\.ts/);
        return true;
      });
    });

    it('applyAsync(): AsyncResult and callbacks, each called once (C.9, C.11)', async () => {
      const results: number[] = [];
      const errors: unknown[] = [];
      const slow = pool.applyAsync(tasks.slowDouble, [21, 200], {
        callback: (value) => results.push(value),
        errorCallback: (error) => errors.push(error),
      });
      assert.equal(slow.ready(), false);
      assert.throws(() => slow.successful(), { name: 'StateError', code: 'ERR_RESULT_NOT_READY' });
      await assert.rejects(slow.get(0), TimeoutError);
      await slow.wait(0);
      assert.equal(await slow.get(), 42);
      assert.equal(slow.ready(), true);
      assert.equal(slow.successful(), true);
      const failing = pool.applyAsync(tasks.fail, ['no'], {
        callback: (value) => results.push(value),
        errorCallback: (error) => errors.push(error),
      });
      await failing.wait();
      assert.equal(failing.successful(), false);
      await assert.rejects(failing.get(), { message: 'no' });
      // Callbacks run from the future's done callbacks: let them settle.
      await new Promise((resolve) => setImmediate(resolve));
      assert.deepEqual(results, [42]);
      assert.equal(errors.length, 1);
      assert.equal((errors[0] as Error).message, 'no');
    });

    it('map() keeps input order over 10,000 items and reports progress up to the total', async () => {
      const items = Array.from({ length: 10_000 }, (_, i) => i);
      const progress: number[] = [];
      const out = await pool.map(tasks.inc, items, {
        onProgress: (done, total) => {
          assert.equal(total, 10_000);
          progress.push(done);
        },
      });
      assert.deepEqual(
        out,
        items.map((i) => i + 1),
      );
      // Python's default chunksize: ceil(10000 / (4 * 2)) = 1250 items, 8 chunks.
      assert.equal(progress.length, 8);
      assert.deepEqual(
        progress,
        [...progress].sort((a, b) => a - b),
      );
      assert.equal(progress.at(-1), 10_000);
    });

    it('map(), starmap() and the async forms; empty input gives [] (C.8)', async () => {
      assert.deepEqual(await pool.map(tasks.inc, []), []);
      assert.deepEqual(
        await pool.starmap(tasks.add, [
          [1, 2],
          [3, 4],
        ]),
        [3, 7],
      );
      let whole: number[] = [];
      const mapped = pool.mapAsync(tasks.inc, new Set([1, 2, 3]), {
        chunksize: 2,
        callback: (values) => {
          whole = values;
        },
      });
      assert.deepEqual(await mapped.get(), [2, 3, 4]);
      await new Promise((resolve) => setImmediate(resolve));
      assert.deepEqual(whole, [2, 3, 4]);
      assert.deepEqual(await pool.starmapAsync(tasks.add, [[5, 5]]).get(), [10]);
      assert.throws(() => pool.map(tasks.inc, [1], { chunksize: 0 }), ArgumentRangeError);
      assert.throws(() => pool.imap(tasks.inc, [1], { chunksize: 0 }), ArgumentRangeError);
      assert.throws(() => pool.map(tasks.inc, 5 as never), ArgumentTypeError);
    });

    it('map() fails with the first error only after every chunk ran (C.10)', async () => {
      const progress: number[] = [];
      await assert.rejects(
        pool.map(tasks.failOnThree, [0, 1, 2, 3, 4, 5], {
          chunksize: 1,
          onProgress: (done) => progress.push(done),
        }),
        { message: 'three is not allowed' },
      );
      assert.equal(progress.at(-1), 6);
    });

    it('imap() yields in order, throws at the failing position and goes on (C.8, C.10)', async () => {
      const items = [1, 2, 3, 4, 5, 6, 7];
      const out = await drain(pool.imap(tasks.failOnThree, items, { chunksize: 2 }));
      // Items 3 and 4 share the failing chunk: the chunk fails as a whole, as in Python.
      assert.deepEqual(out.slice(0, 2), [1, 2]);
      assert.match((out[2] as { error: Error }).error.message, /three/);
      assert.deepEqual(out.slice(3), [5, 6, 7]);
      const unordered = await drain(pool.imapUnordered(tasks.inc, items));
      assert.deepEqual(
        [...(unordered as number[])].sort((a, b) => a - b),
        items.map((i) => i + 1),
      );
      const collected: number[] = [];
      for await (const value of pool.imap(tasks.inc, [10, 20])) collected.push(value);
      assert.deepEqual(collected, [11, 21]);
    });

    it('shares a Value with its tasks: locked increments add up exactly', async () => {
      const counter = new Value('i', 0);
      const counts = await pool.starmap(tasks.incrementValue, [
        [counter, 200],
        [counter, 200],
        [counter, 200],
        [counter, 200],
      ]);
      assert.deepEqual(counts, [200, 200, 200, 200]);
      assert.equal(counter.value, 800);
    });

    it('a task whose worker exits fails with WorkerLostError; the pool runs 100 more', async () => {
      await assert.rejects(pool.apply(tasks.exitNow, [3]), (error) => {
        assert.ok(error instanceof WorkerLostError);
        assert.equal(error.code, 'ERR_WORKER_LOST');
        assert.equal(error.exitCode, 3);
        assert.match(error.message, /exited with code 3 while running this task/);
        return true;
      });
      const items = Array.from({ length: 100 }, (_, i) => i);
      assert.deepEqual(
        await Promise.all(items.map((i) => pool.apply(tasks.inc, [i]))),
        items.map((i) => i + 1),
      );
    });

    it('timeout counts from dispatch: a task that waited in the queue still gets its time', async () => {
      const single = new backend.Pool(1);
      try {
        const first = single.apply(tasks.spin, [300]);
        // Queued behind 300 ms of work, with 250 ms of its own: counted from dispatch it passes.
        const second = single.apply(tasks.inc, [1], { timeout: 250 });
        assert.ok((await first) > 0);
        assert.equal(await second, 2);
        await assert.rejects(single.apply(tasks.spin, [60_000], { timeout: 100 }), (error) => {
          assert.ok(error instanceof TimeoutError);
          assert.match(error.message, /within 100 ms of its dispatch/);
          return true;
        });
        // The stuck worker was replaced.
        assert.equal(await single.apply(tasks.inc, [41]), 42);
      } finally {
        await single.terminate();
      }
    });

    it('a signal cancels a queued task and stops a running one', async () => {
      const single = new backend.Pool(1);
      try {
        await single.apply(tasks.inc, [0]);
        const running = new AbortController();
        const queued = new AbortController();
        const stuck = single.apply(tasks.spin, [60_000], { signal: running.signal });
        const waiting = single.apply(tasks.workerKey, [], { signal: queued.signal });
        queued.abort(new Error('not needed'));
        await assert.rejects(waiting, { message: 'not needed' });
        running.abort(new Error('stop it'));
        await assert.rejects(stuck, { message: 'stop it' });
        assert.equal(await single.apply(tasks.inc, [1]), 2);
        const already = AbortSignal.abort(new Error('too late'));
        await assert.rejects(single.apply(tasks.inc, [1], { signal: already }), {
          message: 'too late',
        });
      } finally {
        await single.terminate();
      }
    });

    it('maxTasksPerChild: 1 gives a fresh worker per task (C.13)', async () => {
      const fresh = new backend.Pool({ processes: 2, maxTasksPerChild: 1 });
      try {
        const keys = await Promise.all(
          Array.from({ length: 6 }, () => fresh.apply(tasks.workerKey)),
        );
        assert.equal(new Set(keys).size, 6);
      } finally {
        await fresh.terminate();
      }
    });

    it('initializer runs in every worker first; a failing one breaks the pool', async () => {
      const initialized = new backend.Pool({
        processes: 2,
        initializer: tasks.init,
        initargs: ['ready'],
      });
      try {
        const tags = await initialized.map(tasks.initializedTag, [0, 1, 2, 3], { chunksize: 1 });
        assert.deepEqual(tags, ['ready', 'ready', 'ready', 'ready']);
      } finally {
        await initialized.terminate();
      }
      const broken = new backend.Pool({ processes: 1, initializer: tasks.initFails });
      try {
        await assert.rejects(broken.apply(tasks.inc, [1]), (error) => {
          assert.ok(error instanceof WorkerStartError);
          assert.equal(error.code, 'ERR_INITIALIZER_FAILED');
          assert.match((error.cause as Error).message, /initializer says no/);
          return true;
        });
        assert.throws(() => broken.apply(tasks.inc, [1]), WorkerStartError);
      } finally {
        await broken.terminate();
      }
    });

    it('close() finishes queued work; join() before close and submits after it fail (C.12)', async () => {
      const closing = new backend.Pool(2);
      await assert.rejects(closing.join(), {
        name: 'StateError',
        message: 'Pool is still running',
      });
      const pending = [1, 2, 3, 4, 5].map((i) => closing.apply(tasks.slowDouble, [i, 20]));
      closing.close();
      closing.close();
      assert.throws(() => closing.apply(tasks.inc, [1]), {
        name: 'StateError',
        message: 'Pool not running',
      });
      await closing.join();
      assert.deepEqual(await Promise.all(pending), [2, 4, 6, 8, 10]);
    });

    it('transfer lists move buffers to threads and results back; processes copy', async () => {
      const bytes = new Uint8Array(1024).fill(2);
      assert.equal(await pool.apply(tasks.sumBytes, [bytes], { transfer: [bytes.buffer] }), 2048);
      // Moved to a thread (detached here); copied to a process (still here).
      assert.equal(bytes.byteLength, backend.kind === 'thread' ? 0 : 1024);
      const made = await pool.apply(tasks.makeBytes, [4096, 7]);
      assert.ok(made instanceof Uint8Array);
      assert.equal(made.length, 4096);
      assert.equal(made[4095], 7);
      assert.throws(
        () => pool.apply(tasks.inc, [1], { transfer: 'no' as never }),
        ArgumentTypeError,
      );
      assert.throws(() => pool.apply(tasks.inc, [1], { timeout: -1 }), ArgumentRangeError);
      assert.throws(() => pool.apply(tasks.inc, [1], { signal: {} as never }), ArgumentTypeError);
    });

    it('maxQueueSize: submits past it throw QueueFullError; hasCapacity() waits for room', async () => {
      const bounded = new backend.Pool({ processes: 1, maxQueueSize: 2 });
      try {
        assert.throws(
          () => new backend.Pool({ processes: 1, maxQueueSize: 0 }),
          ArgumentRangeError,
        );
        await bounded.apply(tasks.inc, [0]);
        // The worker holds one task; two more wait in the queue; a fourth is refused.
        const running = bounded.apply(tasks.spin, [200]);
        await new Promise((resolve) => setImmediate(resolve));
        const queued = [bounded.apply(tasks.inc, [1]), bounded.apply(tasks.inc, [2])];
        assert.throws(() => bounded.apply(tasks.inc, [3]), {
          name: 'QueueFullError',
          code: 'ERR_QUEUE_FULL',
        });
        await bounded.hasCapacity();
        const late = bounded.apply(tasks.inc, [3]);
        assert.ok((await running) > 0);
        assert.deepEqual(await Promise.all([...queued, late]), [2, 3, 4]);
      } finally {
        await bounded.terminate();
      }
    });

    it('terminate() fails unfinished tasks at once; await using terminates', async () => {
      let escaped: Promise<number> | undefined;
      {
        await using scoped = new backend.Pool(1);
        escaped = scoped.apply(tasks.spin, [60_000]);
        escaped.catch(() => undefined);
      }
      await assert.rejects(escaped, (error) => {
        assert.ok(error instanceof StateError);
        assert.match(error.message, /terminated/);
        return true;
      });
    });
  });
}

describe('thread: ThreadPool', () => {
  it('a worker that runs out of heap fails its task; the pool goes on', async () => {
    const pool = new ThreadPool({
      processes: 1,
      resourceLimits: { maxOldGenerationSizeMb: 32, maxYoungGenerationSizeMb: 8 },
    });
    try {
      await assert.rejects(pool.apply(tasks.exhaustMemory), (error) => {
        assert.ok(error instanceof WorkerLostError);
        assert.equal((error.cause as { code?: string }).code, 'ERR_WORKER_OUT_OF_MEMORY');
        return true;
      });
      assert.equal(await pool.apply(tasks.inc, [1]), 2);
    } finally {
      await pool.terminate();
    }
  });
});

describe('process: Pool', () => {
  it('a worker killed with SIGKILL mid-task fails that task with exit code -9', async () => {
    const pool = new Pool(1);
    try {
      await assert.rejects(pool.apply(tasks.killSelf), (error) => {
        assert.ok(error instanceof WorkerLostError);
        assert.equal(error.exitCode, -9);
        return true;
      });
      assert.equal(await pool.apply(tasks.inc, [1]), 2);
    } finally {
      await pool.terminate();
    }
  });
});
