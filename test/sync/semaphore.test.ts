/**
 * Semaphore and BoundedSemaphore: initial value, release(n), over-release, timed and
 * non-blocking acquires, AbortSignal, waking waiters, in the main thread and from threads and
 * processes. See docs/python-conformance.md A.6, A.7, C.16.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  ArgumentRangeError,
  ArgumentTypeError,
  BoundedSemaphore,
  Event,
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

const tooMany = [
  StateError,
  'ERR_RELEASED_TOO_MANY_TIMES',
  'Semaphore released too many times',
] as const;
const badN = (got: string) =>
  [ArgumentRangeError, 'ERR_OUT_OF_RANGE', expected('n', 'an integer from 1 and up', got)] as const;
/** Python's threading raises ValueError: ArgumentRangeError (multiprocessing's returns False). */
const nonBlockingTimeout = [
  ArgumentRangeError,
  'ERR_INVALID_ARG_VALUE',
  "can't specify a timeout for a non-blocking call",
] as const;

describe('Semaphore in the main thread', () => {
  it('new Semaphore() - starts at 1; any integer from 0', () => {
    assert.equal(new Semaphore().getValue(), 1);
    assert.equal(new Semaphore(0).getValue(), 0);
    assert.equal(new Semaphore(5).getValue(), 5);
    assert.equal(new BoundedSemaphore().getValue(), 1);
    assert.ok(new BoundedSemaphore(2) instanceof Semaphore);
  });

  it('new Semaphore() - a negative, fractional, NaN or non-number value is refused', () => {
    for (const Class of [Semaphore, BoundedSemaphore]) {
      for (const [value, got] of [
        [-1, '`-1` (number)'],
        [1.5, '`1.5` (number)'],
        [NaN, '`NaN` (number)'],
        [2 ** 31, '`2147483648` (number)'],
      ] as const) {
        throwsError(
          () => new Class(value),
          ArgumentRangeError,
          'ERR_OUT_OF_RANGE',
          expected('value', 'an integer from 0 to 2147483647', got),
        );
      }
      throwsError(
        () => new Class('3' as unknown as number),
        ArgumentTypeError,
        'ERR_INVALID_ARG_TYPE',
        expected('value', 'an integer from 0 to 2147483647', '`"3"` (string)'),
      );
    }
  });

  it('.release(n) - past 2,147,483,647 units: refused, the value unchanged (no wrap-around)', () => {
    const sem = new Semaphore(2 ** 31 - 2);
    throwsError(
      () => {
        sem.release(2);
      },
      StateError,
      'ERR_RELEASED_TOO_MANY_TIMES',
      'Semaphore released too many times: it holds at most 2147483647 units',
    );
    assert.equal(sem.getValue(), 2 ** 31 - 2);
    sem.release();
    assert.equal(sem.getValue(), 2 ** 31 - 1);
    assert.equal(sem.acquireSync({ blocking: false }), true);
    assert.equal(sem.getValue(), 2 ** 31 - 2);
  });

  it('.release(n) - n must be an integer from 1; a Semaphore may go past its initial value', () => {
    const sem = new Semaphore(1);
    throwsError(
      () => {
        sem.release(0);
      },
      ...badN('`0` (number)'),
    );
    throwsError(
      () => {
        sem.release(-1);
      },
      ...badN('`-1` (number)'),
    );
    throwsError(
      () => {
        sem.release(2.5);
      },
      ...badN('`2.5` (number)'),
    );
    assert.equal(sem.getValue(), 1);
    sem.release(2);
    sem.release();
    assert.equal(sem.getValue(), 4);
  });

  it('BoundedSemaphore#release() - past the initial value: StateError, value unchanged', () => {
    const sem = new BoundedSemaphore(3);
    throwsError(
      () => {
        sem.release();
      },
      ...tooMany,
    );
    assert.equal(sem.getValue(), 3);
    assert.equal(sem.acquireSync(), true);
    // release(n) that would overshoot is refused whole.
    throwsError(
      () => {
        sem.release(2);
      },
      ...tooMany,
    );
    assert.equal(sem.getValue(), 2);
    sem.release(1);
    assert.equal(sem.getValue(), 3);
  });

  it('.acquire() - false when empty and not blocking or timed out; timeout with blocking: false refused', async () => {
    const sem = new Semaphore(1);
    assert.equal(await sem.acquire(), true);
    assert.equal(await sem.acquire({ blocking: false }), false);
    assert.equal(sem.acquireSync({ blocking: false }), false);
    assert.equal(await sem.acquire({ timeout: 20 }), false);
    assert.equal(sem.acquireSync({ timeout: 20 }), false);
    await rejectsError(sem.acquire({ blocking: false, timeout: 5 }), ...nonBlockingTimeout);
    throwsError(() => sem.acquireSync({ blocking: false, timeout: 5 }), ...nonBlockingTimeout);
    assert.equal(sem.getValue(), 0);
    sem.release();
    assert.equal(sem.acquireSync({ timeout: 20 }), true);
  });

  it('.release(n) - wakes exactly n waiters', async () => {
    const sem = new Semaphore(0);
    const woken: number[] = [];
    let onTwoWoken = (): void => undefined;
    const twoWoken = new Promise<void>((resolve) => {
      onTwoWoken = resolve;
    });
    const waiters = [0, 1, 2].map((i) =>
      sem.acquire().then(() => {
        if (woken.push(i) === 2) onTwoWoken();
      }),
    );
    sem.release(2);
    // Two of the three get a unit; the third keeps waiting (shown within a short window).
    await twoWoken;
    assert.equal(await settlesWithin(Promise.all(waiters), 50), false);
    assert.equal(woken.length, 2);
    assert.equal(sem.getValue(), 0);
    sem.release();
    await Promise.all(waiters);
    assert.deepEqual([...woken].sort(), [0, 1, 2]);
    assert.equal(sem.getValue(), 0);
  });

  it('.acquire({ signal }) - an abort rejects with the reason and takes nothing', async () => {
    const sem = new Semaphore(0);
    const controller = new AbortController();
    const reason = new Error('gave up');
    const pending = sem.acquire({ signal: controller.signal });
    controller.abort(reason);
    await assert.rejects(pending, (error) => error === reason);
    sem.release();
    assert.equal(sem.getValue(), 1);
    assert.equal(await sem.acquire({ signal: new AbortController().signal }), true);
  });

  it('.withLock() - gives the unit back when the body throws', async () => {
    const sem = new BoundedSemaphore(2);
    const thrown = new Error('body');
    await assert.rejects(
      sem.withLock(() => {
        assert.equal(sem.getValue(), 1);
        throw thrown;
      }),
      (error) => error === thrown,
    );
    assert.equal(sem.getValue(), 2);
    {
      using _slot = await sem.guard();
      assert.equal(sem.getValue(), 1);
    }
    assert.equal(sem.getValue(), 2);
  });
});

