/**
 * ThreadPoolExecutor and ProcessPoolExecutor: Python's concurrent.futures executors
 * (conformance D.1, D.5–D.12), one test body per backend. Tasks are held and released with
 * shared Events, so every ordering comes from an event, never from a sleep.
 */
import assert from 'node:assert/strict';
import { setTimeout as delay } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import {
  ArgumentRangeError,
  ArgumentTypeError,
  asCompleted,
  Barrier,
  BrokenExecutorError,
  BrokenProcessPoolError,
  BrokenThreadPoolError,
  CancelledError,
  cpuCount,
  Event,
  FIRST_COMPLETED,
  FIRST_EXCEPTION,
  getpid,
  PicklingError,
  ProcessPoolExecutor,
  RemoteTraceback,
  StateError,
  taskModule,
  ThreadPoolExecutor,
  TimeoutError,
  wait,
  type CompletedFuture,
  type Future,
} from '../../src/index.ts';
import type { RelayItem } from '../fixtures/pool-tasks.ts';

const tasks = taskModule<typeof import('../fixtures/pool-tasks.ts')>(
  new URL('../fixtures/pool-tasks.ts', import.meta.url),
);

const backends = [
  { kind: 'thread', Executor: ThreadPoolExecutor, Broken: BrokenThreadPoolError },
  { kind: 'process', Executor: ProcessPoolExecutor, Broken: BrokenProcessPoolError },
] as const;

type AnyExecutor = ThreadPoolExecutor | ProcessPoolExecutor;

/** A task held on its worker until the test releases it. */
interface Held {
  readonly future: Future<number>;
  readonly started: Event;
  readonly release: Event;
}

function hold(executor: AnyExecutor, value: number): Held {
  const started = new Event();
  const release = new Event();
  return { future: executor.submit(tasks.hold, started, release, value), started, release };
}

/** Lets held tasks finish, whatever state a test left them in. */
function releaseAll(...held: Held[]): void {
  for (const h of held) h.release.set();
}

/** Ends an executor whatever state a test left it in: releases held tasks, then shuts down. */
async function stop(executor: AnyExecutor, ...held: Held[]): Promise<void> {
  releaseAll(...held);
  await executor.shutdown({ wait: true, cancelFutures: true });
}

/** `n` relay items that complete in reverse order once the last one's `release` is set. */
function reverseRelay(n: number): { items: RelayItem[]; start: Event } {
  const releases = Array.from({ length: n }, () => new Event());
  const items = releases.map((release, i) => ({ value: i, release, next: releases[i - 1] }));
  const start = releases[n - 1];
  assert.ok(start !== undefined);
  return { items, start };
}

describe('executor options (D.5, D.9)', () => {
  it('refuses maxWorkers <= 0, a non-integer maxWorkers and a non-callable initializer', () => {
    for (const { Executor } of backends) {
      for (const maxWorkers of [0, -1]) {
        assert.throws(
          () => new Executor({ maxWorkers }),
          (error) => {
            assert.ok(error instanceof ArgumentRangeError);
            assert.match(error.message, /maxWorkers/);
            return true;
          },
        );
        assert.throws(() => new Executor(maxWorkers), ArgumentRangeError);
      }
      assert.throws(() => new Executor({ maxWorkers: 1.5 }), ArgumentTypeError);
      assert.throws(
        () => new Executor({ maxWorkers: 1, initializer: 42 as never }),
        (error) => error instanceof ArgumentTypeError && /initializer/.test(error.message),
      );
    }
    assert.throws(
      () => new ThreadPoolExecutor({ threadNamePrefix: 7 as never }),
      /threadNamePrefix/,
    );
  });

  it('ProcessPoolExecutor refuses a maxTasksPerChild that is no integer as Python: TypeError', () => {
    for (const maxTasksPerChild of [0.5, 1.5, '2']) {
      assert.throws(
        () => new ProcessPoolExecutor({ maxTasksPerChild: maxTasksPerChild as number }),
        (error) => {
          assert.ok(error instanceof ArgumentTypeError);
          assert.match(error.message, /maxTasksPerChild/);
          return true;
        },
      );
    }
  });

  it('ProcessPoolExecutor refuses maxTasksPerChild < 1 (D.9)', () => {
    for (const maxTasksPerChild of [0, -1]) {
      assert.throws(
        () => new ProcessPoolExecutor({ maxTasksPerChild }),
        (error) => {
          assert.ok(error instanceof ArgumentRangeError);
          assert.match(error.message, /maxTasksPerChild/);
          return true;
        },
      );
    }
  });
});

