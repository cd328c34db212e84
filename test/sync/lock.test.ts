/**
 * Lock: not reentrant, releasable by anyone, timed and non-blocking acquires with Python's
 * validation, the two `with` forms, AbortSignal, and owner death, in the main thread and from
 * threads and processes. See docs/python-conformance.md A.1-A.3, C.16.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  ArgumentRangeError,
  ArgumentTypeError,
  Event,
  Lock,
  StateError,
  TimeoutError,
} from '../../src/index.ts';
import { syncTasks } from '../fixtures/sync-task-refs.ts';
import { forEachBackend, scratchDir } from '../helpers/backends.ts';
import {
  errorInfo,
  expected,
  readJson,
  rejectsError,
  throwsError,
  workerPool,
} from '../helpers/sync.ts';

const scratch = scratchDir();
const workers = workerPool();

const releaseUnlocked = [StateError, 'ERR_RELEASE_UNLOCKED', 'release unlocked lock'] as const;
/** Python's threading raises ValueError: ArgumentRangeError (multiprocessing's returns False). */
const nonBlockingTimeout = [
  ArgumentRangeError,
  'ERR_INVALID_ARG_VALUE',
  "can't specify a timeout for a non-blocking call",
] as const;
const badTimeout = (got: string) =>
  [
    ArgumentRangeError,
    'ERR_OUT_OF_RANGE',
    expected('timeout', 'a non-negative number of milliseconds, or -1 for no limit', got),
  ] as const;

