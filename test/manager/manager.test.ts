// Checks Manager proxies: every method of the dict, list and namespace proxies from threads
// and processes, nested proxies, errors with their class and remote stack, registered types
// with `exposed`, and shutdown (explicit, `await using`, after which calls fail at once).
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import {
  AttributeError,
  BaseManager,
  IndexError,
  KeyError,
  Manager,
  RemoteTraceback,
  StateError,
  type AutoProxy,
  type ListProxy,
} from '../../src/index.ts';
import type { Counter } from '../fixtures/manager-tasks.ts';
import { managerTasks } from '../fixtures/manager-task-refs.ts';
import { forEachBackend } from '../helpers/backends.ts';

/** What exerciseDict() records, in order (see test/fixtures/manager-tasks.ts). */
const DICT_OUTCOMES = [
  null,
  null,
  null,
  1,
  'fallback',
  'KeyError:ERR_KEY_NOT_FOUND',
  true,
  4,
  ['a', 'b', 'c', 'd'],
  [1, 2, 3, 4],
  [
    ['a', 1],
    ['b', 2],
    ['c', 3],
    ['d', 4],
  ],
  2,
  'gone',
  'KeyError:ERR_KEY_NOT_FOUND',
  5,
  5,
  ['e', 5],
  'KeyError:ERR_KEY_NOT_FOUND',
  null,
  ['a', 'c'],
  [
    ['a', 1],
    ['c', 3],
  ],
];

/** What exerciseList() records, starting from [1, 2, 3, 4]. */
const LIST_OUTCOMES = [
  null, // append 5        [1, 2, 3, 4, 5]
  null, // extend 6, 7     [1, 2, 3, 4, 5, 6, 7]
  null, // insert -1       [-1, 1, 2, 3, 4, 5, 6, 7]
  7,
  'IndexError:ERR_INDEX_OUT_OF_RANGE',
  null, // l[1] = 10       [-1, 10, 2, 3, 4, 5, 6, 7]
  [10, 2, 3],
  [7, 5, 3, 10],
  null, // l[0:2] = [100, 101, 102]   [100, 101, 102, 2, 3, 4, 5, 6, 7]
  null, // del l[-2:]      [100, 101, 102, 2, 3, 4, 5]
  null, // del l[0]        [101, 102, 2, 3, 4, 5]
  6,
  5, //                    [101, 102, 2, 3, 4]
  101, //                  [102, 2, 3, 4]
  null, // remove 3        [102, 2, 4]
  'ArgumentRangeError:ERR_NOT_IN_LIST',
  2,
  'ArgumentRangeError:ERR_NOT_IN_LIST',
  1,
  true,
  null, // sort reverse    [102, 4, 2]
  null, // reverse         [2, 4, 102]
  [2, 4, 102],
];

/** undefined (what a void method returns) recorded as null, to compare with the tables. */
function normalized(values: unknown[]): unknown[] {
  return values.map((value) => (value === undefined ? null : value));
}

