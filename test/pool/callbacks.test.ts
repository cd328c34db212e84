/**
 * Callbacks before readiness and validation before queuing (issue 13): `applyAsync` and
 * `mapAsync` run `callback`/`errorCallback` before the result is ready, as Python's do; a
 * bad option of any submit path throws a coded error and nothing runs. One test body per
 * backend.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  Pool,
  ProcessPoolExecutor,
  taskModule,
  ThreadPool,
  ThreadPoolExecutor,
  Value,
} from '../../src/index.ts';

const tasks = taskModule<typeof import('../fixtures/pool-tasks.ts')>(
  new URL('../fixtures/pool-tasks.ts', import.meta.url),
);

/** Adds one to a shared counter: a task whose running can be seen. */
function bump(counter: Value<'i'>): number {
  counter.value += 1;
  return counter.value;
}

/** Checks that `call` throws an error with a code, naming `option`. */
function throwsCoded(call: () => unknown, option: string, label: string): void {
  assert.throws(
    call,
    (error: unknown) => {
      assert.ok(error instanceof Error, label);
      const { code } = error as Error & { code?: unknown };
      assert.equal(typeof code, 'string', `${label}: no code on ${error.name}`);
      assert.match(code as string, /^ERR_/, label);
      assert.ok(error.message.includes(option), `${label}: ${error.message}`);
      return true;
    },
    label,
  );
}

const pools = [
  { kind: 'thread', Pool: ThreadPool },
  { kind: 'process', Pool: Pool },
] as const;

for (const backend of pools) {
  describe(`${backend.kind}: ${backend.Pool.name} callbacks and validation`, () => {
    let pool: ThreadPool | Pool;
    before(() => {
      pool = new backend.Pool(1);
    });
    after(async () => {
      await pool.terminate();
    });

    it('applyAsync(): callback and errorCallback run before the result is ready', async () => {
      const order: string[] = [];
      const ok = pool.applyAsync(tasks.inc, [41], {
        callback: (value) => {
          order.push(`callback ${value} ready=${ok.ready()}`);
        },
      });
      await ok.wait();
      order.push(`wait ready=${ok.ready()}`);
      const late = pool.applyAsync(tasks.inc, [1], {
        callback: (value) => order.push(`callback ${value}`),
      });
      order.push(`get ${await late.get()}`);
      assert.deepEqual(order, [
        'callback 42 ready=false',
        'wait ready=true',
        'callback 2',
        'get 2',
      ]);
      const failed: string[] = [];
      const bad = pool.applyAsync(tasks.fail, ['no'], {
        errorCallback: (error) => {
          failed.push(`errorCallback ${(error as Error).message} ready=${bad.ready()}`);
        },
      });
      await bad.wait();
      failed.push(`wait successful=${bad.successful()}`);
      assert.deepEqual(failed, ['errorCallback no ready=false', 'wait successful=false']);
    });

    it('mapAsync()/starmapAsync(): callbacks run before get() resolves', async () => {
      const order: string[] = [];
      const mapped = pool.mapAsync(tasks.inc, [1, 2, 3], {
        chunksize: 1,
        callback: (values) => {
          order.push(`callback ${values.join(',')} ready=${mapped.ready()}`);
        },
      });
      order.push(`get ${(await mapped.get()).join(',')}`);
      const starred = pool.starmapAsync(tasks.add, [[1, 2]], {
        callback: (values) => order.push(`star ${values.join(',')} ready=${starred.ready()}`),
      });
      order.push(`get ${(await starred.get()).join(',')}`);
      const failing = pool.mapAsync(tasks.failOnThree, [1, 3], {
        errorCallback: (error) => {
          order.push(`errorCallback ${(error as Error).message} ready=${failing.ready()}`);
        },
      });
      await assert.rejects(failing.get(), { message: 'three is not allowed' });
      order.push('rejected');
      assert.deepEqual(order, [
        'callback 2,3,4 ready=false',
        'get 2,3,4',
        'star 3 ready=false',
        'get 3',
        'errorCallback three is not allowed ready=false',
        'rejected',
      ]);
    });

    it('a callback that throws is reported; the result is ready all the same', async () => {
      const reported: unknown[] = [];
      const { error: consoleError } = console;
      console.error = (...args: unknown[]) => reported.push(args);
      try {
        const result = pool.applyAsync(tasks.inc, [1], {
          callback: () => {
            throw new Error('callback broke');
          },
        });
        assert.equal(await result.get(), 2);
        assert.equal(result.successful(), true);
      } finally {
        console.error = consoleError;
      }
      assert.equal(reported.length, 1);
      assert.match(String((reported[0] as unknown[])[0]), /callback/);
    });

    it('every option of every submit path is checked before the task is queued', async () => {
      const counter = new Value('i', 0);
      const bad: [string, string, () => unknown][] = [
        ['apply timeout', 'timeout', () => pool.apply(bump, [counter], { timeout: -1 })],
        ['apply signal', 'signal', () => pool.apply(bump, [counter], { signal: {} as never })],
        ['apply transfer', 'transfer', () => pool.apply(bump, [counter], { transfer: 1 as never })],
        ['apply options', 'options', () => pool.apply(bump, [counter], 5 as never)],
        ['apply args', 'args', () => pool.apply(bump, counter as never)],
        [
          'applyAsync callback',
          'callback',
          () => pool.applyAsync(bump, [counter], { callback: 42 as never }),
        ],
        [
          'applyAsync errorCallback',
          'errorCallback',
          () => pool.applyAsync(bump, [counter], { errorCallback: 'x' as never }),
        ],
        [
          'applyAsync timeout',
          'timeout',
          () => pool.applyAsync(bump, [counter], { timeout: Number.NaN }),
        ],
        ['map chunksize', 'chunksize', () => pool.map(bump, [counter], { chunksize: 0 })],
        [
          'map onProgress',
          'onProgress',
          () => pool.map(bump, [counter], { onProgress: 42 as never }),
        ],
        ['map options', 'options', () => pool.map(bump, [counter], 'x' as never)],
        [
          'mapAsync callback',
          'callback',
          () => pool.mapAsync(bump, [counter], { callback: 42 as never }),
        ],
        [
          'mapAsync errorCallback',
          'errorCallback',
          () => pool.mapAsync(bump, [counter], { errorCallback: 42 as never }),
        ],
        [
          'starmap chunksize',
          'chunksize',
          () => pool.starmap(bump, [[counter]], { chunksize: 1.5 }),
        ],
        [
          'starmapAsync callback',
          'callback',
          () => pool.starmapAsync(bump, [[counter]], { callback: {} as never }),
        ],
        ['imap chunksize', 'chunksize', () => pool.imap(bump, [counter], { chunksize: -2 })],
        [
          'imap onProgress',
          'onProgress',
          () => pool.imap(bump, [counter], { onProgress: 'x' as never }),
        ],
        [
          'imapUnordered onProgress',
          'onProgress',
          () => pool.imapUnordered(bump, [counter], { onProgress: 1 as never }),
        ],
        ['imapUnordered options', 'options', () => pool.imapUnordered(bump, [counter], 3 as never)],
        ['map iterable', 'iterable', () => pool.map(bump, 42 as never)],
      ];
      for (const [label, option, call] of bad) throwsCoded(call, option, label);
      // One worker, first in first out: had any bad call queued its task, it ran by now.
      assert.equal(await pool.apply(tasks.inc, [0]), 1);
      assert.equal(counter.value, 0);
    });
  });
}

