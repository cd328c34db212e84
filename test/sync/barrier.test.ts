/**
 * Barrier: distinct indexes 0..n-1, reusable, the action run once per passage before anyone
 * goes on, an action that throws breaks it, abort/reset, timeouts (explicit and default)
 * break it, a party that dies while waiting breaks it. In the main thread and with threads
 * and processes as parties. See docs/python-conformance.md A.10.
 */
import assert from 'node:assert/strict';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { beforeEach, describe, it } from 'node:test';
import {
  ArgumentRangeError,
  ArgumentTypeError,
  Barrier,
  BrokenBarrierError,
  Event,
  MultitaskError,
  PicklingError,
  Process,
} from '../../src/index.ts';
import { syncTasks } from '../fixtures/sync-task-refs.ts';
import { forEachBackend, scratchDir } from '../helpers/backends.ts';
import {
  assertError,
  errorInfo,
  expected,
  readJson,
  rejectsError,
  throwsError,
  until,
  workerPool,
} from '../helpers/sync.ts';

const scratch = scratchDir();
const workers = workerPool();

/**
 * Barrier actions are self-contained functions, run by whichever party arrives last, in its
 * own thread or process, so they find their log through the environment, which every
 * thread and process started from here inherits.
 */
const actionLog = scratch.file('barrier-actions.log');
process.env.MULTITASK_TEST_BARRIER_LOG = actionLog;

function logAction(): void {
  process
    .getBuiltinModule('node:fs')
    .appendFileSync(process.env.MULTITASK_TEST_BARRIER_LOG ?? '', 'action\n');
}

/** Logs where it runs: the process id and the thread id (0 in a process's main thread). */
function logWhere(): void {
  const { threadId } = process.getBuiltinModule('node:worker_threads');
  process
    .getBuiltinModule('node:fs')
    .appendFileSync(process.env.MULTITASK_TEST_BARRIER_LOG ?? '', `${process.pid} ${threadId}\n`);
}

/** Logs that it runs, then waits until the file `<log>.go` exists. */
function gatedAction(): void {
  const fs = process.getBuiltinModule('node:fs');
  const log = process.env.MULTITASK_TEST_BARRIER_LOG ?? '';
  fs.appendFileSync(log, 'running\n');
  const cell = new Int32Array(new SharedArrayBuffer(4));
  while (!fs.existsSync(`${log}.go`)) Atomics.wait(cell, 0, 0, 5);
}

function failingAction(): never {
  throw new TypeError('action failed');
}

function actionsSoFar(): number {
  return readFileSync(actionLog, 'utf8').split('\n').filter(Boolean).length;
}

beforeEach(() => {
  writeFileSync(actionLog, '');
  rmSync(`${actionLog}.go`, { force: true });
});

const broken = [BrokenBarrierError, 'ERR_BROKEN_BARRIER', 'the barrier is broken'] as const;

