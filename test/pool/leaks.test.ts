/**
 * No references kept past their use (issue 13): a pool lets go of a task's arguments once it
 * is done; `Executor.map` of the results it has yielded; `asCompleted()` of the futures it
 * has yielded. Checked with WeakRef and forced GC, one test body per backend.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import v8 from 'node:v8';
import vm from 'node:vm';
import {
  asCompleted,
  Future,
  Pool,
  ProcessPoolExecutor,
  ThreadPool,
  ThreadPoolExecutor,
} from '../../src/index.ts';

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

/** How many of `refs` still reach their object after a few collections. */
async function alive(refs: readonly WeakRef<object>[]): Promise<number> {
  // A WeakRef made in this turn holds its target until the turn ends: collect after it.
  for (let i = 0; i < 3; i++) {
    await new Promise((resolve) => setImmediate(resolve));
    gc();
  }
  return refs.filter((ref) => ref.deref() !== undefined).length;
}

interface Item {
  readonly n: number;
}

/** `count` fresh objects, each watched through a WeakRef in `refs`. */
function items(count: number, refs: WeakRef<object>[]): Item[] {
  return Array.from({ length: count }, (_, n) => {
    const item = { n };
    refs.push(new WeakRef(item));
    return item;
  });
}

/**
 * Takes `count` values off `iterator`, watching each in `refs`. In a function of its own: an
 * async frame keeps its dead locals until it returns.
 */
async function takeWatched(
  iterator: AsyncIterator<unknown>,
  count: number,
  refs: WeakRef<object>[],
): Promise<void> {
  for (let k = 0; k < count; k++) {
    const next = await iterator.next();
    assert.equal(next.done, false);
    refs.push(new WeakRef(next.value as object));
  }
}

/** Counts the futures left in an `asCompleted()` iteration, checking each is done. */
async function countDone(iterator: AsyncIterable<{ done(): boolean }>): Promise<number> {
  let count = 0;
  for await (const future of iterator) {
    assert.equal(future.done(), true);
    count++;
  }
  return count;
}

const pools = [
  { kind: 'thread', Pool: ThreadPool },
  { kind: 'process', Pool: Pool },
] as const;

for (const backend of pools) {
  describe(`${backend.kind}: ${backend.Pool.name} lets go of arguments`, () => {
    let pool: ThreadPool | Pool;
    before(() => {
      pool = new backend.Pool(2);
    });
    after(async () => {
      await pool.terminate();
    });

    it('after five map() calls none of their 50 arguments is reachable', async () => {
      const refs: WeakRef<object>[] = [];
      for (let call = 0; call < 5; call++) {
        const out = await pool.map((item: Item) => item.n * 2, items(10, refs), { chunksize: 3 });
        assert.deepEqual(
          out,
          Array.from({ length: 10 }, (_, n) => n * 2),
        );
      }
      assert.equal(refs.length, 50);
      assert.equal(await alive(refs), 0);
    });

    it('nor those of apply(), applyAsync(), starmap() and imap() once done', async () => {
      const refs: WeakRef<object>[] = [];
      // In a function of its own: an async frame keeps its dead locals until it returns.
      await useEveryPath(pool, refs);
      assert.equal(refs.length, 20);
      assert.equal(await alive(refs), 0);
    });
  });
}

/** Runs tasks on `pool` by every path but `map`, with arguments watched in `refs`. */
async function useEveryPath(pool: ThreadPool | Pool, refs: WeakRef<object>[]): Promise<void> {
  for (const item of items(5, refs)) {
    assert.equal(await pool.apply((it: Item) => it.n + 1, [item]), item.n + 1);
  }
  const results = items(5, refs).map((item) => pool.applyAsync((it: Item) => it.n, [item]));
  assert.deepEqual(await Promise.all(results.map((r) => r.get())), [0, 1, 2, 3, 4]);
  const pairs = items(4, refs).map((item) => [item, 1] as [Item, number]);
  assert.deepEqual(await pool.starmap((it: Item, k: number) => it.n + k, pairs), [1, 2, 3, 4]);
  pairs.length = 0;
  const seen: number[] = [];
  for await (const n of pool.imap((it: Item) => it.n, items(6, refs))) seen.push(n);
  assert.deepEqual(seen, [0, 1, 2, 3, 4, 5]);
}

const executors = [
  { kind: 'thread', Executor: ThreadPoolExecutor },
  { kind: 'process', Executor: ProcessPoolExecutor },
] as const;

for (const backend of executors) {
  describe(`${backend.kind}: ${backend.Executor.name}.map lets go of what it yielded`, () => {
    let executor: ThreadPoolExecutor | ProcessPoolExecutor;
    before(() => {
      executor = new backend.Executor(2);
    });
    after(async () => {
      await executor.shutdown({ cancelFutures: true });
    });

    it('results yielded are not kept by the iterator, which goes on', async () => {
      const input = Array.from({ length: 20 }, (_, n) => n);
      const iterator = executor.map((n: number) => ({ n }), input);
      const refs: WeakRef<object>[] = [];
      await takeWatched(iterator, 10, refs);
      assert.deepEqual(
        refs.map((ref) => (ref.deref() as { n: number } | undefined)?.n),
        input.slice(0, 10),
      );
      assert.equal(await alive(refs), 0);
      const rest: unknown[] = [];
      for await (const value of iterator) rest.push(value);
      assert.deepEqual(
        rest,
        input.slice(10).map((n) => ({ n })),
      );
    });
  });
}

describe('asCompleted() lets go of the futures it yielded', () => {
  it('those yielded are collectable while the iteration goes on; those not yet are kept', async () => {
    const refs: WeakRef<object>[] = [];
    const futures = (): Future<number>[] =>
      Array.from({ length: 10 }, (_, i) => {
        const future = new Future<number>();
        refs.push(new WeakRef(future));
        // Five are done already; five finish after the iteration started.
        if (i < 5) future.setResult(i);
        else
          setImmediate(() => {
            future.setResult(i);
          });
        return future;
      });
    const iterator = asCompleted(futures());
    await takeWatched(iterator, 7, []);
    // Seven yielded: none kept. The three not yet yielded are, until they are.
    assert.equal(await alive(refs), 3);
    const left = await countDone(iterator);
    assert.equal(left, 3);
    assert.equal(await alive(refs), 0);
  });
});
