/**
 * Value: Python's multiprocessing.Value. Every typecode round trips (bigints for the 64-bit
 * ones), bad typecodes and values are refused with a code, the lock (default RLock, a given
 * Lock, or none) travels with the value, and threads and processes read and write the same
 * memory. See docs/python-conformance.md C.17.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  ArgumentTypeError,
  Lock,
  Process,
  RLock,
  SharedArray,
  StateError,
  Thread,
  taskModule,
  Value,
  type Typecode,
} from '../../src/index.ts';
import { forEachBackend } from '../helpers/backends.ts';

const tasks = taskModule<typeof import('../fixtures/shared-tasks.ts')>(
  new URL('../fixtures/shared-tasks.ts', import.meta.url),
);

/** The extremes of each typecode, and what a float typecode stores for them. */
const SAMPLES: readonly [Typecode, readonly (number | bigint)[]][] = [
  ['b', [-128, 127, 0]],
  ['B', [0, 255]],
  ['h', [-32_768, 32_767]],
  ['H', [0, 65_535]],
  ['i', [-(2 ** 31), 2 ** 31 - 1]],
  ['I', [0, 2 ** 32 - 1]],
  ['l', [-(2n ** 63n), 2n ** 63n - 1n]],
  ['L', [0n, 2n ** 64n - 1n]],
  ['q', [-(2n ** 63n), 2n ** 63n - 1n]],
  ['Q', [0n, 2n ** 64n - 1n]],
  ['f', [Math.fround(1.5), -Math.fround(3.25e38), 0]],
  ['d', [Math.PI, -Number.MAX_VALUE, Number.MIN_VALUE, Infinity]],
];

const TYPECODE_LIST = "'c', 'b', 'B', 'h', 'H', 'i', 'I', 'l', 'L', 'q', 'Q', 'f', 'd'";

