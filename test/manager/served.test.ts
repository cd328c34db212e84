// Checks the Manager's served objects (manager.served.*, manager.Pool()) over TCP with an
// authkey, from clients in threads and processes: every method of every served lock,
// semaphore, event, condition, barrier, queue, value and array; RLock ownership per client
// thread; blocking calls waiting in the server while it serves others; the served pool; and
// reference counting (a collected proxy frees its object, a closed connection drops its
// references, an object sent inside a value is pinned).
import assert from 'node:assert/strict';
import v8 from 'node:v8';
import vm from 'node:vm';
import { after, before, describe, it } from 'node:test';
import { DictProxy, Manager, RemoteTraceback } from '../../src/index.ts';
import { kSharedState, type SharedState } from '../../src/memory/shared-object.ts';
import type { Token } from '../../src/manager/protocol.ts';
import type { ProxyMeta } from '../../src/manager/base-proxy.ts';
import { makeProxy } from '../../src/manager/proxies.ts';
import type { Counter } from '../fixtures/manager-tasks.ts';
import { managerTasks } from '../fixtures/manager-task-refs.ts';
import { servedTasks } from '../fixtures/served-task-refs.ts';
import { forEachBackend } from '../helpers/backends.ts';

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

const AUTHKEY = 'served objects key';

/** What exerciseServed() records, in order (see test/fixtures/served-tasks.ts). */
const SERVED_OUTCOMES = [
  // Lock
  true,
  false,
  true,
  null,
  false,
  true,
  null,
  // RLock: reentrant for its owner, through either connection
  true,
  true,
  null,
  null,
  'StateError:ERR_NOT_OWNER',
  false,
  // Semaphore(2), BoundedSemaphore(1)
  true,
  true,
  false,
  null,
  true,
  'StateError:ERR_RELEASED_TOO_MANY_TIMES',
  // Event
  false,
  false,
  null,
  true,
  null,
  false,
  // Value('i', 5), Array('d', [1, 2, 3])
  5,
  null,
  7,
  'ArgumentTypeError:ERR_INVALID_ARG_TYPE',
  3,
  3,
  null,
  [9, 2],
  null,
  [4, 5, 3],
  'IndexError:ERR_INDEX_OUT_OF_RANGE',
  'IndexError:ERR_INDEX_OUT_OF_RANGE',
  // Queue
  null,
  null,
  2,
  1,
  2,
  true,
  'QueueEmptyError:ERR_QUEUE_EMPTY',
  'QueueEmptyError:ERR_QUEUE_EMPTY',
  // Barrier(1), Condition
  0,
  1,
  false,
  'StateError:ERR_NOT_OWNER',
  true,
  false,
  null,
  null,
  false,
];

/** Polls the server until `done(info)`; each poll is one round trip. Fails after 500. */
async function untilServer(
  manager: Manager,
  done: (info: Awaited<ReturnType<Manager['debugInfo']>>) => boolean,
): Promise<Awaited<ReturnType<Manager['debugInfo']>>> {
  let info = await manager.debugInfo();
  for (let i = 0; i < 500 && !done(info); i++) {
    gc();
    await new Promise((resolve) => setImmediate(resolve));
    info = await manager.debugInfo();
  }
  return info;
}

class CountingManager extends Manager {}
CountingManager.register('Counter', managerTasks.makeCounter, { exposed: ['increment', 'value'] });

