/**
 * Every public member of every shared kind, called once: run in a child process by
 * reachability.test.ts, where each call that touches the core crosses the broker. One entry
 * per member a class has (the test compares these lists with the classes' prototypes), each
 * asserting what it gets back; a member that only calls others is still called, so that
 * whatever it forwards is covered too.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { inspect } from 'node:util';
import type {
  Barrier,
  BoundedSemaphore,
  Condition,
  Connection,
  Event,
  Lock,
  Queue,
  RLock,
  Semaphore,
  SharedArray,
  ShareableList,
  SharedMemory,
  SimpleQueue,
  Value,
} from '../../src/index.ts';

/** How to call each member of a class, by name (a symbol's as `String(symbol)`). */
export type Calls<T> = Readonly<Record<string, (object: T) => unknown>>;

/**
 * Members that are not API: protected hooks a subclass overrides, which the public members
 * above them call (and so cover).
 */
export const HOOKS: readonly string[] = ['bounded', 'discipline', 'kind', 'keyOf', 'putTimeoutOf'];

const lockCalls: Calls<Lock | RLock> = {
  acquire: async (lock) => {
    assert.equal(await lock.acquire(), true);
    lock.release();
  },
  acquireSync: (lock) => {
    assert.equal(lock.acquireSync({ timeout: 1000 }), true);
    lock.release();
  },
  release: (lock) => {
    lock.acquireSync();
    lock.release();
    assert.equal(lock.locked(), false);
  },
  locked: (lock) => {
    assert.equal(lock.locked(), false);
  },
  abandoned: (lock) => {
    assert.equal(lock.abandoned, false);
  },
  withLock: async (lock) => {
    assert.equal(await lock.withLock(() => lock.locked()), true);
  },
  withLockSync: (lock) => {
    assert.equal(
      lock.withLockSync(() => lock.locked()),
      true,
    );
  },
  guard: async (lock) => {
    (await lock.guard()).release();
  },
  guardSync: (lock) => {
    lock.guardSync().release();
  },
};

const semaphoreCalls: Calls<Semaphore | BoundedSemaphore> = {
  acquire: async (semaphore) => {
    assert.equal(await semaphore.acquire({ timeout: 1000 }), true);
    semaphore.release();
  },
  acquireSync: (semaphore) => {
    assert.equal(semaphore.acquireSync(), true);
    semaphore.release();
  },
  release: (semaphore) => {
    semaphore.acquireSync();
    semaphore.release(1);
  },
  getValue: (semaphore) => {
    assert.equal(semaphore.getValue(), 1);
  },
  withLock: async (semaphore) => {
    assert.equal(await semaphore.withLock(() => semaphore.getValue()), 0);
  },
  withLockSync: (semaphore) => {
    assert.equal(
      semaphore.withLockSync(() => semaphore.getValue()),
      0,
    );
  },
  guard: async (semaphore) => {
    (await semaphore.guard()).release();
  },
  guardSync: (semaphore) => {
    semaphore.guardSync().release();
  },
};

const eventCalls: Calls<Event> = {
  isSet: (event) => {
    assert.equal(event.isSet(), false);
  },
  set: (event) => {
    event.set();
    assert.equal(event.isSet(), true);
  },
  wait: async (event) => {
    assert.equal(await event.wait(1000), true);
  },
  waitSync: (event) => {
    assert.equal(event.waitSync(1000), true);
  },
  clear: (event) => {
    event.clear();
    assert.equal(event.waitSync(0), false);
  },
};

