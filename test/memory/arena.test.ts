/**
 * Shared objects in arenas (src/memory/arena.ts): with the native addon, a child process maps
 * the memory of the objects it receives and runs the same code as a thread on the same
 * words, with no broker round trip; a lock held by a process excludes threads and other
 * processes; a process killed holding a lock leaves it to the next acquirer, abandoned; and
 * arenas go with the last buffer over them. Run on both backends (CI's second run forces the
 * broker), where the behaviour is the same and only the path differs.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { it } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import {
  Condition,
  Event,
  Lock,
  Process,
  RLock,
  sharedMemoryBackend,
  Thread,
  Value,
} from '../../src/index.ts';
import { brokerStarted } from '../../src/broker/broker.ts';
import { allocateShared, CHUNK_BYTES, isArenaBuffer } from '../../src/memory/arena.ts';
import { kSharedState, type LocalState } from '../../src/memory/shared-object.ts';
import { arenaTasks } from '../fixtures/arena-task-refs.ts';
import { syncTasks } from '../fixtures/sync-task-refs.ts';
import { scratchDir } from '../helpers/backends.ts';
import { joinAll, readJson, workerPool } from '../helpers/sync.ts';

const native = process.env.MULTITASK_SHARED_MEMORY !== 'broker';
const scratch = scratchDir();
const workers = workerPool();

it("sharedMemoryBackend() - 'native' with the addon, 'broker' when forced", () => {
  assert.equal(sharedMemoryBackend(), native ? 'native' : 'broker');
});

it('allocateShared() - an arena slice of the size asked for, zeroed, aligned apart', () => {
  const a = allocateShared(12);
  const b = allocateShared(4);
  assert.equal(a.byteLength, 12);
  assert.equal(b.byteLength, 4);
  assert.ok(new Uint8Array(a).every((byte) => byte === 0));
  assert.equal(isArenaBuffer(a), native);
  // Writing one does not touch the other: each is its own range.
  new Int32Array(a).fill(-1);
  assert.deepEqual([...new Int32Array(b)], [0]);
});

it('Lock - 2 processes and a thread, locked increments of one Value: none lost', async () => {
  // Each increment is a read then a write: any two that overlap lose one. Through the
  // broker every operation is a round trip, hence fewer of them there.
  const times = native ? 100_000 : 300;
  const lock = new Lock();
  const counter = new Value('i', 0, { lock: false });
  const all = [Process, Process, Thread].map((Worker) =>
    workers.start(
      new Worker({ target: arenaTasks.lockedIncrements, args: [lock, counter, times] }),
    ),
  );
  await joinAll(all);
  assert.equal(counter.value, 3 * times);
  assert.equal(lock.locked(), false);
});

it('Lock - from a child process: the broker is started only on the broker backend', async () => {
  const lock = new Lock();
  const counter = new Value('i', 0);
  await joinAll([
    workers.start(new Process({ target: arenaTasks.lockedIncrements, args: [lock, counter, 10] })),
  ]);
  assert.equal(counter.value, 10);
  assert.equal(brokerStarted(), !native);
});

for (const [Kind, sync] of [
  [Lock, true],
  [RLock, false],
] as const) {
  it(`${Kind.name} - a process killed (-9) holding it: a process ${sync ? 'blocked in acquireSync()' : 'waiting in acquire()'} gets it, abandoned`, async () => {
    const lock = new Kind();
    const held = new Event();
    const holder = workers.start(
      new Process({ target: syncTasks.holdForever, args: [lock, 1, held, sync] }),
    );
    assert.equal(await held.wait(30_000), true);
    const out = scratch.file(`killed-${Kind.name}.json`);
    const next = workers.start(
      new Process({ target: syncTasks.acquireAndReport, args: [lock, out, sync] }),
    );
    holder.kill();
    await joinAll([next]);
    assert.equal(holder.exitCode, -9);
    assert.deepEqual(readJson(out), {
      acquired: true,
      abandoned: true,
      lockedAfterRelease: false,
      abandonedAfterRelease: false,
    });
    assert.equal(lock.locked(), false);
  });
}

if (!native) {
  it('owner table - on the broker: one per process, in plain memory, named to no child', async () => {
    const { ownerTable, OWNERS_VARIABLE } = await import('../../src/memory/owners.ts');
    assert.equal(isArenaBuffer(ownerTable().buffer), false);
    assert.equal(process.env[OWNERS_VARIABLE], undefined);
  });
}

// The next two need the addon; on the broker, the tests above and below say what holds instead.
if (native)
  it('owner table - one for the process tree: a grandchild opens it from its parent', async () => {
    const { ownerTable, OWNERS_VARIABLE } = await import('../../src/memory/owners.ts');
    const { nativeAddon } = await import('../../src/memory/native.ts');
    const root = nativeAddon()?.arenaOf(ownerTable().buffer)?.inode;
    assert.equal(typeof root, 'number');
    assert.equal(process.env[OWNERS_VARIABLE]?.split(':')[0], String(process.pid));
    const out = scratch.file('owners.json');
    const child = workers.start(
      new Process({ target: arenaTasks.nestedOwners, args: [new Lock(), out] }),
    );
    await joinAll([child]);
    const [mine, theirs] = readJson(out) as { pid: number; inode: number; namedBy: string }[];
    assert.equal(mine?.inode, root);
    assert.equal(theirs?.inode, root);
    // Each process names the table to its own children through its own fd, so that a
    // grandchild can open it after its grandparent is gone.
    assert.equal(mine?.namedBy.split(':')[0], String(mine?.pid));
    assert.equal(theirs?.namedBy.split(':')[0], String(theirs?.pid));
  });

if (!native) {
  it('arenas - on the broker: objects live in plain memory, and a finished child is gone', async () => {
    const lock = new Lock();
    const { buffers } = lock[kSharedState]() as LocalState;
    assert.equal(buffers.length, 1);
    assert.equal(isArenaBuffer(buffers[0] ?? new ArrayBuffer(0)), false);
    const child = workers.start(
      new Process({ target: arenaTasks.lockedIncrements, args: [lock, new Value('i'), 1] }),
    );
    const pid = child.pid;
    await joinAll([child]);
    assert.equal(child.exitCode, 0);
    assert.equal(existsSync(`/proc/${String(pid)}/fd`), false);
  });
}

if (native)
  it('arenas - a finished child maps nothing; collected objects give their fds back', async () => {
    const child = workers.start(
      new Process({ target: arenaTasks.lockedIncrements, args: [new Lock(), new Value('i'), 1] }),
    );
    const pid = child.pid;
    await joinAll([child]);
    assert.equal(existsSync(`/proc/${String(pid)}/fd`), false);

    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const fds = (): number => readdirSync('/proc/self/fd').length;
    // The allocator keeps the chunk it carves from: make that a chunk of this test's, so that
    // it does not count as left behind (the last chunk opened below takes its place).
    allocateShared(CHUNK_BYTES / 2);
    allocateShared(CHUNK_BYTES / 2);
    const start = fds();
    (() => {
      // Conditions of 32 KiB each (and their RLocks): several chunks' worth.
      const made = Array.from({ length: 100 }, () => new Condition());
      assert.equal(made.length, 100);
    })();
    assert.ok(fds() > start, 'new chunks were opened');
    // Buffers are freed by the collector, over a few rounds (their stores are released
    // after the objects that hold them); the count is checked after each.
    for (let round = 0; round < 100 && fds() > start; round++) {
      gc();
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    // At most: a chunk that held only the buffers dropped above may go too.
    assert.ok(fds() <= start, `${fds()} fds open, ${start} before`);
  });