describe('Lock in the main thread', () => {
  it('.release() - an unlocked lock: StateError "release unlocked lock"', () => {
    const lock = new Lock();
    throwsError(
      () => {
        lock.release();
      },
      ...releaseUnlocked,
    );
    assert.equal(lock.acquireSync(), true);
    lock.release();
    throwsError(
      () => {
        lock.release();
      },
      ...releaseUnlocked,
    );
  });

  it('.acquire() - not reentrant: the holder cannot take it again', async () => {
    const lock = new Lock();
    assert.equal(lock.locked(), false);
    assert.equal(await lock.acquire(), true);
    assert.equal(lock.locked(), true);
    assert.equal(await lock.acquire({ blocking: false }), false);
    assert.equal(lock.acquireSync({ blocking: false }), false);
    lock.release();
    assert.equal(lock.locked(), false);
    assert.equal(lock.acquireSync({ blocking: false }), true);
    lock.release();
  });

  it('.acquire() - a timeout with blocking: false, or a negative or NaN timeout, is refused', async () => {
    const lock = new Lock();
    await rejectsError(lock.acquire({ blocking: false, timeout: 1 }), ...nonBlockingTimeout);
    throwsError(() => lock.acquireSync({ blocking: false, timeout: 0 }), ...nonBlockingTimeout);
    await rejectsError(
      lock.acquire({ signal: 'stop' as unknown as AbortSignal }),
      ArgumentTypeError,
      'ERR_INVALID_ARG_TYPE',
      expected('signal', 'an AbortSignal', '`"stop"` (string)'),
    );
    await rejectsError(lock.acquire({ timeout: -100 }), ...badTimeout('`-100` (number)'));
    throwsError(() => lock.acquireSync({ timeout: -0.5 }), ...badTimeout('`-0.5` (number)'));
    await rejectsError(lock.acquire({ timeout: NaN }), ...badTimeout('`NaN` (number)'));
    throwsError(
      () => lock.acquireSync({ timeout: '10' as unknown as number }),
      ArgumentTypeError,
      'ERR_INVALID_ARG_TYPE',
      expected('timeout', 'a number of milliseconds', '`"10"` (string)'),
    );
    throwsError(
      () => lock.acquireSync({ blocking: 1 as unknown as boolean }),
      ArgumentTypeError,
      'ERR_INVALID_ARG_TYPE',
      expected('blocking', 'a boolean', '`1` (number)'),
    );
    // Nothing was taken by the refused calls.
    assert.equal(lock.locked(), false);
  });

  it('.acquire({ timeout: -1 }) - waits without limit; allowed with blocking: false', async () => {
    const lock = new Lock();
    assert.equal(await lock.acquire({ timeout: -1 }), true);
    assert.equal(lock.acquireSync({ blocking: false, timeout: -1 }), false);
    lock.release();
    assert.equal(lock.acquireSync({ timeout: -1 }), true);
    lock.release();
  });

  it('.acquire({ timeout }) - a held lock: false after the timeout, and the lock stays usable', async () => {
    const lock = new Lock();
    lock.acquireSync();
    assert.equal(await lock.acquire({ timeout: 20 }), false);
    assert.equal(lock.acquireSync({ timeout: 20 }), false);
    assert.equal(await lock.acquire({ timeout: 0 }), false);
    assert.equal(lock.locked(), true);
    lock.release();
    assert.equal(await lock.acquire({ timeout: 20 }), true);
    lock.release();
    assert.equal(lock.locked(), false);
  });

  it('.withLock() / .withLockSync() - release when the body throws; the error propagates', async () => {
    const lock = new Lock();
    const thrown = new TypeError('in the body');
    await assert.rejects(
      lock.withLock(async () => {
        await Promise.resolve();
        assert.equal(lock.locked(), true);
        throw thrown;
      }),
      (error) => error === thrown,
    );
    assert.equal(lock.locked(), false);
    assert.throws(
      () =>
        lock.withLockSync(() => {
          throw thrown;
        }),
      (error) => error === thrown,
    );
    assert.equal(lock.locked(), false);
    assert.equal(await lock.withLock(() => 'value'), 'value');
    assert.equal(
      lock.withLockSync(() => 42),
      42,
    );
    assert.equal(lock.locked(), false);
  });

  it('.guard() / .guardSync() - `using` releases at the end of the block, also on throw', async () => {
    const lock = new Lock();
    const thrown = new RangeError('in the block');
    try {
      using guard = await lock.guard();
      assert.equal(guard.abandoned, false);
      assert.equal(lock.locked(), true);
      throw thrown;
    } catch (error) {
      assert.equal(error, thrown);
    }
    assert.equal(lock.locked(), false);
    try {
      using _guard = lock.guardSync();
      assert.equal(lock.locked(), true);
      throw thrown;
    } catch (error) {
      assert.equal(error, thrown);
    }
    assert.equal(lock.locked(), false);
    {
      using guard = lock.guardSync();
      // An early release is not repeated at the end of the block.
      guard.release();
      assert.equal(lock.locked(), false);
    }
    assert.equal(lock.locked(), false);
  });

  it('.withLock() / .guard() - a timeout that expires throws TimeoutError', async () => {
    const lock = new Lock();
    lock.acquireSync();
    await rejectsError(
      lock.withLock(() => 'never', { timeout: 10 }),
      TimeoutError,
      'ERR_TIMEOUT',
      'Timed out after 10 ms waiting for the lock',
    );
    throwsError(
      () => lock.guardSync({ blocking: false }),
      TimeoutError,
      'ERR_TIMEOUT',
      'the lock is not available',
    );
    await rejectsError(
      lock.guard({ timeout: 5 }),
      TimeoutError,
      'ERR_TIMEOUT',
      'Timed out after 5 ms waiting for the lock',
    );
    lock.release();
    assert.equal(lock.locked(), false);
  });

  it('.acquire({ signal }) - an abort rejects with the reason and leaves the lock usable', async () => {
    const lock = new Lock();
    lock.acquireSync();
    const controller = new AbortController();
    const reason = new Error('gave up');
    const pending = lock.acquire({ signal: controller.signal });
    controller.abort(reason);
    await assert.rejects(pending, (error) => error === reason);
    // An already aborted signal rejects at once on a held lock.
    await assert.rejects(
      lock.acquire({ signal: AbortSignal.abort(reason) }),
      (error) => error === reason,
    );
    // The aborted waiters took nothing: the lock is still ours, then free.
    assert.equal(lock.locked(), true);
    lock.release();
    assert.equal(lock.locked(), false);
    assert.equal(await lock.acquire({ signal: new AbortController().signal }), true);
    lock.release();
  });

  it('.acquire() - a waiter wakes when the holder releases', async () => {
    const lock = new Lock();
    lock.acquireSync();
    const order: string[] = [];
    const waiter = lock.acquire().then((acquired) => {
      order.push(`acquired ${acquired}`);
    });
    order.push('releasing');
    lock.release();
    await waiter;
    assert.deepEqual(order, ['releasing', 'acquired true']);
    assert.equal(lock.abandoned, false);
    lock.release();
  });
});

