/**
 * Deadlock detection (issue 21): a two-lock cycle between this thread and a thread, and
 * between this thread and a process (on either shared-memory backend), is found, reported
 * with every member and lock, and broken by a DeadlockError in one member (`throw` mode);
 * the other member then gets its lock and both go on.
 */
import assert from 'node:assert/strict';
import diagnosticsChannel from 'node:diagnostics_channel';
import { after, it } from 'node:test';
import {
  ArgumentRangeError,
  ArgumentTypeError,
  DEADLOCK_CHANNEL,
  DeadlockError,
  Lock,
  Process,
  Semaphore,
  setDeadlockDetection,
  sharedMemoryBackend,
  Thread,
  type DeadlockMessage,
} from '../../src/index.ts';
import { deadlockTasks } from '../fixtures/deadlock-task-refs.ts';
import { scratchDir } from '../helpers/backends.ts';
import { runScript } from '../helpers/scripts.ts';
import { readJson, workerPool } from '../helpers/sync.ts';

const scratch = scratchDir();
const workers = workerPool();
// On before the locks are made (their labels are their creation sites) and the workers are
// started (they inherit it through MULTITASK_DEBUG).
setDeadlockDetection({ mode: 'throw', afterMs: 100 });
const published: DeadlockMessage[] = [];
const onMessage = (message: unknown): void => {
  published.push(message as DeadlockMessage);
};
diagnosticsChannel.subscribe(DEADLOCK_CHANNEL, onMessage);
after(() => {
  diagnosticsChannel.unsubscribe(DEADLOCK_CHANNEL, onMessage);
});

interface Outcome {
  readonly acquired: boolean;
  readonly code?: string;
  readonly message?: string;
}

for (const Worker of [Thread, Process]) {
  it(`a two-lock cycle with a ${Worker.name.toLowerCase()} is reported and broken in one member`, async () => {
    const a = new Lock();
    const b = new Lock();
    const ready = new Semaphore(0);
    const out = scratch.file(`cycle-${Worker.name}.json`);
    await a.acquire();
    const worker = workers.start(
      new Worker({ target: deadlockTasks.cycleHalf, args: [b, a, ready, out] }),
    );
    await ready.acquire();
    // The cycle: this thread holds a and waits for b; the worker holds b and waits for a.
    let mine: Outcome;
    try {
      await b.acquire();
      mine = { acquired: true };
      b.release();
    } catch (error) {
      assert.ok(error instanceof DeadlockError, String(error));
      mine = { acquired: false, code: error.code, message: error.message };
    }
    a.release();
    await worker.join();
    assert.equal(worker.exitCode, 0);
    const theirs = readJson(out) as Outcome;

    // Exactly one member broke the cycle; the other then got its lock.
    const outcomes = [mine, theirs];
    const broken = outcomes.filter((outcome) => !outcome.acquired);
    assert.equal(broken.length, 1, JSON.stringify(outcomes));
    assert.equal(outcomes.filter((outcome) => outcome.acquired).length, 1);
    const report = broken[0] as Outcome;
    assert.equal(report.code, 'ERR_DEADLOCK');
    const message = report.message ?? '';
    assert.match(message, /^multitask: deadlock: 2 members wait for each other\n/);
    // Both members by name, both locks by creation site (this file, the lines above).
    assert.match(message, new RegExp(`MainProcess/MainThread \\(pid ${process.pid}\\)`));
    const servedByBroker = Worker === Process && sharedMemoryBackend() === 'broker';
    const workerName = servedByBroker
      ? 'a child process served by the broker'
      : Worker === Thread
        ? `MainProcess/${worker.name}`
        : `${worker.name}/MainThread`;
    assert.ok(message.includes(workerName), `${workerName} in:\n${message}`);
    const sites = [...message.matchAll(/Lock created at (\S+deadlock\.test\.ts:\d+:\d+)/g)].map(
      (match) => match[1],
    );
    assert.equal(new Set(sites).size, 2, message);
    assert.equal(a.locked(), false);
    assert.equal(b.locked(), false);
  });
}

