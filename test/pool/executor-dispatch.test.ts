/**
 * Executors send tasks in batches, each with a claim word that the worker claims just before
 * it runs the task (memory/claim-word.ts): a future stays pending, and cancellable, while it
 * waits on a worker, and cancel() and the worker never both win. One test body per backend;
 * a process executor has claim words only with the native addon (with the broker it sends a
 * worker one task beyond the one it runs, marked running, as Python's call queue does).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  BrokenProcessPoolError,
  BrokenThreadPoolError,
  CancelledError,
  Event,
  ProcessPoolExecutor,
  taskModule,
  ThreadPoolExecutor,
  Value,
  type Future,
} from '../../src/index.ts';

const tasks = taskModule<typeof import('../fixtures/pool-tasks.ts')>(
  new URL('../fixtures/pool-tasks.ts', import.meta.url),
);

const backends = [
  { kind: 'thread', Executor: ThreadPoolExecutor, Broken: BrokenThreadPoolError },
  { kind: 'process', Executor: ProcessPoolExecutor, Broken: BrokenProcessPoolError },
] as const;

type AnyExecutor = ThreadPoolExecutor | ProcessPoolExecutor;

function hold(
  executor: AnyExecutor,
  value: number,
): {
  future: Future<number>;
  started: Event;
  release: Event;
} {
  const started = new Event();
  const release = new Event();
  return { future: executor.submit(tasks.hold, started, release, value), started, release };
}

for (const { kind, Executor, Broken } of backends) {
  // Without the addon a process executor marks the task sent behind a running one as running.

  describe(`${kind}: ${Executor.name} dispatch`, () => {
    it('cancel() and the worker never both win: a cancelled task never runs, any other runs once', async () => {
      const executor = new Executor(2);
      const counter = new Value('i', 0);
      try {
        const n = 400;
        const futures = Array.from({ length: n }, () =>
          executor.submit(tasks.incrementValue, counter, 1),
        );
        // Cancels every third future at once, then every third of the rest while the
        // workers run their batches.
        const early = futures.filter((_, i) => i % 3 === 0).map((f) => f.cancel());
        assert.ok(early.every((cancelled) => cancelled));
        let late = 0;
        for (let i = 1; i < n; i += 3) {
          if (i % 30 === 1) await new Promise((resolve) => setImmediate(resolve));
          const future = futures[i];
          assert.ok(future !== undefined);
          if (future.cancel()) late++;
        }
        const outcomes = await Promise.all(
          futures.map((f) =>
            f.result().then(
              (value) => value,
              (error: unknown) => {
                assert.ok(error instanceof CancelledError);
                return 0;
              },
            ),
          ),
        );
        const cancelled = futures.filter((f) => f.cancelled()).length;
        assert.equal(cancelled, early.length + late);
        const ran = outcomes.reduce((sum, value) => sum + value, 0);
        assert.equal(ran, n - cancelled);
        // Each task that ran added 1 once; none that was cancelled did.
        assert.equal(counter.value, n - cancelled);
      } finally {
        await executor.shutdown({ cancelFutures: true });
      }
    });

    it('a future waiting behind a busy worker is pending until that worker claims it', async () => {
      const executor = new Executor(1);
      const first = hold(executor, 1);
      // Enough tasks that a batch goes out with the held one, behind it on its worker.
      const ran = Array.from({ length: 20 }, () => new Event());
      const queued = ran.map((e, i) => executor.submit(tasks.relay, { value: i, ran: e }));
      try {
        await first.started.wait();
        assert.equal(first.future.running(), true);
        const running = queued.filter((f) => f.running()).length;
        // Batched behind the claim word, or (processes on the broker) not sent at all: a
        // worker there holds only the task it runs.
        assert.equal(running, 0);
        const second = queued[1];
        assert.ok(second !== undefined);
        assert.equal(second.cancel(), true);
        first.release.set();
        assert.equal(await first.future, 1);
        const results = await Promise.all(
          queued.map((f, i) => (i === 1 ? Promise.resolve(null) : f.result())),
        );
        assert.deepEqual(
          results,
          queued.map((_, i) => (i === 1 ? null : i)),
        );
        assert.equal(ran[1]?.isSet(), false);
        assert.equal(ran.filter((e) => e.isSet()).length, 19);
      } finally {
        first.release.set();
        await executor.shutdown({ cancelFutures: true });
      }
    });

    it('a task sent behind a long one is taken back by an idle worker (no deadlock)', async () => {
      const executor = new Executor(2);
      const blocker = hold(executor, -1);
      try {
        await blocker.started.wait();
        // The releasing task is first in the burst: it is sent to the busy worker, behind
        // the blocker, with a batch of others; the idle worker must take it back.
        const releasing = executor.submit(tasks.relay, { value: 100, next: blocker.release });
        const others = Array.from({ length: 40 }, (_, i) => executor.submit(tasks.inc, i));
        assert.equal(await releasing, 100);
        assert.equal(await blocker.future, -1);
        assert.deepEqual(
          await Promise.all(others),
          others.map((_, i) => i + 1),
        );
      } finally {
        blocker.release.set();
        await executor.shutdown({ cancelFutures: true });
      }
    });

    it('shutdown({ cancelFutures }) cancels what no worker claimed; what one claimed runs on (issue 13)', async () => {
      const executor = new Executor(1);
      const first = hold(executor, 1);
      const ran = Array.from({ length: 10 }, () => new Event());
      const queued = ran.map((e, i) => executor.submit(tasks.relay, { value: i, ran: e }));
      try {
        await first.started.wait();
        await executor.shutdown({ cancelFutures: true, wait: false });
        const cancelled = queued.filter((f) => f.cancelled()).length;
        assert.equal(cancelled, 10);
        assert.equal(first.future.running(), true);
        assert.equal(first.future.cancel(), false);
        first.release.set();
        assert.equal(await first.future, 1);
        await executor.shutdown();
        assert.equal(ran.filter((e) => e.isSet()).length, 10 - cancelled);
        for (const f of queued) {
          if (f.cancelled()) await assert.rejects(f.result(), CancelledError);
        }
      } finally {
        first.release.set();
        await executor.shutdown({ cancelFutures: true });
      }
    });

    it('every future broken by one worker death gets its own error, with the shared cause (issue 14)', async () => {
      const executor = new Executor(2);
      const started = new Event();
      const release = new Event();
      const exiting = executor.submit(tasks.exitWhenReleased, started, release, 3);
      const running = hold(executor, 1);
      try {
        await Promise.all([started.wait(), running.started.wait()]);
        const pending = [executor.submit(tasks.inc, 1), executor.submit(tasks.inc, 2)];
        release.set();
        const errors = await Promise.all(
          [exiting, running.future, ...pending].map((f) => f.exception()),
        );
        for (const error of errors) {
          assert.ok(error instanceof Broken, String(error));
          assert.match(error.message, /terminated abruptly/);
          assert.equal(error.cause, errors[0] instanceof Error ? errors[0].cause : undefined);
        }
        assert.equal(new Set(errors).size, errors.length);
        // Each later submit refuses with a new error of the same message.
        const refusals = [0, 1].map(() => {
          try {
            executor.submit(tasks.inc, 1);
          } catch (error) {
            return error;
          }
          return null;
        });
        assert.ok(refusals[0] instanceof Broken);
        assert.notEqual(refusals[0], refusals[1]);
      } finally {
        release.set();
        running.release.set();
        await executor.shutdown({ cancelFutures: true });
      }
    });
  });
}
