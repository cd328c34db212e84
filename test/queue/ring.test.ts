/**
 * A FIFO queue keeps its items in two places (queue-layout.ts): small ones in a lock-free
 * ring of 4,096 slots, the rest (large items, items put while the ring is full, and every
 * item put while the store holds any) in the store. Whatever way each item goes, the order
 * is the order of the puts, `maxsize` is exact, and qsize(), join(), taskDone() and
 * shutdown() count every item once.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  Event,
  JoinableQueue,
  Queue,
  QueueEmptyError,
  QueueShutDownError,
  SimpleQueue,
  Thread,
} from '../../src/index.ts';
import { BUSY, COUNT } from '../../src/queue/queue-layout.ts';
import { controlCells, type Tagged } from '../fixtures/queue-tasks.ts';
import { queueTasks } from '../fixtures/queue-task-refs.ts';
import { forEachBackend } from '../helpers/backends.ts';
import { joinAll, workerPool } from '../helpers/sync.ts';

const workers = workerPool();

/** More small items than the ring holds, with a large one every `largeEvery`. */
function mixed(count: number, largeEvery: number): unknown[] {
  return Array.from({ length: count }, (_, n) =>
    n % largeEvery === 0 ? { n, pad: 'y'.repeat(100) } : n % 3 === 0 ? { n } : n,
  );
}

function drain(queue: Queue | SimpleQueue): unknown[] {
  const items: unknown[] = [];
  while (!queue.empty()) items.push(queue.getNowait());
  return items;
}

describe('Queue - the ring and the store', () => {
  it('Queue - 10,000 items, small and large, come out in the order they were put (sync)', () => {
    const queue = new Queue();
    const items = mixed(10_000, 997);
    for (const item of items) queue.putSync(item);
    assert.equal(queue.qsize(), 10_000);
    assert.deepEqual(drain(queue), items);
    assert.equal(queue.qsize(), 0);
  });

  it('Queue - the same with async puts and gets, taken while putting', async () => {
    const queue = new Queue();
    const items = mixed(10_000, 499);
    const got: unknown[] = [];
    for (const [i, item] of items.entries()) {
      await queue.put(item);
      // Take one for every two put: the queue fills beyond the ring, and drains again.
      if (i % 2 === 1) got.push(await queue.get());
    }
    while (got.length < items.length) got.push(await queue.get());
    assert.deepEqual(got, items);
  });

  it('SimpleQueue - the same order through the ring and the store', () => {
    const queue = new SimpleQueue();
    const items = mixed(9_000, 1_001);
    for (const item of items) queue.putSync(item);
    assert.deepEqual(drain(queue), items);
  });

  it('Queue(maxsize) - exactly maxsize items fit, in the ring alone (100) or in both (6,000)', () => {
    for (const maxsize of [1, 100, 4_096, 6_000]) {
      const queue = new Queue(maxsize);
      let accepted = 0;
      for (;;) {
        try {
          // A large item now and then: the store counts towards maxsize too.
          queue.putNowait(accepted % 1_000 === 999 ? 'z'.repeat(64) : accepted);
          accepted++;
        } catch {
          break;
        }
      }
      assert.equal(accepted, maxsize, `maxsize ${maxsize}`);
      assert.equal(queue.qsize(), maxsize);
      assert.equal(queue.full(), true);
      queue.getNowait();
      queue.putNowait('one more');
      assert.throws(() => {
        queue.putNowait('too many');
      });
    }
  });

  it('JoinableQueue - join() waits for the items of the ring and of the store', async () => {
    const queue = new JoinableQueue();
    const items = mixed(6_000, 101);
    for (const item of items) queue.putSync(item);
    assert.equal(await queue.join(0), false);
    for (let i = 0; i < items.length - 1; i++) {
      queue.getSync();
      queue.taskDone();
    }
    assert.equal(await queue.join(0), false);
    queue.getSync();
    queue.taskDone();
    assert.equal(await queue.join(0), true);
    assert.throws(
      () => {
        queue.taskDone();
      },
      { code: 'ERR_TASK_DONE_TOO_MANY' },
    );
  });

  it('.shutdown({ immediate }) - drops the items of both, releases join(), fails get', async () => {
    const queue = new JoinableQueue();
    const items = mixed(5_000, 7);
    for (const item of items) queue.putSync(item);
    queue.getSync();
    queue.shutdown({ immediate: true });
    assert.equal(queue.qsize(), 0);
    assert.throws(() => queue.getNowait(), QueueShutDownError);
    assert.throws(() => {
      queue.putNowait(1);
    }, QueueShutDownError);
    // The one taken is still to be marked done; the 4,999 dropped count as done.
    assert.equal(await queue.join(0), false);
    queue.taskDone();
    assert.equal(await queue.join(0), true);
  });
});

