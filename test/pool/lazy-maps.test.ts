/**
 * Lazy maps (issue 13): `imap`/`imapUnordered`/`map` of Pool/ThreadPool and `Executor.map`
 * read their input as results are taken, sync or async, endless included; an error thrown
 * by the input comes out after the results before it; `maxQueueSize` counts items; zipped
 * iterables and `buffersize` in `Executor.map` as in Python 3.14. One test body per backend.
 * (10,000,000 items in bounded memory: lazy-map-memory.test.ts, in a process of its own.)
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  ArgumentRangeError,
  ArgumentTypeError,
  Event,
  Pool,
  ProcessPoolExecutor,
  taskModule,
  ThreadPool,
  ThreadPoolExecutor,
} from '../../src/index.ts';

const tasks = taskModule<typeof import('../fixtures/pool-tasks.ts')>(
  new URL('../fixtures/pool-tasks.ts', import.meta.url),
);

/**
 * Bounds how far any map may read ahead of its consumer here: a default map keeps at most
 * 1024 chunks in flight.
 */
const AHEAD = 1024;

/** How far an input was read, and whether it was closed. */
interface Tally {
  pulled: number;
  closed: boolean;
}

/**
 * 1, 2, 3, … without end. A guard stops it at ten million reads, so that a map that reads its
 * whole input at once fails here with that error instead of hanging the test run.
 */
function* naturals(tally: Tally): Generator<number> {
  try {
    for (;;) {
      if (tally.pulled >= 10_000_000) throw new Error('the whole input was read at once');
      yield ++tally.pulled;
    }
  } finally {
    tally.closed = true;
  }
}

/** 1, 2, 3, then throws. */
function* breaksAfterThree(): Generator<number> {
  yield 1;
  yield 2;
  yield 3;
  throw new Error('input broke');
}

async function* asyncRange(n: number): AsyncGenerator<number> {
  for (let i = 0; i < n; i++) {
    await Promise.resolve();
    yield i;
  }
}

/** Takes `n` values off an async iterator. */
async function take<T>(iterator: AsyncIterator<T>, n: number): Promise<T[]> {
  const out: T[] = [];
  while (out.length < n) {
    const next = await iterator.next();
    if (next.done === true) break;
    out.push(next.value);
  }
  return out;
}

/** Every value and every error of an async iterator, in order. */
async function drain<T>(iterator: AsyncIterator<T>): Promise<(T | { error: string })[]> {
  const out: (T | { error: string })[] = [];
  for (;;) {
    try {
      const next = await iterator.next();
      if (next.done === true) return out;
      out.push(next.value);
    } catch (error) {
      out.push({ error: (error as Error).message });
    }
  }
}

const pools = [
  { kind: 'thread', Pool: ThreadPool },
  { kind: 'process', Pool: Pool },
] as const;

for (const backend of pools) {
  describe(`${backend.kind}: ${backend.Pool.name} lazy maps`, () => {
    let pool: ThreadPool | Pool;
    before(() => {
      pool = new backend.Pool(2);
    });
    after(async () => {
      await pool.terminate();
    });

    it('imap() and imapUnordered() over an endless generator: take five, stop, input closed', async () => {
      for (const ordered of [true, false]) {
        const tally: Tally = { pulled: 0, closed: false };
        const iterator = ordered
          ? pool.imap(tasks.inc, naturals(tally))
          : pool.imapUnordered(tasks.inc, naturals(tally));
        const five = await take(iterator, 5);
        if (ordered) assert.deepEqual(five, [2, 3, 4, 5, 6]);
        else {
          assert.equal(new Set(five).size, 5);
          for (const value of five) assert.ok(Number.isInteger(value) && value >= 2);
        }
        // Read ahead of the consumer by at most the map's bound, never the whole input.
        assert.ok(tally.pulled <= 5 + AHEAD, `read ${tally.pulled} items for 5 results`);
        await iterator.return?.();
        assert.equal(tally.closed, true);
      }
    });

    it('an error thrown by the input comes after the results before it, not from the call', async () => {
      const ordered = pool.imap(tasks.inc, breaksAfterThree(), { chunksize: 2 });
      assert.deepEqual(await drain(ordered), [2, 3, 4, { error: 'input broke' }]);
      const unordered = await drain(pool.imapUnordered(tasks.inc, breaksAfterThree()));
      assert.deepEqual(unordered.slice(-1), [{ error: 'input broke' }]);
      assert.deepEqual(
        (unordered.slice(0, -1) as number[]).sort((a, b) => a - b),
        [2, 3, 4],
      );
      const mapped = pool.mapAsync(tasks.inc, breaksAfterThree());
      await assert.rejects(mapped.get(), { message: 'input broke' });
      assert.equal(mapped.successful(), false);
    });

    it('map(), starmap() and imap() read async iterables as sync ones', async () => {
      const expected = Array.from({ length: 300 }, (_, i) => i + 1);
      assert.deepEqual(await pool.map(tasks.inc, asyncRange(300)), expected);
      assert.deepEqual(await pool.map(tasks.inc, asyncRange(300), { chunksize: 7 }), expected);
      const pairs = (async function* () {
        for await (const i of asyncRange(5)) yield [i, 10] as [number, number];
      })();
      assert.deepEqual(await pool.starmap(tasks.add, pairs), [10, 11, 12, 13, 14]);
      const values: number[] = [];
      for await (const value of pool.imap(tasks.inc, asyncRange(50), { chunksize: 4 })) {
        values.push(value);
      }
      assert.deepEqual(values, expected.slice(0, 50));
      // A map over a generator without a length: chunks grow, results stay in order.
      const tally: Tally = { pulled: 0, closed: false };
      const limited = (function* () {
        for (const n of naturals(tally)) {
          if (n > 5000) return;
          yield n;
        }
      })();
      const progress: [number, number][] = [];
      const out = await pool.map(tasks.inc, limited, {
        onProgress: (done, total) => progress.push([done, total]),
      });
      assert.equal(out.length, 5000);
      assert.deepEqual(out.slice(0, 3), [2, 3, 4]);
      assert.equal(out[4999], 5001);
      assert.deepEqual(progress.at(-1), [5000, 5000]);
      for (const [done, total] of progress) assert.ok(done <= total);
    });

    it('maxQueueSize counts items: a waiting chunk of four fills a queue of four', async () => {
      const bounded = new backend.Pool({ processes: 1, maxQueueSize: 4 });
      const started = new Event();
      const release = new Event();
      try {
        const held = bounded.apply(tasks.hold, [started, release, 0]);
        await started.wait();
        const mapped = bounded.mapAsync(tasks.inc, [1, 2, 3, 4], { chunksize: 4 });
        assert.throws(() => bounded.apply(tasks.inc, [5]), {
          name: 'QueueFullError',
          code: 'ERR_QUEUE_FULL',
        });
        // A map larger than the queue waits for room instead of failing.
        const large = bounded.map(tasks.inc, [10, 20, 30, 40, 50, 60], { chunksize: 2 });
        release.set();
        assert.equal(await held, 0);
        assert.deepEqual(await mapped.get(), [2, 3, 4, 5]);
        assert.deepEqual(await large, [11, 21, 31, 41, 51, 61]);
        await bounded.hasCapacity();
        assert.equal(await bounded.apply(tasks.inc, [5]), 6);
      } finally {
        release.set();
        await bounded.terminate();
      }
    });

    it('close() lets a map read the rest of its input; join() waits for it', async () => {
      const closing = new backend.Pool(1);
      const n = AHEAD * 3;
      const iterator = closing.imap(
        tasks.inc,
        (function* () {
          for (let i = 0; i < n; i++) yield i;
        })(),
      );
      closing.close();
      assert.throws(() => closing.apply(tasks.inc, [1]), { code: 'ERR_POOL_NOT_RUNNING' });
      await closing.join();
      const values: number[] = [];
      for await (const value of iterator) values.push(value);
      assert.equal(values.length, n);
      assert.equal(values[n - 1], n);
    });
  });
}