describe('Manager served objects over TCP', () => {
  const manager = new CountingManager({ address: ['127.0.0.1', 0], authkey: AUTHKEY });
  let address: [string, number];
  before(async () => {
    await manager.start();
    address = manager.address as [string, number];
  });
  after(async () => {
    await manager.shutdown();
  });

  forEachBackend(({ Worker }) => {
    it('every method of every served object, from a client that connected', async () => {
      const out = await manager.list();
      const worker = new Worker({
        target: servedTasks.exerciseServed,
        args: [address, AUTHKEY, out],
      });
      worker.start();
      await worker.join();
      assert.equal(worker.exitCode, 0);
      assert.deepEqual(await out.copy(), SERVED_OUTCOMES);
    });

    it('an RLock is owned by one client thread; a waiting acquire holds up no one', async () => {
      const rlock = await manager.served.RLock();
      const waiting = await manager.served.Event();
      const out = await manager.list();
      assert.equal(await rlock.acquire(), true);
      assert.equal(await rlock.acquire(), true);
      const worker = new Worker({
        target: servedTasks.contendRLock,
        args: [rlock, waiting, out],
      });
      worker.start();
      assert.equal(await waiting.wait(), true);
      // The worker's acquire waits in the server; the server answers everyone else.
      const d = await manager.dict({ served: 'still' });
      assert.equal(await d.get('served'), 'still');
      assert.deepEqual(await out.copy(), [false, 'StateError:ERR_NOT_OWNER']);
      await rlock.release();
      assert.equal(await rlock.locked(), true); // held once more by this thread
      await rlock.release();
      await worker.join();
      assert.equal(worker.exitCode, 0);
      assert.deepEqual(await out.copy(), [false, 'StateError:ERR_NOT_OWNER', ['acquired', true]]);
      assert.equal(await rlock.locked(), false);
    });

    it('a Condition wakes a client waiting for a served Value', async () => {
      const condition = await manager.served.Condition();
      const value = await manager.served.Value('i', 0);
      const ready = await manager.served.Event();
      const out = await manager.list();
      const worker = new Worker({
        target: servedTasks.awaitValue,
        args: [condition, value, 2, ready, out],
      });
      worker.start();
      await ready.wait();
      for (const n of [1, 2]) {
        // Acquiring waits until the worker is inside wait() (it holds the lock until then, and
        // a notified waiter is queued for the lock before this release is even read).
        await condition.withLock(async () => {
          await value.set(n);
          await condition.notifyAll();
        });
      }
      await worker.join();
      assert.equal(worker.exitCode, 0);
      assert.deepEqual(await out.copy(), [0, 1, 2, ['done', true]]);
    });

    it('manager.Pool() from a client that connected: apply, map, imap', async () => {
      const out = await manager.list();
      const worker = new Worker({ target: servedTasks.usePool, args: [address, AUTHKEY, out] });
      worker.start();
      await worker.join();
      assert.equal(worker.exitCode, 0);
      assert.deepEqual(await out.copy(), [[49, [1, 4, 9, 16], [25, 36]]]);
    });

    it("a client's closed connection drops its references", async () => {
      const out = await manager.list<number[]>();
      const worker = new Worker({
        target: servedTasks.holdObjects,
        args: [address, AUTHKEY, out],
      });
      worker.start();
      await worker.join();
      assert.equal(worker.exitCode, 0);
      const [ids] = (await out.copy()) as [number[]];
      assert.equal(ids.length, 3);
      const info = await untilServer(manager, (rows) => rows.every((row) => !ids.includes(row.id)));
      assert.deepEqual(
        info.filter((row) => ids.includes(row.id)),
        [],
      );
    });
  });

  it('the served pool in this process: starmap, applyAsync, mapAsync, imapUnordered, errors', async () => {
    const pool = await manager.Pool({ processes: 2 });
    assert.equal(await pool.processes(), 2);
    assert.deepEqual(
      await pool.starmap(servedTasks.add, [
        [1, 2],
        [3, 4],
      ]),
      [3, 7],
    );
    const result = await pool.applyAsync(servedTasks.square, [12]);
    assert.equal(await result.get(), 144);
    assert.equal(await result.ready(), true);
    assert.equal(await result.successful(), true);
    const mapped = await pool.mapAsync(servedTasks.square, [2, 3]);
    assert.deepEqual(await mapped.get(), [4, 9]);
    const unordered: number[] = [];
    for await (const n of pool.imapUnordered(servedTasks.square, [1, 2, 3])) unordered.push(n);
    assert.deepEqual(
      unordered.sort((a, b) => a - b),
      [1, 4, 9],
    );
    await assert.rejects(pool.apply(servedTasks.fail, ['no good']), (error: Error) => {
      assert.equal(error.name, 'RangeError');
      assert.equal(error.message, 'no good');
      assert.ok(error.cause instanceof RemoteTraceback);
      return true;
    });
    await assert.rejects(pool.callMethod('apply', ['node:child_process', 'execSync'], ['true']), {
      name: 'ArgumentTypeError',
      code: 'ERR_INVALID_ARG_VALUE',
    });
    await pool.close();
    await pool.join();
  });

  it('a collected proxy frees its object; one sent inside a value is pinned', async () => {
    await using fresh = new Manager();
    await fresh.start();
    assert.equal(await fresh.numberOfObjects(), 0);
    let ids: number[] = [];
    await (async () => {
      const lock = await fresh.served.Lock();
      const d = await fresh.dict();
      const inner = await fresh.list([1]);
      await d.set('inner', inner);
      ids = [lock.token.id, d.token.id, inner.token.id];
      const rows = await fresh.debugInfo();
      assert.deepEqual(
        rows.map((row) => [row.id, row.typeid, row.references, row.pinned]),
        [
          [ids[0], 'Lock', 1, false],
          [ids[1], 'dict', 1, false],
          [ids[2], 'list', 1, true],
        ],
      );
    })();
    const info = await untilServer(fresh, (rows) => rows.length === 1 && rows[0]?.references === 0);
    assert.deepEqual(
      info.map((row) => [row.id, row.typeid, row.references, row.pinned]),
      [[ids[2], 'list', 0, true]],
    );
    assert.equal(await fresh.numberOfObjects(), 1);
  });

  it('a call to an object the server freed fails with KeyError ERR_MANAGER_NO_OBJECT', async () => {
    await using fresh = new Manager();
    await fresh.start();
    let state: SharedState | undefined;
    let token: Token | undefined;
    await (async () => {
      const d = await fresh.dict<string, number>({ k: 1 });
      assert.equal(await d.get('k'), 1);
      state = d[kSharedState]();
      token = d.token;
    })();
    await untilServer(fresh, (rows) => rows.length === 0);
    assert.equal(await fresh.numberOfObjects(), 0);
    // A proxy rebuilt from the freed token, as one kept past its object's end would be.
    const { server } = state?.meta as ProxyMeta;
    const freed = token ?? assert.fail();
    const ghost = makeProxy(freed, server);
    assert.ok(ghost instanceof DictProxy);
    const refused = {
      name: 'KeyError',
      code: 'ERR_MANAGER_NO_OBJECT',
      message: new RegExp(`holds no object ${freed.id}: it was freed`),
    };
    await assert.rejects(ghost.get('k'), refused);
    assert.throws(() => ghost.getSync('k'), refused);
    // The connection is still good for the objects the server holds.
    const live = await fresh.list([1, 2]);
    assert.equal(await live.len(), 2);
  });

  it('a registered type has a Sync form of each exposed method, and no other', async () => {
    const counter = await manager.create<Counter>('Counter', 1);
    assert.equal(counter.incrementSync(2), 3);
    assert.equal(counter.valueSync(), 3); // an async method, awaited in the server
    assert.equal(await counter.increment(), 4);
    assert.equal(counter.valueSync(), 4);
    assert.equal((counter as unknown as Record<string, unknown>)['resetSync'], undefined);
    assert.throws(() => counter.callMethodSync('reset'), {
      name: 'AttributeError',
      code: 'ERR_NOT_EXPOSED',
    });
  });

  it('sort by a field path; a key that is not a path is refused', async () => {
    const people = await manager.list([
      { name: 'b', age: 30, scores: [2] },
      { name: 'a', age: 25, scores: [3] },
      { name: 'c', age: 30, scores: [1] },
    ]);
    await people.sort({ key: 'age' });
    assert.deepEqual(
      (await people.copy()).map((p) => (p as { name: string }).name),
      ['a', 'b', 'c'],
    );
    people.sortSync({ key: ['scores', 0] });
    assert.deepEqual(
      (await people.copy()).map((p) => (p as { name: string }).name),
      ['c', 'b', 'a'],
    );
    await people.sort({ key: 'name', reverse: true });
    assert.deepEqual(
      (await people.copy()).map((p) => (p as { name: string }).name),
      ['c', 'b', 'a'],
    );
    await people.sort({ key: 'age', reverse: true }); // stable: c before b, as they stood
    assert.deepEqual(
      (await people.copy()).map((p) => (p as { name: string }).name),
      ['c', 'b', 'a'],
    );
    await assert.rejects(people.sort({ key: 'missing' }), {
      name: 'KeyError',
      code: 'ERR_KEY_NOT_FOUND',
    });
    await assert.rejects(people.sort({ key: '__proto__.constructor' }), {
      name: 'KeyError',
      code: 'ERR_KEY_NOT_FOUND',
    });
    await assert.rejects(people.sort({ key: (x: unknown) => x } as never), {
      name: 'ArgumentTypeError',
      code: 'ERR_INVALID_ARG_TYPE',
      message: /a key function cannot cross to the server/,
    });
    await assert.rejects(people.sort({ key: 42 } as never), {
      name: 'ArgumentTypeError',
      message: /field path/,
    });
    assert.deepEqual(
      (await people.copy()).map((p) => (p as { name: string }).name),
      ['c', 'b', 'a'],
    );
  });
});
