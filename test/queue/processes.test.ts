/**
 * A JoinableQueue between processes: 2 producer processes and 2 consumer processes pass
 * 1,000,000 items through one queue (fewer through the broker, where each operation is a
 * round trip), nothing lost or duplicated (count, sum and a XOR of hashes), and `join()`
 * returns only after the last `taskDone()`. With the addon, the processes map the queue's
 * arenas and work on its words directly. Issue 12, "Done when".
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { JoinableQueue, Lock, Process, SharedArray } from '../../src/index.ts';
import { brokerStarted } from '../../src/broker/broker.ts';
import { arenaTasks } from '../fixtures/arena-task-refs.ts';
import { itemHash } from '../fixtures/arena-tasks.ts';
import { joinAll, workerPool } from '../helpers/sync.ts';

const native = process.env.MULTITASK_SHARED_MEMORY !== 'broker';
const workers = workerPool();

it('JoinableQueue - 2 producer and 2 consumer processes: every item once; join() after the last taskDone()', async () => {
  const total = native ? 1_000_000 : 2_000;
  const queue = new JoinableQueue<number>(10_000);
  const lock = new Lock();
  // count, sum, XOR of hashes: what the consumers took, added up when each ends.
  const totals = new SharedArray('d', 3, { lock: false });
  const half = total / 2;
  const producers = [0, half].map((from) =>
    workers.start(
      new Process({ target: arenaTasks.produceRange, args: [queue, from, from + half] }),
    ),
  );
  const consumers = [0, 1].map(() =>
    workers.start(new Process({ target: arenaTasks.consumeAll, args: [queue, lock, totals] })),
  );
  await joinAll(producers);
  // One end mark per consumer; its taskDone() comes after its totals are written.
  await queue.put(-1);
  await queue.put(-1);
  assert.equal(await queue.join(), true);
  // join() returned: every taskDone() has been called, so the totals are all in.
  let hash = 0;
  for (let item = 0; item < total; item++) hash = (hash ^ itemHash(item)) >>> 0;
  assert.deepEqual(
    [totals.get(0), totals.get(1), totals.get(2)],
    [total, (total * (total - 1)) / 2, hash],
  );
  assert.equal(queue.qsize(), 0);
  await joinAll(consumers);
  // With the addon, the processes worked on the queue's own memory, not through a broker.
  assert.equal(brokerStarted(), !native);
});
