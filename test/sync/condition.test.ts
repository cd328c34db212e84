/**
 * Condition: an RLock by default; wait/notify need the lock; wait(t) false on timeout and
 * true when notified; notify(n) wakes the n longest waiting (FIFO), notifyAll every one;
 * waitFor returns the predicate's last value; a multiply-held RLock is fully released while
 * waiting and restored after; AbortSignal. In the main thread and from threads and processes.
 * The FIFO order across threads and processes is in cross-backend.test.ts.
 * See docs/python-conformance.md A.5.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  ArgumentRangeError,
  ArgumentTypeError,
  Condition,
  Event,
  Lock,
  RLock,
  Semaphore,
  StateError,
} from '../../src/index.ts';
import { syncTasks } from '../fixtures/sync-task-refs.ts';
import { forEachBackend, scratchDir } from '../helpers/backends.ts';
import {
  errorInfo,
  expected,
  readJson,
  rejectsError,
  settlesWithin,
  throwsError,
  workerPool,
} from '../helpers/sync.ts';

const scratch = scratchDir();
const workers = workerPool();

const unowned = (what: 'wait' | 'notify') =>
  [StateError, 'ERR_NOT_OWNER', `cannot ${what} on un-acquired lock`] as const;

/** Records which waiters woke, and resolves `reach(n)` once n have. */
function wakeLog(): {
  readonly woke: number[];
  add(id: number): void;
  reach(n: number): Promise<void>;
} {
  const woke: number[] = [];
  const pending: { n: number; resolve: () => void }[] = [];
  return {
    woke,
    add(id) {
      woke.push(id);
      for (const p of pending.filter((p) => woke.length >= p.n)) p.resolve();
    },
    reach(n) {
      if (woke.length >= n) return Promise.resolve();
      return new Promise((resolve) => pending.push({ n, resolve }));
    },
  };
}

