// Checks what may be sent to a thread or a process (assertCloneable names the bad value by its
// path), and that errors survive the trip back: class, message, code, cause and remote stack.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { BlockList } from 'node:net';
import { deserialize, serialize } from 'node:v8';
import { MessageChannel } from 'node:worker_threads';
import { MultitaskError, PicklingError, RemoteTraceback, StateError } from '../../src/errors.ts';
import type { Destination } from '../../src/transport/cloneable.ts';
import { assertCloneable } from '../../src/transport/cloneable.ts';
import { errorFromWire, errorToWire } from '../../src/transport/wire.ts';

const destinations: readonly Destination[] = ['thread', 'process'];

/** Asserts that `value` is refused with a PicklingError whose message is `message`. */
function assertRefused(
  value: unknown,
  destination: Destination,
  message: string | RegExp,
  root = 'args',
): void {
  assert.throws(
    () => {
      assertCloneable(value, root, destination);
    },
    (error: unknown) => {
      assert.ok(error instanceof PicklingError);
      assert.equal(error.code, 'ERR_NOT_CLONEABLE');
      if (typeof message === 'string') assert.equal(error.message, message);
      else assert.match(error.message, message);
      return true;
    },
  );
}

function cannotSend(path: string, what: string, destination: Destination): string {
  return `${path} is ${what}, which cannot be sent to a ${destination}`;
}

/** errorToWire → v8.serialize → v8.deserialize → errorFromWire, as a child process does. */
function roundTrip(thrown: unknown): unknown {
  const bytes = serialize(errorToWire(thrown));
  return errorFromWire(deserialize(bytes) as ReturnType<typeof errorToWire>);
}

function revokedProxy(): object {
  const { proxy, revoke } = Proxy.revocable([], {});
  revoke();
  return proxy;
}

function asError(value: unknown): Error {
  assert.ok(value instanceof Error);
  return value;
}

