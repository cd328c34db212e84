/**
 * All-asleep detection (issue 21): when this thread, two threads and (on the native backend)
 * a process all wait, without a deadline, on things nobody will set, the report lists every
 * member with what it waits on and where; when a member sleeps on a timer that will set the
 * event, or this thread's event loop holds a timer that will, nothing is reported and the
 * program completes.
 */
import assert from 'node:assert/strict';
import diagnosticsChannel from 'node:diagnostics_channel';
import { after, beforeEach, it } from 'node:test';
import {
  ArgumentRangeError,
  Barrier,
  BrokenBarrierError,
  DEADLOCK_CHANNEL,
  Event,
  Process,
  Queue,
  Semaphore,
  setAsleepDetection,
  sharedMemoryBackend,
  Thread,
  type AsleepMessage,
} from '../../src/index.ts';
import { asleepTasks } from '../fixtures/asleep-task-refs.ts';
import { workerPool } from '../helpers/sync.ts';

const workers = workerPool();
// On before the workers start (they inherit it through MULTITASK_DEBUG); this thread takes
// the lowest owner id, so it is the member that reports.
setAsleepDetection({ afterMs: 100 });
const reports: AsleepMessage[] = [];
/** Called with each report: the test wakes everyone, so that the program can end. */
let onReport = (): void => undefined;
const onMessage = (message: unknown): void => {
  if ((message as { kind?: string }).kind !== 'asleep') return;
  reports.push(message as AsleepMessage);
  onReport();
};
diagnosticsChannel.subscribe(DEADLOCK_CHANNEL, onMessage);
after(() => {
  diagnosticsChannel.unsubscribe(DEADLOCK_CHANNEL, onMessage);
  setAsleepDetection(false);
});
beforeEach(() => {
  reports.length = 0;
  onReport = () => undefined;
});

// With the broker, a child process's waits run in the broker thread, which cannot see the
// child's event loop: a process member is judged asleep on the native backend only.
const withProcess = sharedMemoryBackend() === 'native';

it(
  `this thread, two threads${withProcess ? ' and a process' : ''} waiting on what nobody sets are reported, each with its wait`,
  {
    timeout: 120_000,
  },
  async () => {
    const nobody = new Event();
    const queue = new Queue();
    const units = new Semaphore(0);
    const members: (Thread | Process)[] = [
      workers.start(
        new Thread({ name: 'blocked', target: asleepTasks.blockOnEvent, args: [nobody] }),
      ),
      workers.start(new Thread({ name: 'getter', target: asleepTasks.awaitItem, args: [queue] })),
    ];
    if (withProcess) {
      members.push(
        workers.start(
          new Process({ name: 'sleeper', target: asleepTasks.awaitUnit, args: [units] }),
        ),
      );
    }
    // Once reported, this thread wakes them all (from the report's own call, in its wait).
    onReport = () => {
      nobody.set();
      queue.putNowait('wake');
      units.release();
    };
    await nobody.wait();
    for (const member of members) await member.join();
    assert.deepEqual(
      members.map((member) => member.exitCode),
      members.map(() => 0),
    );

    assert.equal(reports.length, 1, JSON.stringify(reports));
    const [report] = reports as [AsleepMessage];
    const expected = [
      [`MainProcess/MainThread (pid ${process.pid})`, 'Event.wait()', /asleep\.test\.ts:\d+:\d+/],
      [
        `MainProcess/blocked (pid ${process.pid})`,
        'Event.wait()',
        /at blockOnEvent \(\S+asleep-tasks\.ts:\d+:\d+\)/,
      ],
      [
        `MainProcess/getter (pid ${process.pid})`,
        'Queue.get()',
        /at awaitItem \(\S+asleep-tasks\.ts:\d+:\d+\)/,
      ],
      ...(withProcess
        ? [
            [
              `sleeper/MainThread (pid ${String((members[2] as Process).pid)})`,
              'Semaphore.acquire()',
              /at awaitUnit \(\S+asleep-tasks\.ts:\d+:\d+\)/,
            ] as const,
          ]
        : []),
    ] as const;
    assert.deepEqual(
      report.members.map(({ name, waitsOn }) => [name, waitsOn]),
      expected.map(([name, waitsOn]) => [name, waitsOn]),
    );
    report.members.forEach(({ stack }, i) => {
      assert.match(stack, expected[i]?.[2] ?? /never/);
    });
    const lines = report.report.split('\n');
    assert.equal(
      lines[0],
      `multitask: all asleep: all ${expected.length} members wait, and nothing can wake them`,
    );
    for (const [name, waitsOn] of expected) {
      assert.equal(lines.filter((line) => line === `  ${name} waits on ${waitsOn}`).length, 1);
    }
  },
);

it(
  'a thread sleeping on a timer that will set the event: nothing is reported, all complete',
  {
    timeout: 120_000,
  },
  async () => {
    const done = new Event();
    const blocked = workers.start(new Thread({ target: asleepTasks.blockOnEvent, args: [done] }));
    const setter = workers.start(new Thread({ target: asleepTasks.setAfter, args: [done, 1500] }));
    await done.wait();
    await blocked.join();
    await setter.join();
    assert.deepEqual([blocked.exitCode, setter.exitCode], [0, 0]);
    assert.deepEqual(reports, []);
  },
);

it(
  "this thread's own pending timer will set the event: nothing is reported, all complete",
  {
    timeout: 120_000,
  },
  async () => {
    const done = new Event();
    const ready = new Semaphore(0);
    const blocked = workers.start(
      new Thread({ target: asleepTasks.blockOnEvent, args: [done, ready] }),
    );
    await ready.acquire();
    // Unrelated to the wait, but it keeps this thread's event loop busy: it is not asleep.
    // (Long enough for a check that missed it to report, on a loaded machine too.)
    const timer = setTimeout(() => {
      done.set();
    }, 2000);
    await done.wait();
    clearTimeout(timer);
    await blocked.join();
    assert.equal(blocked.exitCode, 0);
    assert.deepEqual(reports, []);
  },
);

it(
  'this thread alone at a Barrier nobody else reaches is reported as the only member',
  {
    timeout: 120_000,
  },
  async () => {
    const barrier = new Barrier(2);
    onReport = () => {
      barrier.abort();
    };
    await assert.rejects(barrier.wait(), BrokenBarrierError);
    assert.equal(reports.length, 1, JSON.stringify(reports));
    const [report] = reports as [AsleepMessage];
    assert.deepEqual(
      report.members.map(({ name, waitsOn }) => [name, waitsOn]),
      [[`MainProcess/MainThread (pid ${process.pid})`, 'Barrier.wait()']],
    );
    assert.equal(
      report.report.split('\n')[0],
      'multitask: all asleep: the only member waits, and nothing can wake them',
    );
  },
);

it('setAsleepDetection: a bad afterMs is a coded error naming it', () => {
  assert.throws(
    () => {
      setAsleepDetection({ afterMs: Number.NaN });
    },
    (error) => error instanceof ArgumentRangeError && /NaN/.test(error.message),
  );
});