describe('new Value()', () => {
  for (const [typecode, values] of SAMPLES) {
    it(`typecode '${typecode}' - round trips its extremes`, () => {
      for (const sample of values) {
        const value = new Value(typecode, sample);
        assert.equal(value.value, sample);
        assert.equal(value.typecode, typecode);
        value.value = values[0] ?? sample;
        assert.equal(value.value, values[0]);
      }
    });
  }

  it('starts at 0, or 0n for the 64-bit integer typecodes', () => {
    assert.equal(new Value('i').value, 0);
    assert.equal(new Value('d').value, 0);
    for (const typecode of ['l', 'L', 'q', 'Q'] as const)
      assert.equal(new Value(typecode).value, 0n);
  });

  it("'f' - stores single precision, as C's float", () => {
    const value = new Value('f', 0.1);
    assert.equal(value.value, Math.fround(0.1));
    assert.notEqual(value.value, 0.1);
  });

  it("'d' - stores NaN", () => {
    assert.ok(Number.isNaN(new Value('d', Number.NaN).value));
  });

  it('integers outside the type wrap around, as in C and ctypes', () => {
    assert.equal(new Value('B', 300).value, 44);
    assert.equal(new Value('b', 128).value, -128);
    const int = new Value('i', 2 ** 31 - 1);
    int.value += 1;
    assert.equal(int.value, -(2 ** 31));
    assert.equal(new Value('Q', 2n ** 64n + 5n).value, 5n);
    assert.equal(new Value('q', 2n ** 63n).value, -(2n ** 63n));
  });

  it("an unknown typecode - ArgumentTypeError ERR_INVALID_ARG_VALUE, Python's TypeError", () => {
    for (const [typecode, shown] of [
      ['x', '`"x"` (string)'],
      ['u', '`"u"` (string)'],
      ['int32', '`"int32"` (string)'],
      [5, '`5` (number)'],
      [undefined, '`undefined` (undefined)'],
    ] as const) {
      assert.throws(() => new Value(typecode as unknown as Typecode), {
        name: 'ArgumentTypeError',
        code: 'ERR_INVALID_ARG_VALUE',
        message: `Expected \`typecode\` to be one of ${TYPECODE_LIST}, got ${shown}`,
      });
    }
    assert.throws(() => new Value('x' as Typecode), TypeError);
  });

  it("typecode 'c' - a one-byte Uint8Array, as Python's one-byte bytes", () => {
    const char = new Value('c');
    assert.deepEqual(char.value, Uint8Array.of(0));
    char.value = Uint8Array.of(0x61);
    assert.deepEqual(char.value, Uint8Array.of(0x61));
    // An integer from 0 to 255 is a byte, as Python's c_char takes an int.
    char.value = 255;
    assert.deepEqual(char.value, Uint8Array.of(255));
    assert.deepEqual(new Value('c', Uint8Array.of(7)).value, Uint8Array.of(7));
    // Each read is a new array: changing it does not write.
    const read = char.value;
    read[0] = 1;
    assert.deepEqual(char.value, Uint8Array.of(255));
  });

  it("typecode 'c' - anything but one byte is refused, as Python's TypeError", () => {
    const message = (got: string): string =>
      `Expected \`value\` to be a one-byte Uint8Array or an integer from 0 to 255 for typecode 'c', got ${got}`;
    const char = new Value('c', 0x62);
    for (const [bad, got] of [
      [Uint8Array.of(1, 2), '`Uint8Array` (object)'],
      [new Uint8Array(0), '`Uint8Array` (object)'],
      [256, '`256` (number)'],
      [-1, '`-1` (number)'],
      [1.5, '`1.5` (number)'],
      ['a', '`"a"` (string)'],
      [1n, '`1n` (bigint)'],
    ] as const) {
      assert.throws(
        () => {
          char.value = bad as never;
        },
        { name: 'ArgumentTypeError', code: 'ERR_INVALID_ARG_TYPE', message: message(got) },
      );
    }
    assert.deepEqual(char.value, Uint8Array.of(0x62));
    assert.throws(() => new Value('c', 300), ArgumentTypeError);
  });

  it('an initial value of the wrong type - ArgumentTypeError ERR_INVALID_ARG_TYPE', () => {
    const cases: [Typecode, unknown, string][] = [
      ['i', '5', 'Expected `initial` to be an integer for typecode \'i\', got `"5"` (string)'],
      ['i', 1.5, "Expected `initial` to be an integer for typecode 'i', got `1.5` (number)"],
      ['B', 5n, "Expected `initial` to be an integer for typecode 'B', got `5n` (bigint)"],
      ['q', 1, "Expected `initial` to be a bigint for typecode 'q', got `1` (number)"],
      ['L', 1, "Expected `initial` to be a bigint for typecode 'L', got `1` (number)"],
      ['d', 1n, "Expected `initial` to be a number for typecode 'd', got `1n` (bigint)"],
      ['f', true, "Expected `initial` to be a number for typecode 'f', got `true` (boolean)"],
      ['h', null, "Expected `initial` to be an integer for typecode 'h', got `null` (null)"],
    ];
    for (const [typecode, initial, message] of cases) {
      assert.throws(() => new Value(typecode, initial as never), {
        name: 'ArgumentTypeError',
        code: 'ERR_INVALID_ARG_TYPE',
        message,
      });
    }
  });
});

describe('Value#value', () => {
  it('a value of the wrong type - ArgumentTypeError, and the value is unchanged', () => {
    const int = new Value('i', 7);
    assert.throws(
      () => {
        int.value = '8' as unknown as number;
      },
      {
        name: 'ArgumentTypeError',
        code: 'ERR_INVALID_ARG_TYPE',
        message: 'Expected `value` to be an integer for typecode \'i\', got `"8"` (string)',
      },
    );
    assert.equal(int.value, 7);
    const big = new Value('q', 7n);
    assert.throws(() => {
      big.value = 8 as unknown as bigint;
    }, ArgumentTypeError);
    assert.equal(big.value, 7n);
  });

  it('+= on a bigint value', () => {
    const big = new Value('q', 2n ** 62n);
    big.value += 2n ** 62n - 1n;
    assert.equal(big.value, 2n ** 63n - 1n);
  });
});