for (const destination of destinations) {
  describe(`assertCloneable() to a ${destination}`, () => {
    it('assertCloneable() - accepts primitives', () => {
      for (const value of [undefined, null, true, 0, -1.5, NaN, 'text', 10n]) {
        assertCloneable(value, 'args', destination);
      }
      assertCloneable([1, 'a', null, undefined, 2n], 'args', destination);
    });

    it('assertCloneable() - accepts Maps, Sets, Dates, RegExps, typed arrays, BigInts and Errors', () => {
      const value = [
        new Map<unknown, unknown>([
          ['k', 1],
          [{ key: true }, [1, 2]],
        ]),
        new Set([1, 'two', { three: 3 }]),
        new Date(0),
        /ab+c/giu,
        new Uint8Array([1, 2, 3]),
        new Float64Array(4),
        new BigInt64Array([1n]),
        new DataView(new ArrayBuffer(8)),
        new ArrayBuffer(16),
        Buffer.from('abc'),
        12345678901234567890n,
        new Error('plain'),
        new TypeError('typed', { cause: new RangeError('inner') }),
        Object(1),
        Object('boxed'),
        Object.create(null) as object,
      ];
      assertCloneable(value, 'args', destination);
    });

    it('assertCloneable() - accepts class instances with cloneable fields', () => {
      class Point {
        constructor(
          readonly x: number,
          readonly y: number,
        ) {}
        norm(): number {
          return Math.hypot(this.x, this.y);
        }
      }
      assertCloneable([new Point(3, 4)], 'args', destination);
    });

    it('assertCloneable() - accepts cycles', () => {
      const node: { name: string; self?: unknown; list: unknown[] } = { name: 'a', list: [] };
      node.self = node;
      node.list.push(node, node.list);
      const map = new Map<string, unknown>();
      map.set('me', map);
      const set = new Set<unknown>();
      set.add(set);
      assertCloneable([node, map, set], 'args', destination);
    });

    it('assertCloneable() - ignores symbol-keyed and non-enumerable properties', () => {
      const value = { [Symbol('hidden')]: () => 1 };
      Object.defineProperty(value, 'method', { value: () => 1, enumerable: false });
      assertCloneable([value], 'args', destination);
    });

    it('assertCloneable() - accepts a deeply nested list', () => {
      let list: { next?: unknown } = {};
      for (let i = 0; i < 20_000; i++) list = { next: list };
      assertCloneable(list, 'args', destination);
    });

    it('assertCloneable() - names a function nested in an object', () => {
      assertRefused(
        [1, { onDone: () => undefined }],
        destination,
        cannotSend('args[1].onDone', 'a function', destination),
      );
    });

    it('assertCloneable() - names a function passed directly', () => {
      assertRefused(() => undefined, destination, cannotSend('args', 'a function', destination));
    });

    it('assertCloneable() - names a symbol in a Map value', () => {
      const m = new Map([['k', { x: Symbol('s') }]]);
      assertRefused(
        [{ m }],
        destination,
        cannotSend('args[0].m<Map value "k">.x', 'a symbol', destination),
      );
    });

    it('assertCloneable() - names a Map value by position when its key is an object', () => {
      const m = new Map<unknown, unknown>([
        ['first', 1],
        [{}, () => 1],
      ]);
      assertRefused(
        [m],
        destination,
        cannotSend('args[0]<Map value #1>', 'a function', destination),
      );
    });

    it('assertCloneable() - names a Map key', () => {
      const m = new Map([[Symbol('key'), 1]]);
      assertRefused([m], destination, cannotSend('args[0]<Map key #0>', 'a symbol', destination));
    });

    it('assertCloneable() - names a Set member', () => {
      const s = new Set<unknown>(['a', 'b', () => 1]);
      assertRefused(
        [s],
        destination,
        cannotSend('args[0]<Set member #2>', 'a function', destination),
      );
    });

    it('assertCloneable() - quotes keys that are not identifiers', () => {
      assertRefused(
        [{ 'weird key': { 0: () => 1 } }],
        destination,
        cannotSend('args[0]["weird key"]["0"]', 'a function', destination),
      );
    });

    it('assertCloneable() - names array indexes and named properties of arrays', () => {
      assertRefused(
        [[1, [2, () => 3]]],
        destination,
        cannotSend('args[0][1][1]', 'a function', destination),
      );
      const array = Object.assign([1, 2], { extra: () => 1 });
      assertRefused([array], destination, cannotSend('args[0].extra', 'a function', destination));
    });

    it('assertCloneable() - names the first bad value in walk order', () => {
      const value = [{ a: { b: Symbol('first') } }, () => 'second'];
      assertRefused(value, destination, cannotSend('args[0].a.b', 'a symbol', destination));
    });

    it('assertCloneable() - names a function in a class instance', () => {
      class Task {
        readonly name = 'task';
        readonly callback = (): void => undefined;
      }
      assertRefused(
        [new Task()],
        destination,
        cannotSend('args[0].callback', 'a function', destination),
      );
    });

    it("assertCloneable() - names a function in an error's cause", () => {
      const error = new Error('outer', { cause: () => 1 });
      assertRefused(
        { error },
        destination,
        cannotSend('args.error.cause', 'a function', destination),
      );
    });

    for (const [label, what, value] of [
      ['a WeakMap', 'a WeakMap', new WeakMap()],
      ['a WeakSet', 'a WeakSet', new WeakSet()],
      ['a WeakRef', 'a WeakRef', new WeakRef({})],
      ['a FinalizationRegistry', 'a FinalizationRegistry', new FinalizationRegistry(() => 0)],
      ['a Promise', 'a Promise', Promise.resolve(1)],
      ['a Proxy', 'a Proxy', new Proxy({}, {})],
      ['a revoked Proxy', 'a Proxy', revokedProxy()],
      ['a Symbol object', 'a Symbol object', Object(Symbol('boxed')) as object],
    ] as const) {
      it(`assertCloneable() - refuses ${label}`, () => {
        assertRefused([1, 2, value], destination, cannotSend('args[2]', what, destination));
      });
    }

    it('assertCloneable() - wraps a getter that throws', () => {
      const value = {
        get broken(): never {
          throw new Error('boom');
        },
      };
      assert.throws(
        () => {
          assertCloneable([value], 'args', destination);
        },
        (error: unknown) => {
          assert.ok(error instanceof PicklingError);
          assert.equal(error.code, 'ERR_NOT_CLONEABLE');
          assert.equal(
            error.message,
            `args[0].broken could not be read to be sent to a ${destination}: boom`,
          );
          assert.equal(asError(error.cause).message, 'boom');
          return true;
        },
      );
    });

    it('assertCloneable() - catches what the walk cannot see by serializing', () => {
      // A generator looks like any class instance to the walk; only serializing it tells.
      function* numbers(): Generator<number> {
        yield 1;
      }
      assert.throws(
        () => {
          assertCloneable([{ gen: numbers() }], 'args', destination);
        },
        (error: unknown) => {
          assert.ok(error instanceof PicklingError);
          assert.equal(error.code, 'ERR_NOT_CLONEABLE');
          assert.match(
            error.message,
            new RegExp(`^\`args\` cannot be sent to a ${destination}: at args\\[0\\]\\.gen: `),
          );
          assert.match(error.message, /could not be cloned/);
          assert.ok(error.cause instanceof Error);
          return true;
        },
      );
    });

    it('assertCloneable() - uses the root name given', () => {
      assertRefused(
        { value: () => 1 },
        destination,
        cannotSend('result.value', 'a function', destination),
        'result',
      );
    });
  });
}