describe('Condition in the main thread', () => {
  it('new Condition() - an RLock by default, or the lock given', () => {
    assert.ok(new Condition().lock instanceof RLock);
    const lock = new Lock();
    assert.equal(new Condition(lock).lock, lock);
    const rlock = new RLock();
    assert.equal(new Condition(rlock).lock, rlock);
  });

  it('new Condition() - anything but a Lock or an RLock is refused', () => {
    for (const [value, got] of [
      [{}, '`Object` (object)'],
      [new Semaphore(), '`Semaphore` (object)'],
      [null, '`null` (null)'],
    ] as const) {
      throwsError(
        () => new Condition(value as unknown as Lock),
        ArgumentTypeError,
        'ERR_INVALID_ARG_TYPE',
        expected('lock', 'a Lock or an RLock', got),
      );
    }
  });

  it('.locked() - whether its lock is held, by anyone (Python 3.14)', async () => {
    for (const lock of [new Lock(), new RLock(), undefined]) {
      const cond = new Condition(lock);
      assert.equal(cond.locked(), false);
      await cond.acquire();
      assert.equal(cond.locked(), true);
      assert.equal(cond.lock.locked(), true);
      cond.release();
      assert.equal(cond.locked(), false);
    }
    const cond = new Condition(new RLock());
    cond.acquireSync();
    cond.acquireSync();
    cond.release();
    assert.equal(cond.locked(), true);
    cond.release();
    assert.equal(cond.locked(), false);
  });

  it(".waitFor() - a predicate that is not a function is refused, as Python's TypeError", async () => {
    const cond = new Condition();
    await cond.acquire();
    const notFunction = expected('predicate', 'a function', '`5` (number)');
    await rejectsError(
      cond.waitFor(5 as unknown as () => boolean, 0),
      ArgumentTypeError,
      'ERR_INVALID_ARG_TYPE',
      notFunction,
    );
    throwsError(
      () => cond.waitForSync(5 as unknown as () => boolean, 0),
      ArgumentTypeError,
      'ERR_INVALID_ARG_TYPE',
      notFunction,
    );
    cond.release();
  });

  it('.wait() / .notify() / .notifyAll() - refused without the lock', async () => {
    for (const cond of [new Condition(), new Condition(new Lock())]) {
      await rejectsError(cond.wait(), ...unowned('wait'));
      throwsError(() => cond.waitSync(10), ...unowned('wait'));
      await rejectsError(
        cond.waitFor(() => false, 10),
        ...unowned('wait'),
      );
      throwsError(
        () => {
          cond.notify();
        },
        ...unowned('notify'),
      );
      throwsError(
        () => {
          cond.notifyAll();
        },
        ...unowned('notify'),
      );
    }
  });

  it('.notify(n) - n must be an integer from 0; without waiters it does nothing', async () => {
    const cond = new Condition();
    await cond.acquire();
    throwsError(
      () => {
        cond.notify(-1);
      },
      ArgumentRangeError,
      'ERR_OUT_OF_RANGE',
      expected('n', 'an integer from 0 and up', '`-1` (number)'),
    );
    cond.notify();
    cond.notify(0);
    cond.notify(5);
    cond.notifyAll();
    cond.release();
    assert.equal(cond.lock.locked(), false);
  });

  it('.wait(timeout) - false on timeout, with the lock held again', async () => {
    const cond = new Condition(new Lock());
    await cond.acquire();
    assert.equal(await cond.wait(15), false);
    assert.equal(cond.lock.locked(), true);
    assert.equal(cond.waitSync(15), false);
    assert.equal(await cond.wait(0), false);
    assert.equal(await cond.wait(-1), false);
    assert.equal(await cond.wait({ timeout: 5 }), false);
    cond.release();
  });

  it('.notify(n) - wakes the n longest waiting, in order; .notifyAll() the rest', async () => {
    // Waiters in this thread share one owner, so the lock is a Lock, which does not re-enter.
    const cond = new Condition(new Lock());
    const log = wakeLog();
    const waiters: Promise<void>[] = [];
    for (let i = 0; i < 5; i++) {
      // Taking the lock waits until the previous waiter has queued and let go of it.
      await cond.acquire();
      waiters.push(
        cond.wait().then((notified) => {
          assert.equal(notified, true);
          log.add(i);
          cond.release();
        }),
      );
    }
    await cond.withLock(() => {
      cond.notify(2);
    });
    await log.reach(2);
    assert.deepEqual([...log.woke].sort(), [0, 1]);
    assert.equal(await settlesWithin(log.reach(3), 50), false);
    await cond.withLock(() => {
      cond.notify();
    });
    await log.reach(3);
    assert.equal(log.woke[2], 2);
    assert.equal(await settlesWithin(log.reach(4), 50), false);
    await cond.withLock(() => {
      cond.notifyAll();
    });
    await Promise.all(waiters);
    assert.deepEqual(log.woke.slice(3).sort(), [3, 4]);
  });

  it(".waitFor() - returns the predicate's last value as it is", async () => {
    const cond = new Condition(new Lock());
    let items = 0;
    await cond.acquire();
    // Timed out: the falsy value itself, not `false`.
    assert.equal(await cond.waitFor(() => items, 10), 0);
    assert.equal(
      cond.waitForSync(() => (items > 0 ? 'some' : ''), 10),
      '',
    );
    assert.equal(await cond.waitFor(() => null, 0), null);
    // Already true: returned without waiting.
    assert.deepEqual(await cond.waitFor(() => ({ items })), { items: 0 });
    cond.release();
    const consumer = (async () => {
      await cond.acquire();
      const value = await cond.waitFor(() => items >= 2 && `got ${items}`);
      cond.release();
      return value;
    })();
    for (let i = 0; i < 2; i++) {
      await cond.withLock(() => {
        items++;
        cond.notify();
      });
    }
    assert.equal(await consumer, 'got 2');
  });

  it('.wait({ signal }) - an abort rejects with the reason once the lock is held again', async () => {
    const cond = new Condition(new Lock());
    const reason = new Error('gave up');
    const controller = new AbortController();
    await cond.acquire();
    const waiting = cond.wait({ signal: controller.signal });
    // wait() let go of the lock; take it, so that the aborted waiter has to wait for it.
    assert.equal(await cond.acquire({ timeout: 10_000 }), true);
    controller.abort(reason);
    assert.equal(await settlesWithin(waiting, 50), false);
    cond.release();
    await assert.rejects(waiting, (error) => error === reason);
    // The rejected wait() gave the lock back to its caller, as every wait() does.
    assert.equal(cond.lock.locked(), true);
    cond.release();
    assert.equal(cond.lock.locked(), false);
  });
});

