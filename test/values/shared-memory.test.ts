/**
 * SharedMemory: Python's multiprocessing.shared_memory.SharedMemory. Create, attach by name,
 * close and unlink; Python's errors (FileExistsError, FileNotFoundError, ValueError for
 * sizes); a thread receives the buffer, a process attaches by name, and the parent reads
 * what each wrote; nothing is left in /dev/shm after a normal exit, an uncaught error, or a
 * `kill -9` (the next creator sweeps). Without the addon, the constructor refuses with
 * ERR_NATIVE_UNAVAILABLE.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { after, describe, it } from 'node:test';
import {
  ArgumentRangeError,
  ArgumentTypeError,
  FileExistsError,
  FileNotFoundError,
  MultitaskError,
  SharedMemory,
  StateError,
  sharedMemoryBackend,
  taskModule,
} from '../../src/index.ts';
import { forEachBackend } from '../helpers/backends.ts';
import { runScript, waitForPidGone } from '../helpers/scripts.ts';

const tasks = taskModule<typeof import('../fixtures/shm-tasks.ts')>(
  new URL('../fixtures/shm-tasks.ts', import.meta.url),
);
const native = sharedMemoryBackend() === 'native';
const path = (name: string): string => `/dev/shm/${name}`;

/** Names this file makes, unlinked (if still there) after its tests. */
const made: string[] = [];
function fresh(tag: string): string {
  const name = `mt-test-${process.pid}-${tag}`;
  made.push(name);
  return name;
}
after(() => {
  for (const name of made) {
    try {
      new SharedMemory({ name }).unlink();
    } catch {
      // gone already, or never made
    }
  }
  assert.deepEqual(
    made.filter((name) => existsSync(path(name))),
    [],
  );
});