describe('assertCloneable() - shared memory and ports', () => {
  it('assertCloneable() - accepts a SharedArrayBuffer for a thread', () => {
    const shared = new SharedArrayBuffer(8);
    assertCloneable([shared, new Int32Array(shared), new DataView(shared)], 'args', 'thread');
  });

  it('assertCloneable() - refuses a SharedArrayBuffer for a process', () => {
    assertRefused(
      [{ memory: new SharedArrayBuffer(8) }],
      'process',
      'args[0].memory is a SharedArrayBuffer, which cannot reach a child process: child processes do not share memory',
    );
  });

  it('assertCloneable() - refuses views of a SharedArrayBuffer for a process', () => {
    const shared = new SharedArrayBuffer(8);
    assertRefused(
      [new Int32Array(shared)],
      'process',
      'args[0] is an Int32Array backed by a SharedArrayBuffer, which cannot reach a child process: child processes do not share memory',
    );
    assertRefused(
      [new DataView(shared)],
      'process',
      'args[0] is a DataView backed by a SharedArrayBuffer, which cannot reach a child process: child processes do not share memory',
    );
  });

  it('assertCloneable() - accepts a MessagePort for a thread and refuses it for a process', () => {
    const { port1, port2 } = new MessageChannel();
    try {
      assertCloneable([{ port: port1 }], 'args', 'thread');
      assertRefused(
        [{ port: port1 }],
        'process',
        'args[0].port is a MessagePort, which cannot reach a child process: a port connects threads of one process',
      );
    } finally {
      port1.close();
      port2.close();
    }
  });

  it("assertCloneable() - accepts Node's cloneable objects for a thread", () => {
    assertCloneable([new BlockList()], 'args', 'thread');
  });

  it('assertCloneable() - names a host object that v8.serialize refuses for a process', () => {
    assert.throws(
      () => {
        assertCloneable([{ list: new BlockList() }], 'args', 'process');
      },
      (error: unknown) => {
        assert.ok(error instanceof PicklingError);
        assert.equal(error.code, 'ERR_NOT_CLONEABLE');
        assert.match(
          error.message,
          /^`args` cannot be sent to a process: at args\[0\]\.list: Unserializable host object/,
        );
        assert.ok(error.cause instanceof Error);
        return true;
      },
    );
  });
});