forEachBackend(({ kind, Worker }) => {
  it(`Condition in a ${kind} - misuse, timeouts and notify without waiters, both forms`, async () => {
    const cond = new Condition();
    const out = scratch.file(`condition-tour-${kind}.json`);
    await workers.run(new Worker({ target: syncTasks.conditionTour, args: [cond, out] }));
    assert.deepEqual(readJson(out), {
      waitUnowned: errorInfo(...unowned('wait')),
      waitSyncUnowned: errorInfo(...unowned('wait')),
      notifyUnowned: errorInfo(...unowned('notify')),
      notifyAllUnowned: errorInfo(...unowned('notify')),
      timed: [false, false, false, false],
      stillHeld: true,
      aborted: { sameReason: true, ...(errorInfo(Error, null, 'gave up') as object) },
    });
    assert.equal(cond.lock.locked(), false);
  });

  it(`Condition - an RLock held 3 times is let go while waiting and restored, ${kind} and main thread`, async () => {
    const cond = new Condition(new RLock());
    const arrived = new Semaphore(0);
    const go = new Event();
    const out = scratch.file(`condition-rlock-${kind}.json`);
    const worker = workers.start(
      new Worker({ target: syncTasks.waitHoldingThrice, args: [cond, arrived, go, out] }),
    );
    // The worker waits holding the lock 3 times: we can take it only if wait() let go of all 3.
    assert.equal(await arrived.acquire({ timeout: 30_000 }), true);
    assert.equal(await cond.acquire({ timeout: 10_000 }), true);
    cond.notify();
    cond.release();
    assert.equal(await arrived.acquire({ timeout: 30_000 }), true);
    assert.deepEqual(readJson(out), {
      notified: true,
      lockedAfterEachRelease: [true, true, false],
      fourthRelease: errorInfo(StateError, 'ERR_NOT_OWNER', 'cannot release un-acquired lock'),
    });
    // Now the other way round: we wait holding it 3 times, and the worker notifies.
    await cond.acquire();
    cond.acquireSync();
    await cond.acquire();
    const waited = cond.wait(30_000);
    go.set();
    assert.equal(await waited, true);
    const lockedAfterEachRelease: boolean[] = [];
    for (let i = 0; i < 3; i++) {
      cond.release();
      lockedAfterEachRelease.push(cond.lock.locked());
    }
    assert.deepEqual(lockedAfterEachRelease, [true, true, false]);
    throwsError(
      () => {
        cond.release();
      },
      StateError,
      'ERR_NOT_OWNER',
      'cannot release un-acquired lock',
    );
    await worker.join();
    assert.equal(worker.exitCode, 0);
  });

  it(`Condition - a ${kind} that dies waiting takes neither a notification nor the lock along`, async () => {
    const cond = new Condition();
    const marker = new Lock();
    const arrived = new Semaphore(0);
    // The thread dies blocked in Atomics.wait, the process in its event loop.
    const waiter = workers.start(
      new Worker({
        target: syncTasks.waitOnConditionUntilStopped,
        args: [cond, marker, arrived, kind === 'thread'],
      }),
    );
    assert.equal(await arrived.acquire({ timeout: 30_000 }), true);
    // Taking the lock shows that the worker is queued and has let go of it.
    assert.equal(await cond.acquire({ timeout: 10_000 }), true);
    const mine = cond.wait(30_000);
    if (kind === 'thread') waiter.terminate();
    else waiter.kill();
    await waiter.join();
    // The marker the worker held is taken over once its death is noticed.
    assert.equal(await marker.acquire({ timeout: 10_000 }), true);
    assert.equal(marker.abandoned, true);
    // The dead waiter did not take the condition's lock back: nobody holds it.
    assert.equal(cond.lock.locked(), false);
    assert.equal(await cond.acquire({ timeout: 10_000 }), true);
    assert.equal(cond.lock.abandoned, false);
    // The oldest waiter is dead: notify(1) goes to the next one, this thread.
    cond.notify(1);
    cond.release();
    assert.equal(await mine, true);
    cond.release();
    assert.equal(cond.lock.locked(), false);
  });

  it(`Condition - a ${kind}'s waitFor, in both forms, returns the predicate's last value`, async () => {
    const cond = new Condition();
    const counter = new Semaphore(0);
    const arrived = new Semaphore(0);
    const out = scratch.file(`condition-wait-for-${kind}.json`);
    const worker = workers.start(
      new Worker({ target: syncTasks.waitForCount, args: [cond, counter, arrived, out] }),
    );
    for (let round = 0; round < 2; round++) {
      assert.equal(await arrived.acquire({ timeout: 30_000 }), true);
      for (let i = 0; i < 2; i++) {
        await cond.withLock(() => {
          counter.release();
          cond.notify();
        });
      }
    }
    await worker.join();
    assert.equal(worker.exitCode, 0);
    assert.deepEqual(readJson(out), ['reached 2', 0, 'reached 4', 0]);
  });
});