const conditionCalls: Calls<Condition> = {
  lock: (cond) => {
    assert.equal(cond.lock.locked(), false);
  },
  acquire: async (cond) => {
    assert.equal(await cond.acquire(), true);
    cond.release();
  },
  acquireSync: (cond) => {
    assert.equal(cond.acquireSync(), true);
    cond.release();
  },
  release: (cond) => {
    cond.acquireSync();
    cond.release();
  },
  locked: (cond) => {
    assert.equal(cond.locked(), false);
    cond.acquireSync();
    assert.equal(cond.locked(), true);
    cond.release();
  },
  wait: async (cond) => {
    // Nobody notifies: the wait times out, and gives the lock back before it returns.
    assert.equal(await cond.withLock(() => cond.wait(0)), false);
  },
  waitSync: (cond) => {
    assert.equal(
      cond.withLockSync(() => cond.waitSync(0)),
      false,
    );
  },
  waitFor: async (cond) => {
    assert.equal(await cond.withLock(() => cond.waitFor(() => 'ready', 1000)), 'ready');
  },
  waitForSync: (cond) => {
    assert.equal(
      cond.withLockSync(() => cond.waitForSync(() => 'ready', 1000)),
      'ready',
    );
  },
  notify: (cond) => {
    cond.withLockSync(() => {
      cond.notify(2);
    });
  },
  notifyAll: (cond) => {
    cond.withLockSync(() => {
      cond.notifyAll();
    });
  },
  withLock: async (cond) => {
    assert.equal(await cond.withLock(() => 1), 1);
  },
  withLockSync: (cond) => {
    assert.equal(
      cond.withLockSync(() => 1),
      1,
    );
  },
  guard: async (cond) => {
    (await cond.guard()).release();
  },
  guardSync: (cond) => {
    cond.guardSync().release();
  },
};

/** Over a Barrier(1): every wait passes at once. */
const barrierCalls: Calls<Barrier> = {
  parties: (barrier) => {
    assert.equal(barrier.parties, 1);
  },
  nWaiting: (barrier) => {
    assert.equal(barrier.nWaiting, 0);
  },
  wait: async (barrier) => {
    assert.equal(await barrier.wait(1000), 0);
  },
  waitSync: (barrier) => {
    assert.equal(barrier.waitSync(1000), 0);
  },
  abort: (barrier) => {
    barrier.abort();
    assert.equal(barrier.broken, true);
  },
  broken: (barrier) => {
    assert.equal(barrier.broken, true);
  },
  reset: (barrier) => {
    barrier.reset();
    assert.equal(barrier.broken, false);
  },
};

/** Over a Value('i', 0). */
const valueCalls: Calls<Value<'i'>> = {
  typecode: (value) => {
    assert.equal(value.typecode, 'i');
  },
  value: (value) => {
    value.value = 7;
    assert.equal(value.value, 7);
  },
  getLock: (value) => {
    assert.equal(value.getLock().locked(), false);
  },
};

/** Over a SharedArray('d', 3). */
const arrayCalls: Calls<SharedArray<'d'>> = {
  typecode: (array) => {
    assert.equal(array.typecode, 'd');
  },
  length: (array) => {
    assert.equal(array.length, 3);
  },
  set: (array) => {
    array.set(-1, 2.5);
  },
  get: (array) => {
    assert.equal(array.get(2), 2.5);
  },
  setSlice: (array) => {
    array.setSlice(0, 2, [0.5, 1.5]);
  },
  getSlice: (array) => {
    assert.deepEqual(array.getSlice(1), [1.5, 2.5]);
  },
  toArray: (array) => {
    assert.deepEqual(array.toArray(), [0.5, 1.5, 2.5]);
  },
  [String(Symbol.iterator)]: (array) => {
    assert.deepEqual([...array], [0.5, 1.5, 2.5]);
  },
  getLock: (array) => {
    assert.equal(array.getLock().locked(), false);
  },
};

/** What Queue and SimpleQueue share; numbers, so that a PriorityQueue takes them too. */
const baseQueueCalls: Calls<Queue<number> | SimpleQueue<number>> = {
  put: async (queue) => {
    await queue.put(1);
    assert.equal(await queue.get(), 1);
  },
  putSync: (queue) => {
    queue.putSync(2);
    assert.equal(queue.getSync(), 2);
  },
  putNowait: (queue) => {
    queue.putNowait(3);
    assert.equal(queue.getNowait(), 3);
  },
  get: async (queue) => {
    queue.putSync(4);
    assert.equal(await queue.get({ timeout: 1000 }), 4);
  },
  getSync: (queue) => {
    queue.putSync(5);
    assert.equal(queue.getSync({ timeout: 1000 }), 5);
  },
  getNowait: (queue) => {
    queue.putSync(6);
    assert.equal(queue.getNowait(), 6);
  },
  qsize: (queue) => {
    assert.equal(queue.qsize(), 0);
  },
  empty: (queue) => {
    assert.equal(queue.empty(), true);
  },
};

