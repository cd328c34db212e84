/**
 * The live view's events on `node:diagnostics_channel`: `multitask:task` (a pool task's start
 * and end, with its outcome) and `multitask:worker` (pool workers', threads' and processes'
 * states), and `state` of Thread and Process. One body per backend.
 */
import assert from 'node:assert/strict';
import diagnosticsChannel from 'node:diagnostics_channel';
import { describe, it } from 'node:test';
import {
  Process,
  TASK_CHANNEL,
  Thread,
  ThreadPoolExecutor,
  ProcessPoolExecutor,
  WORKER_CHANNEL,
  taskModule,
  type TaskEventMessage,
  type WorkerStateMessage,
} from '../../src/index.ts';

const tasks = taskModule<typeof import('../fixtures/stats-tasks.ts')>(
  new URL('../fixtures/stats-tasks.ts', import.meta.url),
);

/** Collects what `channel` publishes while `body` runs. */
async function collect<T>(channel: string, body: () => Promise<void>): Promise<T[]> {
  const seen: T[] = [];
  const listener = (message: unknown): void => {
    seen.push(message as T);
  };
  diagnosticsChannel.subscribe(channel, listener);
  try {
    await body();
  } finally {
    diagnosticsChannel.unsubscribe(channel, listener);
  }
  return seen;
}

for (const [kind, Executor] of [
  ['thread', ThreadPoolExecutor],
  ['process', ProcessPoolExecutor],
] as const) {
  describe(`${TASK_CHANNEL} and ${WORKER_CHANNEL} (${kind} executor)`, () => {
    it('publishes each task once as it starts and once as it ends, and each worker reaching done', async () => {
      let workers: WorkerStateMessage[] = [];
      const events = await collect<TaskEventMessage>(TASK_CHANNEL, async () => {
        workers = await collect<WorkerStateMessage>(WORKER_CHANNEL, async () => {
          const executor = new Executor(2);
          const futures = Array.from({ length: 30 }, (_, i) =>
            executor.submit(tasks.failEveryTenth, i),
          );
          await Promise.allSettled(futures.map((future) => future.result()));
          await executor.shutdown();
        });
      });
      const starts = events.filter((event) => event.event === 'start');
      const ends = events.filter((event) => event.event === 'end');
      assert.deepEqual(
        starts.map((event) => event.id).sort((a, b) => a - b),
        Array.from({ length: 30 }, (_, i) => i + 1),
      );
      assert.deepEqual(
        ends.map((event) => event.id).sort((a, b) => a - b),
        Array.from({ length: 30 }, (_, i) => i + 1),
      );
      assert.equal(ends.filter((event) => event.outcome === 'failed').length, 3);
      assert.equal(ends.filter((event) => event.outcome === 'done').length, 27);
      for (const event of events) assert.match(event.worker, /^(ThreadPoolExecutor|SpawnProcess)-/);
      const pool = workers.filter((message) => message.source === 'pool');
      const names = [...new Set(pool.map((message) => message.name))];
      assert.ok(names.length >= 1 && names.length <= 2, names.join());
      for (const name of names) {
        const states = pool.filter((message) => message.name === name).map((m) => m.state);
        assert.equal(states.at(-1), 'done', states.join());
        // A worker started as work arrived may be stopped before it took any.
        const ran = events.some((event) => event.worker === name);
        assert.equal(states.includes('running'), ran, states.join());
      }
    });
  });
}

for (const [kind, Worker] of [
  ['thread', Thread],
  ['process', Process],
] as const) {
  describe(`${Worker.name}.state and ${WORKER_CHANNEL}`, () => {
    it('is new, then running, then done; start and end are published', async () => {
      const worker = new Worker({
        name: `stated ${kind}`,
        target: tasks.failEveryTenth,
        args: [1],
      });
      assert.equal(worker.state, 'new');
      const messages = await collect<WorkerStateMessage>(WORKER_CHANNEL, async () => {
        worker.start();
        assert.equal(worker.state, 'running');
        await worker.join();
      });
      assert.equal(worker.state, 'done');
      const own = messages.filter((message) => message.name === `stated ${kind}`);
      assert.deepEqual(
        own.map((message) => [message.source, message.state]),
        [
          [kind, 'running'],
          [kind, 'done'],
        ],
      );
      assert.equal(typeof own[0]?.ident, 'number');
    });
  });
}