describe('Manager', () => {
  const manager = new Manager();
  before(async () => {
    await manager.start();
  });
  after(async () => {
    await manager.shutdown();
  });

  forEachBackend(({ Worker }) => {
    it('dict() - every method from a worker', async () => {
      const d = await manager.dict<string>();
      const out = await manager.list();
      const worker = new Worker({ target: managerTasks.exerciseDict, args: [d, out] });
      worker.start();
      await worker.join();
      assert.equal(worker.exitCode, 0);
      assert.deepEqual(normalized(await out.copy()), DICT_OUTCOMES);
      assert.deepEqual(await d.items(), [
        ['a', 1],
        ['c', 3],
      ]);
    });

    it('list() - every method from a worker', async () => {
      const l = await manager.list([1, 2, 3, 4]);
      const out = await manager.list();
      const worker = new Worker({ target: managerTasks.exerciseList, args: [l, out] });
      worker.start();
      await worker.join();
      assert.equal(worker.exitCode, 0);
      assert.deepEqual(normalized(await out.copy()), LIST_OUTCOMES);
    });

    it('namespace() - attributes from a worker', async () => {
      const ns = await manager.namespace({ x: 1, y: 'gone soon' });
      const out = await manager.list();
      const worker = new Worker({ target: managerTasks.exerciseNamespace, args: [ns, out] });
      worker.start();
      await worker.join();
      assert.equal(worker.exitCode, 0);
      assert.deepEqual(await out.copy(), ['AttributeError:ERR_NO_ATTRIBUTE', true, { x: 2 }]);
      assert.equal(await ns.get('x'), 2);
    });

    it('Sync forms - blocking calls from a worker, and from this thread', async () => {
      const d = await manager.dict<string, number>();
      const l = await manager.list<number>();
      const ns = await manager.namespace();
      const out = await manager.list();
      const worker = new Worker({ target: managerTasks.exerciseSync, args: [d, l, ns, out] });
      worker.start();
      await worker.join();
      assert.equal(worker.exitCode, 0);
      assert.deepEqual(await out.copy(), [
        [
          [
            ['a', 1],
            ['b', 2],
          ],
          [1, 2, 1],
          [1, 2, 1],
          'KeyError',
        ],
      ]);
      // Here too: the blocking form sees what the async form did, and the reverse.
      await d.set('c', 3);
      assert.equal(d.getSync('c'), 3);
      d.setSync('c', 4);
      assert.equal(await d.get('c'), 4);
      assert.throws(() => l.getSync(10), { name: 'IndexError', code: 'ERR_INDEX_OUT_OF_RANGE' });
    });

    it('nested proxies - a list inside a dict, changed and moved by a worker', async () => {
      const inner = await manager.list(['from main']);
      const fresh = await manager.list(['fresh']);
      const d = await manager.dict<string>({ inner });
      await d.set('fresh', fresh);
      const worker = new Worker({ target: managerTasks.nestedProxies, args: [d] });
      worker.start();
      await worker.join();
      assert.equal(worker.exitCode, 0);
      assert.deepEqual(await inner.copy(), ['from main', 'from worker']);
      const moved = (await d.get('moved')) as ListProxy<string>;
      assert.equal(moved.token.id, fresh.token.id);
      await moved.append('via moved');
      assert.deepEqual(await fresh.copy(), ['fresh', 'via moved']);
    });
  });

  it('errors - KeyError and IndexError with their class, code and the remote stack', async () => {
    const d = await manager.dict();
    const error = await d.getItem('missing').catch((thrown: unknown) => thrown);
    assert.ok(error instanceof KeyError);
    assert.equal(error.code, 'ERR_KEY_NOT_FOUND');
    assert.equal(error.message, "'missing'");
    assert.ok(error.cause instanceof RemoteTraceback);
    assert.match(error.cause.remoteStack, /builtins\.(ts|js)/);
    const l = await manager.list();
    await assert.rejects(l.pop(), (thrown: unknown) => {
      assert.ok(thrown instanceof IndexError);
      assert.equal(thrown.message, 'pop from empty list');
      return true;
    });
    await assert.rejects(d.set({} as never, 1), {
      name: 'ArgumentTypeError',
      code: 'ERR_INVALID_ARG_TYPE',
    });
  });

  it('plain values held in a proxy are copies: changing one changes nothing until assigned back', async () => {
    const d = await manager.dict<string, number[]>({ numbers: [1] });
    const numbers = (await d.get('numbers')) ?? [];
    numbers.push(2);
    assert.deepEqual(await d.get('numbers'), [1]);
    await d.set('numbers', numbers);
    assert.deepEqual(await d.get('numbers'), [1, 2]);
  });
});

