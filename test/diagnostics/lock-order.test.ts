/**
 * Lock-order checking (issue 21): two locks taken in one order by a worker and in the other
 * by this thread are reported, once, naming both owners and both locks, although nothing
 * deadlocked; one order everywhere reports nothing.
 */
import assert from 'node:assert/strict';
import diagnosticsChannel from 'node:diagnostics_channel';
import { after, it } from 'node:test';
import {
  ArgumentTypeError,
  Lock,
  LOCK_ORDER_CHANNEL,
  Process,
  RLock,
  setLockOrderChecking,
  sharedMemoryBackend,
  Thread,
  type LockOrderMessage,
} from '../../src/index.ts';
import { deadlockTasks } from '../fixtures/deadlock-task-refs.ts';
import { workerPool } from '../helpers/sync.ts';

const workers = workerPool();
// On before the locks are made (only they are checked) and the workers are started (they
// inherit it through MULTITASK_DEBUG).
setLockOrderChecking(true);
const messages: LockOrderMessage[] = [];
const onMessage = (message: unknown): void => {
  messages.push(message as LockOrderMessage);
};
diagnosticsChannel.subscribe(LOCK_ORDER_CHANNEL, onMessage);
after(() => {
  diagnosticsChannel.unsubscribe(LOCK_ORDER_CHANNEL, onMessage);
  setLockOrderChecking(false);
});

/** Takes `first` then `second` in this thread, and lets both go. */
async function takeInOrder(first: Lock | RLock, second: Lock | RLock): Promise<void> {
  await first.acquire();
  await second.acquire();
  second.release();
  first.release();
}

// With the broker, a child process keeps an order graph of its own (its locks' operations
// run in the parent, its checks in the child): only the addon's shared table spans processes.
const kinds = sharedMemoryBackend() === 'native' ? [Thread, Process] : [Thread];
for (const Worker of kinds) {
  it(`an inversion against a ${Worker.name.toLowerCase()} is reported once, without a deadlock`, async () => {
    messages.length = 0;
    const ledger = new Lock({ name: 'ledger' });
    const accounts = new Lock();
    const worker = workers.start(
      new Worker({ name: 'auditor', target: deadlockTasks.inOrder, args: [ledger, accounts] }),
    );
    await worker.join();
    assert.equal(worker.exitCode, 0);
    assert.equal(messages.length, 0);

    // The other order, after the worker is done: no deadlock can happen, yet it is reported.
    await takeInOrder(accounts, ledger);
    assert.equal(messages.length, 1, JSON.stringify(messages));
    const [message] = messages as [LockOrderMessage];
    assert.equal(message.taking, 'Lock "ledger"');
    assert.match(message.holding, /^Lock created at \S+lock-order\.test\.ts:\d+:\d+$/);
    assert.equal(message.owner, `MainProcess/MainThread (pid ${process.pid})`);
    const workerName =
      worker instanceof Process
        ? `auditor/MainThread (pid ${String(worker.pid)})`
        : `MainProcess/auditor (pid ${process.pid})`;
    assert.equal(message.other, workerName);
    assert.deepEqual(message.report.split('\n').slice(0, 3), [
      'multitask: lock order inversion: two owners take the same two locks in opposite orders',
      `  ${message.owner} takes Lock "ledger" while holding ${message.holding}`,
      `  ${workerName} took ${message.holding} while holding Lock "ledger"`,
    ]);

    // Seen again, it is not reported again.
    await takeInOrder(accounts, ledger);
    assert.equal(messages.length, 1);
  });
}

