/**
 * Spares: `Thread.prestart(n)` / `Process.prestart(n)` keep workers started and waiting, as
 * CPython's forkserver keeps a process ready; a start takes one. A spare has the
 * environment of the moment it was started, which tells a worker that came from one.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, it } from 'node:test';
import {
  ArgumentRangeError,
  ArgumentTypeError,
  Lock,
  Process,
  taskModule,
  Thread,
} from '../../src/index.ts';
import { forEachBackend, scratchDir } from '../helpers/backends.ts';
import { runScript, waitForPidGone } from '../helpers/scripts.ts';

const tasks = taskModule<typeof import('./fixtures/spare-tasks.ts')>(
  new URL('./fixtures/spare-tasks.ts', import.meta.url),
);
const preloadTasks = taskModule<typeof import('./fixtures/preload-tasks.ts')>(
  new URL('./fixtures/preload-tasks.ts', import.meta.url),
);
const scratch = scratchDir();
const PROBE = 'MULTITASK_SPARE_PROBE';
after(() => {
  delete process.env.MULTITASK_SPARE_PROBE;
});

interface SelfReport {
  probe: string | null;
  process: string;
  thread: string;
  pid: number;
  value: number;
  locked: boolean;
}

forEachBackend(({ kind, Worker }) => {
  it('a start takes a spare, which runs the target as a fresh worker would', async () => {
    delete process.env.MULTITASK_SPARE_PROBE;
    await Worker.prestart(1);
    // Set after the spare started: only a worker started from now on sees it.
    process.env[PROBE] = 'after';
    const lock = new Lock();
    const reports: SelfReport[] = [];
    const workers: (Thread | Process)[] = [];
    for (let i = 0; i < 2; i++) {
      const path = scratch.file(`${kind}-${i}.json`);
      const worker = new Worker({
        target: tasks.describeSelf,
        args: [path, i, lock],
        name: `spare-test-${i}`,
      });
      worker.start();
      await worker.join();
      assert.equal(worker.exitCode, 0);
      workers.push(worker);
      reports.push(scratch.read(path) as SelfReport);
    }
    // The first came from the spare, the second (none left) is a fresh start.
    assert.deepEqual(
      reports.map((report) => report.probe),
      [null, 'after'],
    );
    assert.deepEqual(
      reports.map((report) => [report.value, report.locked]),
      [
        [0, true],
        [1, true],
      ],
    );
    if (kind === 'thread') {
      assert.deepEqual(
        reports.map((report) => report.thread),
        ['spare-test-0', 'spare-test-1'],
      );
    } else {
      assert.deepEqual(
        reports.map((report) => [report.process, report.pid]),
        workers.map((worker) => [worker.name, (worker as Process).pid]),
      );
    }
  });

  it('a spare imports its preload modules before it is taken', async () => {
    await Worker.prestart(1, { preload: [preloadTasks.writeImportTime] });
    const path = scratch.file(`${kind}-preload.json`);
    const beforeStart = Number(process.hrtime.bigint()) / 1e6;
    const worker = new Worker({ target: preloadTasks.writeImportTime, args: [path] });
    worker.start();
    await worker.join();
    assert.equal(worker.exitCode, 0);
    const importedAt = Number(readFileSync(path, 'utf8'));
    assert.ok(importedAt < beforeStart, `imported at ${importedAt}, started at ${beforeStart}`);
    assert.throws(() => Worker.prestart(1, { preload: ['relative.ts'] }), ArgumentTypeError);
    assert.throws(
      () => Worker.prestart(1, { preload: 'x' as unknown as string[] }),
      ArgumentTypeError,
    );
  });

  it('prestart(0) stops the idle spares; prestart refuses a bad count', async () => {
    await Worker.prestart(2);
    await Worker.prestart(0);
    process.env[PROBE] = 'fresh';
    const path = scratch.file(`${kind}-after-zero.json`);
    const worker = new Worker({ target: tasks.describeSelf, args: [path, 0, new Lock()] });
    worker.start();
    await worker.join();
    assert.equal((scratch.read(path) as SelfReport).probe, 'fresh');
    assert.throws(() => Worker.prestart(-1), ArgumentRangeError);
    assert.throws(() => Worker.prestart(1.5), ArgumentRangeError);
    assert.throws(() => Worker.prestart('2' as unknown as number), ArgumentTypeError);
  });
});

it('idle spares keep no program alive and do not outlive it', async () => {
  const script = runScript('../../runtime/fixtures/spares-at-exit.ts');
  const [, list] = await script.line(/spares \[(.*)\]/);
  const spares = (list ?? '').split(',').map(Number);
  assert.equal(spares.length, 2, `spare processes: ${list}`);
  const result = await script.done;
  assert.equal(result.code, 0, result.stderr);
  for (const spare of spares) {
    assert.equal(await waitForPidGone(spare), true, `spare ${spare} outlived the program`);
  }
});
