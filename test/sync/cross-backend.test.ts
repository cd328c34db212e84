/**
 * One truth across threads and processes: the same primitive, passed to threads and to
 * processes at once, behaves as one. A Lock excludes all of them, a Semaphore(3) admits no
 * more than 3 of them, a Condition queues them in one FIFO order, a Barrier counts them
 * together, and a lock whose holder of one kind dies is taken over by a waiter of the other.
 * See issue 3 ("Done when") and docs/python-conformance.md A.1, A.5, A.6, A.10.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { it } from 'node:test';
import {
  Barrier,
  BoundedSemaphore,
  Condition,
  Event,
  Lock,
  Process,
  RLock,
  Semaphore,
  Thread,
} from '../../src/index.ts';
import { syncTasks } from '../fixtures/sync-task-refs.ts';
import { scratchDir } from '../helpers/backends.ts';
import { joinAll, readJson, readLines, workerPool } from '../helpers/sync.ts';

const scratch = scratchDir();
const workers = workerPool();

it('Lock - 2 threads and 2 processes: one at a time inside, no update lost', async () => {
  const iterations = 150;
  const lock = new Lock();
  // Processes share no memory with us, so the checks use primitives that cross: `inside`
  // counts who is in the critical section (it must read 1 there), `violations` counts the
  // times it did not. The counter in the file is updated non-atomically (read, then write):
  // any overlap loses updates.
  const inside = new Semaphore(0);
  const violations = new Semaphore(0);
  const counterFile = scratch.file('lock-counter.txt');
  writeFileSync(counterFile, '0');
  const args = [lock, inside, violations, counterFile, iterations] as const;
  const all = [Thread, Thread, Process, Process].map((Worker) =>
    workers.start(new Worker({ target: syncTasks.lockedIncrements, args: [...args] })),
  );
  await joinAll(all);
  assert.equal(violations.getValue(), 0);
  assert.equal(Number(readFileSync(counterFile, 'utf8')), 4 * iterations);
  assert.equal(inside.getValue(), 0);
  assert.equal(lock.locked(), false);
});

it('Semaphore(3) - never more than 3 holders among threads and processes', async () => {
  const iterations = 40;
  const lanes = 2;
  const slots = new Semaphore(3);
  // The count of holders must be visible to processes too, so it is kept by a primitive
  // that crosses: `room` is a BoundedSemaphore(3) of free places. Each holder of `slots`
  // takes a place without waiting, and gives it back before it gives back its slot. With
  // at most 3 holders a place is always free; a 4th holder would find none, and counts
  // itself in `violations`.
  const room = new BoundedSemaphore(3);
  const violations = new Semaphore(0);
  const entries = new Semaphore(0);
  const outs = [0, 1, 2, 3].map((i) => scratch.file(`semaphore-fewest-${i}.json`));
  const all = [Thread, Thread, Process, Process].map((Worker, i) =>
    workers.start(
      new Worker({
        target: syncTasks.semaphoreHolders,
        args: [slots, room, violations, entries, iterations, lanes, outs[i] ?? ''],
      }),
    ),
  );
  await joinAll(all);
  assert.equal(violations.getValue(), 0);
  // Every worker passed (lanes + 1) * iterations times: `lanes` async lanes, then blocking.
  assert.equal(entries.getValue(), 4 * (lanes + 1) * iterations);
  assert.equal(slots.getValue(), 3);
  assert.equal(room.getValue(), 3);
  for (const out of outs) {
    const fewest = readJson(out) as number;
    assert.ok(fewest >= 0 && fewest <= 2, `fewest free places seen: ${fewest}`);
  }
});

it('Lock - a process killed holding it: a thread blocked in acquireSync() gets it, abandoned', async () => {
  const lock = new Lock();
  const held = new Event();
  const holder = workers.start(
    new Process({ target: syncTasks.holdForever, args: [lock, 1, held, false] }),
  );
  assert.equal(await held.wait(30_000), true);
  const out = scratch.file('death-process-to-thread.json');
  const next = workers.start(
    new Thread({ target: syncTasks.acquireAndReport, args: [lock, out, true] }),
  );
  holder.kill();
  await joinAll([next]);
  assert.equal(holder.exitCode, -9);
  assert.deepEqual(readJson(out), {
    acquired: true,
    abandoned: true,
    lockedAfterRelease: false,
    abandonedAfterRelease: false,
  });
});

it('RLock - a thread terminated holding it: a process waiting in acquire() gets it, abandoned', async () => {
  const lock = new RLock();
  const held = new Event();
  const holder = workers.start(
    new Thread({ target: syncTasks.holdForever, args: [lock, 2, held, true] }),
  );
  assert.equal(await held.wait(30_000), true);
  const out = scratch.file('death-thread-to-process.json');
  const next = workers.start(
    new Process({ target: syncTasks.acquireAndReport, args: [lock, out, false] }),
  );
  holder.terminate();
  await joinAll([next]);
  assert.equal(holder.exitCode, -15);
  assert.deepEqual(readJson(out), {
    acquired: true,
    abandoned: true,
    lockedAfterRelease: false,
    abandonedAfterRelease: false,
  });
});

it('Condition - threads and processes queue in one FIFO order: notify(n) wakes exactly n', async () => {
  const cond = new Condition();
  const arrived = new Semaphore(0);
  const woken = new Semaphore(0);
  const log = scratch.file('condition-fifo.log');
  writeFileSync(log, '');
  const waiters = [
    { id: 'T0', Worker: Thread, sync: false },
    { id: 'P1', Worker: Process, sync: true },
    { id: 'T2', Worker: Thread, sync: true },
    { id: 'P3', Worker: Process, sync: false },
  ];
  const started: (Thread | Process)[] = [];
  for (const { id, Worker, sync } of waiters) {
    started.push(
      workers.start(
        new Worker({
          target: syncTasks.conditionWaiter,
          args: [cond, arrived, woken, log, id, sync],
        }),
      ),
    );
    // One at a time, so that the queue order is the start order. A waiter says it arrived
    // while it holds the lock, and lets go of it only inside wait(), once queued.
    assert.equal(await arrived.acquire({ timeout: 30_000 }), true);
  }
  const notify = async (n: number | 'all', expectedIds: string[]): Promise<void> => {
    const before = readLines(log).length;
    await cond.withLock(() => {
      if (n === 'all') cond.notifyAll();
      else cond.notify(n);
    });
    for (let i = 0; i < expectedIds.length; i++) {
      assert.equal(await woken.acquire({ timeout: 30_000 }), true);
    }
    // Exactly these: nobody else wakes (within a short window).
    assert.equal(await woken.acquire({ timeout: 100 }), false);
    const lines = readLines(log).slice(before);
    assert.deepEqual(lines.sort(), expectedIds.map((id) => `${id}:true`).sort());
  };
  await notify(2, ['P1', 'T0']);
  await notify(1, ['T2']);
  await notify('all', ['P3']);
  await joinAll(started);
});

it('Barrier - threads, processes and the main thread pass together', async () => {
  const barrier = new Barrier(3);
  const outs = [0, 1].map((i) => scratch.file(`barrier-mixed-${i}.json`));
  const parties = [
    new Thread({
      target: syncTasks.barrierParty,
      args: [[barrier, barrier], true, scratch.file('no-actions.log'), outs[0] ?? ''],
    }),
    new Process({
      target: syncTasks.barrierParty,
      args: [[barrier, barrier], false, scratch.file('no-actions.log'), outs[1] ?? ''],
    }),
  ].map((worker) => workers.start(worker));
  const mine = [await barrier.wait(), barrier.waitSync()];
  await joinAll(parties);
  const theirs = outs.map((out) => (readJson(out) as { index: number }[]).map((r) => r.index));
  for (const passage of [0, 1]) {
    const indexes = [mine[passage], ...theirs.map((t) => t[passage])];
    assert.deepEqual(indexes.sort(), [0, 1, 2]);
  }
});
