/**
 * Reprs (issue 19): `String(x)` and `util.inspect(x)` (what `console.log` prints) show what
 * Python's `repr()` would, with variable parts (pids, thread ids, paths) normalized.
 */
import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import { describe, it } from 'node:test';
import {
  Barrier,
  BoundedSemaphore,
  Condition,
  Event,
  JoinableQueue,
  Lock,
  Manager,
  Pipe,
  Process,
  Queue,
  RLock,
  Semaphore,
  ShareableList,
  SharedArray,
  SimpleQueue,
  Thread,
  ThreadPool,
  ThreadPoolExecutor,
  Timer,
  Value,
  gevent,
  sharedMemoryBackend,
} from '../../src/index.ts';
import { Popen, run } from '../../src/subprocess/index.ts';
import { defineRepr } from '../../src/internal/repr.ts';
import { tasks } from '../fixtures/task-refs.ts';

/** `String(value)`: what `toString()`, which each class's repr replaces, returns. */
function str(value: object): string {
  return (value as { toString(): string }).toString();
}

/** Both forms, which must agree; numbers of two digits or more (ids, pids) become `N`. */
function repr(value: object): string {
  const shown = str(value);
  assert.equal(inspect(value), shown);
  return shown.replace(/\d{2,}/g, 'N');
}

describe('reprs of threads and processes', () => {
  it('Thread: initial, started with its id, stopped with its exit code', async () => {
    const thread = new Thread({ target: tasks.noop, name: 'worker' });
    assert.equal(repr(thread), '<Thread(worker, initial)>');
    thread.start();
    assert.match(str(thread), /^<Thread\(worker, started \d+\)>$/);
    await thread.join();
    assert.match(str(thread), /^<Thread\(worker, stopped \d+ exitcode=0\)>$/);
    const daemon = new Thread({ target: tasks.noop, name: 'd', daemon: true });
    assert.equal(repr(daemon), '<Thread(d, initial daemon)>');
    assert.match(repr(new Timer(1, tasks.noop)), /^<Timer\(Thread-\d+ \(noop\), initial\)>$/);
  });

  it('Process: pid, parent, status and exit code as Python prints them', async () => {
    const child = new Process({ target: tasks.exitWith, args: [3], name: 'Process-x' });
    assert.equal(repr(child), "<Process name='Process-x' parent=N initial>");
    child.start();
    assert.equal(repr(child), "<Process name='Process-x' pid=N parent=N started>");
    assert.equal(str(child).split('parent=')[1], `${process.pid} started>`);
    await child.join();
    assert.equal(repr(child), "<Process name='Process-x' pid=N parent=N stopped exitcode=3>");
    const killed = new Process({ target: tasks.noop, name: 'k', daemon: true });
    killed.start();
    killed.terminate();
    await killed.join();
    assert.equal(
      repr(killed),
      "<Process name='k' pid=N parent=N stopped exitcode=-SIGTERM daemon>",
    );
  });
});

describe('reprs of synchronization primitives', () => {
  it('Lock and RLock: locked or not, an RLock with its owner and count', async () => {
    const lock = new Lock();
    assert.equal(repr(lock), '<unlocked Lock>');
    await lock.acquire();
    assert.equal(repr(lock), '<locked Lock>');
    lock.release();
    const rlock = new RLock();
    assert.equal(repr(rlock), '<unlocked RLock owner=0 count=0>');
    await rlock.acquire();
    await rlock.acquire();
    assert.match(str(rlock), /^<locked RLock owner=[1-9]\d* count=2>$/);
    rlock.release();
    rlock.release();
    const condition = new Condition(new Lock());
    assert.equal(repr(condition), '<Condition(<unlocked Lock>, 0)>');
    await condition.acquire();
    const waited = condition.wait();
    // wait() has given the lock up and stands in line: a second acquire proves both.
    await condition.acquire();
    assert.equal(repr(condition), '<Condition(<locked Lock>, 1)>');
    condition.notify();
    condition.release();
    assert.equal(await waited, true);
    assert.equal(repr(condition), '<Condition(<locked Lock>, 0)>');
    condition.release();
  });

  it('Semaphore, Event and Barrier show their state', async () => {
    const semaphore = new Semaphore(2);
    await semaphore.acquire();
    assert.equal(repr(semaphore), '<Semaphore value=1>');
    const bounded = new BoundedSemaphore(3);
    await bounded.acquire();
    assert.equal(repr(bounded), '<BoundedSemaphore value=2/3>');
    const event = new Event();
    assert.equal(repr(event), '<Event unset>');
    event.set();
    assert.equal(repr(event), '<Event set>');
    const barrier = new Barrier(3);
    assert.equal(repr(barrier), '<Barrier waiters=0/3>');
    barrier.abort();
    assert.equal(repr(barrier), '<Barrier broken>');
  });
});

