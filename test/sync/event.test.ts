/**
 * Event: starts unset, wait() resolves true once set, false on timeout, wait(0) only checks,
 * and set() then clear() still wakes the current waiters with true. In the main thread and
 * from threads and processes. See docs/python-conformance.md A.8.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { ArgumentRangeError, ArgumentTypeError, Event, Semaphore } from '../../src/index.ts';
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

const aborted = { sameReason: true, ...(errorInfo(Error, null, 'gave up') as object) };
const badTimeout = (got: string) =>
  [
    ArgumentRangeError,
    'ERR_OUT_OF_RANGE',
    expected('timeout', 'a number of milliseconds', got),
  ] as const;

describe('Event in the main thread', () => {
  it('.wait() - unset at first: false on timeout; wait(0) and a negative timeout only check', async () => {
    const event = new Event();
    assert.equal(event.isSet(), false);
    assert.equal(await event.wait(0), false);
    assert.equal(event.waitSync(0), false);
    assert.equal(await event.wait(-1), false);
    assert.equal(await event.wait(15), false);
    assert.equal(event.waitSync(15), false);
    assert.equal(await event.wait({ timeout: 15 }), false);
    event.set();
    assert.equal(event.isSet(), true);
    assert.equal(await event.wait(), true);
    assert.equal(event.waitSync(), true);
    assert.equal(await event.wait(0), true);
    assert.equal(event.waitSync(-10), true);
    event.clear();
    assert.equal(event.isSet(), false);
    assert.equal(await event.wait(0), false);
  });

  it('.wait() - a NaN or non-number timeout is refused', async () => {
    const event = new Event();
    await rejectsError(event.wait(NaN), ...badTimeout('`NaN` (number)'));
    await rejectsError(event.wait({ timeout: NaN }), ...badTimeout('`NaN` (number)'));
    throwsError(() => event.waitSync(NaN), ...badTimeout('`NaN` (number)'));
    throwsError(
      () => event.waitSync('5' as unknown as number),
      ArgumentTypeError,
      'ERR_INVALID_ARG_TYPE',
      expected('timeout', 'a number of milliseconds', '`"5"` (string)'),
    );
  });

  it(".wait(null) - waits forever, as Python's wait(None); a signal must be an AbortSignal", async () => {
    const event = new Event();
    const waiting = event.wait(null as unknown as undefined);
    event.set();
    assert.equal(await waiting, true);
    assert.equal(event.waitSync(null as unknown as undefined), true);
    await rejectsError(
      event.wait({ signal: 5 as unknown as AbortSignal }),
      ArgumentTypeError,
      'ERR_INVALID_ARG_TYPE',
      expected('signal', 'an AbortSignal', '`5` (number)'),
    );
  });

  it('.set() - wakes every waiter with true', async () => {
    const event = new Event();
    const waiters = [event.wait(), event.wait(30_000), event.wait({ timeout: 30_000 })];
    event.set();
    assert.deepEqual(await Promise.all(waiters), [true, true, true]);
  });

  it('.set() then .clear() - the current waiters still wake with true', async () => {
    const event = new Event();
    // Each wait() has started waiting when the call returns.
    const waiters = [event.wait(), event.wait(30_000)];
    event.set();
    event.clear();
    assert.deepEqual(await Promise.all(waiters), [true, true]);
    assert.equal(event.isSet(), false);
    // A wait that starts after the clear() waits for the next set().
    assert.equal(await event.wait(15), false);
  });

  it('.wait({ signal }) - an abort rejects with the reason', async () => {
    const event = new Event();
    const controller = new AbortController();
    const reason = new Error('gave up');
    const pending = event.wait({ signal: controller.signal });
    controller.abort(reason);
    await assert.rejects(pending, (error) => error === reason);
    await assert.rejects(
      event.wait({ signal: AbortSignal.abort(reason) }),
      (error) => error === reason,
    );
    event.set();
    assert.equal(await event.wait({ signal: new AbortController().signal }), true);
  });
});

forEachBackend(({ kind, Worker }) => {
  it(`Event in a ${kind} - both forms, timeouts, set and clear`, async () => {
    const event = new Event();
    const out = scratch.file(`event-tour-${kind}.json`);
    await workers.run(new Worker({ target: syncTasks.eventTour, args: [event, out] }));
    assert.deepEqual(readJson(out), {
      initially: false,
      unset: [false, false, false, false, false, false],
      set: [true, true, true, true, true],
      cleared: [false, false, false],
      nan: errorInfo(...badTimeout('`NaN` (number)')),
      abortedWhileWaiting: aborted,
      abortedBeforehand: aborted,
    });
    assert.equal(event.isSet(), false);
  });

  it(`Event - set() then clear() wakes a ${kind} waiting in either form with true`, async () => {
    const event = new Event();
    const ready = new Semaphore(0);
    const out = scratch.file(`event-set-clear-${kind}.json`);
    const worker = workers.start(
      new Worker({ target: syncTasks.waitTwiceForEvent, args: [event, ready, out] }),
    );
    for (let i = 0; i < 2; i++) {
      assert.equal(await ready.acquire({ timeout: 30_000 }), true);
      // The worker says it is ready just before it waits, and nothing can tell that its wait
      // has begun: give it a moment. Had it not begun, the wait would miss this set() and
      // report false after its timeout.
      await delay(100);
      event.set();
      event.clear();
    }
    await worker.join();
    assert.equal(worker.exitCode, 0);
    assert.deepEqual(readJson(out), [true, true]);
  });

  it(`Event - the main thread waits while a ${kind} sets it`, async () => {
    const event = new Event();
    const waited = event.wait();
    await workers.run(new Worker({ target: syncTasks.setEvent, args: [event] }));
    assert.equal(await waited, true);
    assert.equal(event.isSet(), true);
  });
});
