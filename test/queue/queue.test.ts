/**
 * The Queue family in one realm: order (FIFO, LIFO, priority), maxsize, non-blocking and
 * timed put/get, timeouts, taskDone/join, Python 3.13 shutdown, SimpleQueue, close(), items
 * of every size, async iteration and AbortSignal. See docs/python-conformance.md B.1–B.7, C.14.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  ArgumentRangeError,
  ArgumentTypeError,
  JoinableQueue,
  LifoQueue,
  Lock,
  MultitaskError,
  PicklingError,
  Pipe,
  PriorityQueue,
  Queue,
  QueueEmptyError,
  QueueFullError,
  QueueShutDownError,
  SimpleQueue,
  StateError,
} from '../../src/index.ts';
import { expected, rejectsError, settlesWithin, throwsError } from '../helpers/sync.ts';

const empty = [QueueEmptyError, 'ERR_QUEUE_EMPTY', 'the queue is empty'] as const;
const full = [QueueFullError, 'ERR_QUEUE_FULL', 'the queue is full'] as const;
const shutDown = [QueueShutDownError, 'ERR_QUEUE_SHUT_DOWN', 'the queue is shut down'] as const;
const closed = [StateError, 'ERR_QUEUE_CLOSED', 'Queue is closed'] as const;
const tooMany = [StateError, 'ERR_TASK_DONE_TOO_MANY', 'taskDone() called too many times'] as const;
const negative = [
  ArgumentRangeError,
  'ERR_OUT_OF_RANGE',
  expected('timeout', 'a non-negative number', '`-1` (number)'),
] as const;

function drain<T>(queue: Queue<T>): T[] {
  const items: T[] = [];
  while (!queue.empty()) items.push(queue.getNowait());
  return items;
}

describe('Queue family - order (B.1)', () => {
  it('Queue - first in, first out', () => {
    const queue = new Queue<number>();
    for (const item of [111, 333, 222]) queue.putSync(item);
    assert.deepEqual(drain(queue), [111, 333, 222]);
  });

  it('LifoQueue - last in, first out', async () => {
    const queue = new LifoQueue<number>();
    for (const item of [111, 333, 222]) await queue.put(item);
    assert.deepEqual([await queue.get(), await queue.get(), await queue.get()], [222, 333, 111]);
  });

  it('PriorityQueue - smallest first', () => {
    const queue = new PriorityQueue<number>();
    for (const item of [111, 333, 222]) queue.putSync(item);
    assert.deepEqual(drain(queue), [111, 222, 333]);
  });

  it('PriorityQueue - arrays compare element by element, ties go to the next element', () => {
    const queue = new PriorityQueue<unknown[]>();
    const items = [[2, 'b'], [1, 'z'], [2, 'a'], [1], [1, 'z', 0], [0.5, 'q'], [2n, 'c']];
    for (const item of items) queue.putSync(item);
    assert.deepEqual(drain(queue), [
      [0.5, 'q'],
      [1],
      [1, 'z'],
      [1, 'z', 0],
      [2, 'a'],
      [2, 'b'],
      [2n, 'c'],
    ]);
  });

  it('PriorityQueue - strings, and many items in heap order', () => {
    const strings = new PriorityQueue<string>();
    for (const item of ['pear', 'apple', 'fig']) strings.putSync(item);
    assert.deepEqual(drain(strings), ['apple', 'fig', 'pear']);
    const numbers = new PriorityQueue<number>();
    const values = Array.from({ length: 500 }, (_, i) => (i * 7919) % 500);
    for (const value of values) numbers.putSync(value);
    assert.deepEqual(
      drain(numbers),
      values.toSorted((a, b) => a - b),
    );
  });

  it('PriorityQueue#put() - incomparable items: TypeError, the queue unchanged', () => {
    const queue = new PriorityQueue<unknown>();
    throwsError(
      () => {
        queue.putSync({ a: 1 });
      },
      ArgumentTypeError,
      'ERR_INVALID_ARG_TYPE',
      expected(
        'item',
        'a number, bigint, boolean, string or array, which a PriorityQueue can order',
        '`Object` (object)',
      ),
    );
    queue.putSync(1);
    throwsError(
      () => {
        queue.putSync('one');
      },
      ArgumentTypeError,
      'ERR_INVALID_ARG_TYPE',
      "'<' not supported between instances of 'string' and 'number'",
    );
    const pairs = new PriorityQueue<unknown[]>();
    pairs.putSync([1, { job: 'a' }]);
    throwsError(
      () => {
        pairs.putSync([1, { job: 'b' }]);
      },
      ArgumentTypeError,
      'ERR_INVALID_ARG_TYPE',
      "'<' not supported between instances of 'Object' and 'Object'",
    );
    pairs.putSync([0, { job: 'c' }]);
    assert.equal(queue.qsize(), 1);
    assert.deepEqual(drain(pairs), [
      [0, { job: 'c' }],
      [1, { job: 'a' }],
    ]);
  });
});

describe('Queue - maxsize (B.2)', () => {
  it('new Queue(maxsize) - 0 or less is unbounded', () => {
    for (const maxsize of [0, -1]) {
      const queue = new Queue<number>(maxsize);
      for (let i = 0; i < 1000; i++) queue.putNowait(i);
      assert.equal(queue.full(), false);
      assert.equal(queue.qsize(), 1000);
      assert.equal(queue.maxsize, maxsize);
    }
  });

  it('new Queue(maxsize) - a non-integer is refused', () => {
    throwsError(
      () => new Queue(1.5),
      ArgumentTypeError,
      'ERR_INVALID_ARG_TYPE',
      expected('maxsize', 'an integer (0 or less: no limit)', '`1.5` (number)'),
    );
  });

  it('.maxsize - shrinking at runtime is respected; growing releases a waiting putter', async () => {
    const queue = new Queue<number>(3);
    queue.putSync(1);
    queue.putSync(2);
    queue.maxsize = 2;
    assert.equal(queue.full(), true);
    throwsError(
      () => {
        queue.putNowait(3);
      },
      ...full,
    );
    const waiting = queue.put(3);
    queue.maxsize = 3;
    await waiting;
    assert.deepEqual(drain(queue), [1, 2, 3]);
  });
});

describe('Queue - non-blocking and timed calls (B.3, B.4)', () => {
  it('.putNowait() / put({ block: false }) on a full queue - QueueFullError at once', async () => {
    const queue = new Queue<number>(1);
    queue.putSync(1);
    throwsError(
      () => {
        queue.putNowait(2);
      },
      ...full,
    );
    await rejectsError(queue.put(2, { block: false, timeout: 10_000 }), ...full);
    throwsError(
      () => {
        queue.putSync(2, { block: false });
      },
      ...full,
    );
  });

  it('.put({ timeout }) on a full queue - QueueFullError once it expires', async () => {
    const queue = new Queue<number>(1);
    queue.putSync(1);
    await rejectsError(queue.put(2, { timeout: 5 }), ...full);
    throwsError(
      () => {
        queue.putSync(2, { timeout: 5 });
      },
      ...full,
    );
    assert.deepEqual(drain(queue), [1]);
  });

  it('.getNowait() / get({ timeout }) on an empty queue - QueueEmptyError', async () => {
    const queue = new Queue<number>();
    throwsError(() => queue.getNowait(), ...empty);
    await rejectsError(queue.get({ block: false }), ...empty);
    await rejectsError(queue.get({ timeout: 5 }), ...empty);
    throwsError(() => queue.getSync({ timeout: 0 }), ...empty);
  });

  it('.get({ timeout: -1 }) - refused; with block: false the timeout is ignored', async () => {
    const queue = new Queue<number>();
    await rejectsError(queue.get({ timeout: -1 }), ...negative);
    throwsError(() => queue.getSync({ timeout: -1 }), ...negative);
    await rejectsError(queue.get({ block: false, timeout: -1 }), ...empty);
  });

  it('.put({ timeout: -1 }) - refused on a bounded queue only, and not with block: false', async () => {
    const bounded = new Queue<number>(5);
    await rejectsError(bounded.put(1, { timeout: -1 }), ...negative);
    throwsError(
      () => {
        bounded.putSync(1, { timeout: -1 });
      },
      ...negative,
    );
    await bounded.put(1, { block: false, timeout: -1 });
    const unbounded = new Queue<number>();
    await unbounded.put(1, { timeout: -1 });
    assert.deepEqual([drain(bounded), drain(unbounded)], [[1], [1]]);
  });

  it('.get() - a waiting getter takes the next item put', async () => {
    const queue = new Queue<string>();
    const waiting = queue.get();
    await queue.put('hello');
    assert.equal(await waiting, 'hello');
  });

  it('.get({ signal }) - an abort rejects with the reason and takes nothing', async () => {
    const queue = new Queue<string>();
    const controller = new AbortController();
    const waiting = queue.get({ signal: controller.signal });
    controller.abort(new Error('gave up'));
    await rejectsError(waiting, Error, null, 'gave up');
    queue.putSync('kept');
    assert.deepEqual(drain(queue), ['kept']);
  });
});

describe('Queue - taskDone() and join() (B.5)', () => {
  it('.join() - resolves at once on a fresh queue, and again later', async () => {
    const queue = new JoinableQueue<number>();
    assert.equal(await queue.join(), true);
    assert.equal(queue.joinSync(), true);
  });

  it('.join() - waits until every item is marked done', async () => {
    const queue = new JoinableQueue<number>();
    queue.putSync(1);
    queue.putSync(2);
    const joined = queue.join();
    queue.getSync();
    queue.taskDone();
    assert.equal(await queue.join(5), false);
    queue.getSync();
    queue.taskDone();
    assert.equal(await joined, true);
    assert.equal(await queue.join(), true);
  });

  it('.taskDone() - too many times: StateError', () => {
    const queue = new Queue<number>();
    throwsError(
      () => {
        queue.taskDone();
      },
      ...tooMany,
    );
    queue.putSync(1);
    queue.taskDone();
    throwsError(
      () => {
        queue.taskDone();
      },
      ...tooMany,
    );
  });
});

describe('Queue family - errors and SimpleQueue (B.6)', () => {
  it('QueueEmptyError, QueueFullError, QueueShutDownError - MultitaskErrors with codes', () => {
    for (const [Class, code] of [empty, full, shutDown]) {
      const error = new Class();
      assert.ok(error instanceof MultitaskError);
      assert.ok(error instanceof Error);
      assert.equal(error.code, code);
    }
  });

  it('SimpleQueue - FIFO, put never waits, get like Queue', async () => {
    const queue = new SimpleQueue<number>();
    for (const item of [111, 333, 222]) queue.putSync(item, { block: false, timeout: -1 });
    await queue.put(4, { timeout: 0 });
    queue.putNowait(5);
    assert.equal(queue.qsize(), 5);
    assert.deepEqual(
      [queue.getNowait(), queue.getSync(), await queue.get(), await queue.get(), queue.getSync()],
      [111, 333, 222, 4, 5],
    );
    assert.equal(queue.empty(), true);
    throwsError(() => queue.getNowait(), ...empty);
    await rejectsError(queue.get({ timeout: 1 }), ...empty);
    await rejectsError(queue.get({ timeout: -1 }), ...negative);
    for (const missing of ['taskDone', 'join', 'full', 'maxsize', 'shutdown']) {
      assert.equal(missing in queue, false, missing);
    }
  });
});

describe('Queue - shutdown() (B.7, Python 3.13)', () => {
  it('.shutdown() - put fails, get drains then fails, join still waits', async () => {
    const queue = new Queue<number>();
    queue.putSync(1);
    queue.putSync(2);
    assert.equal(queue.isShutdown, false);
    queue.shutdown();
    assert.equal(queue.isShutdown, true);
    throwsError(
      () => {
        queue.putSync(3);
      },
      ...shutDown,
    );
    await rejectsError(queue.put(3), ...shutDown);
    assert.deepEqual([queue.getSync(), await queue.get()], [1, 2]);
    await rejectsError(queue.get(), ...shutDown);
    throwsError(() => queue.getNowait(), ...shutDown);
    assert.equal(await queue.join(5), false);
    queue.taskDone();
    queue.taskDone();
    assert.equal(await queue.join(), true);
    queue.shutdown();
  });

  it('.shutdown() - wakes waiting getters and putters with QueueShutDownError', async () => {
    const empty = new Queue<number>();
    const fullQueue = new Queue<number>(1);
    fullQueue.putSync(1);
    const getter = empty.get();
    const putter = fullQueue.put(2);
    empty.shutdown();
    fullQueue.shutdown();
    await rejectsError(getter, ...shutDown);
    await rejectsError(putter, ...shutDown);
    assert.deepEqual(drain(fullQueue), [1]);
  });

  it('.shutdown({ immediate: true }) - drops the items, releases join(), get fails at once', async () => {
    const queue = new JoinableQueue<number>();
    for (const item of [1, 2, 3]) queue.putSync(item);
    queue.getSync();
    const joined = queue.join();
    queue.shutdown({ immediate: true });
    assert.equal(queue.qsize(), 0);
    // One item was taken and not marked done: join() waits for it.
    assert.equal(await settlesWithin(joined, 5), false);
    queue.taskDone();
    assert.equal(await joined, true);
    throwsError(() => queue.getNowait(), ...shutDown);
    await rejectsError(queue.get(), ...shutDown);
    throwsError(
      () => {
        queue.taskDone();
      },
      ...tooMany,
    );
    queue.shutdown({ immediate: true });
    assert.equal(queue.isShutdown, true);
  });

  it('for await - yields the items, ends when the queue is shut down and drained', async () => {
    const queue = new Queue<number>();
    for (const item of [1, 2, 3]) queue.putSync(item);
    queue.shutdown();
    const seen: number[] = [];
    for await (const item of queue) seen.push(item);
    assert.deepEqual(seen, [1, 2, 3]);
  });
});

describe('Queue - items (C.14)', () => {
  it('.put() - structured clones: values, Maps, Dates, typed arrays, undefined and null', () => {
    const queue = new Queue<unknown>();
    const items = [
      { a: [1, 'two', { three: 3n }] },
      new Map([['k', new Set([1])]]),
      new Date(0),
      new Float64Array([1.5, 2.5]),
      undefined,
      null,
      '',
    ];
    for (const item of items) queue.putSync(item);
    assert.deepEqual(drain(queue), items);
  });

  it('.put() - a refusal says the item cannot be put in a queue, not sent to a process', async () => {
    const queue = new Queue<unknown>();
    const refusal = (message: string) => [PicklingError, 'ERR_NOT_CLONEABLE', message] as const;
    throwsError(
      () => {
        queue.putSync({ onDone: () => 1 });
      },
      ...refusal('item.onDone is a function, which cannot be put in a queue'),
    );
    const { port1, port2 } = new MessageChannel();
    await rejectsError(
      queue.put([port1]),
      ...refusal(
        "item[0] is a MessagePort, which cannot be put in a queue: a port moves only in postMessage's transfer list",
      ),
    );
    port1.close();
    port2.close();
    throwsError(
      () => {
        queue.putSync({ memory: new SharedArrayBuffer(8) });
      },
      ...refusal(
        "item.memory is a SharedArrayBuffer, which cannot be put in a queue: a queue holds a copy of each item's bytes, not shared memory",
      ),
    );
    const [reader, writer] = Pipe();
    throwsError(
      () => {
        writer.send({ weak: new WeakMap() });
      },
      ...refusal('item.weak is a WeakMap, which cannot be sent through a pipe'),
    );
    reader.close();
    writer.close();
    assert.equal(queue.qsize(), 0);
  });

  it('.put() - an item that cannot be cloned: PicklingError, nothing queued, later items go', async () => {
    const queue = new Queue<unknown>();
    await assert.rejects(queue.put({ onDone: () => 1 }), (error: unknown) => {
      assert.ok(error instanceof PicklingError);
      assert.equal(error.code, 'ERR_NOT_CLONEABLE');
      assert.match(error.message, /item\.onDone/);
      return true;
    });
    assert.equal(queue.qsize(), 0);
    await queue.put('later');
    assert.deepEqual(drain(queue), ['later']);
  });

  it('.put() - a shared object inside an item is refused, naming its place, nothing queued', async () => {
    const queue = new Queue<unknown>();
    const isRefusal =
      (path: string) =>
      (error: unknown): boolean => {
        assert.ok(error instanceof PicklingError);
        assert.equal(error.code, 'ERR_NOT_CLONEABLE');
        assert.ok(error.message.startsWith(`${path} is a shared object`), error.message);
        return true;
      };
    await assert.rejects(queue.put({ account: 7, guard: new Lock() }), isRefusal('item.guard'));
    assert.throws(() => {
      queue.putSync([1, new Map([['inbox', new Queue()]])]);
    }, isRefusal('item[1]<Map value>'));
    assert.equal(queue.qsize(), 0);
    const [reader, writer] = Pipe();
    assert.throws(() => {
      writer.send({ lock: new Lock() });
    }, isRefusal('item.lock'));
    reader.close();
    writer.close();
  });

  it('.close() - put and get through the handle fail; idempotent', async () => {
    const queue = new Queue<number>();
    queue.putSync(1);
    queue.close();
    queue.close();
    await rejectsError(queue.put(2), ...closed);
    throwsError(() => queue.getSync(), ...closed);
  });

  it('.close() - the inspectors fail too (Python: Queue … is closed); taskDone, join, shutdown work', async () => {
    const queue = new JoinableQueue<number>(3);
    queue.putSync(1);
    assert.equal(queue.getSync(), 1);
    queue.putSync(2);
    queue.close();
    throwsError(() => queue.qsize(), ...closed);
    throwsError(() => queue.empty(), ...closed);
    throwsError(() => queue.full(), ...closed);
    throwsError(() => queue.maxsize, ...closed);
    throwsError(
      () => {
        queue.maxsize = 5;
      },
      ...closed,
    );
    throwsError(() => queue.isShutdown, ...closed);
    throwsError(() => queue.getNowait(), ...closed);
    throwsError(
      () => {
        queue.putNowait(3);
      },
      ...closed,
    );
    // As a closed multiprocessing.JoinableQueue's task_done() and join().
    queue.taskDone();
    assert.equal(await queue.join(0), false);
    queue.shutdown({ immediate: true });
    assert.equal(await queue.join(), true);
    const simple = new SimpleQueue<number>();
    simple.close();
    throwsError(() => simple.empty(), ...closed);
    throwsError(() => simple.qsize(), ...closed);
  });

  it('.put() - a 10 MB and a 50 MB buffer, and many items that outgrow the memory', () => {
    const queue = new Queue<Uint8Array>();
    for (const size of [10, 50]) {
      const buffer = new Uint8Array(size * 1024 * 1024);
      buffer[0] = size;
      buffer[buffer.length - 1] = 255 - size;
      queue.putSync(buffer);
      const got = queue.getSync();
      assert.equal(got.length, buffer.length);
      assert.deepEqual([got[0], got.at(-1)], [size, 255 - size]);
    }
    const many = new Queue<{ i: number; pad: string }>();
    let next = 0;
    for (let i = 0; i < 20_000; i++) {
      many.putSync({ i, pad: 'x'.repeat(i % 300) });
      if (i % 3 === 0) assert.equal(many.getSync().i, next++);
    }
    while (!many.empty()) assert.equal(many.getSync().i, next++);
    assert.equal(next, 20_000);
  });
});