describe('reprs of queues and values', () => {
  it('queues show their size, and maxsize when bounded', async () => {
    const queue = new Queue<number>(10);
    await queue.put(1);
    await queue.put(2);
    assert.equal(repr(queue), '<Queue size=2 maxsize=N>');
    assert.equal(repr(new SimpleQueue()), '<SimpleQueue size=0>');
    assert.equal(repr(new JoinableQueue()), '<JoinableQueue size=0 maxsize=0>');
    queue.close();
    assert.equal(repr(queue), '<Queue closed>');
    const [a, b] = Pipe();
    assert.equal(repr(a), '<Connection readable writable>');
    a.close();
    b.close();
    assert.equal(repr(a), '<Connection closed>');
  });

  it('Value and SharedArray (truncated)', () => {
    assert.equal(repr(new Value('i', 3)), "Value('i', 3)");
    assert.equal(repr(new Value('d', 1.5)), "Value('d', 1.5)");
    assert.equal(repr(new SharedArray('d', [1, 2, 3])), "SharedArray('d', [1, 2, 3])");
    const long = new SharedArray('i', 20);
    long.set(7, 7);
    assert.equal(str(long), "SharedArray('i', [0, 0, 0, 0, 0, 0, 0, 7, … 12 more])");
  });

  // SharedMemory needs the addon: without it (MULTITASK_SHARED_MEMORY=broker) it is refused,
  // as test/values/shared-memory.test.ts checks; the repr is checked where it exists.
  if (sharedMemoryBackend() === 'native') {
    it('ShareableList', () => {
      const list = new ShareableList([1, 'a'], { name: `mt_repr_${process.pid}` });
      try {
        assert.equal(repr(list), "ShareableList([1, 'a'], name='mt_repr_N')");
      } finally {
        list.shm.close();
        list.shm.unlink();
      }
    });
  }
});

describe('reprs of pools, executors, futures and managers', () => {
  it('ThreadPool and ThreadPoolExecutor with their futures', async () => {
    const pool = new ThreadPool(2);
    assert.equal(repr(pool), '<ThreadPool state=RUN pool_size=2>');
    pool.close();
    assert.equal(repr(pool), '<ThreadPool state=CLOSE pool_size=2>');
    await pool.join();
    const executor = new ThreadPoolExecutor(2);
    assert.equal(repr(executor), '<ThreadPoolExecutor max_workers=2 state=running>');
    const future = executor.submit(tasks.add, 1, 2);
    assert.match(repr(future), /^<Future state=(pending|running|finished returned number)>$/);
    assert.equal(await future, 3);
    assert.equal(repr(future), '<Future state=finished returned number>');
    await executor.shutdown();
    assert.equal(repr(executor), '<ThreadPoolExecutor max_workers=2 state=shutdown>');
  });

  it('Manager and its proxies', async () => {
    const manager = new Manager();
    assert.equal(repr(manager), '<Manager state=initial>');
    await manager.start();
    try {
      assert.match(str(manager), /^<Manager state=started address='[^']+'>$/);
      const dict = await manager.dict();
      assert.match(repr(dict), /^<DictProxy object, typeid 'dict' id \d+>$/);
    } finally {
      await manager.shutdown();
    }
    assert.match(str(manager), /^<Manager state=shutdown address='[^']+'>$/);
  });
});

describe('reprs of subprocesses', () => {
  it('Popen and CompletedProcess', async () => {
    const popen = new Popen(['true']);
    assert.equal(repr(popen), "<Popen: returncode: null args: ['true']>");
    await popen.wait();
    assert.equal(repr(popen), "<Popen: returncode: 0 args: ['true']>");
    const done = await run(['echo', 'hi'], { captureOutput: true, text: true });
    assert.equal(
      repr(done),
      "CompletedProcess(args=['echo', 'hi'], returncode=0, stdout='hi\\n', stderr='')",
    );
    const plain = await run(['true']);
    assert.equal(repr(plain), "CompletedProcess(args=['true'], returncode=0)");
  });
});

describe('reprs of gevent objects', () => {
  it('Event, AsyncResult, Queue, Group and Pool', () => {
    const event = new gevent.Event();
    assert.equal(repr(event), '<gevent.Event unset>');
    event.set();
    assert.equal(repr(event), '<gevent.Event set>');
    const result = new gevent.AsyncResult<number>();
    assert.equal(repr(result), '<gevent.AsyncResult pending>');
    result.set(1);
    assert.equal(repr(result), '<gevent.AsyncResult ready successful>');
    const queue = new gevent.Queue<number>(2);
    queue.putNowait(1);
    assert.equal(repr(queue), '<gevent.Queue size=1 maxsize=2>');
    assert.equal(repr(new gevent.Group()), '<gevent.Group size=0>');
    assert.equal(repr(new gevent.Pool(3)), '<gevent.Pool size=0 free=3>');
  });
});

describe('a repr never throws', () => {
  it('falls back to the class name when reading the state throws', () => {
    class Broken {}
    defineRepr(Broken, () => {
      throw new Error('unreadable');
    });
    assert.equal(str(new Broken()), '<Broken>');
    assert.equal(inspect(new Broken()), '<Broken>');
  });
});