/** Over a Queue (and LifoQueue, PriorityQueue, JoinableQueue) with no limit. */
const queueCalls: Calls<Queue<number>> = {
  ...baseQueueCalls,
  full: (queue) => {
    assert.equal(queue.full(), false);
  },
  maxsize: (queue) => {
    queue.maxsize = 10;
    assert.equal(queue.maxsize, 10);
    queue.maxsize = 0;
  },
  taskDone: (queue) => {
    // One for each of the six items the calls above put and took.
    for (let i = 0; i < 6; i++) queue.taskDone();
  },
  join: async (queue) => {
    assert.equal(await queue.join(1000), true);
  },
  joinSync: (queue) => {
    assert.equal(queue.joinSync(1000), true);
  },
  [String(Symbol.asyncIterator)]: async (queue) => {
    queue.putSync(7);
    queue.shutdown();
    const items: number[] = [];
    for await (const item of queue) items.push(item);
    assert.deepEqual(items, [7]);
  },
  shutdown: (queue) => {
    queue.shutdown({ immediate: true });
  },
  isShutdown: (queue) => {
    assert.equal(queue.isShutdown, true);
  },
  close: (queue) => {
    queue.close();
  },
};

const simpleQueueCalls: Calls<SimpleQueue<number>> = {
  ...baseQueueCalls,
  close: (queue) => {
    queue.close();
  },
};

/** Over both ends of a Pipe(): `[a, b]`, a sending to b. */
const connectionCalls: Calls<[Connection, Connection]> = {
  readable: ([a]) => {
    assert.equal(a.readable, true);
  },
  writable: ([a]) => {
    assert.equal(a.writable, true);
  },
  send: async ([a, b]) => {
    a.send({ n: 1 });
    assert.deepEqual(await b.recv(), { n: 1 });
  },
  sendBytes: ([a, b]) => {
    a.sendBytes(new Uint8Array([1, 2, 3]), 1);
    assert.deepEqual([...b.recvBytesSync()], [2, 3]);
  },
  recv: async ([a, b]) => {
    a.send('recv');
    assert.equal(await b.recv(), 'recv');
  },
  recvSync: ([a, b]) => {
    a.send('recvSync');
    assert.equal(b.recvSync(), 'recvSync');
  },
  recvBytes: async ([a, b]) => {
    a.sendBytes(new Uint8Array([4]));
    assert.deepEqual([...(await b.recvBytes())], [4]);
  },
  recvBytesSync: ([a, b]) => {
    a.sendBytes(new Uint8Array([5]));
    assert.deepEqual([...b.recvBytesSync()], [5]);
  },
  recvBytesInto: async ([a, b]) => {
    a.sendBytes(new Uint8Array([6]));
    assert.equal(await b.recvBytesInto(new Uint8Array(4), 1), 1);
  },
  recvBytesIntoSync: ([a, b]) => {
    a.sendBytes(new Uint8Array([7]));
    assert.equal(b.recvBytesIntoSync(new Uint8Array(4)), 1);
  },
  poll: async ([a, b]) => {
    assert.equal(await b.poll(0), false);
    a.send(null);
    assert.equal(await b.poll(1000), true);
    await b.recv();
  },
  pollSync: ([a, b]) => {
    assert.equal(b.pollSync(0), false);
    a.send(null);
    assert.equal(b.pollSync(1000), true);
    b.recvSync();
  },
  close: ([a, b]) => {
    a.close();
    assert.equal(b.pollSync(1000), true);
  },
  closed: ([a]) => {
    assert.equal(a.closed, true);
  },
};