const executors = [
  { kind: 'thread', Executor: ThreadPoolExecutor },
  { kind: 'process', Executor: ProcessPoolExecutor },
] as const;

for (const backend of executors) {
  describe(`${backend.kind}: ${backend.Executor.name}.map lazy`, () => {
    let executor: ThreadPoolExecutor | ProcessPoolExecutor;
    before(() => {
      executor = new backend.Executor(2);
    });
    after(async () => {
      await executor.shutdown({ cancelFutures: true });
    });

    it('over an endless generator: take five, stop, input closed', async () => {
      const tally: Tally = { pulled: 0, closed: false };
      const iterator = executor.map(tasks.inc, naturals(tally));
      assert.deepEqual(await take(iterator, 5), [2, 3, 4, 5, 6]);
      assert.ok(tally.pulled <= 5 + AHEAD, `read ${tally.pulled} items for 5 results`);
      await iterator.return?.();
      assert.equal(tally.closed, true);
    });

    it('buffersize as Python 3.14: that many submitted at the call, one more per result', async () => {
      const tally: Tally = { pulled: 0, closed: false };
      const iterator = executor.map(tasks.inc, naturals(tally), { buffersize: 2 });
      assert.equal(tally.pulled, 2);
      assert.deepEqual(await iterator.next(), { done: false, value: 2 });
      assert.equal(tally.pulled, 3);
      assert.deepEqual(await take(iterator, 3), [3, 4, 5]);
      assert.equal(tally.pulled, 6);
      await iterator.return?.();
      assert.equal(tally.closed, true);
      assert.throws(() => executor.map(tasks.inc, [1], { buffersize: 0 }), ArgumentRangeError);
      assert.throws(
        () => executor.map(tasks.inc, [1], { buffersize: 1.5 }),
        (error) => error instanceof ArgumentTypeError && /buffersize/.test(error.message),
      );
    });

    it('several iterables are zipped, the shortest wins; options come last', async () => {
      const zipped: number[] = [];
      for await (const value of executor.map(tasks.add, [1, 2, 3], [10, 20])) zipped.push(value);
      assert.deepEqual(zipped, [11, 22]);
      const chunked: number[] = [];
      const sets = executor.map(tasks.add, [1, 2, 3, 4, 5], new Set([10, 20, 30, 40]), {
        chunksize: 3,
      });
      for await (const value of sets) chunked.push(value);
      assert.deepEqual(chunked, [11, 22, 33, 44]);
      const mixed: number[] = [];
      for await (const value of executor.map(tasks.add, asyncRange(4), [5, 5, 5, 5, 5])) {
        mixed.push(value);
      }
      assert.deepEqual(mixed, [5, 6, 7, 8]);
      assert.throws(() => executor.map(tasks.add, [1], 7 as never), ArgumentTypeError);
    });

    it('an error thrown by the input comes after the results before it, then the end', async () => {
      const iterator = executor.map(tasks.inc, breaksAfterThree());
      assert.deepEqual(await drain(iterator), [2, 3, 4, { error: 'input broke' }]);
      const values: number[] = [];
      for await (const value of executor.map(tasks.inc, asyncRange(40), { chunksize: 3 })) {
        values.push(value);
      }
      assert.deepEqual(
        values,
        Array.from({ length: 40 }, (_, i) => i + 1),
      );
    });
  });
}