describe('thread: ThreadPoolExecutor', () => {
  it('names its threads PREFIX_N, and ThreadPoolExecutor-M_N by default (D.5)', async () => {
    const named = new ThreadPoolExecutor({ maxWorkers: 2, threadNamePrefix: 'crunch' });
    const unnamed = new ThreadPoolExecutor(1);
    try {
      // Both parties must run at once: the two tasks are on two threads.
      const barrier = new Barrier(2);
      const names = await Promise.all([
        named.submit(tasks.threadNameAtBarrier, barrier),
        named.submit(tasks.threadNameAtBarrier, barrier),
      ]);
      assert.deepEqual(names.sort(), ['crunch_0', 'crunch_1']);
      const info = await unnamed.submit(tasks.whoAmI);
      assert.match(info.thread, /^ThreadPoolExecutor-\d+_0$/);
      assert.equal(info.pid, process.pid);
    } finally {
      await Promise.all([named.shutdown(), unnamed.shutdown()]);
    }
  });

  it('runs at most min(32, cpuCount() + 4) tasks at once by default (D.5)', async () => {
    const limit = Math.min(32, cpuCount() + 4);
    const executor = new ThreadPoolExecutor();
    const held = Array.from({ length: limit + 1 }, (_, i) => hold(executor, i));
    try {
      const first = held.slice(0, limit);
      await Promise.all(first.map((h) => h.started.wait()));
      for (const h of first) assert.equal(h.future.running(), true);
      // Every thread holds a task: the last one waits in the queue, still cancellable.
      const last = held[limit];
      assert.ok(last !== undefined);
      assert.equal(last.future.running(), false);
      assert.equal(last.started.isSet(), false);
      for (const h of held) h.release.set();
      assert.deepEqual(
        await Promise.all(held.map((h) => h.future)),
        held.map((_, i) => i),
      );
    } finally {
      await stop(executor, ...held);
    }
  });
});