describe('errorToWire() / errorFromWire()', () => {
  it('errorToWire() - describes an error as plain data that both serializers accept', () => {
    const wire = errorToWire(new TypeError('bad', { cause: new Error('inner') }));
    assertCloneable(wire, 'wire', 'process');
    assert.deepEqual(structuredClone(wire), wire);
    assert.equal(wire.kind, 'error');
  });

  it('errorFromWire() - rebuilds a TypeError', () => {
    const original = new TypeError('not a number');
    const rebuilt = asError(roundTrip(original));
    assert.ok(rebuilt instanceof TypeError);
    assert.equal(rebuilt.name, 'TypeError');
    assert.equal(rebuilt.message, 'not a number');
    assert.equal(rebuilt.stack, original.stack);
  });

  it('errorFromWire() - rebuilds an unknown class as an Error named after it', () => {
    class ValidationError extends Error {
      code = 'E_BAD';
    }
    const rebuilt = asError(roundTrip(new ValidationError('invalid')));
    assert.equal(Object.getPrototypeOf(rebuilt), Error.prototype);
    assert.equal(rebuilt.name, 'ValidationError');
    assert.ok(Object.hasOwn(rebuilt, 'name'));
    assert.equal(rebuilt.message, 'invalid');
    assert.equal((rebuilt as Error & { code?: unknown }).code, 'E_BAD');
  });

  it('errorFromWire() - rebuilds a subclass of a known class as that class', () => {
    class NotANumberError extends TypeError {}
    const rebuilt = asError(roundTrip(new NotANumberError('NaN')));
    assert.ok(rebuilt instanceof TypeError);
    assert.equal(rebuilt.name, 'NotANumberError');
  });

  it('errorFromWire() - rebuilds a multitask StateError', () => {
    const rebuilt = asError(
      roundTrip(new StateError('ERR_ALREADY_STARTED', 'threads can only be started once')),
    );
    assert.ok(rebuilt instanceof StateError);
    assert.ok(rebuilt instanceof MultitaskError);
    assert.equal(rebuilt.name, 'StateError');
    assert.equal(rebuilt.code, 'ERR_ALREADY_STARTED');
    assert.equal(rebuilt.message, 'threads can only be started once');
  });

  it('errorFromWire() - keeps code and own properties, and drops those that cannot cross', () => {
    const original = Object.assign(new Error('failed'), {
      code: 42,
      detail: { path: '/tmp/x', tries: [1, 2] },
      retry: () => undefined,
    });
    const rebuilt = roundTrip(original) as Error & Record<string, unknown>;
    assert.equal(rebuilt.code, 42);
    assert.deepEqual(rebuilt.detail, { path: '/tmp/x', tries: [1, 2] });
    assert.equal('retry' in rebuilt, false);
  });

  it("errorFromWire() - keeps a Node system error's code, errno and syscall", () => {
    let original: unknown;
    try {
      readFileSync('/nonexistent/multitask-wire-test');
    } catch (error) {
      original = error;
    }
    const rebuilt = roundTrip(original) as Error & Record<string, unknown>;
    assert.equal(rebuilt.code, 'ENOENT');
    assert.equal(rebuilt.syscall, 'open');
    assert.equal(typeof rebuilt.errno, 'number');
  });

  it('errorFromWire() - makes message, stack and cause non-enumerable and code enumerable', () => {
    const rebuilt = asError(roundTrip(new StateError('ERR_NOT_STARTED', 'not started')));
    assert.deepEqual(Object.keys(rebuilt), ['code']);
    for (const key of ['message', 'stack', 'cause']) {
      assert.equal(Object.getOwnPropertyDescriptor(rebuilt, key)?.enumerable, false, key);
    }
  });

  it('errorFromWire() - sets cause to a RemoteTraceback holding the remote stack', () => {
    const original = new Error('remote failure');
    const rebuilt = asError(roundTrip(original));
    assert.ok(rebuilt.cause instanceof RemoteTraceback);
    assert.equal(rebuilt.cause.code, 'ERR_REMOTE_TRACEBACK');
    const firstFrame = original.stack?.split('\n')[1];
    assert.ok(firstFrame !== undefined && firstFrame.includes(' at '));
    assert.ok(rebuilt.cause.remoteStack.includes(firstFrame));
    assert.ok(rebuilt.cause.message.includes(firstFrame));
    assert.equal(rebuilt.cause.cause, undefined);
  });

  it('errorFromWire() - rebuilds a cause chain behind the RemoteTraceback', () => {
    const root = new RangeError('root');
    const middle = new Error('middle', { cause: root });
    const top = new TypeError('top', { cause: middle });
    const rebuilt = asError(roundTrip(top));

    const topTraceback = rebuilt.cause;
    assert.ok(topTraceback instanceof RemoteTraceback);
    assert.equal(topTraceback.remoteStack, top.stack);
    const rebuiltMiddle = asError(topTraceback.cause);
    assert.equal(rebuiltMiddle.message, 'middle');

    const middleTraceback = rebuiltMiddle.cause;
    assert.ok(middleTraceback instanceof RemoteTraceback);
    assert.equal(middleTraceback.remoteStack, middle.stack);
    const rebuiltRoot = asError(middleTraceback.cause);
    assert.ok(rebuiltRoot instanceof RangeError);
    assert.equal(rebuiltRoot.message, 'root');
    assert.ok(rebuiltRoot.cause instanceof RemoteTraceback);
    assert.equal(rebuiltRoot.cause.cause, undefined);
  });

  it('errorFromWire() - rebuilds a cause that is not an error', () => {
    const rebuilt = asError(roundTrip(new Error('outer', { cause: { reason: 'quota' } })));
    assert.ok(rebuilt.cause instanceof RemoteTraceback);
    assert.deepEqual(rebuilt.cause.cause, { reason: 'quota' });
  });

  it('errorToWire() - cuts a cause cycle', () => {
    const error = new Error('loop');
    error.cause = error;
    const rebuilt = asError(roundTrip(error));
    assert.ok(rebuilt.cause instanceof RemoteTraceback);
    assert.equal(rebuilt.cause.cause, undefined);
  });

  it('errorToWire() - cuts a long cause chain', () => {
    let error = new Error('0');
    for (let i = 1; i < 50; i++) error = new Error(String(i), { cause: error });
    let depth = 0;
    for (let at: unknown = roundTrip(error); at instanceof Error; depth++) {
      at = at.cause instanceof RemoteTraceback ? at.cause.cause : undefined;
    }
    assert.equal(depth, 8);
  });

  it('errorFromWire() - rebuilds an AggregateError with its errors', () => {
    const original = new AggregateError(
      [new TypeError('one'), new StateError('ERR_NOT_STARTED', 'two'), 'three'],
      'several',
    );
    const rebuilt = asError(roundTrip(original));
    assert.ok(rebuilt instanceof AggregateError);
    assert.equal(rebuilt.message, 'several');
    assert.equal(Object.getOwnPropertyDescriptor(rebuilt, 'errors')?.enumerable, false);
    const [one, two, three] = rebuilt.errors as unknown[];
    assert.ok(one instanceof TypeError);
    assert.equal(one.message, 'one');
    assert.ok(two instanceof StateError);
    assert.equal(two.code, 'ERR_NOT_STARTED');
    assert.equal(three, 'three');
  });

  it('errorFromWire() - rebuilds a thrown string, number and plain object', () => {
    assert.equal(roundTrip('just a string'), 'just a string');
    assert.equal(roundTrip(404), 404);
    assert.equal(roundTrip(undefined), undefined);
    assert.deepEqual(roundTrip({ status: 500, body: ['a'] }), { status: 500, body: ['a'] });
  });

  it('errorToWire() - sends a thrown value that cannot cross as its String()', () => {
    assert.equal(roundTrip(Symbol('thrown')), 'Symbol(thrown)');
    assert.equal(roundTrip({ toString: () => 'custom', fn: () => 1 }), 'custom');
  });

  it('errorToWire() - does not throw for hostile values', () => {
    const hostile = new Proxy(new Error('trap'), {
      get() {
        throw new Error('no reading');
      },
      getPrototypeOf() {
        throw new Error('no prototype');
      },
    });
    const wire = errorToWire(hostile);
    assertCloneable(wire, 'wire', 'process');
    const revoked = Proxy.revocable({}, {});
    revoked.revoke();
    assert.equal(typeof errorToWire(revoked.proxy).kind, 'string');
  });

  it('errorFromWire() - rebuilds a RemoteTraceback that crossed twice', () => {
    const once = asError(roundTrip(new Error('deep')));
    const twice = asError(roundTrip(once));
    assert.ok(twice.cause instanceof RemoteTraceback);
    const firstTraceback = asError(twice.cause.cause);
    assert.ok(firstTraceback instanceof RemoteTraceback);
    assert.equal(firstTraceback.remoteStack, once.stack);
  });
});
