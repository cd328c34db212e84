/**
 * Introspection: currentThread(), mainThread(), enumerate(), activeCount(),
 * currentProcess(), parentProcess(), activeChildren(), getpid(), getppid(), cpuCount(),
 * in the main thread and inside threads and processes. See docs/python-conformance.md A.13, C.1, C.6.
 */
import assert from 'node:assert/strict';
import { availableParallelism } from 'node:os';
import { it } from 'node:test';
import {
  activeChildren,
  activeCount,
  cpuCount,
  currentProcess,
  currentThread,
  enumerate,
  getpid,
  getppid,
  mainThread,
  parentProcess,
  Process,
  Thread,
} from '../../src/index.ts';
import { tasks } from '../fixtures/task-refs.ts';
import { forEachBackend, scratchDir } from '../helpers/backends.ts';

const scratch = scratchDir();
let n = 0;

it('main thread - names, ids and counts', () => {
  assert.equal(mainThread().name, 'MainThread');
  assert.equal(currentThread(), mainThread());
  assert.equal(currentThread().threadId, 0);
  assert.equal(currentProcess().name, 'MainProcess');
  assert.equal(currentProcess().pid, process.pid);
  assert.equal(parentProcess(), null);
  assert.equal(getpid(), process.pid);
  assert.equal(getppid(), process.ppid);
  assert.equal(cpuCount(), availableParallelism());
  assert.equal(activeCount(), enumerate().length);
});

it('enumerate() - lists a started thread while it runs, and not after', async () => {
  const flags = new Int32Array(new SharedArrayBuffer(8));
  const thread = new Thread({ target: tasks.waitForFlag, args: [flags] });
  const before = enumerate().length;
  thread.start();
  assert.deepEqual(
    enumerate().map((t) => t.name),
    ['MainThread', thread.name],
  );
  assert.equal(activeCount(), before + 1);
  Atomics.store(flags, 0, 1);
  Atomics.notify(flags, 0);
  await thread.join();
  assert.equal(Atomics.load(flags, 1), 2);
  assert.equal(enumerate().length, before);
});

it('activeChildren() - lists started processes until they end', async () => {
  const proc = new Process({ target: tasks.runForever });
  proc.start();
  assert.deepEqual(activeChildren(), [proc]);
  proc.terminate();
  await proc.join();
  assert.deepEqual(activeChildren(), []);
});

forEachBackend(({ kind, Worker }) => {
  it('inside - currentThread(), currentProcess() and parentProcess() describe the worker', async () => {
    const out = scratch.file(`identity-${++n}.json`);
    const worker = new Worker({
      target: tasks.reportIdentity,
      args: [out],
      name: `inside-${kind}`,
    });
    worker.start();
    await worker.join();
    assert.equal(worker.exitCode, 0);
    const seen = scratch.read(out);
    if (worker instanceof Thread) {
      assert.deepEqual(seen, {
        thread: { name: 'inside-thread', daemon: false, threadId: worker.threadId },
        process: { name: 'MainProcess', daemon: false, pid: process.pid },
        parent: null,
        enumerated: ['MainThread', 'inside-thread'],
        ppid: process.ppid,
      });
    } else {
      assert.deepEqual(seen, {
        thread: { name: 'MainThread', daemon: false, threadId: 0 },
        process: { name: 'inside-process', daemon: false, pid: worker.pid },
        parent: { name: 'MainProcess', pid: process.pid, alive: true },
        enumerated: ['MainThread'],
        ppid: process.pid,
      });
    }
  });

  it("inside - children default to the creator's daemon status and Python's names", async () => {
    const out = scratch.file(`defaults-${++n}.json`);
    const worker = new Worker({
      target: tasks.reportChildDefaults,
      args: [out],
      daemon: kind === 'thread',
    });
    worker.start();
    await worker.join();
    assert.equal(worker.exitCode, 0);
    const seen = scratch.read(out) as {
      thread: { name: string; daemon: boolean; exitCode: number };
      process: { name: string; daemon: boolean; exitCode: number };
    };
    assert.match(seen.thread.name, /^Thread-\d+ \(noop\)$/);
    assert.equal(seen.thread.exitCode, 0);
    assert.equal(seen.process.exitCode, 0);
    if (worker instanceof Thread) {
      // A daemon thread's threads are daemons; its processes follow the process (not a daemon).
      assert.equal(seen.thread.daemon, true);
      assert.equal(seen.process.daemon, false);
      assert.match(seen.process.name, /^Process-\d+$/);
    } else {
      assert.equal(seen.thread.daemon, false);
      assert.equal(seen.process.daemon, false);
      // Python names a child of Process-N "Process-N:1".
      assert.equal(seen.process.name, `${worker.name}:1`);
    }
  });
});
