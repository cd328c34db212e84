/**
 * The items' fast encoding (src/queue/item-codec.ts): every value it takes comes back as
 * structured clone would give it (the same numbers, strings, keys and key order), everything
 * else still goes through structured clone, and bytes that are no item are refused. Then the
 * same values through a Queue and a Pipe to a thread and a process.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { deserialize, serialize } from 'node:v8';
import { PicklingError, Pipe, Queue, SimpleQueue } from '../../src/index.ts';
import { STRUCTURED_CLONE_TAG } from '../../src/queue/item-codec.ts';
import { decodeItem, encodeItem } from '../../src/queue/items.ts';
import { queueTasks } from '../fixtures/queue-task-refs.ts';
import { forEachBackend } from '../helpers/backends.ts';
import { joinAll, workerPool } from '../helpers/sync.ts';

const workers = workerPool();

function structuredCopy(value: unknown): unknown {
  return deserialize(serialize(value));
}

/** Values the fast encoding takes. */
const fast: readonly unknown[] = [
  0,
  -0,
  1,
  -1,
  2 ** 31 - 1,
  -(2 ** 31),
  2 ** 31,
  -(2 ** 31) - 1,
  0.1,
  Number.MAX_VALUE,
  Number.MIN_VALUE,
  Infinity,
  -Infinity,
  NaN,
  '',
  'i',
  'café ÿ',
  'naïve → 日本語 🎉',
  '\ud800 lone \udfff surrogates',
  '\u0000nul\u0000',
  'x'.repeat(256),
  true,
  false,
  null,
  undefined,
  {},
  { i: 7 },
  { i: -0, f: 1.5, s: 'text', t: true, u: undefined, n: null, nan: NaN },
  { '2': 'two', b: 'b', '1': 'one', a: 'a' },
  { ключ: 'значение', '🔑': '\udc00' },
  Object.fromEntries(Array.from({ length: 64 }, (_, i) => [`k${i}`, i])),
  { ['k'.repeat(255)]: 'a key of 255 units', ['ж'.repeat(255)]: 'two-byte' },
];

/** Values that go through structured clone. */
const cloned: readonly unknown[] = [
  'x'.repeat(257),
  10n,
  [1, 2, 3],
  { nested: { i: 1 } },
  { list: [1] },
  { big: 1n },
  new Map([[1, 'one']]),
  new Set(['a']),
  new Date(0),
  /re/g,
  new Uint8Array([1, 2, 3]),
  Object.fromEntries(Array.from({ length: 65 }, (_, i) => [`k${i}`, i])),
  { ['k'.repeat(256)]: 'a key too long for a one-byte length' },
  Object.assign(Object.create(null) as object, { a: 1 }),
  new (class Point {
    x = 1;
  })(),
];