describe('Barrier in the main thread', () => {
  it('new Barrier() - parties must be an integer from 1; action a function; timeout a number', () => {
    for (const [parties, got] of [
      [0, '`0` (number)'],
      [-1, '`-1` (number)'],
      [1.5, '`1.5` (number)'],
    ] as const) {
      throwsError(
        () => new Barrier(parties),
        ArgumentRangeError,
        'ERR_OUT_OF_RANGE',
        expected('parties', 'an integer from 1 and up', got),
      );
    }
    throwsError(
      () => new Barrier('2' as unknown as number),
      ArgumentTypeError,
      'ERR_INVALID_ARG_TYPE',
      expected('parties', 'an integer from 1 and up', '`"2"` (string)'),
    );
    throwsError(
      () => new Barrier(2, { action: 5 as unknown as () => void }),
      ArgumentTypeError,
      'ERR_INVALID_ARG_TYPE',
      expected('action', 'a function', '`5` (number)'),
    );
    throwsError(
      () => new Barrier(2, { timeout: NaN }),
      ArgumentRangeError,
      'ERR_OUT_OF_RANGE',
      expected('timeout', 'a number of milliseconds', '`NaN` (number)'),
    );
    let count = 0;
    assert.throws(
      () =>
        new Barrier(2, {
          action: () => {
            count++;
          },
        }),
      (error: unknown) => {
        assert.ok(error instanceof PicklingError);
        assert.equal(error.code, 'ERR_TARGET_CAPTURES');
        assert.match(error.message, /^`action` captures `count` from its surroundings; /);
        return true;
      },
    );
    assert.equal(count, 0);
  });

  it('Barrier(1) - wait() is 0, every time, and runs the action each time', async () => {
    const barrier = new Barrier(1, { action: logAction });
    assert.equal(barrier.parties, 1);
    assert.equal(await barrier.wait(), 0);
    assert.equal(barrier.waitSync(), 0);
    assert.equal(await barrier.wait(10), 0);
    assert.equal(actionsSoFar(), 3);
  });

  it('.wait() - distinct indexes 0..n-1; reusable; the action runs once per passage', async () => {
    const barrier = new Barrier(3, { action: logAction });
    for (let passage = 1; passage <= 3; passage++) {
      const first = barrier.wait();
      const second = barrier.wait();
      assert.equal(barrier.nWaiting, 2);
      const indexes = await Promise.all([first, second, barrier.wait()]);
      assert.deepEqual([...indexes].sort(), [0, 1, 2]);
      assert.equal(actionsSoFar(), passage);
      assert.equal(barrier.nWaiting, 0);
      assert.equal(barrier.broken, false);
    }
  });

  it('BrokenBarrierError - a MultitaskError with a code', () => {
    const error = new BrokenBarrierError();
    assert.ok(error instanceof MultitaskError);
    assertError(error, ...broken);
    assert.equal(error.name, 'BrokenBarrierError');
  });

  it('action that throws - the last party gets its error, the others BrokenBarrierError', async () => {
    const barrier = new Barrier(3, { action: failingAction });
    const waiting = [barrier.wait(), barrier.wait()].map((wait) => rejectsError(wait, ...broken));
    await rejectsError(barrier.wait(), TypeError, null, 'action failed');
    await Promise.all(waiting);
    assert.equal(barrier.broken, true);
    await rejectsError(barrier.wait(), ...broken);
  });

  it('.abort() - current and later waits fail until reset()', async () => {
    const barrier = new Barrier(2);
    const waiting = barrier.wait();
    barrier.abort();
    await rejectsError(waiting, ...broken);
    assert.equal(barrier.broken, true);
    await rejectsError(barrier.wait(), ...broken);
    throwsError(() => barrier.waitSync(), ...broken);
    barrier.reset();
    assert.equal(barrier.broken, false);
    assert.deepEqual([...(await Promise.all([barrier.wait(), barrier.wait()]))].sort(), [0, 1]);
  });

  it('.reset() - current waiters get BrokenBarrierError; the barrier is not broken', async () => {
    const barrier = new Barrier(3);
    const waiting = [barrier.wait(), barrier.wait()].map((wait) => rejectsError(wait, ...broken));
    barrier.reset();
    await Promise.all(waiting);
    assert.equal(barrier.broken, false);
    assert.equal(barrier.nWaiting, 0);
    const indexes = await Promise.all([barrier.wait(), barrier.wait(), barrier.wait()]);
    assert.deepEqual([...indexes].sort(), [0, 1, 2]);
  });

  it('.wait(timeout) - a timeout breaks the barrier; so does the default timeout', async () => {
    const barrier = new Barrier(2);
    await rejectsError(barrier.wait(15), ...broken);
    assert.equal(barrier.broken, true);
    barrier.reset();
    throwsError(() => barrier.waitSync(15), ...broken);
    assert.equal(barrier.broken, true);
    const withDefault = new Barrier(2, { timeout: 15 });
    await rejectsError(withDefault.wait(), ...broken);
    assert.equal(withDefault.broken, true);
    // An explicit timeout overrides the default: the two parties pass.
    withDefault.reset();
    const passed = Promise.all([withDefault.wait(30_000), withDefault.wait()]);
    assert.deepEqual([...(await passed)].sort(), [0, 1]);
  });

  it('.wait({ signal }) - an abort rejects with the reason and breaks the barrier', async () => {
    const barrier = new Barrier(3);
    const reason = new Error('gave up');
    const controller = new AbortController();
    const other = rejectsError(barrier.wait(), ...broken);
    const aborted = barrier.wait({ signal: controller.signal });
    controller.abort(reason);
    await assert.rejects(aborted, (error) => error === reason);
    await other;
    assert.equal(barrier.broken, true);
  });
});

