/**
 * gevent's Group, Pool, Event, AsyncResult and Queue: waits that suspend one greenlet, a
 * pool that never runs more than its size, and queue errors as Python's queue.Empty/Full.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  ArgumentRangeError,
  gevent,
  GreenletExit,
  QueueEmptyError,
  QueueFullError,
  sleep,
  spawn,
  Timeout,
} from '../../src/index.ts';

describe('gevent.Group', () => {
  it('.spawn(), .length, .join() - members leave as they finish', async () => {
    const group = new gevent.Group();
    const a = group.spawn((n: number) => n * 2, 1);
    const b = group.spawn(() => sleep(0));
    assert.equal(group.length, 2);
    assert.equal(group.has(a), true);
    assert.equal(await group.join(), true);
    assert.equal(group.length, 0);
    assert.equal(a.value, 2);
    assert.equal(b.ready(), true);
  });

  it('.map() - results in item order', async () => {
    const group = new gevent.Group();
    const results = await group.map(
      async (n: number) => {
        for (let i = 0; i < 3 - n; i++) await sleep(0);
        return n * 10;
      },
      [0, 1, 2],
    );
    assert.deepEqual(results, [0, 10, 20]);
  });

  it('.kill() - every member dies', async () => {
    const group = new gevent.Group();
    const members = [group.spawn(() => sleep(10_000)), group.spawn(() => sleep(10_000))];
    await sleep(0);
    await group.kill();
    assert.equal(group.length, 0);
    assert.ok(members.every((g) => g.value instanceof GreenletExit));
  });
});

describe('gevent.Pool', () => {
  it('new Pool(size) - a size below 1 is refused', () => {
    assert.throws(() => new gevent.Pool(0), ArgumentRangeError);
  });

  it('.spawn() - waits while full; never more than size run at once', async () => {
    const pool = new gevent.Pool(2);
    let running = 0;
    let most = 0;
    const log: string[] = [];
    const job = async (n: number): Promise<number> => {
      running += 1;
      most = Math.max(most, running);
      log.push(`start ${n}`);
      await sleep(0);
      await sleep(0);
      running -= 1;
      return n;
    };
    const results = await pool.map(job, [1, 2, 3, 4, 5]);
    assert.deepEqual(results, [1, 2, 3, 4, 5]);
    assert.equal(most, 2);
    assert.equal(log.length, 5);
    assert.equal(pool.freeCount(), 2);
  });

  it('.full(), .freeCount(), .waitAvailable(timeout)', async () => {
    const pool = new gevent.Pool(1);
    const event = new gevent.Event();
    const g = await pool.spawn(() => event.wait());
    assert.equal(pool.full(), true);
    assert.equal(await pool.waitAvailable(1), 0);
    event.set();
    assert.equal(await pool.waitAvailable(), 1);
    assert.equal(g.ready(), true);
  });
});

describe('gevent.Event and gevent.AsyncResult', () => {
  it('Event - wait() true once set, wait(ms) false on timeout; clear()', async () => {
    const event = new gevent.Event();
    assert.equal(event.isSet(), false);
    assert.equal(await event.wait(1), false);
    const waiter = spawn(() => event.wait());
    await sleep(0);
    event.set();
    assert.equal(await waiter.get(), true);
    event.clear();
    assert.equal(await event.wait(0), false);
  });

  it('AsyncResult - get() waits for set(); setException() makes get() throw', async () => {
    const result = new gevent.AsyncResult<string>();
    await assert.rejects(result.get({ block: false }), Timeout);
    await assert.rejects(result.get({ timeout: 1 }), Timeout);
    const reader = spawn(() => result.get());
    spawn(() => {
      result.set('hello');
    });
    assert.equal(await reader.get(), 'hello');
    assert.deepEqual([result.ready(), result.successful(), result.value], [true, true, 'hello']);
    const failing = new gevent.AsyncResult();
    const error = new Error('failed');
    failing.setException(error);
    await assert.rejects(failing.get(), (e) => e === error);
    assert.equal(failing.exception, error);
    assert.equal(await failing.wait(), undefined);
  });
});

describe('gevent.Queue', () => {
  it('put/get - FIFO; a getter waits for a putter', async () => {
    const queue = new gevent.Queue<number>();
    const got: number[] = [];
    const consumer = spawn(async () => {
      for (let i = 0; i < 3; i++) got.push(await queue.get());
    });
    for (const n of [111, 333, 222]) await queue.put(n);
    await consumer.join();
    assert.deepEqual(got, [111, 333, 222]);
  });

  it('maxsize - put waits while full; putNowait/getNowait throw Full/Empty', async () => {
    const queue = new gevent.Queue<string>(1);
    queue.putNowait('a');
    assert.equal(queue.full(), true);
    assert.throws(() => {
      queue.putNowait('b');
    }, QueueFullError);
    await assert.rejects(queue.put('b', { timeout: 1 }), QueueFullError);
    const putter = spawn(() => queue.put('c'));
    await sleep(0);
    assert.equal(putter.ready(), false);
    assert.equal(queue.getNowait(), 'a');
    await putter.join();
    assert.equal(await queue.get(), 'c');
    assert.throws(() => queue.getNowait(), QueueEmptyError);
    await assert.rejects(queue.get({ block: false }), QueueEmptyError);
    await assert.rejects(queue.get({ timeout: 1 }), QueueEmptyError);
  });
});
