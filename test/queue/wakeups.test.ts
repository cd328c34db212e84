/**
 * Wake-ups: a put or get notifies only when a waiter raised the queue's flag, and wakes
 * every sleeper then (queue-layout.ts). Several getters (or putters) asleep at once must
 * each get their turn, whether they sleep in this thread's event loop or block in threads.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { Pipe, Queue, SimpleQueue, Thread } from '../../src/index.ts';
import { queueTasks } from '../fixtures/queue-task-refs.ts';
import { joinAll, workerPool } from '../helpers/sync.ts';

const workers = workerPool();

it('.get() - three getters asleep at once each take one of the items a thread puts', async () => {
  const queue = new Queue<number>();
  const gets = [queue.get(), queue.get(), queue.get()];
  await workers.run(new Thread({ target: queueTasks.produce, args: [queue, [1, 2, 3], 'sync'] }));
  const got = await Promise.all(gets);
  assert.deepEqual(
    got.sort((a, b) => a - b),
    [1, 2, 3],
  );
  assert.equal(queue.qsize(), 0);
});

it('.get() - getters asleep in one realm take the items in the order they asked', async () => {
  // As asyncio.Queue's getters do; with the native addon they sleep on the futex (the queue
  // lives in an arena), whose wakes the kernel may report in either order.
  const queue = new Queue<number>();
  const gets = [queue.get(), queue.get(), queue.get()];
  await workers.run(new Thread({ target: queueTasks.produce, args: [queue, [1, 2, 3], 'sync'] }));
  assert.deepEqual(await Promise.all(gets), [1, 2, 3]);
});

it('.put() - three putters asleep on a full queue each get in as a thread takes', async () => {
  const queue = new Queue<number>(1);
  queue.putSync(0);
  const puts = [queue.put(1), queue.put(2), queue.put(3)];
  const results = new SimpleQueue<number>();
  await workers.run(new Thread({ target: queueTasks.consume, args: [queue, 4, results, 'sync'] }));
  await Promise.all(puts);
  const taken: number[] = [];
  for (let i = 0; i < 4; i++) taken.push(results.getSync());
  assert.equal(taken[0], 0);
  assert.deepEqual(
    taken.slice(1).sort((a, b) => a - b),
    [1, 2, 3],
  );
});

it('.getSync() - three threads blocked in getSync() each take one item put here', async () => {
  const queue = new Queue<number>();
  const results = new SimpleQueue<number>();
  const consumers = [0, 1, 2].map(() =>
    workers.start(new Thread({ target: queueTasks.consume, args: [queue, 1, results, 'sync'] })),
  );
  for (const item of [10, 20, 30]) {
    queue.putSync(item);
  }
  await joinAll(consumers);
  const got = [results.getSync(), results.getSync(), results.getSync()];
  assert.deepEqual(
    got.sort((a, b) => a - b),
    [10, 20, 30],
  );
});

it('.poll() - a pipe end polled from the event loop wakes for a message a thread sends', async () => {
  const [reader, writer] = Pipe({ duplex: false });
  const polled = reader.poll(Infinity);
  await workers.run(new Thread({ target: queueTasks.sendThenClose, args: [writer, ['hello']] }));
  assert.equal(await polled, true);
  assert.equal(await reader.recv(), 'hello');
});