for (const backend of backends) {
  const { kind, Executor, Broken } = backend;

  describe(`${kind}: ${Executor.name}`, () => {
    // One worker, shared by the tests that leave it usable: with one worker, tasks run first
    // in first out, which lets a test prove that a cancelled task never ran.
    let single: AnyExecutor;
    before(() => {
      single = new Executor(1);
    });
    after(async () => {
      await stop(single);
    });

    it('.submit() returns a future; a task error comes back with its class and cause (D.9)', async () => {
      const future = single.submit(tasks.add, 2, 3);
      assert.equal(await future.result(), 5);
      assert.equal(future.done(), true);
      assert.equal(await single.submit((x: number) => x * 10, 4), 40);
      const failing = single.submit(tasks.fail, 'boom');
      const error = await failing.exception();
      assert.ok(error instanceof RangeError);
      assert.equal(error.message, 'boom');
      assert.equal((error as RangeError & { code: string }).code, 'ERR_TASK_FAILED');
      assert.ok(error.cause instanceof RemoteTraceback);
      assert.match(error.cause.remoteStack, /pool-tasks\.ts/);
      await assert.rejects(failing.result(), (again) => again === error);
      // A task's error does not break the executor.
      assert.equal(await single.submit(tasks.inc, 1), 2);
    });

    it('an argument or result that cannot be cloned fails only that future (D.9)', async () => {
      await assert.rejects(single.submit(tasks.add, 1, (() => 2) as never).result(), {
        name: 'PicklingError',
        message: /args\[1\]/,
      });
      await assert.rejects(single.submit(tasks.returnFunction).result(), (error) => {
        assert.ok(error instanceof Error);
        assert.equal(error.name, 'PicklingError');
        assert.match(error.message, /result/);
        return true;
      });
      assert.throws(() => {
        const factor = 3;
        single.submit((x: number) => x * factor, 1);
      }, PicklingError);
      assert.equal(await single.submit(tasks.inc, 41), 42);
    });

    it('.cancel() stops a queued future but not a running one (D.1)', async () => {
      const first = hold(single, 1);
      const second = hold(single, 2);
      try {
        await first.started.wait();
        assert.deepEqual(
          [first.future.running(), first.future.done(), first.future.cancelled()],
          [true, false, false],
        );
        assert.equal(first.future.cancel(), false);
        assert.equal(second.future.running(), false);
        assert.equal(second.future.cancel(), true);
        assert.deepEqual(
          [second.future.running(), second.future.done(), second.future.cancelled()],
          [false, true, true],
        );
        await assert.rejects(second.future.result(), CancelledError);
        first.release.set();
        assert.equal(await first.future, 1);
        // One worker, first in first out: had the cancelled task run, it would have by now.
        assert.equal(await single.submit(tasks.inc, 1), 2);
        assert.equal(second.started.isSet(), false);
      } finally {
        releaseAll(first, second);
      }
    });

    it('.submit() after shutdown throws StateError; shutdown() is repeatable (D.6)', async () => {
      // An executor that never ran anything has no worker to wait for.
      await new Executor(1).shutdown();
      const executor = new Executor(1);
      assert.equal(await executor.submit(tasks.inc, 1), 2);
      await executor.shutdown();
      await executor.shutdown();
      await executor.shutdown({ wait: false });
      assert.throws(
        () => executor.submit(tasks.inc, 1),
        (error) => {
          assert.ok(error instanceof StateError);
          assert.equal(error.code, 'ERR_EXECUTOR_SHUTDOWN');
          assert.equal(error.message, 'cannot schedule new futures after shutdown');
          return true;
        },
      );
      assert.throws(() => executor.map(tasks.inc, [1]), StateError);
      assert.throws(() => executor.submitWith(tasks.inc, [1], { timeout: 10 }), StateError);
      await assert.rejects(executor.shutdown({ wait: 'yes' as never }), ArgumentTypeError);
    });

    it('await using shuts down and waits for the submitted work (D.6)', async () => {
      let futures: Future<number>[] = [];
      {
        await using executor = new Executor(2);
        futures = [1, 2, 3, 4, 5].map((i) => executor.submit(tasks.inc, i));
      }
      // Checked without awaiting anything: the scope's end waited for them.
      assert.deepEqual(
        futures.map((f) => f.done()),
        [true, true, true, true, true],
      );
      assert.deepEqual(await Promise.all(futures), [2, 3, 4, 5, 6]);
    });

    it('shutdown({ wait: false }) returns at once; queued work still completes (D.6)', async () => {
      const executor = new Executor(1);
      const running = hold(executor, 1);
      const queued = executor.submit(tasks.inc, 10);
      try {
        await running.started.wait();
        await executor.shutdown({ wait: false });
        assert.equal(running.future.done(), false);
        assert.equal(queued.done(), false);
        assert.throws(() => executor.submit(tasks.inc, 1), StateError);
        running.release.set();
        assert.equal(await running.future, 1);
        assert.equal(await queued, 11);
        await executor.shutdown();
      } finally {
        await stop(executor, running);
      }
    });

    it('shutdown({ cancelFutures: true }) cancels the pending futures, not the running (D.6)', async () => {
      const executor = new Executor(1);
      const running = hold(executor, 1);
      const pending = [hold(executor, 2), hold(executor, 3)];
      try {
        await running.started.wait();
        const shutdown = executor.shutdown({ cancelFutures: true });
        for (const p of pending) {
          assert.deepEqual(
            [p.future.running(), p.future.done(), p.future.cancelled()],
            [false, true, true],
          );
          await assert.rejects(p.future.result(), CancelledError);
        }
        assert.equal(running.future.running(), true);
        running.release.set();
        await shutdown;
        assert.equal(await running.future, 1);
        for (const p of pending) assert.equal(p.started.isSet(), false);
      } finally {
        await stop(executor, running, ...pending);
      }
    });

    it('a future stays pending, and cancellable, until a worker takes its task (D.1, D.6)', async () => {
      const executor = new Executor(1);
      // Submitted together with the held task, before the worker is even up.
      const running = hold(executor, 0);
      const ran = Array.from({ length: 40 }, () => new Event());
      const queued = ran.map((e, i) => executor.submit(tasks.relay, { value: i, ran: e }));
      try {
        await running.started.wait();
        await executor.shutdown({ wait: false, cancelFutures: true });
        const cancelled = queued.filter((f) => f.cancelled()).length;
        // Python's ThreadPoolExecutor marks a future running as a thread takes it: all 40 stay
        // pending. Its ProcessPoolExecutor also marks the max_workers + 1 futures in its call
        // queue running: 38 of 40.
        const expected = kind === 'thread' ? 40 : 38;
        assert.ok(
          cancelled >= expected,
          `${cancelled} of 40 queued futures cancelled, expected at least ${expected}: ` +
            `${queued.filter((f) => f.running()).length} report running() behind one busy worker`,
        );
        running.release.set();
        await executor.shutdown();
        assert.equal(ran.filter((e) => e.isSet()).length, 40 - cancelled);
      } finally {
        await stop(executor, running);
      }
    });

    it('.map() submits every item at the call and yields in input order (D.7)', async () => {
      const executor = new Executor(3);
      const { items, start } = reverseRelay(3);
      const ran = items.map(() => new Event());
      try {
        const results = executor.map(
          tasks.relay,
          items.map((item, i) => ({ ...item, ran: ran[i] })),
        );
        // Nothing iterated yet, and every item runs.
        await Promise.all(ran.map((e) => e.wait()));
        // Items complete 2, 1, 0; they come out 0, 1, 2.
        start.set();
        const out: number[] = [];
        for await (const value of results) out.push(value);
        assert.deepEqual(out, [0, 1, 2]);
        const many = Array.from({ length: 50 }, (_, i) => i);
        const chunked: number[] = [];
        const progress: number[] = [];
        const iterator = executor.map(tasks.inc, many, {
          chunksize: 7,
          onProgress: (done, total) => {
            assert.equal(total, 50);
            progress.push(done);
          },
        });
        for await (const value of iterator) chunked.push(value);
        assert.deepEqual(
          chunked,
          many.map((i) => i + 1),
        );
        assert.equal(progress.length, 8);
        assert.equal(Math.max(...progress), 50);
        assert.throws(() => executor.map(tasks.inc, [1], { chunksize: 0 }), ArgumentRangeError);
        assert.throws(() => executor.map(tasks.inc, 3 as never), ArgumentTypeError);
      } finally {
        for (const item of items) item.release?.set();
        await stop(executor);
      }
    });

    it('.map(): leaving the loop early cancels the items not started (D.7)', async () => {
      const release = new Event();
      const ran = new Event();
      try {
        assert.equal(await single.submit(tasks.inc, 0), 1);
        const items: RelayItem[] = [{ value: 1 }, { value: 2, release }, { value: 3, ran }];
        const out: unknown[] = [];
        for await (const value of single.map(tasks.relay, items)) {
          out.push(value);
          break;
        }
        assert.deepEqual(out, [1]);
        release.set();
        // One worker, first in first out: had the third item not been cancelled, it ran by now.
        assert.equal(await single.submit(tasks.inc, 1), 2);
        assert.equal(ran.isSet(), false);
      } finally {
        release.set();
      }
    });

    it('shutdown({ cancelFutures: true }) right after submit() cancels it all and exits (D.6)', async () => {
      const executor = new Executor(2);
      const ran = [new Event(), new Event(), new Event()];
      const futures = ran.map((e, i) => executor.submit(tasks.relay, { value: i, ran: e }));
      const empty = executor.map(tasks.inc, []);
      await executor.shutdown({ cancelFutures: true });
      assert.deepEqual(
        futures.map((f) => f.cancelled()),
        [true, true, true],
      );
      assert.deepEqual(await empty.next(), { done: true, value: undefined });
      assert.equal(ran.filter((e) => e.isSet()).length, 0);
    });

    it('.map() throws an error at its item position, and stops there (D.7)', async () => {
      const iterator = single.map(tasks.failOnThree, [1, 2, 3, 4, 5]);
      assert.deepEqual(await iterator.next(), { done: false, value: 1 });
      assert.deepEqual(await iterator.next(), { done: false, value: 2 });
      await assert.rejects(iterator.next(), { message: 'three is not allowed' });
      assert.deepEqual(await iterator.next(), { done: true, value: undefined });
    });

    it('.map() timeout counts from the call; next() throws TimeoutError, the rest is cancelled (D.7)', async () => {
      const release = new Event();
      const ran = new Event();
      try {
        // A ready worker, so the map's items are dispatched one at a time.
        assert.equal(await single.submit(tasks.inc, 0), 1);
        const iterator = single.map(
          tasks.relay,
          [
            { value: 1, release },
            { value: 2, ran },
          ],
          { timeout: 100 },
        );
        // The time passing is what is under test: the deadline runs from map(), not next().
        await delay(200);
        // The first item can finish now, but not before the deadline that has passed.
        release.set();
        await assert.rejects(iterator.next(), (error) => {
          assert.ok(error instanceof TimeoutError);
          return true;
        });
        assert.deepEqual(await iterator.next(), { done: true, value: undefined });
        // One worker, first in first out: had the second item not been cancelled, it ran by now.
        assert.equal(await single.submit(tasks.inc, 1), 2);
        assert.equal(ran.isSet(), false);
      } finally {
        release.set();
      }
    });

    it('an initializer runs first in each worker; a failing one breaks the executor (D.8)', async () => {
      const ready = new Executor({ maxWorkers: 2, initializer: tasks.init, initargs: ['ready'] });
      try {
        const tags: (string | null)[] = [];
        for await (const tag of ready.map(tasks.initializedTag, [0, 1, 2, 3])) tags.push(tag);
        assert.deepEqual(tags, ['ready', 'ready', 'ready', 'ready']);
      } finally {
        await stop(ready);
      }
      const broken = new Executor({ maxWorkers: 1, initializer: tasks.initFails });
      try {
        const futures = [1, 2, 3].map((i) => broken.submit(tasks.inc, i));
        for (const future of futures) {
          await assert.rejects(future.result(), (error) => {
            assert.ok(error instanceof Broken);
            assert.ok(error instanceof BrokenExecutorError);
            assert.equal(error.code, 'ERR_BROKEN_EXECUTOR');
            assert.match(error.message, /initializer failed/);
            assert.match((error.cause as Error).message, /initializer says no/);
            return true;
          });
        }
        assert.throws(() => broken.submit(tasks.inc, 1), Broken);
        assert.throws(() => broken.map(tasks.inc, [1]), Broken);
      } finally {
        await stop(broken);
      }
    });

    it('a worker that exits mid-task breaks the executor: every future fails (D.9)', async () => {
      const executor = new Executor(2);
      const started = new Event();
      const release = new Event();
      const exiting = executor.submit(tasks.exitWhenReleased, started, release, 3);
      const running = hold(executor, 1);
      try {
        await Promise.all([started.wait(), running.started.wait()]);
        const pending = [executor.submit(tasks.inc, 1), executor.submit(tasks.inc, 2)];
        assert.deepEqual(
          pending.map((f) => f.running()),
          [false, false],
        );
        release.set();
        for (const future of [exiting, running.future, ...pending]) {
          await assert.rejects(future.result(), (error) => {
            assert.ok(error instanceof Broken);
            assert.ok(error instanceof BrokenExecutorError);
            assert.equal(error.code, 'ERR_BROKEN_EXECUTOR');
            assert.match(error.message, /terminated abruptly/);
            return true;
          });
        }
        assert.throws(
          () => executor.submit(tasks.inc, 1),
          (error) => {
            assert.ok(error instanceof Broken);
            assert.match(error.message, /terminated abruptly/);
            return true;
          },
        );
      } finally {
        await stop(executor, running);
      }
    });

    it('.submitWith() timeout fails that task only; the executor goes on', async () => {
      const started = new Event();
      const release = new Event();
      try {
        const stuck = single.submitWith(tasks.hold, [started, release, 1], { timeout: 150 });
        const after = single.submit(tasks.inc, 1);
        await assert.rejects(stuck.result(), (error) => {
          assert.ok(error instanceof TimeoutError);
          assert.match(error.message, /within 150 ms of its dispatch/);
          return true;
        });
        assert.equal(await after, 2);
        assert.equal(await single.submit(tasks.inc, 2), 3);
        // Not broken: a timed-out task is no dead worker.
        assert.equal(await single.submitWith(tasks.inc, [3], { timeout: 30_000 }), 4);
      } finally {
        release.set();
      }
    });

    it('.submitWith() signal cancels a queued task and stops a running one', async () => {
      const started = new Event();
      const release = new Event();
      const ran = new Event();
      try {
        const runningSignal = new AbortController();
        const queuedSignal = new AbortController();
        const running = single.submitWith(tasks.hold, [started, release, 1], {
          signal: runningSignal.signal,
        });
        const queued = single.submitWith(tasks.relay, [{ value: 2, ran }], {
          signal: queuedSignal.signal,
        });
        await started.wait();
        queuedSignal.abort(new Error('not needed'));
        await assert.rejects(queued.result(), { message: 'not needed' });
        runningSignal.abort(new Error('stop it'));
        await assert.rejects(running.result(), { message: 'stop it' });
        assert.equal(await single.submit(tasks.inc, 1), 2);
        assert.equal(ran.isSet(), false);
        const already = single.submitWith(tasks.inc, [1], {
          signal: AbortSignal.abort(new Error('too late')),
        });
        await assert.rejects(already.result(), { message: 'too late' });
      } finally {
        release.set();
      }
    });

    it('wait() and asCompleted() follow the executor futures as they complete (D.10–D.12)', async () => {
      const executor = new Executor(3);
      const { items, start } = reverseRelay(3);
      const futures = items.map((item) => executor.submit(tasks.relay, item));
      const held = hold(executor, 4);
      try {
        const first = await wait(futures, { returnWhen: FIRST_COMPLETED, timeout: 0 });
        assert.equal(first.done.size, 0);
        start.set();
        const order: CompletedFuture<number>[] = [];
        for await (const future of asCompleted(futures)) order.push(future);
        assert.deepEqual(order, [...futures].reverse());
        const all = await wait([...futures, ...futures]);
        assert.equal(all.done.size, 3);
        assert.equal(all.notDone.size, 0);

        // FIRST_EXCEPTION: a cancelled future does not end the wait; a failure does.
        const queued = executor.submit(tasks.inc, 1);
        assert.equal(queued.cancel(), true);
        const failure = executor.submit(tasks.fail, 'bad') as unknown as Future<number>;
        const result = await wait([held.future, queued, failure], {
          returnWhen: FIRST_EXCEPTION,
        });
        assert.deepEqual(new Set(result.done), new Set([queued, failure]));
        assert.deepEqual([...result.notDone], [held.future]);
      } finally {
        for (const item of items) item.release?.set();
        await stop(executor, held);
      }
    });
  });
}

