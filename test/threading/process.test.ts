/**
 * What only processes have: pid, close(), the daemon-children rule, and what happens at
 * the parent's exit or death. See docs/python-conformance.md C.1, C.4-C.6.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { it } from 'node:test';
import { Process, Queue, StateError } from '../../src/index.ts';
import { queueTasks } from '../fixtures/queue-task-refs.ts';
import { tasks } from '../fixtures/task-refs.ts';
import { scratchDir } from '../helpers/backends.ts';
import { pidExists, runScript, waitForPidGone } from '../helpers/scripts.ts';

const scratch = scratchDir();

function closedError(error: unknown): boolean {
  return (
    error instanceof StateError &&
    error.code === 'ERR_PROCESS_CLOSED' &&
    error.message === 'process object is closed'
  );
}

it('Process#close() - refused while running, then every use is refused, idempotent', async () => {
  const proc = new Process({ target: tasks.runForever });
  proc.start();
  assert.throws(
    () => {
      proc.close();
    },
    (error: unknown) =>
      error instanceof StateError &&
      error.code === 'ERR_PROCESS_RUNNING' &&
      error.message ===
        'Cannot close a process while it is still running. You should first call join() or terminate().',
  );
  proc.terminate();
  await proc.join();
  proc.close();
  proc.close();
  assert.throws(() => proc.isAlive(), closedError);
  assert.throws(() => {
    proc.terminate();
  }, closedError);
  assert.throws(() => {
    proc.start();
  }, closedError);
  await assert.rejects(proc.join(), closedError);
  assert.equal(proc.exitCode, -15);
});

it('Process#close() - a process never started can be closed', () => {
  const proc = new Process({ target: tasks.noop });
  proc.close();
  assert.throws(() => proc.isAlive(), closedError);
});

it('Process - a daemon process may not start children', async () => {
  const out = scratch.file('daemon-children.json');
  const proc = new Process({ target: tasks.tryStartProcess, args: [out], daemon: true });
  proc.start();
  await proc.join();
  assert.equal(proc.exitCode, 0);
  assert.equal(scratch.read(out), 'ERR_DAEMON_CHILDREN');
});

it('Process - a non-daemon process may start children', async () => {
  const out = scratch.file('children.json');
  const proc = new Process({ target: tasks.tryStartProcess, args: [out] });
  proc.start();
  await proc.join();
  assert.equal(scratch.read(out), 'started');
});

it('Process - a child whose parent is killed exits too', async () => {
  const script = runScript('orphan-parent.ts');
  const [, pid] = await script.line(/child (\d+)/);
  const childPid = Number(pid);
  assert.ok(childPid > 0);
  assert.equal(pidExists(childPid), true);
  script.child.kill('SIGKILL');
  await script.done;
  assert.equal(await waitForPidGone(childPid), true, `child ${childPid} outlived its parent`);
});

it('Process and Thread - at exit, non-daemon children are waited for and daemon ones stopped', async () => {
  const dir = scratch.file('at-exit');
  mkdirSync(dir);
  const script = runScript('daemons-at-exit.ts', [dir]);
  const [, pid] = await script.line(/daemon (\d+)/);
  const result = await script.done;
  assert.equal(result.code, 0, result.stderr);
  assert.equal(JSON.parse(readFileSync(`${dir}/thread.json`, 'utf8')), 'thread done');
  assert.equal(JSON.parse(readFileSync(`${dir}/process.json`, 'utf8')), 'process done');
  assert.equal(await waitForPidGone(Number(pid)), true, 'the daemon process outlived the program');
});

it("excepthook - the default prints Python's headers and the remote stack", async () => {
  const result = await runScript('uncaught.ts').done;
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /exit codes 1 1/);
  assert.match(
    result.stderr,
    /Exception in thread Thread-\d+ \(throwTypeError\):\nTypeError: thread boom\n\s+at throwTypeError \(.*tasks\.ts:\d+:\d+\)/,
  );
  assert.match(result.stderr, /Process Worker-P:\nTypeError: process boom\n\s+at throwTypeError/);
});

it('Process - rounds of children through the broker print no file-descriptor warnings', async () => {
  const { code, stdout, stderr } = await runScript('broker-rounds.ts').done;
  assert.equal(code, 0, stderr);
  assert.equal(stdout.trim(), 'total 60');
  assert.doesNotMatch(stderr, /Warning/);
});

it('Process - the main thread may block right after start(): the child runs anyway', async () => {
  const queue = new Queue<number>();
  const child = new Process({ target: queueTasks.produce, args: [queue, [1, 2, 3], 'sync'] });
  child.start();
  // Blocking at once: the child must get its target without this thread's event loop.
  const got = [1, 2, 3].map(() => queue.getSync({ timeout: 60_000 }));
  assert.deepEqual(got, [1, 2, 3]);
  await child.join();
  assert.equal(child.exitCode, 0);
});

it('Process - the spec directory of a parent that was killed is removed by the next one', async () => {
  // A process that has ended: its pid names a stale directory (as a SIGKILLed parent leaves).
  const gone = spawnSync(process.execPath, ['-e', '0']);
  const base = existsSync('/dev/shm') ? '/dev/shm' : tmpdir();
  const stale = join(base, `multitask-${gone.pid}-Ab12Cd`);
  mkdirSync(stale);
  writeFileSync(join(stale, 'spec-1'), 'left behind');
  const { code, stderr } = await runScript('broker-rounds.ts').done;
  assert.equal(code, 0, stderr);
  assert.equal(existsSync(stale), false);
});
