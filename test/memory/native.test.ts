/**
 * The native shared-memory addon (native/, loaded by src/memory/native.ts): arenas that a
 * child process maps through /proc/<pid>/fd/<fd>, futex waits and wakes across processes
 * (synchronous and asynchronous, cancellable, torn down with a worker thread), and process
 * liveness by pid and start time.
 *
 * With MULTITASK_SHARED_MEMORY=broker (CI's second run) the addon must stay unloaded and
 * the backend must say 'broker'; otherwise a missing addon is a failure, since CI builds it.
 */
import assert from 'node:assert/strict';
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { closeSync, openSync } from 'node:fs';
import { createRequire } from 'node:module';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { sharedMemoryBackend } from '../../src/index.ts';
import {
  futexWaitAsync,
  isProcessAlive,
  NATIVE_ADDON_PATH,
  nativeAddon,
  type NativeAddon,
} from '../../src/memory/native.ts';
import { COUNTER, spinRound, type Command, type Reply } from '../fixtures/native-protocol.ts';

const CHILD = new URL('../fixtures/native-child.ts', import.meta.url);
const brokerRun = process.env.MULTITASK_SHARED_MEMORY === 'broker';

/** A forked native-child.ts, with its replies queued in arrival order. */
class Child {
  readonly process: ChildProcess;
  readonly #replies: Reply[] = [];
  readonly #takers: ((reply: Reply) => void)[] = [];

  constructor() {
    this.process = fork(CHILD, { execArgv: ['--import', 'tsx'], stdio: 'inherit' });
    this.process.on('message', (reply: Reply) => {
      const take = this.#takers.shift();
      if (take === undefined) this.#replies.push(reply);
      else take(reply);
    });
  }

  /** Resolves once `command` is written, so that the caller may block right after. */
  send(command: Command): Promise<void> {
    return new Promise((resolve, reject) => {
      this.process.send(command, (error) => {
        if (error === null) resolve();
        else reject(error);
      });
    });
  }

  async reply<Op extends Reply['op']>(op: Op): Promise<Extract<Reply, { op: Op }>> {
    const reply =
      this.#replies.shift() ??
      (await new Promise<Reply>((resolve) => {
        this.#takers.push(resolve);
      }));
    if (reply.op === 'failed') assert.fail(`the child failed: ${reply.message}`);
    assert.equal(reply.op, op);
    return reply as Extract<Reply, { op: Op }>;
  }

  async close(): Promise<void> {
    if (this.process.exitCode !== null || this.process.signalCode !== null) return;
    const exited = once(this.process, 'exit');
    if (this.process.connected) await this.send({ op: 'exit' });
    else this.process.kill();
    await exited;
  }
}

/** Gives the event loop a turn (so that IPC flows) between two polls of a word. */
const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Wakes `cells[index]` until the kernel finds a waiter asleep on it; returns the count. */
async function wakeUntilWoken(addon: NativeAddon, cells: Int32Array, index: number) {
  let count = 0;
  while ((count = addon.wake(cells, index, 1)) === 0) await turn();
  return count;
}