describe('process: ProcessPoolExecutor', () => {
  it('runs tasks in child processes; maxTasksPerChild replaces them (D.9)', async () => {
    const executor = new ProcessPoolExecutor({ maxWorkers: 1, maxTasksPerChild: 2 });
    try {
      const pids: number[] = [];
      for (let i = 0; i < 4; i++) pids.push((await executor.submit(tasks.whoAmI)).pid);
      assert.ok(!pids.includes(getpid()));
      assert.equal(pids[0], pids[1]);
      assert.equal(pids[2], pids[3]);
      assert.notEqual(pids[1], pids[2]);
      const fresh = new ProcessPoolExecutor({ maxWorkers: 2, maxTasksPerChild: 1 });
      try {
        const all = await Promise.all(
          Array.from({ length: 4 }, () => fresh.submit(tasks.whoAmI).result()),
        );
        assert.equal(new Set(all.map((info) => info.pid)).size, 4);
      } finally {
        await stop(fresh);
      }
    } finally {
      await stop(executor);
    }
  });

  it('a worker killed while idle breaks the executor too (D.9)', async () => {
    const executor = new ProcessPoolExecutor(1);
    try {
      const { pid } = await executor.submit(tasks.whoAmI);
      process.kill(pid, 'SIGKILL');
      // Whether the death is noticed before this submit or after, the task cannot run.
      let outcome: unknown;
      try {
        outcome = await executor.submit(tasks.inc, 1).exception();
      } catch (error) {
        outcome = error;
      }
      assert.ok(outcome instanceof BrokenProcessPoolError, String(outcome));
      assert.throws(() => executor.submit(tasks.inc, 1), BrokenProcessPoolError);
    } finally {
      await stop(executor);
    }
  });

  it('a worker killed with SIGKILL mid-task breaks the executor (D.9)', async () => {
    const executor = new ProcessPoolExecutor(1);
    try {
      const killed = executor.submit(tasks.killSelf);
      const queued = executor.submit(tasks.inc, 1);
      for (const future of [killed, queued]) {
        await assert.rejects(future.result(), (error) => {
          assert.ok(error instanceof BrokenProcessPoolError);
          assert.match(error.message, /terminated abruptly/);
          return true;
        });
      }
      assert.throws(() => executor.submit(tasks.inc, 1), BrokenProcessPoolError);
    } finally {
      await stop(executor);
    }
  });
});
