/**
 * SharedArray: Python's multiprocessing.Array. Zero-filled or initialised, every typecode
 * round trips, Python's negative indexes and slice bounds, a wrong-length slice assignment
 * refused as Python's ValueError, bad indexes refused with a code, the lock as Value's, and
 * threads and processes filling the memory the parent reads. See docs/python-conformance.md C.17.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  ArgumentRangeError,
  ArgumentTypeError,
  Lock,
  RLock,
  SharedArray,
  StateError,
  taskModule,
  Value,
  type Typecode,
} from '../../src/index.ts';
import { forEachBackend } from '../helpers/backends.ts';

const tasks = taskModule<typeof import('../fixtures/shared-tasks.ts')>(
  new URL('../fixtures/shared-tasks.ts', import.meta.url),
);
const shmTasks = taskModule<typeof import('../fixtures/shm-tasks.ts')>(
  new URL('../fixtures/shm-tasks.ts', import.meta.url),
);

const SAMPLES: readonly [Typecode, readonly (number | bigint)[]][] = [
  ['b', [-128, 127, 0]],
  ['B', [0, 255, 1]],
  ['h', [-32_768, 32_767]],
  ['H', [0, 65_535]],
  ['i', [-(2 ** 31), 2 ** 31 - 1]],
  ['I', [0, 2 ** 32 - 1]],
  ['l', [-(2n ** 63n), 2n ** 63n - 1n]],
  ['L', [0n, 2n ** 64n - 1n]],
  ['q', [-(2n ** 63n), 2n ** 63n - 1n]],
  ['Q', [0n, 2n ** 64n - 1n]],
  ['f', [Math.fround(1.5), -Math.fround(3.25e38)]],
  ['d', [Math.PI, -Number.MAX_VALUE, Infinity]],
];

describe('new SharedArray()', () => {
  it('a length - zero-filled, as Python’s Array(typecode, n)', () => {
    assert.deepEqual(new SharedArray('i', 4).toArray(), [0, 0, 0, 0]);
    assert.deepEqual(new SharedArray('q', 2).toArray(), [0n, 0n]);
    assert.equal(new SharedArray('d', 0).length, 0);
    assert.deepEqual(new SharedArray('d', 0).toArray(), []);
  });

  for (const [typecode, values] of SAMPLES) {
    it(`typecode '${typecode}' - initial values round trip, get() and set() too`, () => {
      const array = new SharedArray(typecode, values);
      assert.equal(array.typecode, typecode);
      assert.equal(array.length, values.length);
      assert.deepEqual(array.toArray(), values);
      const reversed = [...values].reverse();
      for (const [i, value] of reversed.entries()) array.set(i, value);
      assert.deepEqual(
        values.map((_, i) => array.get(i)),
        reversed,
      );
    });
  }

  it('any iterable of values: a typed array, a Set, a generator', () => {
    assert.deepEqual(new SharedArray('d', new Float64Array([0.5, 1.5])).toArray(), [0.5, 1.5]);
    assert.deepEqual(new SharedArray('i', new Set([3, 1, 2])).toArray(), [3, 1, 2]);
    function* countdown(): Generator<bigint> {
      yield 2n;
      yield 1n;
    }
    assert.deepEqual(new SharedArray('Q', countdown()).toArray(), [2n, 1n]);
  });

  it("an unknown typecode - ArgumentTypeError ERR_INVALID_ARG_VALUE, Python's TypeError", () => {
    assert.throws(() => new SharedArray('z' as Typecode, 3), {
      name: 'ArgumentTypeError',
      code: 'ERR_INVALID_ARG_VALUE',
      message:
        "Expected `typecode` to be one of 'c', 'b', 'B', 'h', 'H', 'i', 'I', 'l', 'L', 'q', 'Q', 'f', 'd', got `\"z\"` (string)",
    });
  });

  it("typecode 'c' - bytes: elements are one-byte Uint8Arrays, a slice is one Uint8Array", () => {
    const hello = new TextEncoder().encode('hello');
    const chars = new SharedArray('c', hello);
    assert.equal(chars.length, 5);
    assert.deepEqual(chars.get(1), Uint8Array.of(0x65));
    assert.deepEqual(chars[-1], Uint8Array.of(0x6f));
    // Python: arr[1:3] == b'el'; list(arr) == [b'h', b'e', ...].
    assert.deepEqual(chars.getSlice(1, 3), new TextEncoder().encode('el'));
    assert.deepEqual(chars.getSlice(3, 1), new Uint8Array(0));
    assert.deepEqual(
      chars.toArray(),
      [...hello].map((byte) => Uint8Array.of(byte)),
    );
    chars.set(0, Uint8Array.of(0x48));
    chars.setSlice(1, 3, [Uint8Array.of(0x45), 0x4c]);
    assert.deepEqual(chars.getSlice(), new TextEncoder().encode('HELlo'));
    assert.deepEqual(new SharedArray('c', 2).getSlice(), new Uint8Array(2));
    assert.throws(
      () => {
        chars.set(0, Uint8Array.of(1, 2));
      },
      {
        name: 'ArgumentTypeError',
        message:
          "Expected `value` to be a one-byte Uint8Array or an integer from 0 to 255 for typecode 'c', got `Uint8Array` (object)",
      },
    );
    assert.throws(() => new SharedArray('c', [0x61, 256]), ArgumentTypeError);
  });

  it("a negative length - ArgumentRangeError; a fractional one ArgumentTypeError, as Python's", () => {
    assert.throws(() => new SharedArray('i', -1), {
      name: 'ArgumentRangeError',
      code: 'ERR_OUT_OF_RANGE',
      message: 'Expected `length` to be an integer from 0 and up, got `-1` (number)',
    });
    // Python: Array('i', 2.5) multiplies a ctypes type by a float, a TypeError.
    for (const [length, got] of [
      [2.5, '`2.5` (number)'],
      [NaN, '`NaN` (number)'],
      [Infinity, '`Infinity` (number)'],
    ] as const) {
      assert.throws(() => new SharedArray('i', length), {
        name: 'ArgumentTypeError',
        code: 'ERR_INVALID_ARG_TYPE',
        message: `Expected \`length\` to be an integer, got ${got}`,
      });
    }
  });

  it('neither a length nor an iterable - ArgumentTypeError', () => {
    assert.throws(() => new SharedArray('i', { length: 3 } as unknown as number), {
      name: 'ArgumentTypeError',
      code: 'ERR_INVALID_ARG_TYPE',
      message:
        'Expected `lengthOrValues` to be a length or an iterable of values, got `Object` (object)',
    });
  });

  it('a value of the wrong type - ArgumentTypeError naming its position', () => {
    assert.throws(() => new SharedArray('i', [1, 2, '3'] as unknown as number[]), {
      name: 'ArgumentTypeError',
      code: 'ERR_INVALID_ARG_TYPE',
      message: 'Expected `values[2]` to be an integer for typecode \'i\', got `"3"` (string)',
    });
    assert.throws(() => new SharedArray('q', [1n, 2] as unknown as bigint[]), {
      message: "Expected `values[1]` to be a bigint for typecode 'q', got `2` (number)",
    });
  });
});

describe('SharedArray#get() and #set()', () => {
  it('negative indexes count from the end, as in Python', () => {
    const array = new SharedArray('i', [10, 20, 30]);
    assert.equal(array.get(-1), 30);
    assert.equal(array.get(-3), 10);
    array.set(-2, 99);
    assert.deepEqual(array.toArray(), [10, 99, 30]);
  });

  it('an index outside the array - ArgumentRangeError naming the index and the length', () => {
    const array = new SharedArray('i', 3);
    for (const index of [3, -4, 100]) {
      assert.throws(() => array.get(index), {
        name: 'ArgumentRangeError',
        code: 'ERR_OUT_OF_RANGE',
        message: `Expected \`index\` to be an integer from -3 to 2 for a SharedArray of length 3, got \`${index}\` (number)`,
      });
      assert.throws(() => {
        array.set(index, 1);
      }, ArgumentRangeError);
    }
    assert.throws(() => new SharedArray('d', 0).get(0), {
      name: 'ArgumentRangeError',
      message: 'Expected `index` to be within the SharedArray, which is empty, got `0` (number)',
    });
  });

  it('an index that is not an integer - ArgumentTypeError', () => {
    const array = new SharedArray('i', 3);
    assert.throws(() => array.get(1.5), {
      name: 'ArgumentTypeError',
      code: 'ERR_INVALID_ARG_TYPE',
      message: 'Expected `index` to be an integer, got `1.5` (number)',
    });
    assert.throws(() => array.get('1' as unknown as number), ArgumentTypeError);
  });

  it('a value of the wrong type - ArgumentTypeError, and the element is unchanged', () => {
    const array = new SharedArray('d', [1]);
    assert.throws(
      () => {
        array.set(0, 2n as unknown as number);
      },
      {
        name: 'ArgumentTypeError',
        message: "Expected `value` to be a number for typecode 'd', got `2n` (bigint)",
      },
    );
    assert.equal(array.get(0), 1);
  });
});

describe('SharedArray#getSlice() and #setSlice()', () => {
  const five = (): SharedArray<'i'> => new SharedArray('i', [0, 1, 2, 3, 4]);

  it('getSlice() - Python slice bounds: defaults, negatives, clamping, empty', () => {
    const array = five();
    assert.deepEqual(array.getSlice(), [0, 1, 2, 3, 4]);
    assert.deepEqual(array.getSlice(1, 3), [1, 2]);
    assert.deepEqual(array.getSlice(2), [2, 3, 4]);
    assert.deepEqual(array.getSlice(undefined, 2), [0, 1]);
    assert.deepEqual(array.getSlice(-2), [3, 4]);
    assert.deepEqual(array.getSlice(1, -1), [1, 2, 3]);
    assert.deepEqual(array.getSlice(-100, 100), [0, 1, 2, 3, 4]);
    assert.deepEqual(array.getSlice(4, 2), []);
    assert.deepEqual(array.getSlice(5), []);
  });

  it('getSlice() - a bound that is not an integer - ArgumentTypeError', () => {
    assert.throws(() => five().getSlice(0.5), {
      name: 'ArgumentTypeError',
      message: 'Expected `start` to be an integer, got `0.5` (number)',
    });
    assert.throws(() => five().getSlice(0, '2' as unknown as number), {
      message: 'Expected `end` to be an integer, got `"2"` (string)',
    });
  });

  it('setSlice() - replaces exactly the slice', () => {
    const array = five();
    array.setSlice(1, 3, [7, 8]);
    assert.deepEqual(array.toArray(), [0, 7, 8, 3, 4]);
    array.setSlice(-2, undefined, new Int32Array([-1, -2]));
    assert.deepEqual(array.toArray(), [0, 7, 8, -1, -2]);
    array.setSlice(3, 1, []);
    assert.deepEqual(array.toArray(), [0, 7, 8, -1, -2]);
  });

  it('setSlice() - a wrong-length sequence - ArgumentRangeError (Python ValueError), nothing written', () => {
    const array = five();
    assert.throws(
      () => {
        array.setSlice(1, 3, [7]);
      },
      {
        name: 'ArgumentRangeError',
        code: 'ERR_INVALID_ARG_VALUE',
        message:
          "Expected `values` to have 2 items, as many as the slice [1, 3) they replace, got 1: a SharedArray's length is fixed",
      },
    );
    assert.throws(() => {
      array.setSlice(undefined, undefined, [1, 2, 3, 4, 5, 6]);
    }, ArgumentRangeError);
    assert.deepEqual(array.toArray(), [0, 1, 2, 3, 4]);
  });

  it('setSlice() - a value of the wrong type - ArgumentTypeError, nothing written', () => {
    const array = five();
    assert.throws(
      () => {
        array.setSlice(0, 2, [9, 'x'] as unknown as number[]);
      },
      {
        name: 'ArgumentTypeError',
        message: 'Expected `values[1]` to be an integer for typecode \'i\', got `"x"` (string)',
      },
    );
    assert.throws(() => {
      array.setSlice(0, 2, 5 as unknown as number[]);
    }, ArgumentTypeError);
    assert.deepEqual(array.toArray(), [0, 1, 2, 3, 4]);
  });

  it('[Symbol.iterator] - spreads and for-of over the elements', () => {
    const array = new SharedArray('L', [1n, 2n, 3n]);
    assert.deepEqual([...array], [1n, 2n, 3n]);
    let total = 0n;
    for (const value of array) total += value;
    assert.equal(total, 6n);
  });
});

describe('SharedArray#getLock()', () => {
  it('an RLock by default; the Lock passed; none with lock: false', () => {
    assert.ok(new SharedArray('i', 1).getLock() instanceof RLock);
    const lock = new Lock();
    assert.equal(new SharedArray('i', 1, { lock }).getLock(), lock);
    const raw = new SharedArray('i', [5], { lock: false });
    assert.throws(() => raw.getLock(), {
      name: 'StateError',
      code: 'ERR_INVALID_ARG_VALUE',
      message:
        'This SharedArray was created with `lock: false` and has no lock; create it with `lock: true` (the default) or a Lock to have one',
    });
    assert.throws(() => raw.getLock(), StateError);
    assert.equal(raw.get(0), 5);
  });

  it('one lock may guard a Value and a SharedArray together', () => {
    const lock = new RLock();
    const total = new Value('i', 0, { lock });
    const parts = new SharedArray('i', 2, { lock });
    total.getLock().withLockSync(() => {
      parts.getLock().withLockSync(() => {
        parts.set(0, 1);
        total.value += 1;
      });
    });
    assert.equal(total.getLock(), parts.getLock());
    assert.equal(lock.locked(), false);
  });
});

forEachBackend(({ Worker }) => {
  it("typecode 'c' - a worker reads bytes and writes them back, in a Value and a SharedArray", async () => {
    const chars = new SharedArray('c', new TextEncoder().encode('multitask'));
    const first = new Value('c');
    const worker = new Worker({ target: tasks.upperChars, args: [chars, first] });
    worker.start();
    await worker.join();
    assert.equal(worker.exitCode, 0);
    assert.equal(new TextDecoder().decode(chars.getSlice()), 'MULTITASK');
    assert.deepEqual(first.value, Uint8Array.of(0x4d));
  });

  it('a worker fills the array element by element; the parent reads it after join()', async () => {
    const squares = new SharedArray('d', 6);
    const worker = new Worker({ target: tasks.fillSquares, args: [squares] });
    worker.start();
    await worker.join();
    assert.equal(worker.exitCode, 0);
    assert.deepEqual(squares.toArray(), [0, 1, 4, 9, 16, 25]);
  });

  it('a worker writes a bigint slice and reads back with a negative index', async () => {
    const array = new SharedArray('q', 4);
    const worker = new Worker({
      target: tasks.writeSlice,
      args: [array, [1n, 2n ** 62n, -(2n ** 63n), 5n]],
    });
    worker.start();
    await worker.join();
    assert.equal(worker.exitCode, 0);
    assert.deepEqual(array.toArray(), [1n, 2n ** 62n, -(2n ** 63n), -5n]);
  });

  it('a worker reads what the parent wrote, with one toArray()', async () => {
    const source = new SharedArray('i', 5);
    source.setSlice(0, 5, [1, 2, 3, 4, 5]);
    const out = new SharedArray('i', 5, { lock: false });
    const worker = new Worker({ target: tasks.reverseInto, args: [source, out] });
    worker.start();
    await worker.join();
    assert.equal(worker.exitCode, 0);
    assert.deepEqual(out.toArray(), [5, 4, 3, 2, 1]);
  });
});

describe('arr[i]', () => {
  it('reads and writes elements as get() and set(), negative indexes from the end', () => {
    const array = new SharedArray('i', [1, 2, 3]);
    assert.equal(array[0], 1);
    assert.equal(array[-1], 3);
    array[1] = 20;
    array[-1] = 30;
    assert.deepEqual(array.toArray(), [1, 20, 30]);
    const big = new SharedArray('q', 2);
    big[1] = 2n ** 62n;
    assert.equal(big[1], 2n ** 62n);
    assert.ok(array instanceof SharedArray);
  });

  it('an index out of range - ArgumentRangeError (ERR_OUT_OF_RANGE), as get() and set()', () => {
    const array = new SharedArray('d', 2);
    for (const index of [2, -3]) {
      assert.throws(
        () => array[index],
        (error: unknown) =>
          error instanceof ArgumentRangeError && error.code === 'ERR_OUT_OF_RANGE',
      );
      assert.throws(() => {
        array[index] = 1;
      }, ArgumentRangeError);
    }
    assert.throws(() => array[0.5], ArgumentTypeError);
    assert.throws(() => {
      array[0] = 'x' as never;
    }, ArgumentTypeError);
    assert.deepEqual(array.toArray(), [0, 0]);
  });

  it('other properties stay ordinary: methods, length, own properties, symbols', () => {
    const array = new SharedArray('i', 2) as SharedArray<'i'> & { note?: string };
    assert.equal(array.length, 2);
    assert.equal((array as unknown as Record<string, unknown>)['missing'], undefined);
    array.note = 'kept';
    assert.equal(array.note, 'kept');
    assert.deepEqual(Object.keys(array), ['note']);
    assert.equal(typeof array[Symbol.iterator], 'function');
    assert.deepEqual([...array], [0, 0]);
  });
});

forEachBackend(({ Worker }) => {
  it('arr[i] in a worker - reads and writes the parent’s elements, out of range refused', async () => {
    const array = new SharedArray('i', [1, 2, 3, 4]);
    const worker = new Worker({ target: shmTasks.scaleByIndex, args: [array] });
    worker.start();
    await worker.join();
    assert.equal(worker.exitCode, 0);
    assert.deepEqual(array.toArray(), [10, 20, 30, 40]);
  });
});