if (brokerRun) {
  describe('sharedMemoryBackend() with MULTITASK_SHARED_MEMORY=broker', () => {
    it("says 'broker', and the addon is never loaded", () => {
      assert.equal(sharedMemoryBackend(), 'broker');
      assert.equal(nativeAddon(), null);
      assert.equal(createRequire(import.meta.url).cache[NATIVE_ADDON_PATH], undefined);
    });
  });
} else {
  const loaded = nativeAddon();
  if (loaded === null) {
    throw new Error(`the native addon is not built (${NATIVE_ADDON_PATH}): npm run build:native`);
  }
  const addon: NativeAddon = loaded;

  describe('sharedMemoryBackend()', () => {
    it("says 'native' when the addon is built", () => {
      assert.equal(sharedMemoryBackend(), 'native');
    });

    it('refuses an unknown MULTITASK_SHARED_MEMORY with ERR_INVALID_ARG_VALUE', () => {
      process.env.MULTITASK_SHARED_MEMORY = 'fast';
      try {
        assert.throws(() => sharedMemoryBackend(), { code: 'ERR_INVALID_ARG_VALUE' });
      } finally {
        delete process.env.MULTITASK_SHARED_MEMORY;
      }
    });
  });

  describe('sliceArena()', () => {
    it('makes a buffer over a range of the arena, which arenaOf() places', () => {
      const { buffer, fd, inode } = addon.createArena(2 * 4096);
      const slice = addon.sliceArena(buffer, 4096 + 64, 128);
      assert.equal(slice.byteLength, 128);
      assert.deepEqual(addon.arenaOf(slice), { fd, inode, offset: 4096 + 64 });
      new Int32Array(slice)[1] = 42;
      assert.equal(new Int32Array(buffer)[(4096 + 64) / 4 + 1], 42);
      // A slice of a slice is placed in the arena, not in the slice.
      assert.deepEqual(addon.arenaOf(addon.sliceArena(slice, 64, 64)), {
        fd,
        inode,
        offset: 4096 + 128,
      });
    });

    it('refuses a range outside the buffer, or a buffer that is no arena', () => {
      const { buffer } = addon.createArena(4096);
      assert.throws(() => addon.sliceArena(buffer, 4000, 200), { code: 'ERR_OUT_OF_RANGE' });
      assert.throws(() => addon.sliceArena(new SharedArrayBuffer(8), 0, 4), {
        code: 'ERR_INVALID_ARG_TYPE',
      });
    });
  });

  describe('createArena()', () => {
    it('returns a zeroed SharedArrayBuffer of the size asked for, with its fd', () => {
      const { buffer, fd, inode } = addon.createArena(3 * 4096 + 12);
      assert.ok(buffer instanceof SharedArrayBuffer);
      assert.equal(buffer.byteLength, 3 * 4096 + 12);
      assert.ok(new Uint8Array(buffer).every((byte) => byte === 0));
      assert.deepEqual(addon.arenaOf(buffer), { fd, inode, offset: 0 });
      assert.equal(addon.arenaOf(new SharedArrayBuffer(8)), null);
    });

    it('refuses a size below 1 with ERR_OUT_OF_RANGE', () => {
      assert.throws(() => addon.createArena(0), { code: 'ERR_OUT_OF_RANGE' });
    });
  });

  describe('openArena()', () => {
    it('maps an arena this process already maps once: same memory, same fd', () => {
      const created = addon.createArena(64);
      const opened = addon.openArena(process.pid, created.fd, created.inode);
      assert.equal(opened.fd, created.fd);
      new Int32Array(opened.buffer)[3] = 42;
      assert.equal(new Int32Array(created.buffer)[3], 42);
    });

    it('refuses a reference whose inode is not the arena it names (ESTALE)', () => {
      const created = addon.createArena(64);
      assert.throws(() => addon.openArena(process.pid, created.fd, created.inode + 1), {
        code: 'ESTALE',
      });
    });

    it('refuses a file that is not an arena (EINVAL)', () => {
      const fd = openSync(fileURLToPath(import.meta.url), 'r');
      try {
        assert.throws(() => addon.openArena(process.pid, fd), { code: 'EINVAL' });
      } finally {
        closeSync(fd);
      }
    });
  });

  describe('an arena shared with a child process', () => {
    const arena = addon.createArena(4096);
    const cells = new Int32Array(arena.buffer);
    let child: Child;

    before(async () => {
      child = new Child();
      await child.send({ op: 'open', pid: process.pid, fd: arena.fd, inode: arena.inode });
    });
    after(async () => {
      await child.close();
    });

    it('is opened by the child through /proc/<parentPid>/fd/<fd>', async () => {
      const opened = await child.reply('opened');
      assert.equal(opened.inode, arena.inode);
      assert.equal(opened.size, 4096);
      // The child can hand it on in turn: /proc/<childPid>/fd/<its fd> is the same arena.
      const again = addon.openArena(child.process.pid ?? 0, opened.fd, arena.inode);
      assert.equal(again.fd, arena.fd);
    });

    it('a CAS spin lock taken 200,000 times by each side counts exactly 400,000', async () => {
      await child.send({ op: 'spin', iterations: 200_000 });
      spinRound(cells, 200_000, 2);
      await child.reply('spun');
      assert.equal(cells[COUNTER], 400_000);
    });

    it('wait(): a wake from the child wakes the parent', async () => {
      await child.send({ op: 'wake-until-woken', index: 10 });
      assert.equal(addon.wait(cells, 10, 0), 'ok');
      assert.equal((await child.reply('woken')).count, 1);
    });

    it('waitAsync(): a wake from the child wakes the parent', async () => {
      const waited = futexWaitAsync(addon, cells, 11, 0);
      await child.send({ op: 'wake-until-woken', index: 11 });
      assert.equal(await waited, 'ok');
      assert.equal((await child.reply('woken')).count, 1);
    });

    it("wait() in the child: the parent's wake wakes it", async () => {
      await child.send({ op: 'wait-sync', index: 12, expected: 0 });
      assert.equal(await wakeUntilWoken(addon, cells, 12), 1);
      assert.equal((await child.reply('waited')).result, 'ok');
    });

    it("waitAsync() in the child: the parent's wake wakes it", async () => {
      await child.send({ op: 'wait-async', index: 13, expected: 0 });
      assert.equal(await wakeUntilWoken(addon, cells, 13), 1);
      assert.equal((await child.reply('waited')).result, 'ok');
    });

    it("wait() and waitAsync() in the child return 'not-equal' on a changed word", async () => {
      Atomics.store(cells, 14, 1);
      await child.send({ op: 'wait-sync', index: 14, expected: 0 });
      await child.send({ op: 'wait-async', index: 14, expected: 0 });
      assert.equal((await child.reply('waited')).result, 'not-equal');
      assert.equal((await child.reply('waited')).result, 'not-equal');
    });
  });

  describe('wait() and waitAsync() in one process', () => {
    const cells = new Int32Array(addon.createArena(64).buffer);

    it("return 'not-equal' when the word already differs", async () => {
      Atomics.store(cells, 0, 5);
      assert.equal(addon.wait(cells, 0, 4), 'not-equal');
      assert.equal(await futexWaitAsync(addon, cells, 0, 4), 'not-equal');
    });

    it("return 'timed-out' when nobody wakes them", async () => {
      assert.equal(addon.wait(cells, 1, 0, 0), 'timed-out');
      assert.equal(addon.wait(cells, 1, 0, 5), 'timed-out');
      assert.equal(await futexWaitAsync(addon, cells, 1, 0, { timeout: 0 }), 'timed-out');
      assert.equal(await futexWaitAsync(addon, cells, 1, 0, { timeout: 5 }), 'timed-out');
    });

    it('refuse an index outside the array, and arrays other than Int32Array', () => {
      assert.throws(() => addon.wait(cells, 16, 0), { code: 'ERR_OUT_OF_RANGE' });
      assert.throws(() => addon.wake(new Uint32Array(cells.buffer) as never, 0), {
        code: 'ERR_INVALID_ARG_TYPE',
      });
    });

    it('waitAsync(): settles each of many waits on the word that changed', async () => {
      const waits = [2, 3, 4, 5].map((index) => futexWaitAsync(addon, cells, index, 0));
      for (const index of [5, 3, 2, 4]) {
        Atomics.store(cells, index, 1);
        addon.wake(cells, index);
      }
      assert.deepEqual(await Promise.all(waits), ['ok', 'ok', 'ok', 'ok']);
    });

    it('waitAsync(): an abort cancels the wait and takes it out of the set', async () => {
      const controller = new AbortController();
      const waited = futexWaitAsync(addon, cells, 6, 0, { signal: controller.signal });
      controller.abort();
      assert.equal(await waited, 'aborted');
      // The waiter thread may still be asleep on the aborted wait's word; a wake of one on
      // that word must still reach the wait that came after it.
      const next = futexWaitAsync(addon, cells, 6, 0);
      Atomics.store(cells, 6, 1);
      addon.wake(cells, 6, 1);
      assert.equal(await next, 'ok');
      Atomics.store(cells, 6, 0);
      const { id, promise } = addon.waitAsync(cells, 6, 0);
      assert.equal(addon.cancelWait(id), true);
      assert.equal(addon.cancelWait(id), false);
      assert.equal(await promise, 'cancelled');
    });
  });

  describe('waitAsync() and the life of a realm', () => {
    const arena = addon.createArena(64);
    const cells = new Int32Array(arena.buffer);
    const workerSource = `
      const { parentPort, workerData } = require('node:worker_threads');
      const addon = require(workerData.path);
      addon.waitAsync(new Int32Array(workerData.buffer), workerData.index, 0);
      parentPort.postMessage('waiting');
      if (workerData.exit) process.exit(7);
    `;

    for (const ending of ['exits', 'is terminated'] as const) {
      it(`a worker thread that ${ending} with a pending wait leaves the process working`, async () => {
        const index = ending === 'exits' ? 0 : 1;
        const worker = new Worker(workerSource, {
          eval: true,
          workerData: {
            path: NATIVE_ADDON_PATH,
            buffer: arena.buffer,
            index,
            exit: ending === 'exits',
          },
        });
        const exited = once(worker, 'exit');
        assert.deepEqual(await once(worker, 'message'), ['waiting']);
        if (ending === 'is terminated') await worker.terminate();
        assert.deepEqual(await exited, [ending === 'exits' ? 7 : 1]);
        // The worker's waiter thread is gone with it: nobody sleeps on the word.
        assert.equal(addon.wake(cells, index), 0);
        assert.equal(addon.arenaOf(arena.buffer)?.fd, arena.fd);
        Atomics.store(cells, 2, 0);
        const waited = futexWaitAsync(addon, cells, 2, 0);
        Atomics.store(cells, 2, 1);
        addon.wake(cells, 2);
        assert.equal(await waited, 'ok');
      });
    }

    it('an idle waiter thread does not keep a process alive', async () => {
      const script = `
        const addon = require(${JSON.stringify(NATIVE_ADDON_PATH)});
        const cells = new Int32Array(new SharedArrayBuffer(8));
        const cancelled = addon.waitAsync(cells, 1, 0);
        addon.cancelWait(cancelled.id);
        addon.waitAsync(cells, 0, 0, 5).promise.then((result) => console.log(result));
      `;
      const node = spawn(process.execPath, ['-e', script], {
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      let output = '';
      node.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
      assert.deepEqual(await once(node, 'exit'), [0, null]);
      assert.equal(output, 'timed-out\n');
    });
  });

  describe('processStartTime()', () => {
    it('gives this process a start time that does not change', () => {
      const start = addon.processStartTime(process.pid);
      assert.equal(typeof start, 'number');
      assert.equal(addon.processStartTime(process.pid), start);
      assert.ok(isProcessAlive(addon, process.pid, start ?? -1));
    });

    it('reports a child dead once it has exited and been reaped', async () => {
      const child = new Child();
      const pid = child.process.pid ?? 0;
      const start = addon.processStartTime(pid);
      assert.equal(typeof start, 'number');
      assert.ok(isProcessAlive(addon, pid, start ?? -1));
      await child.close();
      assert.equal(isProcessAlive(addon, pid, start ?? -1), false);
    });
  });
}