forEachBackend(({ kind, Worker }) => {
  it(`Barrier - a ${kind} in each form and the main thread: distinct indexes, reusable, action once`, async () => {
    const barrier = new Barrier(3, { action: logAction });
    const failing = new Barrier(3, { action: failingAction });
    const sequence = [barrier, barrier, failing, failing];
    const outs = [0, 1].map((i) => scratch.file(`barrier-parties-${kind}-${i}.json`));
    const parties = [false, true].map((sync, i) =>
      workers.start(
        new Worker({
          target: syncTasks.barrierParty,
          args: [sequence, sync, actionLog, outs[i] ?? ''],
        }),
      ),
    );
    const mine: unknown[] = [];
    for (const b of sequence) {
      try {
        mine.push({ index: await b.wait(), actions: actionsSoFar() });
      } catch (error) {
        mine.push({ error: errorInfoOf(error), broken: b.broken });
      }
    }
    for (const party of parties) {
      await party.join();
      assert.equal(party.exitCode, 0);
    }
    const all = [mine, ...outs.map((out) => readJson(out) as unknown[])];
    for (const passage of [0, 1]) {
      const results = all.map((r) => r[passage] as { index: number; actions: number });
      assert.deepEqual(results.map((r) => r.index).sort(), [0, 1, 2]);
      // The action ran once per passage, before any party went on.
      assert.deepEqual(
        results.map((r) => r.actions),
        [passage + 1, passage + 1, passage + 1],
      );
    }
    // The failing action: the party that ran it got its error, the others BrokenBarrierError.
    const third = all.map((r) => r[2]);
    const actionError = { error: errorInfo(TypeError, null, 'action failed'), broken: true };
    const brokenError = { error: errorInfo(...broken), broken: true };
    assert.equal(third.filter((r) => isDeepEqual(r, actionError)).length, 1);
    assert.equal(third.filter((r) => isDeepEqual(r, brokenError)).length, 2);
    // And it stays broken.
    assert.deepEqual(
      all.map((r) => r[3]),
      [brokenError, brokenError, brokenError],
    );
    assert.equal(actionsSoFar(), 2);
  });

  it(`Barrier action - a ${kind} that arrives last runs it there, in each form`, async () => {
    // Python runs the action in whichever party arrives last; through the broker too.
    const barrier = new Barrier(2, { action: logWhere });
    const where: string[] = [];
    for (const sync of [false, true]) {
      const mine = barrier.wait();
      await until(() => barrier.nWaiting === 1, 'the main thread waits on the barrier');
      const party = workers.start(
        new Worker({ target: syncTasks.barrierWaitForever, args: [barrier, sync] }),
      );
      assert.equal(await mine, 0);
      await party.join();
      assert.equal(party.exitCode, 0);
      where.push(party instanceof Process ? `${party.pid} 0` : `${process.pid} ${party.threadId}`);
    }
    assert.deepEqual(readFileSync(actionLog, 'utf8').split('\n').filter(Boolean), where);
  });

  it(`Barrier action - while a ${kind} runs it, a timeout that expires and reset() wait for it`, async () => {
    const barrier = new Barrier(2, { action: gatedAction });
    const [ready, go] = [new Event(), new Event()];
    const party = workers.start(
      new Worker({ target: syncTasks.barrierAfterEvent, args: [ready, go, barrier] }),
    );
    await ready.wait();
    // The party is started and only has to arrive: it runs the action well within the timeout.
    const timeout = 1_000;
    const start = performance.now();
    const mine = barrier.wait(timeout);
    go.set();
    await until(() => actionsSoFar() === 1, `the ${kind} runs the action`);
    await until(() => performance.now() - start > timeout + 50, 'the timeout expires');
    // The passage is decided: as in Python, where both need the lock the action holds.
    barrier.reset();
    writeFileSync(`${actionLog}.go`, '');
    assert.equal(await mine, 0);
    await party.join();
    assert.equal(party.exitCode, 0);
    assert.equal(barrier.broken, false);
  });

  it(`Barrier action - abort() while a ${kind} runs it breaks the waiting parties at once`, async () => {
    const barrier = new Barrier(2, { action: gatedAction });
    const mine = rejectsError(barrier.wait(), ...broken);
    await until(() => barrier.nWaiting === 1, 'the main thread waits on the barrier');
    const out = scratch.file(`barrier-abort-acting-${kind}.json`);
    const party = workers.start(
      new Worker({ target: syncTasks.barrierParty, args: [[barrier], true, actionLog, out] }),
    );
    await until(() => actionsSoFar() === 1, `the ${kind} runs the action`);
    barrier.abort();
    await mine;
    writeFileSync(`${actionLog}.go`, '');
    await party.join();
    assert.equal(party.exitCode, 0);
    // The party that ran the action goes on, with its index.
    assert.deepEqual(readJson(out), [{ index: 1, actions: 1 }]);
    assert.equal(barrier.broken, true);
  });

  it(`Barrier - a ${kind} aborts and resets barriers; timeouts in a ${kind}`, async () => {
    const toAbort = new Barrier(2);
    const toReset = new Barrier(2);
    const waitingAbort = rejectsError(toAbort.wait(), ...broken);
    const waitingReset = rejectsError(toReset.wait(), ...broken);
    const out = scratch.file(`barrier-breakers-${kind}.json`);
    const worker = workers.start(
      new Worker({
        target: syncTasks.barrierBreakers,
        args: [toAbort, toReset, new Barrier(2), new Barrier(2, { timeout: 10 }), out],
      }),
    );
    await waitingAbort;
    assert.equal(toAbort.broken, true);
    await waitingReset;
    assert.equal(toReset.broken, false);
    await worker.join();
    assert.equal(worker.exitCode, 0);
    const brokenInfo = errorInfo(...broken);
    assert.deepEqual(readJson(out), {
      sync: brokenInfo,
      brokenAfterSync: true,
      whileBroken: brokenInfo,
      whileBrokenSync: brokenInfo,
      brokenAfterReset: false,
      async: brokenInfo,
      defaultTimeout: brokenInfo,
      defaultBroken: true,
      defaultTimeoutSync: brokenInfo,
      nWaiting: [0, 0],
      aborted: { sameReason: true, ...(errorInfo(Error, null, 'gave up') as object) },
      brokenAfterAbort: true,
    });
  });

  it(`Barrier - a ${kind} that dies while waiting breaks it for the others`, async () => {
    const barrier = new Barrier(3);
    const waiting = rejectsError(barrier.wait(), ...broken);
    // The thread dies blocked in Atomics.wait, the process in its event loop.
    const party = workers.start(
      new Worker({ target: syncTasks.barrierWaitForever, args: [barrier, kind === 'thread'] }),
    );
    await until(() => barrier.nWaiting === 2, `the ${kind} waits on the barrier`);
    if (kind === 'thread') party.terminate();
    else party.kill();
    await party.join();
    await waiting;
    assert.equal(barrier.broken, true);
  });
});

function errorInfoOf(error: unknown): unknown {
  if (error instanceof BrokenBarrierError) return errorInfo(...broken);
  if (error instanceof TypeError) return errorInfo(TypeError, null, error.message);
  throw error;
}

function isDeepEqual(a: unknown, b: unknown): boolean {
  try {
    assert.deepEqual(a, b);
    return true;
  } catch {
    return false;
  }
}
