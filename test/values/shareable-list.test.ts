/**
 * ShareableList: Python's multiprocessing.shared_memory.ShareableList. Every item type round
 * trips, list[i] and negative indexes, Python's errors (an index out of range, a value larger
 * than its item's storage, index() of a missing value), attach by name, and workers (a thread
 * gets the memory, a process attaches by name) writing items the parent reads. Without the
 * addon, refused with ERR_NATIVE_UNAVAILABLE.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import {
  ArgumentRangeError,
  ArgumentTypeError,
  MultitaskError,
  ShareableList,
  sharedMemoryBackend,
  taskModule,
} from '../../src/index.ts';
import { forEachBackend } from '../helpers/backends.ts';

const tasks = taskModule<typeof import('../fixtures/shm-tasks.ts')>(
  new URL('../fixtures/shm-tasks.ts', import.meta.url),
);

/** Lists this file makes, unlinked after its tests. */
const made: ShareableList[] = [];
function track(list: ShareableList): ShareableList {
  made.push(list);
  return list;
}
after(() => {
  for (const list of made) list.shm.unlink();
});

if (sharedMemoryBackend() !== 'native') {
  it('new ShareableList() - refused without the addon (ERR_NATIVE_UNAVAILABLE)', () => {
    assert.throws(
      () => new ShareableList([1, 2]),
      (error: unknown) =>
        error instanceof MultitaskError && error.code === 'ERR_NATIVE_UNAVAILABLE',
    );
  });
} else {
  describe('new ShareableList()', () => {
    it('every item type round trips; list[i], get(), negative indexes', () => {
      const items = [1.5, -(2n ** 63n), true, false, 'héllo', new Uint8Array([1, 2, 3]), null];
      const list = track(new ShareableList(items));
      assert.equal(list.length, items.length);
      assert.deepEqual(list.toArray(), items);
      assert.equal(list[0], 1.5);
      assert.equal(list[-1], null);
      assert.deepEqual([...list], items);
    });

    it('set() and list[i] = v - a value of another type fits in 8 bytes; a string in its capacity', () => {
      const list = track(new ShareableList([0, 'abc', null]));
      list[0] = 'eight ch';
      list[1] = 42n;
      list.set(-1, false);
      assert.deepEqual(list.toArray(), ['eight ch', 42n, false]);
      assert.throws(
        () => {
          list[1] = 'nine char';
        },
        (error: unknown) =>
          error instanceof ArgumentRangeError && error.code === 'ERR_INVALID_ARG_VALUE',
      );
      assert.equal(list[1], 42n);
    });

    it('Python’s errors - an index out of range, a bad type, index() of a missing value', () => {
      const list = track(new ShareableList([1, 2, 1]));
      assert.throws(() => list[3], ArgumentRangeError);
      assert.throws(() => list.get(-4), ArgumentRangeError);
      assert.throws(() => {
        list[0] = {} as never;
      }, ArgumentTypeError);
      assert.equal(list.count(1), 2);
      assert.equal(list.index(2), 1);
      assert.throws(
        () => list.index(5),
        (error: unknown) =>
          error instanceof ArgumentRangeError && error.code === 'ERR_INVALID_ARG_VALUE',
      );
    });

    it('attach by name - the same items, both ways', () => {
      const list = track(new ShareableList(['x', 1]));
      const same = new ShareableList(null, { name: list.shm.name });
      assert.deepEqual(same.toArray(), ['x', 1]);
      same[1] = 2;
      assert.equal(list[1], 2);
      assert.deepEqual(track(new ShareableList()).toArray(), []);
    });
  });

  forEachBackend(({ Worker }) => {
    it('a worker attaches by name and rewrites items the parent reads', async () => {
      const list = track(new ShareableList([41, 'abcd', 'x']));
      const worker = new Worker({ target: tasks.rewriteList, args: [list.shm.name] });
      worker.start();
      await worker.join();
      assert.equal(worker.exitCode, 0);
      assert.deepEqual(list.toArray(), [42, 'höla', null]);
    });

    it('a ShareableList passed in args - the worker writes, the parent reads', async () => {
      const list = track(new ShareableList([21, false]));
      const worker = new Worker({ target: tasks.doubleReceived, args: [list] });
      worker.start();
      await worker.join();
      assert.equal(worker.exitCode, 0);
      assert.deepEqual(list.toArray(), [42, true]);
    });
  });
}