/** Over a SharedMemory of 8 bytes the parent created (the child attaches by name). */
const sharedMemoryCalls: Calls<SharedMemory> = {
  buf: (shm) => {
    shm.buf[7] = 5;
    assert.equal(shm.buf.length, 8);
  },
  name: (shm) => {
    assert.match(shm.name, /^mt_\d+_[0-9a-f]+$/);
  },
  size: (shm) => {
    assert.equal(shm.size, 8);
  },
  close: (shm) => {
    shm.close();
    assert.throws(() => shm.buf, /closed/);
  },
  unlink: (shm) => {
    shm.unlink();
    assert.throws(() => {
      shm.unlink();
    }, /No such file/);
  },
};

/** Over a ShareableList([1, 'ab']) the parent created (the child attaches by name). */
const shareableListCalls: Calls<ShareableList> = {
  shm: (list) => {
    assert.equal(list.shm.size > 0, true);
  },
  length: (list) => {
    assert.equal(list.length, 2);
  },
  get: (list) => {
    assert.equal(list.get(-1), 'ab');
  },
  set: (list) => {
    list.set(0, 2);
    assert.equal(list[0], 2);
  },
  count: (list) => {
    assert.equal(list.count(2), 1);
  },
  index: (list) => {
    assert.equal(list.index('ab'), 1);
  },
  toArray: (list) => {
    assert.deepEqual(list.toArray(), [2, 'ab']);
  },
  [String(Symbol.iterator)]: (list) => {
    assert.deepEqual([...list], [2, 'ab']);
  },
};

/**
 * `calls` and the repr members every class has (`toString` and `util.inspect`): each must
 * read the object's state (through the broker in a child on it), not fall back to the bare
 * `<ClassName>` a repr prints when it cannot read.
 */
function withRepr<T>(
  calls: Calls<T>,
  objectOf: (given: T) => object = (given) => given as object,
): Calls<T> {
  const read = (object: object): string => {
    const text = (object as { toString(): string }).toString();
    assert.notEqual(text, `<${object.constructor.name}>`);
    assert.ok(text.length > object.constructor.name.length + 2, text);
    return text;
  };
  return {
    ...calls,
    toString: (given: T) => read(objectOf(given)),
    [String(inspect.custom)]: (given: T) => {
      const object = objectOf(given);
      assert.equal(inspect(object), read(object));
    },
  };
}

/** The calls for each kind, by the name it is registered under. */
export const callsByKind: Readonly<Record<string, Calls<never>>> = {
  Lock: withRepr(lockCalls),
  RLock: withRepr(lockCalls),
  Semaphore: withRepr(semaphoreCalls),
  BoundedSemaphore: withRepr(semaphoreCalls),
  Event: withRepr(eventCalls),
  Condition: withRepr(conditionCalls),
  Barrier: withRepr(barrierCalls),
  Value: withRepr(valueCalls),
  SharedArray: withRepr(arrayCalls),
  Queue: withRepr(queueCalls),
  LifoQueue: withRepr(queueCalls),
  PriorityQueue: withRepr(queueCalls),
  JoinableQueue: withRepr(queueCalls),
  SimpleQueue: withRepr(simpleQueueCalls),
  Connection: withRepr(connectionCalls, ([connection]) => connection),
  SharedMemory: withRepr(sharedMemoryCalls),
  ShareableList: withRepr(shareableListCalls),
};

/**
 * Calls every member of every object in `objects` (by kind), in order, and writes to `out`
 * what each call did: `'ok'`, or the error it threw.
 */
export async function callEverything(
  objects: Readonly<Record<string, unknown>>,
  out: string,
): Promise<void> {
  const report: Record<string, Record<string, string>> = {};
  for (const [kind, object] of Object.entries(objects)) {
    const done: Record<string, string> = {};
    for (const [member, call] of Object.entries(callsByKind[kind] ?? {})) {
      try {
        await call(object as never);
        done[member] = 'ok';
      } catch (error) {
        done[member] = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      }
    }
    report[kind] = done;
  }
  writeFileSync(out, JSON.stringify(report));
}
