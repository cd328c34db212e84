// Checks the network codec: every carried type round-trips, errors come back as their class,
// and hostile bytes (truncated, mutated, lying about lengths, `__proto__` keys, too deep, too
// large) are refused with an UnpicklingError and never reach a prototype.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { PicklingError, RemoteTraceback, StateError, UnpicklingError } from '../../src/errors.ts';
import { decodeNet, encodeNet, type NetExtension } from '../../src/transport/net-codec.ts';

function roundTrip(value: unknown, options?: Parameters<typeof encodeNet>[1]): unknown {
  return decodeNet(encodeNet(value, options), options);
}

function assertRefused(bytes: Uint8Array, code: string, options = {}): void {
  assert.throws(
    () => decodeNet(bytes, options),
    (error: unknown) => {
      assert.ok(error instanceof UnpicklingError, `not an UnpicklingError: ${String(error)}`);
      assert.equal(error.code, code);
      return true;
    },
  );
}

/** A message with one of each type, for the truncation and mutation tests. */
const RICH = {
  n: [0, -1, 2 ** 31, -0, NaN, Infinity, -Infinity, 1.5],
  b: [true, false, null, undefined, 12345678901234567890n, -5n, 0n],
  s: ['', 'héllo ✓', 'x'.repeat(40)],
  m: new Map<unknown, unknown>([
    ['k', 1],
    [2, new Set(['a', 'b'])],
  ]),
  d: new Date(1_700_000_000_000),
  u: new Uint8Array([1, 2, 3]),
  f: new Float64Array([1.5, -2]),
  e: new StateError('ERR_NOT_STARTED', 'cannot join thread before it is started'),
};

