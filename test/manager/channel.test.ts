// Checks the shared-memory channel between a Manager's server and its clients on the same
// machine (src/manager/channel-*.ts), forced on: values longer than the channel cross in
// parts both ways, socket clients are served while a channel is busy, calls made without
// waiting keep their order, errors keep their class, and a server killed with SIGKILL fails
// a call at once.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { KeyError, Manager, sharedMemoryBackend } from '../../src/index.ts';
import { managerTasks } from '../fixtures/manager-task-refs.ts';
import { forEachBackend } from '../helpers/backends.ts';

process.env.MULTITASK_MANAGER_CHANNEL = 'always';

describe('Manager shared-memory channel', () => {
  const manager = new Manager();
  before(async () => {
    await manager.start();
  });
  after(async () => {
    await manager.shutdown();
  });

  forEachBackend(({ Worker }) => {
    for (const size of [1_000, 300_000, 1_200_000]) {
      it(`a string of ${size.toLocaleString('en-US')} characters there and back`, async () => {
        const d = await manager.dict<string>();
        const out = await manager.list();
        const worker = new Worker({ target: managerTasks.bigValue, args: [d, size, out] });
        worker.start();
        await worker.join();
        assert.equal(worker.exitCode, 0);
        assert.deepEqual(await out.copy(), [[size, true]]);
        const back = await d.get('big');
        assert.equal(typeof back === 'string' && back.endsWith('yz') ? back.length : -1, size);
      });
    }
  });

  forEachBackend(({ Worker }) => {
    it('socket requests are served while a client keeps the channel busy', async () => {
      const d = await manager.dict<string>();
      const worker = new Worker({ target: managerTasks.busyUntilStopped, args: [d] });
      worker.start();
      // The worker's count of its calls, once it has gone past `seen`: it is still busy. A
      // worker that ended meanwhile fails the test rather than leaving it waiting.
      let seen = 0;
      const busyPast = async (): Promise<void> => {
        for (;;) {
          const calls = await d.get('calls');
          if (typeof calls === 'number' && calls > seen) {
            seen = calls;
            return;
          }
          if (!worker.isAlive()) assert.fail(`the worker ended (exit code ${worker.exitCode})`);
        }
      };
      await busyPast();
      // Each create crosses the socket; between them the worker goes on calling.
      const lists = [];
      for (let i = 0; i < 20; i++) {
        lists.push(await manager.list([i]));
        await busyPast();
      }
      await d.set('stop', true);
      await worker.join();
      assert.equal(worker.exitCode, 0);
      assert.deepEqual(await Promise.all(lists.map((l) => l.get(0))), [...Array(20).keys()]);
      assert.ok(((await d.get('calls')) as number) >= seen && seen >= 21);
    });
  });

  it('calls made without waiting are performed in the order they were made', async () => {
    const l = await manager.list<number>();
    const big = 'b'.repeat(400_000); // crosses in parts, between small calls
    const calls: Promise<unknown>[] = [];
    for (let i = 0; i < 300; i++) {
      calls.push(i % 100 === 50 ? l.append(big.length + i) : l.append(i));
    }
    await Promise.all(calls);
    const expected = Array.from({ length: 300 }, (_, i) => (i % 100 === 50 ? big.length + i : i));
    assert.deepEqual(await l.copy(), expected);
  });

  it('an error comes back with its class and code', async () => {
    const d = await manager.dict<string>({ a: 1 });
    await assert.rejects(d.getItem('missing'), (thrown: unknown) => {
      assert.ok(thrown instanceof KeyError);
      assert.equal(thrown.code, 'ERR_KEY_NOT_FOUND');
      assert.match(thrown.message, /'missing'/);
      return true;
    });
    assert.equal(await d.getItem('a'), 1);
  });
});

describe('Manager shared-memory channel, server killed', () => {
  it('a call after SIGKILL fails with ERR_MANAGER_LOST', async () => {
    const manager = new Manager();
    await manager.start();
    const d = await manager.dict({ a: 1 });
    assert.equal(await d.get('a'), 1);
    process.kill(manager.pid ?? 0, 'SIGKILL');
    await manager.join();
    await assert.rejects(d.get('a'), { name: 'BrokerError', code: 'ERR_MANAGER_LOST' });
    await assert.rejects(d.set('a', 2), { name: 'BrokerError', code: 'ERR_MANAGER_LOST' });
    await manager.shutdown();
  });
});

it('the native addon is what the channel runs on, unless the broker is forced', () => {
  // Without the addon the tests above ran on the socket: say so rather than pass unseen.
  // (CI also runs the suite with MULTITASK_SHARED_MEMORY=broker, where no channel is offered.)
  const expected = process.env.MULTITASK_SHARED_MEMORY === 'broker' ? 'broker' : 'native';
  assert.equal(sharedMemoryBackend(), expected);
});
