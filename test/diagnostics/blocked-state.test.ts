/**
 * `blocked` in the live view (issue 21): while waits are watched, a Thread or Process that
 * cannot run until a wait without a deadline ends says `blocked`, and what it waits on, in its
 * `state`/`waitsOn` and in the program's stats; it runs on once the wait ends. Without
 * watching it says `running`. One body per backend (a process on the native backend: with the
 * broker its waits run in the broker thread, not in the process).
 */
import assert from 'node:assert/strict';
import { setImmediate as turn } from 'node:timers/promises';
import { after, describe, it } from 'node:test';
import {
  Event,
  Process,
  programStats,
  Semaphore,
  setAsleepDetection,
  sharedMemoryBackend,
  Thread,
} from '../../src/index.ts';
import { asleepTasks } from '../fixtures/asleep-task-refs.ts';

/** Turns of this event loop until `worker` says `state`, at most `ms`. */
async function until(worker: Thread | Process, state: string, ms = 60_000): Promise<void> {
  const end = performance.now() + ms;
  while (worker.state !== state && performance.now() < end) await turn();
  assert.equal(worker.state, state);
}

const backends =
  sharedMemoryBackend() === 'native'
    ? ([
        ['thread', Thread],
        ['process', Process],
      ] as const)
    : ([['thread', Thread]] as const);

for (const [kind, Worker] of backends) {
  describe(`${kind}: blocked, and on what`, () => {
    after(() => {
      setAsleepDetection(false);
    });

    it('a worker blocked in Event.wait() is blocked on it while waits are watched', async () => {
      // No all-asleep report within the test: this thread never sleeps that long.
      setAsleepDetection({ afterMs: 600_000 });
      const gate = new Event();
      const ready = new Semaphore(0);
      const worker = new Worker({
        name: `blocked ${kind}`,
        target: asleepTasks.blockOnEvent,
        args: [gate, ready],
      });
      worker.start();
      await ready.acquire();
      await until(worker, 'blocked');
      assert.equal(worker.waitsOn, 'Event.wait()');
      const shown = programStats().children.find((child) => child.name === `blocked ${kind}`);
      assert.deepEqual(
        [shown?.kind, shown?.state, shown?.waitsOn],
        [kind, 'blocked', 'Event.wait()'],
      );
      gate.set();
      await worker.join();
      assert.deepEqual([worker.state, worker.waitsOn], ['done', null]);
    });

    it('without watching, the same worker is running', async () => {
      setAsleepDetection(false);
      const gate = new Event();
      const ready = new Semaphore(0);
      const worker = new Worker({ target: asleepTasks.blockOnEvent, args: [gate, ready] });
      worker.start();
      await ready.acquire();
      assert.deepEqual([worker.state, worker.waitsOn], ['running', null]);
      gate.set();
      await worker.join();
      assert.equal(worker.state, 'done');
    });
  });
}