/** A small deterministic generator (mulberry32), so a failure can be replayed. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('encodeNet / decodeNet', () => {
  it('round-trips primitives, including -0, NaN, the infinities and bigints', () => {
    for (const value of [
      undefined,
      null,
      true,
      false,
      0,
      -0,
      42,
      -(2 ** 31),
      2 ** 31,
      0.1,
      NaN,
      Infinity,
      -Infinity,
      Number.MAX_VALUE,
      0n,
      -1n,
      2n ** 200n,
      -(2n ** 64n) + 7n,
      '',
      'ascii',
      'ünïcödé 🎉',
    ]) {
      assert.ok(Object.is(roundTrip(value), value), `${String(value)} changed`);
    }
  });

  it('round-trips arrays, plain objects, Map, Set and Date, nested', () => {
    const value = {
      list: [1, 'two', [3, [4]], { five: 5 }],
      map: new Map<unknown, unknown>([
        [1, 'one'],
        ['nested', new Map([[2n, new Set([null])]])],
      ]),
      set: new Set([1, 'a', undefined]),
      date: new Date(Date.UTC(2026, 11, 6)),
      empty: {},
      nullProto: Object.assign(Object.create(null) as object, { a: 1 }),
    };
    const back = roundTrip(value) as typeof value;
    assert.deepEqual(back.list, value.list);
    assert.deepEqual(back.map, value.map);
    assert.deepEqual(back.set, value.set);
    assert.equal(back.date.getTime(), value.date.getTime());
    assert.deepEqual(back.empty, {});
    assert.deepEqual({ ...back.nullProto }, { a: 1 });
  });

  it('turns array holes into undefined', () => {
    const back = roundTrip([1, , 3]) as unknown[]; // eslint-disable-line no-sparse-arrays
    assert.deepEqual(back, [1, undefined, 3]);
    assert.ok(1 in back);
  });

  it('keeps Buffer, Uint8Array, the other typed arrays and ArrayBuffer apart', () => {
    const buffer = roundTrip(Buffer.from('abc'));
    assert.ok(Buffer.isBuffer(buffer));
    assert.equal(buffer.toString(), 'abc');
    const bytes = roundTrip(new Uint8Array([9, 8]));
    assert.ok(bytes instanceof Uint8Array && !Buffer.isBuffer(bytes));
    assert.deepEqual([...bytes], [9, 8]);
    const view = new Int16Array([1, -2, 3]).subarray(1);
    const int16 = roundTrip(view);
    assert.ok(int16 instanceof Int16Array);
    assert.deepEqual([...int16], [-2, 3]);
    assert.deepEqual([...(roundTrip(new BigInt64Array([-1n])) as BigInt64Array)], [-1n]);
    const arrayBuffer = roundTrip(new Uint8Array([7]).buffer);
    assert.ok(arrayBuffer instanceof ArrayBuffer);
    assert.deepEqual([...new Uint8Array(arrayBuffer)], [7]);
  });

  it('copies shared references and refuses cycles', () => {
    const shared = { a: 1 };
    const back = roundTrip([shared, shared]) as object[];
    assert.deepEqual(back, [{ a: 1 }, { a: 1 }]);
    assert.notEqual(back[0], back[1]);
    const cycle: Record<string, unknown> = {};
    cycle['self'] = cycle;
    assert.throws(() => encodeNet(cycle), {
      name: 'PicklingError',
      code: 'ERR_NOT_CLONEABLE',
      message: 'value.self is a reference to one of its containers, which cannot be sent',
    });
  });

  it('refuses functions, symbols and class instances, naming the path', () => {
    class Point {
      x = 1;
    }
    for (const [value, message] of [
      [{ f: () => 1 }, 'value.f is a function, which cannot be sent'],
      [[Symbol('s')], 'value[0] is a symbol, which cannot be sent'],
      [{ p: [new Point()] }, 'value.p[0] is an instance of Point, which cannot be sent'],
    ] as const) {
      assert.throws(() => encodeNet(value), {
        name: 'PicklingError',
        code: 'ERR_NOT_CLONEABLE',
        message,
      });
    }
  });

  it('rebuilds errors as their class, with code, message, remote stack and cause', () => {
    const inner = new TypeError('inner');
    const error = new StateError('ERR_NOT_STARTED', 'outer', { cause: inner });
    const back = roundTrip({ error }) as { error: StateError };
    assert.ok(back.error instanceof StateError);
    assert.equal(back.error.code, 'ERR_NOT_STARTED');
    assert.equal(back.error.message, 'outer');
    assert.equal(back.error.stack, error.stack);
    assert.ok(back.error.cause instanceof RemoteTraceback);
    const cause = back.error.cause.cause;
    assert.ok(cause instanceof TypeError);
    assert.equal(cause.message, 'inner');

    class ValidationError extends Error {
      field = 'email';
    }
    const custom = roundTrip(new ValidationError('bad')) as Error & { field?: string };
    assert.equal(custom.constructor, Error);
    assert.equal(custom.name, 'ValidationError');
    assert.equal(custom.field, 'email');
  });

  it('carries app values through an extension, and refuses an unknown extension tag', () => {
    class Token {
      constructor(readonly id: string) {}
    }
    const ext: NetExtension[] = [
      {
        tag: 7,
        test: (value) => value instanceof Token,
        encode: (value) => (value as Token).id,
        decode: (data) => {
          if (typeof data !== 'string') throw new StateError('ERR_INTERNAL', 'bad token');
          return new Token(data);
        },
      },
    ];
    const back = roundTrip({ t: [new Token('abc')] }, { ext }) as { t: Token[] };
    assert.ok(back.t[0] instanceof Token);
    assert.equal(back.t[0].id, 'abc');
    assertRefused(encodeNet(new Token('x'), { ext }), 'ERR_NET_MALFORMED');
  });

  it('defines `__proto__` and `constructor` as own keys, polluting nothing', () => {
    const hostile = JSON.parse(
      '{"__proto__": {"polluted": true}, "constructor": {"prototype": {"polluted": true}}}',
    ) as object;
    const back = roundTrip(hostile) as Record<string, unknown>;
    assert.equal(Object.getPrototypeOf(back), Object.prototype);
    assert.deepEqual(Object.keys(back), ['__proto__', 'constructor']);
    assert.deepEqual(Object.getOwnPropertyDescriptor(back, '__proto__')?.value, {
      polluted: true,
    });
    assert.equal((back as { polluted?: unknown }).polluted, undefined);
    assert.equal(({} as { polluted?: unknown }).polluted, undefined);
  });

  it('refuses messages over maxBytes, on both sides', () => {
    assert.throws(() => encodeNet('x'.repeat(100), { maxBytes: 50 }), {
      name: 'PicklingError',
      code: 'ERR_NET_TOO_LARGE',
    });
    assertRefused(encodeNet('x'.repeat(100)), 'ERR_NET_TOO_LARGE', { maxBytes: 50 });
  });

  it('refuses nesting past maxDepth, on both sides', () => {
    let deep: unknown = 1;
    for (let i = 0; i < 10; i++) deep = [deep];
    assert.deepEqual(roundTrip(deep, { maxDepth: 10 }), deep);
    assert.throws(() => encodeNet(deep, { maxDepth: 9 }), { code: 'ERR_NET_TOO_DEEP' });
    assertRefused(encodeNet(deep), 'ERR_NET_TOO_DEEP', { maxDepth: 9 });
    // A hand-made message 100,000 arrays deep fails on the limit, not on the stack.
    const bytes = new Uint8Array(100_000 * 5 + 1);
    for (let i = 0; i < 100_000; i++) bytes.set([8, 1, 0, 0, 0], i * 5);
    assertRefused(bytes, 'ERR_NET_TOO_DEEP');
  });

  it('checks declared lengths and counts against the bytes left, before allocating', () => {
    const huge = [0xff, 0xff, 0xff, 0xff];
    for (const tag of [7, 8, 9, 10, 11, 13, 15]) {
      assertRefused(Uint8Array.from([tag, ...huge]), 'ERR_NET_MALFORMED');
    }
    assertRefused(Uint8Array.from([14, 0, ...huge]), 'ERR_NET_MALFORMED');
    assertRefused(Uint8Array.from([14, 200, 0, 0, 0, 0]), 'ERR_NET_MALFORMED');
    assertRefused(Uint8Array.from([14, 3, 3, 0, 0, 0, 1, 2, 3]), 'ERR_NET_MALFORMED');
    assertRefused(Uint8Array.from([99]), 'ERR_NET_MALFORMED');
    assertRefused(Uint8Array.from([]), 'ERR_NET_MALFORMED');
    assertRefused(Uint8Array.from([1, 1]), 'ERR_NET_MALFORMED');
  });

  it('refuses every truncation of a message', () => {
    const bytes = encodeNet(RICH);
    assert.ok(bytes.length > 100);
    for (let end = 0; end < bytes.length; end++) {
      assertRefused(bytes.subarray(0, end), 'ERR_NET_MALFORMED');
    }
  });

  it('decodes or refuses 3,000 mutated messages, never throwing anything else', () => {
    const bytes = encodeNet(RICH);
    const next = random(15);
    let refused = 0;
    for (let round = 0; round < 3000; round++) {
      const mutated = Buffer.from(bytes);
      const flips = 1 + Math.floor(next() * 4);
      for (let i = 0; i < flips; i++) {
        mutated[Math.floor(next() * mutated.length)] = Math.floor(next() * 256);
      }
      try {
        decodeNet(mutated, { maxBytes: 4096 });
      } catch (error) {
        assert.ok(error instanceof UnpicklingError, `round ${round}: ${String(error)}`);
        refused++;
      }
    }
    assert.ok(refused > 0);
    assert.equal(({} as { polluted?: unknown }).polluted, undefined);
  });

  it('round-trips the rich message itself', () => {
    const back = roundTrip(RICH) as typeof RICH;
    assert.deepEqual(back.n, RICH.n);
    assert.deepEqual(back.b, RICH.b);
    assert.deepEqual(back.s, RICH.s);
    assert.deepEqual(back.m, RICH.m);
    assert.ok(back.e instanceof StateError);
    assert.ok(!(back.e instanceof PicklingError));
  });
});
