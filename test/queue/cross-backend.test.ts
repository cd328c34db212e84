/**
 * One queue, many realms: a thread or process puts and the main thread gets, and the other
 * way round, in both forms; a producer waiting on a full queue is released by a consumer in
 * another realm; shutdown() wakes getters and putters waiting elsewhere; the misuse errors
 * of B.3–B.5 and C.14 arrive in a worker with their classes and codes.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import {
  Event,
  PriorityQueue,
  Queue,
  QueueShutDownError,
  SimpleQueue,
  Thread,
} from '../../src/index.ts';
import { queueTasks } from '../fixtures/queue-task-refs.ts';
import { patterned } from '../fixtures/queue-tasks.ts';
import { forEachBackend } from '../helpers/backends.ts';
import { errorInfo, expected, joinAll, workerPool } from '../helpers/sync.ts';

const workers = workerPool();

const items = [1, 'two', { three: [3] }, null, new Map([['four', 4]]), new Uint8Array([5, 5])];

function takeAll(queue: SimpleQueue, n: number): unknown[] {
  return Array.from({ length: n }, () => queue.getSync({ timeout: 30_000 }));
}

forEachBackend(({ kind, Worker }) => {
  for (const mode of ['sync', 'async'] as const) {
    it(`Queue - a ${kind} puts (${mode}), the main thread gets, in order`, async () => {
      const queue = new Queue<unknown>(2);
      const worker = workers.start(
        new Worker({ target: queueTasks.produce, args: [queue, items, mode] }),
      );
      const got: unknown[] = [];
      for (let i = 0; i < items.length; i++) got.push(await queue.get({ timeout: 30_000 }));
      await joinAll([worker]);
      assert.deepEqual(got, items);
      assert.equal(queue.qsize(), 0);
    });

    it(`Queue - the main thread puts, a ${kind} gets (${mode}), in order`, async () => {
      const queue = new Queue<unknown>(2);
      const results = new SimpleQueue();
      const worker = workers.start(
        new Worker({ target: queueTasks.consume, args: [queue, items.length, results, mode] }),
      );
      for (const item of items) await queue.put(item, { timeout: 30_000 });
      await joinAll([worker]);
      assert.deepEqual(takeAll(results, items.length), items);
    });
  }

  it(`Queue - a 10 MB buffer from a ${kind} to the main thread and back`, async () => {
    const queue = new Queue<Uint8Array>();
    const expected = patterned(10);
    await joinAll([
      workers.start(new Worker({ target: queueTasks.putPatterned, args: [queue, 10] })),
    ]);
    const got = queue.getSync();
    assert.equal(Buffer.compare(got, expected), 0);
    const results = new SimpleQueue();
    const worker = workers.start(
      new Worker({ target: queueTasks.consume, args: [queue, 1, results, 'async'] }),
    );
    await queue.put(got);
    await joinAll([worker]);
    assert.equal(Buffer.compare(results.getSync() as Uint8Array, expected), 0);
  });

  it(`LifoQueue, PriorityQueue, SimpleQueue - a ${kind} takes them in their order`, async () => {
    const priority = new PriorityQueue<number[]>();
    for (const item of [[3], [1, 2], [2], [1, 1]]) priority.putSync(item);
    const simple = new SimpleQueue<number>();
    for (const item of [111, 333, 222]) simple.putSync(item);
    const results = new SimpleQueue();
    await joinAll([
      workers.start(
        new Worker({ target: queueTasks.consume, args: [priority, 4, results, 'sync'] }),
      ),
    ]);
    await joinAll([
      workers.start(
        new Worker({ target: queueTasks.consume, args: [simple, 3, results, 'async'] }),
      ),
    ]);
    assert.deepEqual(takeAll(results, 7), [[1, 1], [1, 2], [2], [3], 111, 333, 222]);
  });

  it(`Queue - a producer waiting on a full queue is released by a consumer in a ${kind}`, async () => {
    const queue = new Queue<number>(1);
    queue.putSync(0);
    // The main thread waits in put() (the queue is full) before the consumer starts.
    const blocked = queue.put(1);
    const results = new SimpleQueue();
    const consumer = workers.start(
      new Worker({ target: queueTasks.consume, args: [queue, 3, results, 'sync'] }),
    );
    await blocked;
    await queue.put(2);
    await joinAll([consumer]);
    assert.deepEqual(takeAll(results, 3), [0, 1, 2]);
  });

  it(`Queue - a thread waiting in putSync() on a full queue is released by a ${kind} consumer`, async () => {
    const queue = new Queue<number>(2);
    const results = new SimpleQueue();
    const values = Array.from({ length: 20 }, (_, i) => i);
    const producer = workers.start(
      new Thread({ target: queueTasks.produce, args: [queue, values, 'sync'] }),
    );
    const consumer = workers.start(
      new Worker({ target: queueTasks.consume, args: [queue, values.length, results, 'async'] }),
    );
    await joinAll([producer, consumer]);
    assert.deepEqual(takeAll(results, values.length), values);
  });

  for (const mode of ['sync', 'async'] as const) {
    it(`Queue#shutdown() - wakes a ${kind} waiting in get and put (${mode})`, async () => {
      const empty = new Queue<string>();
      const full = new Queue<string>(1);
      full.putSync('only');
      const [getting, putting] = [new Event(), new Event()];
      const report = new SimpleQueue();
      const started = [
        workers.start(
          new Worker({
            target: queueTasks.waitForShutdown,
            args: [empty, 'get', mode, getting, report],
          }),
        ),
        workers.start(
          new Worker({
            target: queueTasks.waitForShutdown,
            args: [full, 'put', mode, putting, report],
          }),
        ),
      ];
      assert.equal(await getting.wait(30_000), true);
      assert.equal(await putting.wait(30_000), true);
      empty.shutdown();
      full.shutdown();
      await joinAll(started);
      const shutDown = errorInfo(
        QueueShutDownError,
        'ERR_QUEUE_SHUT_DOWN',
        'the queue is shut down',
      );
      assert.deepEqual(takeAll(report, 2), [shutDown, shutDown]);
      assert.equal(full.getSync(), 'only');
    });
  }

  it(`Queue - for await in a ${kind} ends when the queue is shut down`, async () => {
    const queue = new Queue<number>();
    const results = new SimpleQueue();
    const worker = workers.start(
      new Worker({ target: queueTasks.iterate, args: [queue, results] }),
    );
    for (const item of [1, 2, 3]) await queue.put(item);
    queue.shutdown();
    await joinAll([worker]);
    assert.deepEqual(results.getSync(), [1, 2, 3]);
  });

  it(`Queue - misuse in a ${kind}: Empty, Full, timeouts, taskDone, incomparable, close`, async () => {
    const bounded = new Queue<string>(1);
    const priority = new PriorityQueue<unknown[]>();
    const report = new SimpleQueue();
    await joinAll([
      workers.start(
        new Worker({ target: queueTasks.errorTour, args: [bounded, priority, report] }),
      ),
    ]);
    const empty = errorInfo(Error, 'ERR_QUEUE_EMPTY', 'the queue is empty');
    const closed = { class: 'StateError', code: 'ERR_QUEUE_CLOSED', message: 'Queue is closed' };
    const full = errorInfo(Error, 'ERR_QUEUE_FULL', 'the queue is full');
    const negative = errorInfo(
      Error,
      'ERR_OUT_OF_RANGE',
      expected('timeout', 'a non-negative number', '`-1` (number)'),
    );
    assert.deepEqual(report.getSync(), {
      getNowaitEmpty: { ...(empty as object), class: 'QueueEmptyError' },
      getTimeout: { ...(empty as object), class: 'QueueEmptyError' },
      getNegative: { ...(negative as object), class: 'ArgumentRangeError' },
      putNowaitFull: { ...(full as object), class: 'QueueFullError' },
      putTimeout: { ...(full as object), class: 'QueueFullError' },
      putNegative: { ...(negative as object), class: 'ArgumentRangeError' },
      full: true,
      got: 'a',
      taskDoneTooMany: {
        class: 'StateError',
        code: 'ERR_TASK_DONE_TOO_MANY',
        message: 'taskDone() called too many times',
      },
      joined: true,
      incomparable: {
        class: 'ArgumentTypeError',
        code: 'ERR_INVALID_ARG_TYPE',
        message: "'<' not supported between instances of 'number' and 'string'",
      },
      priorityTop: [1, 'x'],
      uncloneable: {
        class: 'PicklingError',
        code: 'ERR_NOT_CLONEABLE',
        message: 'item.onDone is a function, which cannot be put in a queue',
      },
      afterClose: closed,
      afterCloseInspect: [closed, closed, closed],
    });
    // close() closed the worker's handle only.
    bounded.putSync('still open');
    assert.equal(bounded.getSync(), 'still open');
  });
});
