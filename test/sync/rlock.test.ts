/**
 * RLock: reentrant for its owner (a thread, or a process), free after as many releases as
 * acquires, released only by its owner; AbortSignal; owner death. In the main thread and
 * from threads and processes. See docs/python-conformance.md A.3, A.4, C.16.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ArgumentRangeError, Event, RLock, StateError } from '../../src/index.ts';
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

const notOwner = [StateError, 'ERR_NOT_OWNER', 'cannot release un-acquired lock'] as const;

describe('RLock in the main thread', () => {
  it('.acquire() - reentrant; free only after as many releases, then release fails', async () => {
    const lock = new RLock();
    assert.equal(lock.locked(), false);
    assert.equal(await lock.acquire(), true);
    assert.equal(lock.acquireSync(), true);
    assert.equal(await lock.acquire({ blocking: false }), true);
    assert.equal(lock.acquireSync({ timeout: 0 }), true);
    const lockedAfterEachRelease: boolean[] = [];
    for (let i = 0; i < 4; i++) {
      lock.release();
      lockedAfterEachRelease.push(lock.locked());
    }
    assert.deepEqual(lockedAfterEachRelease, [true, true, true, false]);
    throwsError(
      () => {
        lock.release();
      },
      ...notOwner,
    );
  });

  it('.release() - never acquired: StateError "cannot release un-acquired lock"', () => {
    throwsError(
      () => {
        new RLock().release();
      },
      ...notOwner,
    );
  });

  it('.acquire() - validates its options as Lock does', async () => {
    const lock = new RLock();
    await rejectsError(
      lock.acquire({ timeout: -2 }),
      ArgumentRangeError,
      'ERR_OUT_OF_RANGE',
      expected(
        'timeout',
        'a non-negative number of milliseconds, or -1 for no limit',
        '`-2` (number)',
      ),
    );
    assert.equal(lock.locked(), false);
  });

  it('.withLock() / .guard() - nest, and release every level on throw', async () => {
    const lock = new RLock();
    const thrown = new Error('inner');
    await assert.rejects(
      lock.withLock(async () => {
        using _outer = lock.guardSync();
        await lock.withLock(() => {
          throw thrown;
        });
      }),
      (error) => error === thrown,
    );
    assert.equal(lock.locked(), false);
    assert.equal(await lock.withLock(() => lock.withLockSync(() => 'nested')), 'nested');
    assert.equal(lock.locked(), false);
  });
});

forEachBackend(({ kind, Worker }) => {
  it(`RLock in a ${kind} - reentrant in both forms, released as often as acquired`, async () => {
    const lock = new RLock();
    const out = scratch.file(`rlock-tour-${kind}.json`);
    await workers.run(new Worker({ target: syncTasks.rlockTour, args: [lock, out] }));
    assert.deepEqual(readJson(out), {
      acquires: [true, true, true, true],
      lockedAfterEachRelease: [true, true, true, false],
      fifthRelease: errorInfo(...notOwner),
      withLock: 'nested',
      lockedAfterWithLock: false,
    });
    assert.equal(lock.locked(), false);
  });

  it(`RLock - a ${kind} can neither release nor take one the main thread owns; AbortSignal`, async () => {
    const lock = new RLock();
    const [tried, released] = [new Event(), new Event()];
    const out = scratch.file(`rlock-foreign-${kind}.json`);
    assert.equal(await lock.acquire(), true);
    assert.equal(lock.acquireSync(), true);
    const worker = workers.start(
      new Worker({ target: syncTasks.rlockForeign, args: [lock, tried, released, out] }),
    );
    assert.equal(await tried.wait(30_000), true);
    // The failed release did not take a level off: two releases are still needed.
    lock.release();
    assert.equal(lock.locked(), true);
    lock.release();
    assert.equal(lock.locked(), false);
    released.set();
    await worker.join();
    assert.equal(worker.exitCode, 0);
    const aborted = { sameReason: true, ...(errorInfo(Error, null, 'gave up') as object) };
    assert.deepEqual(readJson(out), {
      release: errorInfo(...notOwner),
      acquireAsync: false,
      acquireSync: false,
      timedAsync: false,
      timedSync: false,
      locked: true,
      whileWaiting: aborted,
      beforehand: aborted,
      afterwards: true,
    });
    assert.equal(lock.locked(), false);
  });

  it(`RLock - a ${kind} dies holding it 3 times: the next acquirer gets it once, abandoned`, async () => {
    const lock = new RLock();
    const held = new Event();
    // The thread is blocked in Atomics.wait when stopped, the process in its event loop.
    const holder = workers.start(
      new Worker({ target: syncTasks.holdForever, args: [lock, 3, held, kind === 'thread'] }),
    );
    assert.equal(await held.wait(30_000), true);
    assert.equal(lock.acquireSync({ blocking: false }), false);
    const acquired = lock.acquire();
    if (kind === 'thread') holder.terminate();
    else holder.kill();
    await holder.join();
    assert.equal(await acquired, true);
    assert.equal(lock.abandoned, true);
    // The dead owner's count is not inherited: one release frees it.
    lock.release();
    assert.equal(lock.locked(), false);
    assert.equal(lock.abandoned, false);
    throwsError(
      () => {
        lock.release();
      },
      ...notOwner,
    );
  });
});
