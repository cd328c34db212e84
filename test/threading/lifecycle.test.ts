/**
 * Thread and Process share one lifecycle (start, join, isAlive, name, daemon, exitCode),
 * and misuse fails with Python's messages. Each body runs against both backends.
 * See docs/python-conformance.md A.11, C.1-C.5.
 */
import assert from 'node:assert/strict';
import { afterEach, it } from 'node:test';
import { Process, StateError, Thread } from '../../src/index.ts';
import { tasks } from '../fixtures/task-refs.ts';
import { captureExcepthook, forEachBackend } from '../helpers/backends.ts';

const started: (Thread | Process)[] = [];

/** Every worker a test starts is stopped before the next test. */
afterEach(async () => {
  for (const worker of started.splice(0)) {
    if (worker.isAlive()) worker.kill();
    await worker.join();
  }
});

function track<W extends Thread | Process>(worker: W): W {
  started.push(worker);
  return worker;
}

const pythonMessages = {
  thread: {
    startTwice: 'threads can only be started once',
    joinBeforeStart: 'cannot join thread before it is started',
    daemonAfterStart: 'cannot set daemon status of active thread',
  },
  process: {
    startTwice: 'cannot start a process twice',
    joinBeforeStart: 'can only join a started process',
    daemonAfterStart: 'process has already started',
  },
};

function isStateError(code: string, message: string): (error: unknown) => boolean {
  return (error) => {
    assert.ok(error instanceof StateError, `expected a StateError, got ${String(error)}`);
    assert.equal(error.code, code);
    assert.equal(error.message, message);
    return true;
  };
}

