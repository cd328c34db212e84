/**
 * Process#interrupt() (Python 3.14): SIGINT to the child. CPython's test_interrupt expects
 * exit code 1 (KeyboardInterrupt, uncaught in the child) and test_interrupt_no_handler
 * -SIGINT; a child's own handler decides for itself.
 */
import assert from 'node:assert/strict';
import { constants } from 'node:os';
import { it } from 'node:test';
import { Event, KeyboardInterrupt, Process, StateError, taskModule } from '../../src/index.ts';
import { captureExcepthook } from '../helpers/backends.ts';

const tasks = taskModule<typeof import('./fixtures/interrupt-tasks.ts')>(
  new URL('./fixtures/interrupt-tasks.ts', import.meta.url),
);

/** Starts `proc`, waits until its target says it is ready, interrupts it and joins it. */
async function interruptWhenReady(proc: Process, ready: Event): Promise<void> {
  proc.start();
  assert.equal(await ready.wait(60_000), true, 'the child never got ready');
  proc.interrupt();
  await proc.join();
}

it('Process#interrupt() - the child ends with exit code 1 and reports a KeyboardInterrupt', async () => {
  const hook = captureExcepthook();
  try {
    const ready = new Event();
    const proc = new Process({ target: tasks.waitForInterrupt, args: [ready] });
    await interruptWhenReady(proc, ready);
    assert.equal(proc.exitCode, 1);
    assert.equal(hook.calls.length, 1);
    const call = hook.calls[0];
    assert.ok(call !== undefined);
    assert.equal(call.excType, 'KeyboardInterrupt');
    assert.ok(call.excValue instanceof KeyboardInterrupt);
    assert.equal(call.excValue.code, 'ERR_KEYBOARD_INTERRUPT');
    assert.equal(call.thread, proc);
  } finally {
    hook.restore();
  }
});

it("Process#interrupt() - a child's own SIGINT listener handles it instead", async () => {
  const hook = captureExcepthook();
  try {
    const ready = new Event();
    const proc = new Process({ target: tasks.handleInterrupt, args: [ready, 7] });
    await interruptWhenReady(proc, ready);
    assert.equal(proc.exitCode, 7);
    assert.deepEqual(hook.calls, []);
  } finally {
    hook.restore();
  }
});

it('Process#interrupt() - with no SIGINT listener at all, the signal ends it: -SIGINT', async () => {
  const ready = new Event();
  const proc = new Process({ target: tasks.noInterruptHandler, args: [ready] });
  await interruptWhenReady(proc, ready);
  assert.equal(proc.exitCode, -constants.signals.SIGINT);
});

it('Process#interrupt() - refused before start and after close, a no-op once ended', async () => {
  const proc = new Process({ target: tasks.waitForInterrupt, args: [new Event()] });
  assert.throws(
    () => {
      proc.interrupt();
    },
    (error: unknown) => error instanceof StateError && error.code === 'ERR_NOT_STARTED',
  );
  const done = new Process();
  done.start();
  await done.join();
  done.interrupt();
  assert.equal(done.exitCode, 0);
  done.close();
  assert.throws(
    () => {
      done.interrupt();
    },
    (error: unknown) => error instanceof StateError && error.code === 'ERR_PROCESS_CLOSED',
  );
});