forEachBackend(({ kind, Worker }) => {
  it(`Queue - two ${kind} producers, two ${kind} consumers: every item once, each producer's in order`, async () => {
    const producers = 2;
    const count = 20_000;
    const queue = new Queue<Tagged | null>();
    const report = new SimpleQueue<{ counts: number[]; inOrder: boolean }>();
    const consumers = [0, 1].map((_c) =>
      workers.start(
        new Worker({ target: queueTasks.takeTagged, args: [queue, producers, report] }),
      ),
    );
    const putters = Array.from({ length: producers }, (_, p) =>
      workers.start(new Worker({ target: queueTasks.putTagged, args: [queue, p, count, 50] })),
    );
    await joinAll(putters);
    await queue.put(null);
    await queue.put(null);
    await joinAll(consumers);
    const reports = [report.getSync({ timeout: 30_000 }), report.getSync({ timeout: 30_000 })];
    for (const { inOrder } of reports) assert.equal(inOrder, true);
    for (let p = 0; p < producers; p++) {
      assert.equal((reports[0]?.counts[p] ?? 0) + (reports[1]?.counts[p] ?? 0), count);
    }
    assert.equal(queue.qsize(), 0);
  });
});

it('Queue - a thread stopped while putting does not leave the queue stuck for the others', async () => {
  for (let round = 0; round < 10; round++) {
    const queue = new Queue<number>();
    const started = new Event();
    const putter = new Thread({ target: queueTasks.putForever, args: [queue, started] });
    putter.start();
    assert.equal(await started.wait(30_000), true);
    // Take while it puts, so that the ring (and at times the store) is in use when it stops.
    for (let i = 0; i < 1_000; i++) queue.getSync({ timeout: 5_000 });
    putter.terminate();
    // Joined: its owner id is dead for this thread to see (a blocked thread cannot see its
    // own child die), should it have died holding the store's lock or a claimed slot.
    await putter.join();
    // What it put is there, in order, and a position it claimed and never wrote is given up
    // after a second. Only an item it was moving from the store to the ring when it died may
    // come twice (Python warns that a queue may be corrupted by a process terminated while
    // using it): at most one step of the sequence is not +1.
    let last = 999;
    let odd = 0;
    while (!queue.empty()) {
      let item: number;
      try {
        item = queue.getSync({ timeout: 5_000 });
      } catch (error) {
        // A claimed, never-written position counts in qsize() until a getter gives it up.
        if (error instanceof QueueEmptyError && queue.empty()) break;
        throw error;
      }
      if (item !== last + 1) odd++;
      last = item;
    }
    assert.ok(odd <= 1, `round ${round}: ${odd} steps out of sequence`);
    for (let i = 0; i < 10_000; i++) queue.putSync(-i);
    for (let i = 0; i < 10_000; i++) assert.equal(queue.getSync({ timeout: 5_000 }), -i);
  }
});

it('Queue - a position whose putter died after claiming it is given up; join() still counts right', async () => {
  const queue = new JoinableQueue<string>();
  queue.putSync('before');
  const dying = new Thread({ target: queueTasks.dieAfterClaiming, args: [queue] });
  dying.start();
  await dying.join();
  assert.equal(dying.exitCode, 0);
  queue.putSync('after');
  assert.equal(queue.getSync({ timeout: 5_000 }), 'before');
  queue.taskDone();
  // Waits for the claimed position until it finds its claimant dead, then skips it.
  assert.equal(queue.getSync({ timeout: 10_000 }), 'after');
  queue.taskDone();
  assert.equal(queue.qsize(), 0);
  assert.equal(await queue.join(0), true);
});

it("JoinableQueue.shutdown({ immediate }) - the items behind a dead putter's claim are dropped too", async () => {
  const queue = new JoinableQueue<string>();
  queue.putSync('before');
  const dying = new Thread({ target: queueTasks.dieAfterClaiming, args: [queue] });
  dying.start();
  await dying.join();
  queue.putSync('behind');
  queue.shutdown({ immediate: true });
  // 'before' was dropped at once; 'behind' waits behind the dead claim until join() gives
  // that up (after a second) and drops it.
  assert.equal(await queue.join(10_000), true);
  assert.equal(queue.qsize(), 0);
});

it('Queue - a store put that died holding the lock: the lock is taken over, the ring used again', async () => {
  const queue = new Queue<unknown>();
  const dying = new Thread({ target: queueTasks.dieInStorePut, args: [queue] });
  dying.start();
  await dying.join();
  const cells = controlCells(queue);
  assert.equal(Atomics.load(cells, BUSY), 1);
  // The first put finds BUSY up, goes the store's way, takes the abandoned lock over, finds
  // the store empty and puts into the ring after all: BUSY no longer counts the dead put.
  queue.putSync('first');
  assert.equal(Atomics.load(cells, BUSY), 0);
  assert.equal(Atomics.load(cells, COUNT), 0);
  assert.equal(queue.getSync(), 'first');
  // Now small items take the ring again: the store stays empty.
  for (let i = 0; i < 100; i++) queue.putSync(i);
  assert.equal(Atomics.load(cells, COUNT), 0);
  for (let i = 0; i < 100; i++) assert.equal(queue.getSync(), i);
});
