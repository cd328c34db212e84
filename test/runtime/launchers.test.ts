/**
 * The runtime's launchers, one body per backend: a payload module is started with its
 * data, messages go both ways, everything the child sent arrives before its exit, and the
 * exit is reported once with Python's exit code.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import type { Child, ChildEvents, ChildKind, LaunchOptions } from '../../src/runtime/child.ts';
import { processChildIdentity, threadChildIdentity } from '../../src/runtime/identity.ts';
import { launchProcess } from '../../src/runtime/process-launcher.ts';
import { launchThread } from '../../src/runtime/thread-launcher.ts';

type Out = { readonly echo?: unknown; readonly started?: unknown };
type In = { readonly echo: unknown } | { readonly exit: number } | { readonly burst: number };

const PAYLOAD = new URL('./fixtures/echo-payload.ts', import.meta.url);

interface Started {
  readonly child: Child<In>;
  readonly messages: Out[];
  readonly exited: Promise<{ exitCode: number; crash: unknown; messagesBefore: number }>;
  next(): Promise<Out>;
}

const running = new Set<Child<In>>();
after(() => {
  for (const child of running) child.stop('kill');
});

function start(kind: ChildKind, data: unknown): Started {
  const messages: Out[] = [];
  let waiter: ((message: Out) => void) | null = null;
  let exits = 0;
  let resolveExit: (value: {
    exitCode: number;
    crash: unknown;
    messagesBefore: number;
  }) => void = () => undefined;
  const exited = new Promise<{ exitCode: number; crash: unknown; messagesBefore: number }>(
    (resolve) => {
      resolveExit = resolve;
    },
  );
  const events: ChildEvents<Out> = {
    message(message) {
      messages.push(message);
      const wake = waiter;
      waiter = null;
      wake?.(message);
    },
    exit(exitCode, crash) {
      exits++;
      assert.equal(exits, 1, 'the exit is reported once');
      running.delete(child);
      resolveExit({ exitCode, crash, messagesBefore: messages.length });
    },
  };
  const options: LaunchOptions = {
    payload: PAYLOAD,
    data,
    name: `echo-${kind}`,
    identity:
      kind === 'thread'
        ? threadChildIdentity('echo', false)
        : processChildIdentity('echo', [99], false),
    daemon: false,
  };
  const child =
    kind === 'thread'
      ? launchThread<In, Out>(options, events)
      : launchProcess<In, Out>(options, events);
  running.add(child);
  let taken = 0;
  return {
    child,
    messages,
    exited,
    next() {
      const ready = messages[taken];
      if (ready !== undefined) {
        taken++;
        return Promise.resolve(ready);
      }
      return new Promise((resolve) => {
        waiter = (message) => {
          taken++;
          resolve(message);
        };
      });
    },
  };
}

for (const kind of ['thread', 'process'] as const) {
  describe(`launch${kind === 'thread' ? 'Thread' : 'Process'}()`, () => {
    it('starts the payload with its data; messages go both ways; exit code as told', async () => {
      const started = start(kind, { n: 1 });
      assert.deepEqual(await started.next(), { started: { n: 1 } });
      started.child.post({ echo: 'hello' });
      assert.deepEqual(await started.next(), { echo: 'hello' });
      started.child.post({ exit: 3 });
      const { exitCode, crash } = await started.exited;
      assert.equal(exitCode, 3);
      assert.equal(crash, undefined);
    });

    it('every message sent before the end arrives before the exit', async () => {
      const started = start(kind, null);
      await started.next();
      started.child.post({ burst: 200 });
      const { exitCode, messagesBefore } = await started.exited;
      assert.equal(exitCode, 0);
      assert.equal(messagesBefore, 201);
      assert.deepEqual(started.messages.at(-1), { echo: 199 });
    });

    it('stop() reports -15 for terminate and -9 for kill', async () => {
      const terminated = start(kind, null);
      const killed = start(kind, null);
      await Promise.all([terminated.next(), killed.next()]);
      terminated.child.stop('terminate');
      killed.child.stop('kill');
      assert.equal((await terminated.exited).exitCode, -15);
      assert.equal((await killed.exited).exitCode, -9);
    });
  });
}

describe('launchThread()', () => {
  it('awaitMessage() takes an answer at once and hands it to message()', async () => {
    const started = start('thread', null);
    await started.next();
    const { awaitMessage } = started.child;
    assert.ok(awaitMessage !== null);
    started.child.post({ echo: 'now' });
    // Synchronously, without a turn of the event loop; generous, the machine may be busy.
    assert.equal(awaitMessage(5_000), true);
    assert.deepEqual(started.messages.at(-1), { echo: 'now' });
    assert.equal(awaitMessage(1), false);
    started.child.post({ exit: 0 });
    assert.equal((await started.exited).exitCode, 0);
  });
});

describe('launchProcess()', () => {
  it('has no awaitMessage()', async () => {
    const started = start('process', null);
    assert.equal(started.child.awaitMessage, null);
    await started.next();
    started.child.post({ exit: 0 });
    assert.equal((await started.exited).exitCode, 0);
  });
});
