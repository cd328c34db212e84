/**
 * The acceptance test: 2 producer threads and 2 consumer processes pass 100,000
 * items through one JoinableQueue. Nothing is lost or duplicated (count, sum and sum of
 * squares), and join() returns only after the last taskDone(). The same with consumer threads
 * through a queue of 4, where every put and get waits on the other side. See
 * docs/python-conformance.md B.5, C.14 (join across processes).
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { JoinableQueue, Process, SimpleQueue, Thread } from '../../src/index.ts';
import { queueTasks } from '../fixtures/queue-task-refs.ts';
import { joinAll, workerPool } from '../helpers/sync.ts';

const workers = workerPool();

const ITEMS = 100_000;

type Totals = [count: number, sum: number, squares: number];

/** The two consumers' reports added up. */
function totalsOf(results: SimpleQueue<Totals>): Totals {
  const [a, b] = [results.getSync(), results.getSync()];
  return [a[0] + b[0], a[1] + b[1], a[2] + b[2]];
}

/** Count, sum and sum of squares of 0 .. n - 1: each item exactly once. */
function expectedTotals(n: number): Totals {
  return [n, (n * (n - 1)) / 2, ((n - 1) * n * (2 * n - 1)) / 6];
}

it('JoinableQueue - 2 producer threads, 2 consumer processes, 100,000 items, join()', async (t) => {
  const started = performance.now();
  const queue = new JoinableQueue<number | null>(1000);
  const results = new SimpleQueue<Totals>();
  const consumers = [0, 1].map(() =>
    workers.start(new Process({ target: queueTasks.sumUntilNull, args: [queue, results] })),
  );
  const producers = [0, 1].map((half) =>
    workers.start(
      new Thread({
        target: queueTasks.putRange,
        args: [queue, (half * ITEMS) / 2, ((half + 1) * ITEMS) / 2],
      }),
    ),
  );
  await joinAll(producers);
  // One sentinel per consumer, after every item.
  for (const _ of consumers) await queue.put(null);
  assert.equal(await queue.join(), true);
  // Each consumer reports its totals before marking its sentinel done: join() waited for both.
  assert.equal(results.qsize(), 2);
  t.diagnostic(
    `${ITEMS} items through 2 processes in ${Math.round(performance.now() - started)} ms`,
  );
  await joinAll(consumers);
  assert.deepEqual(totalsOf(results), expectedTotals(ITEMS));
  assert.equal(queue.qsize(), 0);
});

it('JoinableQueue - 2 producer and 2 consumer threads through a queue of 4, 40,000 items', async () => {
  const items = 40_000;
  const queue = new JoinableQueue<number | null>(4);
  const results = new SimpleQueue<Totals>();
  const consumers = [0, 1].map(() =>
    workers.start(new Thread({ target: queueTasks.sumUntilNull, args: [queue, results] })),
  );
  const producers = [0, 1].map((half) =>
    workers.start(
      new Thread({
        target: queueTasks.putRange,
        args: [queue, (half * items) / 2, ((half + 1) * items) / 2],
      }),
    ),
  );
  await joinAll(producers);
  for (const _ of consumers) await queue.put(null);
  assert.equal(await queue.join(), true);
  assert.equal(results.qsize(), 2);
  await joinAll(consumers);
  assert.deepEqual(totalsOf(results), expectedTotals(items));
});