for (const [first, second] of [
  [Thread, Thread],
  [Thread, Process],
] as const) {
  const parties = `this thread, a ${first.name.toLowerCase()} and a ${second.name.toLowerCase()}`;
  it(`a three-lock cycle among ${parties} is reported with every member and broken in one`, async () => {
    published.length = 0;
    const [a, b, c] = [new Lock(), new Lock(), new Lock()];
    const ready = new Semaphore(0);
    const outs = [0, 1].map((i) => scratch.file(`three-${second.name}-${i}.json`)) as [
      string,
      string,
    ];
    await a.acquire();
    // This thread holds a and will wait for b; the second worker holds c and waits for a;
    // then the first holds b and waits for c (started after the second holds c, so that it
    // cannot take c first).
    const two = workers.start(
      new second({ target: deadlockTasks.cycleHalf, args: [c, a, ready, outs[1]] }),
    );
    await ready.acquire();
    const one = workers.start(
      new first({ target: deadlockTasks.cycleHalf, args: [b, c, ready, outs[0]] }),
    );
    await ready.acquire();
    let mine: Outcome;
    try {
      await b.acquire();
      mine = { acquired: true };
      b.release();
    } catch (error) {
      assert.ok(error instanceof DeadlockError, String(error));
      mine = { acquired: false, code: error.code, message: error.message };
    }
    a.release();
    await one.join();
    await two.join();
    assert.deepEqual([one.exitCode, two.exitCode], [0, 0]);
    const outcomes = [mine, ...outs.map((out) => readJson(out) as Outcome)];

    // Exactly one member broke the cycle; the two others then got their locks.
    const broken = outcomes.filter((outcome) => !outcome.acquired);
    assert.equal(broken.length, 1, JSON.stringify(outcomes));
    const message = broken[0]?.message ?? '';
    assert.equal(broken[0]?.code, 'ERR_DEADLOCK');
    const lines = message.split('\n');
    assert.equal(lines[0], 'multitask: deadlock: 3 members wait for each other');
    const members = lines.slice(1, 4);
    assert.equal(members.length, 3, message);
    const names = [
      `MainProcess/MainThread (pid ${process.pid})`,
      ...[one, two].map((worker) =>
        worker instanceof Thread
          ? `MainProcess/${worker.name} (pid ${process.pid})`
          : sharedMemoryBackend() === 'broker'
            ? 'a child process served by the broker)'
            : `${worker.name}/MainThread (pid ${String(worker.pid)})`,
      ),
    ];
    // Every member waits in one line, for the lock the next one holds.
    for (const name of names) {
      assert.equal(members.filter((line) => line.includes(`${name} waits for`)).length, 1, message);
    }
    const sites = members.map(
      (line) => /Lock created at (\S+deadlock\.test\.ts:\d+:\d+)/.exec(line)?.[1],
    );
    assert.equal(new Set(sites).size, 3, message);
    assert.ok(
      sites.every((site) => site !== undefined),
      message,
    );
    for (const lock of [a, b, c]) assert.equal(lock.locked(), false);
    // This thread has the lowest owner id of the three (it made the locks before starting
    // the workers), so it is the one that reports and breaks the cycle, on the channel too.
    assert.equal(mine.acquired, false);
    assert.equal(published.length, 1);
    const [event] = published as [DeadlockMessage];
    assert.equal(event.mode, 'throw');
    assert.equal(event.report, lines.slice(0, 4).join('\n'));
    for (const name of names) {
      assert.equal(event.members.filter((member) => member.includes(name)).length, 1, name);
    }
    assert.equal(event.members.length, 3);
  });
}

it('setDeadlockDetection: a bad mode or afterMs is a coded error naming it', () => {
  assert.throws(
    () => {
      setDeadlockDetection({ mode: 'loud' as 'warn' });
    },
    (error) => error instanceof ArgumentTypeError && /"loud"/.test(error.message),
  );
  assert.throws(
    () => {
      setDeadlockDetection({ afterMs: -1 });
    },
    (error) => error instanceof ArgumentRangeError && /-1/.test(error.message),
  );
});

it('warn mode prints the report to stderr, names both members and locks, and leaves the cycle be', async () => {
  const run = runScript('deadlock-warn.ts');
  try {
    // The report is complete once its last member's line is out.
    const report = await new Promise<string>((resolve, reject) => {
      let stderr = '';
      run.child.stderr?.on('data', (chunk: string) => {
        stderr += chunk;
        if (/held by .*\n.*held by .*\n/.test(stderr)) resolve(stderr);
      });
      void run.done.then(({ code }) => {
        reject(new Error(`the script ended (${String(code)}) before a report:\n${stderr}`));
      });
    });
    const lines = report.trimEnd().split('\n');
    assert.equal(lines[0], 'multitask: deadlock: 2 members wait for each other');
    assert.equal(lines.length, 3, report);
    assert.match(
      lines[1] ?? '',
      /^ {2}MainProcess\/MainThread \(pid \d+\) waits for Lock created at \S+deadlock-warn\.ts:11:\d+, held by MainProcess\/transfer \(pid \d+\)$/,
    );
    assert.match(
      lines[2] ?? '',
      /^ {2}MainProcess\/transfer \(pid \d+\) waits for Lock created at \S+deadlock-warn\.ts:10:\d+, held by MainProcess\/MainThread \(pid \d+\)$/,
    );
    // Warn does not break the cycle: both still wait.
    assert.equal(run.child.exitCode, null);
  } finally {
    run.child.kill();
    await run.done;
  }
});