const executors = [
  { kind: 'thread', Executor: ThreadPoolExecutor },
  { kind: 'process', Executor: ProcessPoolExecutor },
] as const;

for (const backend of executors) {
  describe(`${backend.kind}: ${backend.Executor.name} validation before queuing`, () => {
    let executor: ThreadPoolExecutor | ProcessPoolExecutor;
    before(() => {
      executor = new backend.Executor(1);
    });
    after(async () => {
      await executor.shutdown({ cancelFutures: true });
    });

    it('every option of submitWith() and map() is checked before anything is queued', async () => {
      const counter = new Value('i', 0);
      const bad: [string, string, () => unknown][] = [
        [
          'submitWith timeout',
          'timeout',
          () => executor.submitWith(bump, [counter], { timeout: -1 }),
        ],
        [
          'submitWith signal',
          'signal',
          () => executor.submitWith(bump, [counter], { signal: 1 as never }),
        ],
        [
          'submitWith transfer',
          'transfer',
          () => executor.submitWith(bump, [counter], { transfer: {} as never }),
        ],
        ['submitWith options', 'options', () => executor.submitWith(bump, [counter], 7 as never)],
        ['submitWith args', 'args', () => executor.submitWith(bump, counter as never)],
        [
          'map timeout',
          'timeout',
          () => executor.map(bump, [counter], { timeout: 'soon' as never }),
        ],
        ['map chunksize', 'chunksize', () => executor.map(bump, [counter], { chunksize: 0 })],
        ['map buffersize', 'buffersize', () => executor.map(bump, [counter], { buffersize: 0 })],
        [
          'map onProgress',
          'onProgress',
          () => executor.map(bump, [counter], { onProgress: 42 as never }),
        ],
        ['map iterable', 'iterable', () => executor.map(bump, [counter], 42 as never)],
      ];
      for (const [label, option, call] of bad) throwsCoded(call, option, label);
      // One worker, first in first out: had any bad call queued its task, it ran by now.
      assert.equal(await executor.submit(tasks.inc, 0), 1);
      assert.equal(counter.value, 0);
    });
  });
}