describe('item encoding', () => {
  it('encodeItem() - primitives and flat plain objects take the fast encoding', () => {
    for (const value of fast) {
      assert.notEqual(encodeItem(value)[0], STRUCTURED_CLONE_TAG, String(value));
    }
    for (const value of cloned) {
      assert.equal(encodeItem(value)[0], STRUCTURED_CLONE_TAG);
    }
  });

  it('decodeItem() - every value comes back as structured clone gives it', () => {
    for (const value of [...fast, ...cloned]) {
      const back = decodeItem(encodeItem(value));
      const reference = structuredCopy(value);
      assert.deepStrictEqual(back, reference);
      if (typeof reference === 'object' && reference !== null) {
        assert.deepEqual(Object.keys(back as object), Object.keys(reference));
        assert.equal(Object.getPrototypeOf(back), Object.getPrototypeOf(reference));
      }
    }
    assert.ok(Object.is(decodeItem(encodeItem(-0)), -0));
    assert.ok(Object.is((decodeItem(encodeItem({ z: -0 })) as { z: number }).z, -0));
  });

  it('decodeItem() - a `__proto__` key comes back as an own property, not a prototype', () => {
    const item = JSON.parse('{"__proto__": 5, "a": 1}') as object;
    const back = decodeItem(encodeItem(item)) as Record<string, unknown>;
    assert.equal(Object.getPrototypeOf(back), Object.prototype);
    assert.deepEqual(Object.keys(back), Object.keys(structuredCopy(item) as object));
    assert.equal(Object.getOwnPropertyDescriptor(back, '__proto__')?.value, 5);
  });

  it('encodeItem() - getters are read once each; a deleted property is skipped as clone does', () => {
    let reads = 0;
    const item = {
      get a(): number {
        reads++;
        delete (this as { b?: number }).b;
        return 1;
      },
      b: 2,
      c: 3,
    };
    const back = decodeItem(encodeItem(item));
    assert.equal(reads, 1);
    assert.deepStrictEqual(back, { a: 1, c: 3 });
  });

  it('encodeItem() - what structured clone refuses is refused (Proxy, arguments, functions)', () => {
    const refused: unknown[] = [
      new Proxy({ i: 1 }, {}),
      (function (..._args: unknown[]) {
        // eslint-disable-next-line prefer-rest-params
        return arguments;
      })(1, 2),
      { f: () => 1 },
      () => 1,
      Symbol('s'),
      { s: Symbol('s') },
    ];
    for (const value of refused) {
      assert.throws(() => encodeItem(value), PicklingError);
    }
  });

  it('decodeItem() - bytes that are no item are refused, not read past their end', () => {
    const bad = [
      [],
      [0x09],
      [0x04, 1, 2],
      [0x06, 0xff, 0xff, 0xff, 0x7f, 65],
      [0x08, 0xff, 0xff, 0xff, 0xff],
      [0x08, 1, 0, 0, 0, 0x04, 0, 0, 0, 0, 0x00],
      [0x03, 0x03],
    ];
    for (const bytes of bad) {
      assert.throws(
        () => decodeItem(new Uint8Array(bytes)),
        { name: 'UnpicklingError', code: 'ERR_MALFORMED_ITEM' },
        `[${bytes.join(', ')}]`,
      );
    }
  });

  it('Connection.recv() - bytes that are no item fail that recv, and are taken all the same', async () => {
    const [reader, writer] = Pipe({ duplex: false });
    writer.sendBytes(new Uint8Array([0x09, 1, 2]));
    writer.send('next');
    assert.throws(() => reader.recvSync(), TypeError);
    assert.equal(await reader.recv(), 'next');
  });

  it('Queue - the fast and the cloned items, in order, sync and async', async () => {
    const queue = new Queue();
    const items = [...fast, ...cloned];
    for (const item of items) queue.putSync(item);
    const back: unknown[] = [];
    for (let i = 0; i < items.length; i++) {
      back.push(i % 2 === 0 ? queue.getSync() : await queue.get());
    }
    assert.deepStrictEqual(back, items.map(structuredCopy));
  });
});

forEachBackend(({ kind, Worker }) => {
  it(`Pipe - a ${kind} echoes fast-encoded and cloned messages back unchanged`, async () => {
    const messages = [...fast, ...cloned];
    const [here, there] = Pipe();
    const worker = workers.start(
      new Worker({ target: queueTasks.echo, args: [there, messages.length, 'sync'] }),
    );
    for (const message of messages) here.send(message);
    const back: unknown[] = [];
    for (let i = 0; i < messages.length; i++) back.push(await here.recv());
    await joinAll([worker]);
    assert.deepStrictEqual(back, messages.map(structuredCopy));
  });

  it(`Queue - a ${kind} gets the values put here, and puts them back, unchanged`, async () => {
    const queue = new Queue();
    const results = new SimpleQueue();
    const items = [...fast, ...cloned];
    const worker = workers.start(
      new Worker({ target: queueTasks.consume, args: [queue, items.length, results, 'sync'] }),
    );
    for (const item of items) await queue.put(item);
    const back: unknown[] = [];
    for (let i = 0; i < items.length; i++) back.push(await results.get());
    await joinAll([worker]);
    assert.deepStrictEqual(back, items.map(structuredCopy));
  });
});
