/**
 * Transfer lists: `put(item, { transfer })` and `Connection.send(message, { transfer })`
 * detach the sender's ArrayBuffers once the item is sent, as postMessage does, while the
 * taker gets the contents; a failed put leaves them usable; a bad list is refused before
 * anything is sent.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  ArgumentTypeError,
  JoinableQueue,
  Pipe,
  PriorityQueue,
  Queue,
  QueueFullError,
  SimpleQueue,
} from '../../src/index.ts';
import { queueTasks } from '../fixtures/queue-task-refs.ts';
import { forEachBackend } from '../helpers/backends.ts';
import { expected, joinAll, throwsError, workerPool } from '../helpers/sync.ts';

const workers = workerPool();

function filled(length: number): Uint8Array<ArrayBuffer> {
  return Uint8Array.from({ length }, (_, i) => i % 251);
}

function isDetached(buffer: ArrayBuffer): boolean {
  return buffer.byteLength === 0;
}

describe('transfer lists', () => {
  it('.putSync() - the transferred buffer is detached; the taker gets the contents', () => {
    const queue = new Queue<{ name: string; data: Uint8Array }>();
    const data = filled(1000);
    queue.putSync({ name: 'frame', data }, { transfer: [data.buffer] });
    assert.ok(isDetached(data.buffer));
    assert.equal(data.length, 0);
    const got = queue.getSync();
    assert.equal(got.name, 'frame');
    assert.deepEqual(got.data, filled(1000));
  });

  it('.put() - detached once a waiting put got in; a failed put leaves it usable', async () => {
    const queue = new Queue<ArrayBuffer>(1);
    queue.putSync(new ArrayBuffer(1));
    const first = filled(8).buffer;
    assert.throws(() => {
      queue.putNowait(first, { transfer: [first] });
    }, QueueFullError);
    assert.equal(first.byteLength, 8);
    await assert.rejects(queue.put(first, { timeout: 0, transfer: [first] }), QueueFullError);
    assert.equal(first.byteLength, 8);

    const waiting = queue.put(first, { transfer: [first] });
    assert.equal(first.byteLength, 8, 'still usable while the put waits');
    assert.equal(queue.getSync().byteLength, 1);
    await waiting;
    assert.ok(isDetached(first));
    assert.deepEqual(new Uint8Array(queue.getSync()), filled(8));
  });

  it('.put() - every queue kind detaches: Simple, Joinable, Priority; a buffer not in the item too', async () => {
    const unrelated = new ArrayBuffer(4);
    const simple = new SimpleQueue<number>();
    await simple.put(1, { transfer: [unrelated] });
    assert.ok(isDetached(unrelated));
    assert.equal(simple.getSync(), 1);

    const joinable = new JoinableQueue<ArrayBuffer>();
    const buffer = filled(3).buffer;
    await joinable.put(buffer, { transfer: [buffer] });
    assert.ok(isDetached(buffer));
    assert.deepEqual(new Uint8Array(await joinable.get()), filled(3));

    const priority = new PriorityQueue<number>();
    const another = new ArrayBuffer(2);
    priority.putSync(2, { transfer: [another] });
    assert.ok(isDetached(another));
    assert.equal(priority.getSync(), 2);
  });

  it('.putSync() - a bad transfer list is refused, and nothing is put or detached', () => {
    const queue = new Queue();
    const kept = new ArrayBuffer(4);
    const detached = new ArrayBuffer(4);
    structuredClone(detached, { transfer: [detached] });
    const cases: [unknown, string, string][] = [
      [kept, 'transfer', 'an array of ArrayBuffers, got `ArrayBuffer` (object)'],
      [[kept, new SharedArrayBuffer(4)], 'transfer[1]', 'SharedArrayBuffer'],
      [[new Uint8Array(4)], 'transfer[0]', '`Uint8Array` (object)'],
      [[kept, kept], 'transfer[1]', 'an ArrayBuffer listed once'],
      [[detached], 'transfer[0]', 'an ArrayBuffer not detached'],
    ];
    for (const [transfer, name, part] of cases) {
      assert.throws(
        () => {
          queue.putSync(kept, { transfer: transfer as ArrayBuffer[] });
        },
        (error: unknown) =>
          error instanceof ArgumentTypeError &&
          error.message.startsWith(`Expected \`${name}\``) &&
          error.message.includes(part),
      );
    }
    assert.equal(queue.qsize(), 0);
    assert.equal(kept.byteLength, 4);
  });

  it('Connection.send() - detaches the transferred buffer; the other end gets the contents', async () => {
    const [a, b] = Pipe();
    const data = filled(64);
    a.send({ data }, { transfer: [data.buffer] });
    assert.ok(isDetached(data.buffer));
    assert.deepEqual(await b.recv(), { data: filled(64) });
    throwsError(
      () => {
        a.send(1, { transfer: [new SharedArrayBuffer(1)] as unknown as ArrayBuffer[] });
      },
      ArgumentTypeError,
      'ERR_INVALID_ARG_TYPE',
      expected(
        'transfer[0]',
        'an ArrayBuffer (items are copied into shared memory: only ArrayBuffers can be given up)',
        '`SharedArrayBuffer` (object)',
      ),
    );
    assert.equal(b.pollSync(), false);
  });
});

forEachBackend(({ kind, Worker }) => {
  it(`.put() - a ${kind} takes a transferred item intact`, async () => {
    const queue = new Queue<Uint8Array>();
    const results = new SimpleQueue();
    const worker = workers.start(
      new Worker({ target: queueTasks.consume, args: [queue, 2, results, 'sync'] }),
    );
    for (const length of [10, 100_000]) {
      const data = filled(length);
      await queue.put(data, { transfer: [data.buffer] });
      assert.ok(isDetached(data.buffer));
    }
    assert.deepEqual(await results.get(), filled(10));
    assert.deepEqual(await results.get(), filled(100_000));
    await joinAll([worker]);
  });
});