forEachBackend(({ kind, Worker }) => {
  const prefix = kind === 'thread' ? 'Thread' : 'Process';
  const messages = pythonMessages[kind];
  const ident = (worker: Thread | Process): number | null =>
    worker instanceof Thread ? worker.threadId : worker.pid;

  it(`new ${prefix}() - state before start`, () => {
    const worker = new Worker();
    assert.match(worker.name, new RegExp(`^${prefix}-\\d+$`));
    assert.equal(worker.daemon, false);
    assert.equal(worker.exitCode, null);
    assert.equal(worker.isAlive(), false);
    assert.equal(ident(worker), null);
  });

  it(`new ${prefix}() - default names count up`, () => {
    const first = new Worker({ target: tasks.noop });
    const second = new Worker({ target: tasks.noop });
    const n = Number(/-(\d+)/.exec(first.name)?.[1]);
    if (kind === 'thread') {
      assert.equal(first.name, `Thread-${n} (noop)`);
      assert.equal(second.name, `Thread-${n + 1} (noop)`);
    } else {
      assert.equal(first.name, `Process-${n}`);
      assert.equal(second.name, `Process-${n + 1}`);
    }
  });

  it(`new ${prefix}() - name and daemon options`, () => {
    const worker = new Worker({ target: tasks.noop, name: 'worker-a', daemon: true });
    assert.equal(worker.name, 'worker-a');
    assert.equal(worker.daemon, true);
    worker.name = 'worker-b';
    assert.equal(worker.name, 'worker-b');
  });

  it(`new ${prefix}() - options of the wrong type are refused`, () => {
    assert.throws(
      () => new Worker({ target: tasks.noop, name: 42 as unknown as string }),
      (error: unknown) =>
        error instanceof TypeError &&
        (error as { code?: string }).code === 'ERR_INVALID_ARG_TYPE' &&
        error.message === 'Expected `name` to be a string, got `42` (number)',
    );
    assert.throws(
      () => new Worker({ target: 'noop' } as never),
      /Expected `target` to be a function or a task reference/,
    );
    assert.throws(
      () => new Worker({ target: tasks.add, args: 3 as never }),
      /Expected `args` to be an array/,
    );
  });

  it(`${prefix}#start() + join() - a normal return gives exitCode 0`, async () => {
    const worker = track(new Worker({ target: tasks.add, args: [1, 2] }));
    worker.start();
    assert.equal(worker.isAlive(), true);
    assert.equal(typeof ident(worker), 'number');
    assert.equal(worker.exitCode, null);
    await worker.join();
    assert.equal(worker.isAlive(), false);
    assert.equal(worker.exitCode, 0);
  });

  it(`${prefix}#start() - twice fails as in Python`, async () => {
    const worker = track(new Worker({ target: tasks.noop }));
    worker.start();
    assert.throws(
      () => {
        worker.start();
      },
      isStateError('ERR_ALREADY_STARTED', messages.startTwice),
    );
    await worker.join();
    assert.throws(
      () => {
        worker.start();
      },
      isStateError('ERR_ALREADY_STARTED', messages.startTwice),
    );
  });

  it(`${prefix}#join() - before start fails as in Python`, async () => {
    const worker = new Worker({ target: tasks.noop });
    await assert.rejects(worker.join(), isStateError('ERR_NOT_STARTED', messages.joinBeforeStart));
  });

  it(`${prefix}#daemon - cannot change after start`, async () => {
    const worker = track(new Worker({ target: tasks.noop }));
    worker.start();
    assert.throws(
      () => {
        worker.daemon = true;
      },
      isStateError('ERR_DAEMON_AFTER_START', messages.daemonAfterStart),
    );
    await worker.join();
    assert.equal(worker.daemon, false);
  });

  it(`${prefix}#join(timeout) - resolves undefined while the worker still runs`, async () => {
    const worker = track(new Worker({ target: tasks.runForever }));
    worker.start();
    // Python's join(timeout) returns None either way.
    assert.equal(await (worker.join(30) as Promise<unknown>), undefined);
    assert.equal(worker.isAlive(), true);
    assert.equal(worker.exitCode, null);
    assert.equal(await (worker.join({ timeout: 0 }) as Promise<unknown>), undefined);
    assert.equal(worker.isAlive(), true);
  });

  it(`${prefix}#join({ signal }) - rejects with the signal's reason`, async () => {
    const worker = track(new Worker({ target: tasks.runForever }));
    worker.start();
    const controller = new AbortController();
    const joined = worker.join({ signal: controller.signal });
    controller.abort(new Error('gave up'));
    await assert.rejects(joined, /gave up/);
    assert.equal(worker.isAlive(), true);
  });

  it(`${prefix}#terminate() - exitCode -15`, async () => {
    const worker = track(new Worker({ target: tasks.runForever }));
    worker.start();
    worker.terminate();
    await worker.join();
    assert.equal(worker.exitCode, -15);
    assert.equal(worker.isAlive(), false);
    worker.terminate(); // a no-op once ended
    assert.equal(worker.exitCode, -15);
  });

  it(`${prefix}#kill() - exitCode -9`, async () => {
    const worker = track(new Worker({ target: tasks.runForever }));
    worker.start();
    worker.kill();
    await worker.join();
    assert.equal(worker.exitCode, -9);
  });

  it(`${prefix}#terminate() - before start is refused`, () => {
    const worker = new Worker({ target: tasks.noop });
    assert.throws(
      () => {
        worker.terminate();
      },
      (error: unknown) => error instanceof StateError && error.code === 'ERR_NOT_STARTED',
    );
  });

  it(`${prefix} - process.exit(n) in the target gives exitCode n`, async () => {
    const worker = track(new Worker({ target: tasks.exitWith, args: [7] }));
    worker.start();
    await worker.join();
    assert.equal(worker.exitCode, 7);
  });

  it(`${prefix} - process.exitCode set by the target becomes exitCode`, async () => {
    const worker = track(new Worker({ target: tasks.setExitCode, args: [4] }));
    worker.start();
    await worker.join();
    assert.equal(worker.exitCode, 4);
  });

  it(`${prefix} - an async target is awaited`, async () => {
    const worker = track(new Worker({ target: tasks.exitLater, args: [5] }));
    worker.start();
    await worker.join();
    assert.equal(worker.exitCode, 5);
  });

  it(`${prefix} - an uncaught error gives exitCode 1 and reaches the excepthook`, async (t) => {
    const hook = captureExcepthook();
    t.after(() => {
      hook.restore();
    });
    const worker = track(new Worker({ target: tasks.throwTypeError, args: ['bad input'] }));
    worker.start();
    await worker.join();
    assert.equal(worker.exitCode, 1);
    assert.equal(hook.calls.length, 1);
    const [call] = hook.calls;
    assert.ok(call !== undefined);
    assert.equal(call.thread, worker);
    assert.equal(call.excType, 'TypeError');
    assert.ok(call.excValue instanceof TypeError);
    assert.equal(call.excValue.message, 'bad input');
    assert.match(call.excTraceback ?? '', /TypeError: bad input\n\s+at throwTypeError .*tasks\.ts/);
  });

  it(`${prefix} - an error's class name, code and remote stack come back`, async (t) => {
    const hook = captureExcepthook();
    t.after(() => {
      hook.restore();
    });
    const worker = track(new Worker({ target: tasks.throwCustomLater }));
    worker.start();
    await worker.join();
    assert.equal(worker.exitCode, 1);
    const error = hook.calls[0]?.excValue as Error & { code?: string };
    assert.equal(error.name, 'ValidationError');
    assert.equal(error.message, 'the input was invalid');
    assert.equal(error.code, 'E_VALIDATION');
    assert.equal((error.cause as Error).name, 'RemoteTraceback');
    assert.match((error.cause as { remoteStack: string }).remoteStack, /at throwCustomLater/);
  });

  it(`${prefix} - a missing export is reported as ERR_TARGET_NOT_FOUND`, async (t) => {
    const hook = captureExcepthook();
    t.after(() => {
      hook.restore();
    });
    const missing = (tasks as unknown as Record<string, typeof tasks.noop>).doesNotExist;
    assert.ok(missing !== undefined);
    const worker = track(new Worker({ target: missing }));
    worker.start();
    await worker.join();
    assert.equal(worker.exitCode, 1);
    const error = hook.calls[0]?.excValue as Error & { code?: string };
    assert.equal(error.code, 'ERR_TARGET_NOT_FOUND');
    assert.match(error.message, /`doesNotExist`/);
  });
});