for (const Worker of kinds) {
  it(`a cycle of three locks through two threads${Worker === Process ? ' and a process' : ''} is reported once, with the chain`, async () => {
    messages.length = 0;
    const [a, b, c] = ['A', 'B', 'C'].map((name) => new Lock({ name })) as [Lock, Lock, Lock];
    const one = workers.start(
      new Thread({ name: 'first', target: deadlockTasks.inOrder, args: [a, b] }),
    );
    await one.join();
    const two = workers.start(
      new Worker({ name: 'second', target: deadlockTasks.inOrder, args: [b, c] }),
    );
    await two.join();
    assert.deepEqual([one.exitCode, two.exitCode], [0, 0]);
    // A then B, B then C: one order so far.
    assert.equal(messages.length, 0, JSON.stringify(messages));

    // C then A closes the cycle: no two of the three took the same two locks both ways.
    await takeInOrder(c, a);
    assert.equal(messages.length, 1, JSON.stringify(messages));
    const [message] = messages as [LockOrderMessage];
    const me = `MainProcess/MainThread (pid ${process.pid})`;
    const first = `MainProcess/first (pid ${process.pid})`;
    const second =
      two instanceof Process
        ? `second/MainThread (pid ${String(two.pid)})`
        : `MainProcess/second (pid ${process.pid})`;
    assert.deepEqual(
      [message.owner, message.taking, message.holding, message.other],
      [me, 'Lock "A"', 'Lock "C"', first],
    );
    assert.deepEqual(message.chain, [
      { owner: first, took: 'Lock "B"', holding: 'Lock "A"' },
      { owner: second, took: 'Lock "C"', holding: 'Lock "B"' },
    ]);
    assert.deepEqual(message.report.split('\n'), [
      'multitask: lock order inversion: 3 locks taken in a cycle of orders',
      `  ${me} takes Lock "A" while holding Lock "C"`,
      `  ${first} took Lock "B" while holding Lock "A"`,
      `  ${second} took Lock "C" while holding Lock "B"`,
      '  Should they do it at the same time, they deadlock: take the locks in one order everywhere.',
    ]);

    // Seen again, it is not reported again.
    await takeInOrder(c, a);
    assert.equal(messages.length, 1);
  });
}

it('a cycle of four locks taken by one owner is reported when its last order closes it', async () => {
  messages.length = 0;
  const locks = ['w', 'x', 'y', 'z'].map((name) => new Lock({ name }));
  const [w, x, y, z] = locks as [Lock, Lock, Lock, Lock];
  await takeInOrder(w, x);
  await takeInOrder(x, y);
  await takeInOrder(y, z);
  // w then y is on the chain's way: no cycle.
  await takeInOrder(w, y);
  assert.equal(messages.length, 0, JSON.stringify(messages));
  await takeInOrder(z, w);
  assert.deepEqual(
    messages.map((message) => [
      message.taking,
      message.holding,
      message.chain.map((link) => link.took),
    ]),
    [['Lock "w"', 'Lock "z"', ['Lock "y"', 'Lock "z"']]],
  );
});

it('one order everywhere, and re-entering an RLock, report nothing', async () => {
  messages.length = 0;
  const outer = new RLock({ name: 'outer' });
  const inner = new Lock({ name: 'inner' });
  const worker = workers.start(new Thread({ target: deadlockTasks.inOrder, args: [outer, inner] }));
  await worker.join();
  await takeInOrder(outer, inner);
  // outer, inner, outer again: the re-entry adds no "inner, then outer".
  await outer.acquire();
  await inner.acquire();
  await outer.acquire();
  outer.release();
  inner.release();
  outer.release();
  assert.equal(messages.length, 0, JSON.stringify(messages));
  // Within one thread the other order is an inversion too.
  await takeInOrder(inner, outer);
  assert.deepEqual(
    messages.map((message) => [message.taking, message.holding]),
    [['RLock "outer"', 'Lock "inner"']],
  );
});

it('a lock name that is not a string is a coded error naming it', () => {
  assert.throws(
    () => new Lock({ name: 7 as unknown as string }),
    (error) => error instanceof ArgumentTypeError && /`7` \(number\)/.test(error.message),
  );
  assert.throws(
    () => new RLock({ name: null as unknown as string }),
    (error) => error instanceof ArgumentTypeError && /`null` \(null\)/.test(error.message),
  );
  assert.throws(
    () => {
      setLockOrderChecking('yes' as unknown as boolean);
    },
    (error) => error instanceof ArgumentTypeError && /"yes"/.test(error.message),
  );
});