if (!native) {
  describe('SharedMemory without the addon', () => {
    it('new SharedMemory() - refused with ERR_NATIVE_UNAVAILABLE, saying how to enable it', () => {
      for (const options of [{ create: true, size: 8 }, { name: 'mt-anything' }]) {
        assert.throws(
          () => new SharedMemory(options),
          (error: unknown) => {
            assert.ok(error instanceof MultitaskError);
            assert.equal(error.code, 'ERR_NATIVE_UNAVAILABLE');
            assert.match(error.message, /SharedMemory needs the shared-memory addon/);
            assert.match(error.message, /MULTITASK_SHARED_MEMORY|npm rebuild/);
            return true;
          },
        );
      }
    });
  });
} else {
  describe('new SharedMemory()', () => {
    it('create - a zeroed segment of `size` bytes, in /dev/shm under its name', () => {
      const shm = new SharedMemory({ name: fresh('create'), create: true, size: 100 });
      assert.equal(shm.size, 100);
      assert.equal(shm.buf.length, 100);
      assert.ok(shm.buf.buffer instanceof SharedArrayBuffer);
      assert.deepEqual([...shm.buf.subarray(0, 4)], [0, 0, 0, 0]);
      assert.equal(existsSync(path(shm.name)), true);
      shm.unlink();
      assert.equal(existsSync(path(shm.name)), false);
    });

    it('no name - generated as mt_<pid>_<hex>, distinct each time', () => {
      const a = new SharedMemory({ create: true, size: 8 });
      const b = new SharedMemory({ create: true, size: 8 });
      assert.match(a.name, new RegExp(`^mt_${process.pid}_[0-9a-f]{16}$`));
      assert.notEqual(a.name, b.name);
      a.unlink();
      b.unlink();
    });

    it('attach by name - the same bytes, both ways; size is the segment’s', () => {
      const name = fresh('attach');
      const a = new SharedMemory({ name, create: true, size: 32 });
      const b = new SharedMemory({ name });
      const c = new SharedMemory({ name, size: 16 });
      assert.equal(b.size, 32);
      assert.equal(c.size, 32);
      a.buf[5] = 42;
      assert.equal(b.buf[5], 42);
      b.buf[31] = 7;
      assert.equal(a.buf[31], 7);
      a.unlink();
    });

    it('close() - buf refused afterwards (ERR_INVALID_STATE), twice is harmless; others keep theirs', () => {
      const name = fresh('close');
      const a = new SharedMemory({ name, create: true, size: 8 });
      const b = new SharedMemory({ name });
      a.close();
      a.close();
      assert.throws(
        () => a.buf,
        (error: unknown) => error instanceof StateError && error.code === 'ERR_INVALID_STATE',
      );
      b.buf[0] = 3;
      assert.equal(b.buf[0], 3);
      a.unlink();
    });

    it('unlink() - later attaches fail; mappings live on; a second unlink is FileNotFoundError', () => {
      const name = fresh('unlink');
      const a = new SharedMemory({ name, create: true, size: 8 });
      a.unlink();
      a.buf[0] = 9;
      assert.equal(a.buf[0], 9);
      assert.throws(() => new SharedMemory({ name }), FileNotFoundError);
      assert.throws(
        () => {
          a.unlink();
        },
        (error: unknown) =>
          error instanceof FileNotFoundError && error.code === 'ERR_FILE_NOT_FOUND',
      );
    });
  });

  describe('SharedMemory - Python’s errors', () => {
    it('create with a name that exists - FileExistsError (ERR_FILE_EXISTS, errno EEXIST)', () => {
      const name = fresh('exists');
      const a = new SharedMemory({ name, create: true, size: 8 });
      assert.throws(
        () => new SharedMemory({ name, create: true, size: 8 }),
        (error: unknown) => {
          assert.ok(error instanceof FileExistsError);
          assert.equal(error.code, 'ERR_FILE_EXISTS');
          assert.equal(error.filename, name);
          return true;
        },
      );
      a.unlink();
    });

    it('attach to a missing name - FileNotFoundError (ERR_FILE_NOT_FOUND)', () => {
      assert.throws(
        () => new SharedMemory({ name: fresh('missing') }),
        (error: unknown) => {
          assert.ok(error instanceof FileNotFoundError);
          assert.equal(error.code, 'ERR_FILE_NOT_FOUND');
          return true;
        },
      );
    });

    it('sizes - 0 or negative to create, negative or too large to attach: ArgumentRangeError', () => {
      const name = fresh('sizes');
      for (const size of [0, -1]) {
        assert.throws(() => new SharedMemory({ name, create: true, size }), ArgumentRangeError);
      }
      assert.equal(existsSync(path(name)), false);
      const a = new SharedMemory({ name, create: true, size: 8 });
      assert.throws(() => new SharedMemory({ name, size: -1 }), ArgumentRangeError);
      assert.throws(
        () => new SharedMemory({ name, size: 9 }),
        (error: unknown) =>
          error instanceof ArgumentRangeError && error.code === 'ERR_OUT_OF_RANGE',
      );
      a.unlink();
    });

    it('bad options - no name without create, bad types, a name with a slash', () => {
      assert.throws(
        () => new SharedMemory({}),
        (error: unknown) =>
          error instanceof ArgumentRangeError && error.code === 'ERR_INVALID_ARG_VALUE',
      );
      assert.throws(() => new SharedMemory({ name: 5 as never }), ArgumentTypeError);
      assert.throws(() => new SharedMemory({ create: 'yes' as never, size: 1 }), ArgumentTypeError);
      assert.throws(() => new SharedMemory({ create: true, size: 1.5 }), ArgumentTypeError);
      assert.throws(() => new SharedMemory({ name: '../etc', create: true, size: 1 }), RangeError);
    });
  });

  forEachBackend(({ kind, Worker }) => {
    it('a SharedMemory passed in args - the worker writes, the parent reads', async () => {
      const shm = new SharedMemory({ name: fresh(`args-${kind}`), create: true, size: 16 });
      const worker = new Worker({ target: tasks.writeReceived, args: [shm, [1, 2, 3]] });
      worker.start();
      await worker.join();
      assert.equal(worker.exitCode, 0);
      assert.deepEqual([...shm.buf.subarray(0, 4)], [1, 2, 3, 0]);
      shm.unlink();
    });

    it('attach by name in the worker - it writes bytes the parent reads', async () => {
      const shm = new SharedMemory({ name: fresh(`name-${kind}`), create: true, size: 16 });
      const worker = new Worker({ target: tasks.attachAndWrite, args: [shm.name, [4, 5, 6]] });
      worker.start();
      await worker.join();
      assert.equal(worker.exitCode, 0);
      assert.deepEqual([...shm.buf.subarray(0, 5)], [0, 4, 5, 6, 0]);
      shm.unlink();
    });
  });

  describe('SharedMemory - nothing left behind', () => {
    for (const how of ['exit', 'throw'] as const) {
      it(`a creator that ends by ${how === 'exit' ? 'a normal exit' : 'an uncaught error'} unlinks what it and its threads did not`, async () => {
        const name = fresh(`leaver-${how}`);
        made.push(`${name}-thread`);
        const run = runScript('shm-leaver.ts', [how, name]);
        const [, , named, generated, threads] = (await run.line(
          /segments (\d+) (\S+) (\S+) (\S+)\n/,
        )) as string[];
        const { code } = await run.done;
        assert.equal(code, how === 'exit' ? 0 : 1);
        assert.deepEqual(
          [named, generated, threads].map((segment) => existsSync(path(segment ?? ''))),
          [false, false, false],
        );
      });
    }

    it('kill -9 - the next creator sweeps the named, the generated and the thread’s segment', async () => {
      const name = fresh('leaver-kill');
      made.push(`${name}-thread`);
      const run = runScript('shm-leaver.ts', ['hang', name]);
      const [, pid, named, generated, threads] = (await run.line(
        /segments (\d+) (\S+) (\S+) (\S+)\n/,
      )) as string[];
      run.child.kill('SIGKILL');
      await run.done;
      assert.equal(await waitForPidGone(Number(pid)), true);
      const left = [named, generated, threads].map((segment) => path(segment ?? ''));
      assert.deepEqual(left.map(existsSync), [true, true, true]);
      assert.equal(existsSync(path(`mt-registry-${pid}`)), true);
      const next = new SharedMemory({ create: true, size: 1 });
      assert.deepEqual(left.map(existsSync), [false, false, false]);
      assert.equal(existsSync(path(`mt-registry-${pid}`)), false);
      next.unlink();
    });
  });
}