forEachBackend(({ kind, Worker }) => {
  it(`Semaphore in a ${kind} - both forms, release(n), bounded over-release, misuse`, async () => {
    const sem = new Semaphore(2);
    const bounded = new BoundedSemaphore(1);
    const out = scratch.file(`semaphore-tour-${kind}.json`);
    await workers.run(new Worker({ target: syncTasks.semaphoreTour, args: [sem, bounded, out] }));
    assert.deepEqual(readJson(out), {
      takes: [true, true],
      whenEmpty: [false, false, false, false],
      valueAfterRelease3: 3,
      releaseZero: errorInfo(...badN('`0` (number)')),
      timeoutWithoutBlocking: errorInfo(...nonBlockingTimeout),
      overRelease: errorInfo(...tooMany),
      boundedValue: 1,
      boundedTake: true,
      overReleaseBy2: errorInfo(...tooMany),
      boundedValueAfter: 0,
      withLock: 2,
    });
    assert.equal(sem.getValue(), 3);
    assert.equal(bounded.getValue(), 1);
  });

  it(`Semaphore - a ${kind} waiting in either form wakes when the main thread releases`, async () => {
    const sem = new Semaphore(0);
    const took = new Semaphore(0);
    const worker = workers.start(new Worker({ target: syncTasks.takeTwice, args: [sem, took] }));
    sem.release();
    assert.equal(await took.acquire({ timeout: 30_000 }), true);
    assert.equal(await took.acquire({ timeout: 20 }), false);
    sem.release();
    assert.equal(await took.acquire({ timeout: 30_000 }), true);
    await worker.join();
    assert.equal(worker.exitCode, 0);
    assert.equal(sem.getValue(), 0);
  });

  it(`Semaphore - an AbortSignal stops a ${kind}'s wait with its reason`, async () => {
    const sem = new Semaphore(1);
    const [tried, released] = [new Event(), new Event()];
    const out = scratch.file(`semaphore-abort-${kind}.json`);
    assert.equal(sem.acquireSync(), true);
    const worker = workers.start(
      new Worker({ target: syncTasks.abortThenAcquire, args: [sem, tried, released, out] }),
    );
    assert.equal(await tried.wait(30_000), true);
    assert.equal(sem.getValue(), 0);
    sem.release();
    released.set();
    await worker.join();
    assert.equal(worker.exitCode, 0);
    const aborted = { sameReason: true, ...(errorInfo(Error, null, 'gave up') as object) };
    assert.deepEqual(readJson(out), {
      whileWaiting: aborted,
      beforehand: aborted,
      afterwards: true,
    });
    assert.equal(sem.getValue(), 1);
  });
});