describe('BaseManager.register', () => {
  class CounterManager extends BaseManager {}
  CounterManager.register('Counter', managerTasks.makeCounter, {
    exposed: ['increment', 'value', 'fail', 'child'],
    methodToTypeid: { child: 'Counter' },
  });
  CounterManager.register('Open', managerTasks.makeCounter);

  it('serves the registered type, exposing only `exposed`', async () => {
    await using manager = new CounterManager();
    await manager.start();
    const counter = await manager.create<Counter>('Counter', 5);
    assert.deepEqual(counter.token.exposed, ['increment', 'value', 'fail', 'child']);
    assert.equal(await counter.increment(), 6);
    assert.equal(await counter.increment(4), 10);
    assert.equal(await counter.value(), 10);
    assert.equal((counter as unknown as Record<string, unknown>)['reset'], undefined);
    await assert.rejects(counter.callMethod('reset'), (thrown: unknown) => {
      assert.ok(thrown instanceof AttributeError);
      assert.equal(thrown.code, 'ERR_NOT_EXPOSED');
      assert.equal(
        thrown.message,
        `method 'reset' of 'Counter' object is not in exposed=["increment","value","fail","child"]`,
      );
      return true;
    });
    assert.equal(await counter.value(), 10);
    await assert.rejects(counter.fail(), { name: 'RangeError', message: 'count is 10' });
    const child = (await counter.child()) as unknown as AutoProxy<Counter>;
    assert.equal(child.token.typeid, 'Counter');
    assert.equal(await child.value(), 100);
    // Python adds a method named after the type id.
    const viaMethod = await (
      manager as unknown as { Counter(start: number): Promise<typeof counter> }
    ).Counter(1);
    assert.equal(await viaMethod.value(), 1);
  });

  it('exposes the public methods by default', async () => {
    await using manager = new CounterManager();
    await manager.start();
    const open = await manager.create<Counter>('Open');
    assert.deepEqual([...(open.token.exposed ?? [])].sort(), [
      'child',
      'fail',
      'increment',
      'reset',
      'value',
    ]);
    await open.increment();
    await open.reset();
    assert.equal(await open.value(), 0);
  });

  it('refuses a callable that is not a task reference', () => {
    assert.throws(
      () => {
        CounterManager.register('Bad', (() => 1) as never);
      },
      { name: 'ArgumentTypeError', code: 'ERR_INVALID_ARG_TYPE' },
    );
  });
});

describe('shutdown', () => {
  it('await using shuts the server down and leaves no process behind', async () => {
    let pid: number | null = null;
    let d;
    {
      await using manager = new Manager();
      await manager.start();
      pid = manager.pid;
      d = await manager.dict({ a: 1 });
      assert.equal(await d.get('a'), 1);
    }
    assert.ok(pid !== null);
    assert.throws(() => process.kill(pid, 0), { code: 'ESRCH' });
    await assert.rejects(d.get('a'), (thrown: unknown) => {
      assert.ok(thrown instanceof StateError);
      assert.equal(thrown.code, 'ERR_MANAGER_SHUT_DOWN');
      return true;
    });
    assert.throws(() => d.getSync('a'), { name: 'StateError', code: 'ERR_MANAGER_SHUT_DOWN' });
  });

  it('a manager killed with SIGKILL makes every proxy call fail at once', async () => {
    const manager = new Manager();
    await manager.start();
    const d = await manager.dict({ a: 1 });
    const l = await manager.list([1]);
    assert.equal(await d.get('a'), 1);
    process.kill(manager.pid ?? 0, 'SIGKILL');
    await manager.join();
    for (const call of [() => d.get('a'), () => l.append(2), () => manager.dict()]) {
      await assert.rejects(call(), { name: 'BrokerError', code: 'ERR_MANAGER_LOST' });
    }
    assert.throws(() => d.getSync('a'), { name: 'BrokerError', code: 'ERR_MANAGER_LOST' });
    await manager.shutdown();
    assert.equal(existsSync(manager.address as string), false, 'the socket file is left behind');
  });

  it('start() twice is refused', async () => {
    await using manager = new Manager();
    await manager.start();
    await assert.rejects(manager.start(), { name: 'StateError', code: 'ERR_ALREADY_STARTED' });
  });
});