forEachBackend(({ kind, Worker }) => {
  const stop = (worker: InstanceType<typeof Worker>): void => {
    // Threads are terminated, processes killed (SIGKILL): neither gets to clean up.
    if (kind === 'thread') worker.terminate();
    else worker.kill();
  };

  it(`Lock in a ${kind} - both forms, not reentrant, timeouts, with-forms and misuse`, async () => {
    const lock = new Lock();
    const out = scratch.file(`lock-tour-${kind}.json`);
    await workers.run(new Worker({ target: syncTasks.lockTour, args: [lock, out] }));
    assert.deepEqual(readJson(out), {
      acquire: true,
      locked: true,
      againAsync: false,
      againSync: false,
      timedAsync: false,
      timedSync: false,
      lockedAfterRelease: false,
      acquireSync: true,
      releaseUnlocked: errorInfo(...releaseUnlocked),
      timeoutWithoutBlocking: errorInfo(...nonBlockingTimeout),
      negativeTimeout: errorInfo(...badTimeout('`-100` (number)')),
      withLockThrows: errorInfo(TypeError, null, 'in the body'),
      lockedAfterWithLock: false,
      withLockSync: 'held',
      guardThrows: errorInfo(RangeError, null, 'in the block'),
      lockedAfterGuard: false,
      guardAbandoned: false,
      lockedInGuard: true,
      lockedAfterUsing: false,
    });
    assert.equal(lock.locked(), false);
  });

  it(`Lock - a ${kind} may release a lock that the main thread holds`, async () => {
    const lock = new Lock();
    lock.acquireSync();
    await workers.run(new Worker({ target: syncTasks.releaseLock, args: [lock] }));
    assert.equal(lock.locked(), false);
    assert.equal(lock.acquireSync({ blocking: false }), true);
    lock.release();
  });

  it(`Lock - an AbortSignal stops a ${kind}'s wait with its reason; the lock stays usable`, async () => {
    const lock = new Lock();
    const [tried, released] = [new Event(), new Event()];
    const out = scratch.file(`lock-abort-${kind}.json`);
    lock.acquireSync();
    const worker = workers.start(
      new Worker({ target: syncTasks.abortThenAcquire, args: [lock, tried, released, out] }),
    );
    // The worker's aborted waits leave the lock to us; it takes it once we let go.
    assert.equal(await tried.wait(30_000), true);
    assert.equal(lock.locked(), true);
    lock.release();
    released.set();
    await worker.join();
    assert.equal(worker.exitCode, 0);
    const aborted = { sameReason: true, ...(errorInfo(Error, null, 'gave up') as object) };
    assert.deepEqual(readJson(out), {
      whileWaiting: aborted,
      beforehand: aborted,
      afterwards: true,
    });
    assert.equal(lock.locked(), false);
  });

  for (const sync of [false, true]) {
    const form = sync ? 'blocked in acquireSync()' : 'waiting in acquire()';
    it(`Lock - a ${kind} dies holding it: the next acquirer, ${form}, gets it, abandoned`, async () => {
      const lock = new Lock();
      const held = new Event();
      const holder = workers.start(
        new Worker({ target: syncTasks.holdForever, args: [lock, 1, held, sync] }),
      );
      assert.equal(await held.wait(30_000), true);
      // The next acquirer is already waiting when the holder dies: in this thread for the
      // async form, in a worker of the same kind for the blocking form.
      const out = scratch.file(`lock-death-${kind}-${sync}.json`);
      const next = sync
        ? workers.start(new Worker({ target: syncTasks.acquireAndReport, args: [lock, out, true] }))
        : undefined;
      const acquired = sync ? undefined : lock.acquire();
      stop(holder);
      await holder.join();
      assert.equal(holder.exitCode, kind === 'thread' ? -15 : -9);
      if (acquired !== undefined) {
        assert.equal(await acquired, true);
        assert.equal(lock.abandoned, true);
        lock.release();
        assert.equal(lock.abandoned, false);
      }
      if (next !== undefined) {
        await next.join();
        assert.equal(next.exitCode, 0);
        assert.deepEqual(readJson(out), {
          acquired: true,
          abandoned: true,
          lockedAfterRelease: false,
          abandonedAfterRelease: false,
        });
      }
      // Later acquirers get an ordinary lock.
      assert.equal(await lock.acquire({ timeout: 10_000 }), true);
      assert.equal(lock.abandoned, false);
      lock.release();
    });
  }
});