describe('Value#getLock()', () => {
  it('an RLock by default, the same one each time', async () => {
    const value = new Value('i');
    const lock = value.getLock();
    assert.ok(lock instanceof RLock);
    assert.equal(value.getLock(), lock);
    // Reentrant, as Python's default lock.
    await lock.acquire();
    assert.equal(await lock.acquire({ blocking: false }), true);
    lock.release();
    lock.release();
    assert.equal(lock.locked(), false);
  });

  it('the Lock or RLock passed as `lock`', () => {
    const lock = new Lock();
    assert.equal(new Value('d', 0, { lock }).getLock(), lock);
    const rlock = new RLock();
    assert.equal(new Value('d', 0, { lock: rlock }).getLock(), rlock);
    assert.ok(new Value('d', 0, { lock: true }).getLock() instanceof RLock);
  });

  it('lock: false - getLock() throws StateError, the value still works', () => {
    const raw = new Value('i', 3, { lock: false });
    assert.throws(() => raw.getLock(), {
      name: 'StateError',
      code: 'ERR_INVALID_ARG_VALUE',
      message:
        'This Value was created with `lock: false` and has no lock; create it with `lock: true` (the default) or a Lock to have one',
    });
    assert.throws(() => raw.getLock(), StateError);
    raw.value += 1;
    assert.equal(raw.value, 4);
  });

  it('a lock that is not a boolean, Lock or RLock - ArgumentTypeError', () => {
    assert.throws(() => new Value('i', 0, { lock: 'yes' as unknown as boolean }), {
      name: 'ArgumentTypeError',
      code: 'ERR_INVALID_ARG_TYPE',
      message: 'Expected `lock` to be a boolean, a Lock or an RLock, got `"yes"` (string)',
    });
    assert.throws(() => new Value('i', 0, null as never), {
      message: 'Expected `options` to be an object, got `null` (null)',
    });
  });
});

forEachBackend(({ Worker }) => {
  it('a worker writes the value, the parent reads it after join()', async () => {
    const value = new Value('i', 1);
    const worker = new Worker({ target: tasks.setValue, args: [value, 42] });
    worker.start();
    await worker.join();
    assert.equal(worker.exitCode, 0);
    assert.equal(value.value, 42);
  });

  it('a worker reads what the parent wrote, and 64-bit values cross as bigints', async () => {
    const value = new Value('d', 0);
    value.value = 10.25;
    const out = new SharedArray('d', 1);
    const big = new Value('q', 0n);
    const reader = new Worker({ target: tasks.doubleInto, args: [value, out] });
    const writer = new Worker({ target: tasks.setBigValue, args: [big, -(2n ** 63n)] });
    reader.start();
    writer.start();
    await Promise.all([reader.join(), writer.join()]);
    assert.deepEqual([reader.exitCode, writer.exitCode], [0, 0]);
    assert.equal(out.get(0), 20.5);
    assert.equal(big.value, -(2n ** 63n));
  });

  it('a value nested inside an argument object', async () => {
    const counter = new Value('i', 5);
    const worker = new Worker({
      target: tasks.incrementNested,
      args: [{ inner: { counter } }],
    });
    worker.start();
    await worker.join();
    assert.equal(worker.exitCode, 0);
    assert.equal(counter.value, 6);
  });

  for (const [label, lock, kind] of [
    ['the default RLock', undefined, 'RLock'],
    ['a Lock passed as `lock`', new Lock(), 'Lock'],
  ] as const) {
    it(`${label} travels with the value and excludes the worker while the parent holds it`, async () => {
      const value = new Value('i', 0, lock === undefined ? undefined : { lock });
      const out = new SharedArray('i', 3);
      await value.getLock().acquire();
      const worker = new Worker({ target: tasks.probeLock, args: [value, kind, out] });
      try {
        worker.start();
        await worker.join();
      } finally {
        value.getLock().release();
      }
      assert.equal(worker.exitCode, 0);
      assert.deepEqual(out.toArray(), [1, 1, 0]);
    });
  }

  it('lock: false - the worker has no lock either', async () => {
    const value = new Value('i', 0, { lock: false });
    const out = new SharedArray('i', 3);
    const worker = new Worker({ target: tasks.probeLock, args: [value, 'none', out] });
    worker.start();
    await worker.join();
    assert.equal(worker.exitCode, 0);
    assert.deepEqual(out.toArray(), [0, 0, 1]);
  });
});

describe('Value - one truth across threads and processes', () => {
  it('2 threads + 2 processes, 20,000 locked increments each, end at exactly 80,000', async (t) => {
    const TIMES = 20_000;
    const counter = new Value('i', 0);
    const started = performance.now();
    const workers = [Thread, Thread, Process, Process].map(
      (Worker) => new Worker({ target: tasks.incrementLocked, args: [counter, TIMES] }),
    );
    for (const worker of workers) worker.start();
    const finished: number[] = [];
    await Promise.all(
      workers.map(async (worker) => {
        await worker.join();
        finished.push(performance.now() - started);
      }),
    );
    assert.deepEqual(
      workers.map((worker) => worker.exitCode),
      [0, 0, 0, 0],
    );
    assert.equal(counter.value, 4 * TIMES);
    t.diagnostic(
      `workers finished after ${finished.map((ms) => `${(ms / 1000).toFixed(1)} s`).join(', ')}`,
    );
  });
});
