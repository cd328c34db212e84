// Checks that shipFunction() accepts every self-contained form of inline function and that
// reviveFunction() turns it back into one computing the same values; that closures are
// refused before anything starts, naming exactly what they capture; and that native and
// bound functions, classes and accessors are refused as unshippable.
//
// These sources are transpiled by tsx, so they contain esbuild's `__name(...)` calls, as
// targets written in TypeScript will.
/* eslint-disable @typescript-eslint/unbound-method -- shipping a method takes it off its object */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { PicklingError } from '../../src/errors.ts';
import { reviveFunction } from '../../src/transport/function-revive.ts';
import { shipFunction } from '../../src/transport/function-source.ts';

type Target = Parameters<typeof shipFunction>[0];

function roundTrip(fn: Target): (...args: unknown[]) => unknown {
  return reviveFunction(shipFunction(fn));
}

function assertCaptures(fn: Target, names: string, what = 'target'): void {
  assert.throws(
    () => shipFunction(fn, what),
    (error: unknown) =>
      error instanceof PicklingError &&
      error.code === 'ERR_TARGET_CAPTURES' &&
      error.message.startsWith(`\`${what}\` captures ${names} from its surroundings; `),
  );
}

function assertNotShippable(fn: Target, description: RegExp): void {
  assert.throws(
    () => shipFunction(fn),
    (error: unknown) =>
      error instanceof PicklingError &&
      error.code === 'ERR_TARGET_NOT_SHIPPABLE' &&
      /^Expected `target` to be a self-contained function, got /.test(error.message) &&
      description.test(error.message),
  );
}

describe('shipFunction() with reviveFunction()', () => {
  it('shipFunction() - round-trips an arrow function', () => {
    const add = (a: number, b: number) => a + b;
    const revived = roundTrip(add);
    assert.equal(revived(2, 3), 5);
    assert.equal(revived.name, 'add');
  });

  it('shipFunction() - round-trips a function expression and a declaration', () => {
    const expression = function (n: number) {
      return n * 10;
    };
    function declaration(n: number) {
      return n + 1;
    }
    assert.equal(roundTrip(expression)(4), 40);
    assert.equal(roundTrip(declaration)(4), 5);
    assert.equal(roundTrip(declaration).name, 'declaration');
  });

  it('shipFunction() - round-trips async functions', async () => {
    const asyncArrow = async (n: number) => (await Promise.resolve(n)) * 2;
    async function asyncDeclaration(n: number) {
      return (await Promise.resolve(n)) + 1;
    }
    assert.equal(await roundTrip(asyncArrow)(21), 42);
    assert.equal(await roundTrip(asyncDeclaration)(41), 42);
  });

  it('shipFunction() - round-trips generator functions', async () => {
    function* range(n: number) {
      for (let i = 0; i < n; i++) yield i;
    }
    async function* countdown(n: number) {
      for (let i = n; i > 0; i--) yield await Promise.resolve(i);
    }
    assert.deepEqual([...(roundTrip(range)(3) as Iterable<number>)], [0, 1, 2]);
    const values: number[] = [];
    for await (const value of roundTrip(countdown)(3) as AsyncIterable<number>) values.push(value);
    assert.deepEqual(values, [3, 2, 1]);
  });

  it('shipFunction() - round-trips object literal methods', async () => {
    const methods = {
      scale(n: number) {
        return n * 3;
      },
      async later(n: number) {
        return Promise.resolve(n - 1);
      },
      *pair(n: number) {
        yield n;
        yield n;
      },
    };
    assert.equal(shipFunction(methods.scale).source.replace(/\s/g, ''), 'scale(n){returnn*3}');
    assert.equal(roundTrip(methods.scale)(2), 6);
    assert.equal(roundTrip(methods.scale).name, 'scale');
    assert.equal(await roundTrip(methods.later)(1), 0);
    assert.deepEqual([...(roundTrip(methods.pair)(7) as Iterable<number>)], [7, 7]);
  });

  it('shipFunction() - round-trips static and instance methods of a class', () => {
    class Shapes {
      static square(n: number) {
        return n * n;
      }
      cube(n: number) {
        return n * n * n;
      }
    }
    assert.equal(roundTrip(Shapes.square)(3), 9);
    assert.equal(roundTrip(Shapes.prototype.cube)(2), 8);
  });

  it('shipFunction() - round-trips a method with a computed key, dropping the key', () => {
    const kRun = Symbol('run');
    const methods = {
      *[Symbol.iterator]() {
        yield 'a';
        yield 'b';
      },
      [kRun](n: number) {
        return n + 1;
      },
    };
    const iterate = roundTrip(methods[Symbol.iterator]);
    assert.deepEqual([...(iterate() as Iterable<string>)], ['a', 'b']);
    assert.equal(iterate.name, '[Symbol.iterator]');
    // `kRun` is a local, but only the key used it: the function itself is self-contained.
    const shipped = shipFunction(methods[kRun]);
    assert.doesNotMatch(shipped.source, /kRun/);
    assert.equal(reviveFunction(shipped)(1), 2);
    assert.equal(reviveFunction(shipped).name, '[run]');
  });

  it('shipFunction() - round-trips nested named functions through the __name shim', () => {
    const outer = (n: number) => {
      function double(x: number) {
        return x * 2;
      }
      const increment = (x: number) => x + 1;
      class Box {
        constructor(readonly value: number) {}
      }
      return [double.name, increment.name, new Box(increment(double(n))).value];
    };
    assert.match(shipFunction(outer).source, /__name\(/);
    assert.deepEqual(roundTrip(outer)(5), ['double', 'increment', 11]);
    assert.equal(typeof (globalThis as { __name?: unknown }).__name, 'function');
  });

  it('shipFunction() - allows globals', async () => {
    const useGlobals = async () => {
      const url = new URL('https://example.com/a?b=1');
      const timer = setTimeout(() => undefined, 0);
      clearTimeout(timer);
      return [
        Math.max(1, 2),
        JSON.stringify(structuredClone({ a: [1] })),
        typeof console.log,
        Buffer.from('hi').toString('hex'),
        typeof process.pid,
        url.searchParams.get('b'),
        typeof fetch,
        await Promise.resolve(1),
      ];
    };
    assert.deepEqual(await roundTrip(useGlobals)(), [
      2,
      '{"a":[1]}',
      'function',
      '6869',
      'number',
      '1',
      'function',
      1,
    ]);
  });

  it('shipFunction() - allows a dynamic import()', async () => {
    const loadPath = async () => (await import('node:path')).join('a', 'b');
    assert.equal(await roundTrip(loadPath)(), join('a', 'b'));
  });

  it('shipFunction() - allows `this` in a function, which revives in strict mode', () => {
    const getThis = function (this: unknown) {
      return this;
    };
    const revived = roundTrip(getThis);
    const receiver = { label: 'receiver' };
    assert.equal(revived.call(receiver), receiver);
    assert.equal(revived(), undefined);
  });
});

describe('shipFunction() - captured variables', () => {
  it('shipFunction() - refuses a closure over a local, naming it', () => {
    const factor = 3;
    assertCaptures((n: number) => n * factor, '`factor`');
  });

  it('shipFunction() - names every captured identifier once, sorted', () => {
    const b = 2;
    const a = 1;
    const offset = 4;
    const factor = 3;
    assertCaptures(() => b + a + a, '`a`, `b`');
    assertCaptures((n: number) => n * factor + offset, '`factor`, `offset`');
  });

  it('shipFunction() - names the target as the caller asks', () => {
    const limit = 1;
    assertCaptures(() => limit, '`limit`', 'initializer');
  });

  it('shipFunction() - refuses a closure over a module-level import', () => {
    assertCaptures(() => join('a', 'b'), '`join`');
    assertCaptures(() => {
      assert.ok(true);
    }, '`assert`');
    assertCaptures(() => new PicklingError('ERR_TARGET_CAPTURES', ''), '`PicklingError`');
  });

  it('shipFunction() - refuses CommonJS module variables, which ES modules lack', () => {
    assertCaptures(() => require.resolve('node:fs'), '`require`');
    assertCaptures(
      () => [module.id, typeof exports, __dirname, __filename],
      '`__dirname`, `__filename`, `exports`, `module`',
    );
  });

  it('shipFunction() - refuses a capture in a default parameter value', () => {
    const fallback = 1;
    assertCaptures((n = fallback) => n, '`fallback`');
  });

  it('shipFunction() - refuses an assignment to an outer variable', () => {
    let count = 0;
    assertCaptures(() => {
      count += 1;
    }, '`count`');
    assert.equal(count, 0);
  });

  it('shipFunction() - refuses a capture inside a nested function', () => {
    const factor = 2;
    assertCaptures(() => [1, 2].map((n) => n * factor), '`factor`');
    assertCaptures(function outer() {
      return function inner() {
        return factor;
      };
    }, '`factor`');
  });

  it('shipFunction() - refuses `this` and `arguments` in an arrow function', () => {
    const holder = {
      arrows(this: { value: number }, ..._rest: unknown[]) {
        return {
          usesThis: () => this.value,
          usesArguments: () => arguments.length,
        };
      },
    };
    const { usesThis, usesArguments } = holder.arrows.call({ value: 1 });
    assertCaptures(usesThis, '`this`');
    assertCaptures(usesArguments, '`arguments`');
  });

  it('shipFunction() - refuses `new.target` in an arrow function', () => {
    function Outer() {
      return () => new.target;
    }
    assertCaptures(Outer(), '`new.target`');
  });

  it('shipFunction() - refuses `super`, which needs the original home object', () => {
    class Base {
      greet() {
        return 'base';
      }
    }
    class Derived extends Base {
      override greet() {
        return `derived ${super.greet()}`;
      }
      greeter() {
        return () => super.greet();
      }
    }
    assertCaptures(Derived.prototype.greet, '`super`');
    assertCaptures(new Derived().greeter(), '`super`');
  });

  it("shipFunction() - refuses a class method using the class's private names", () => {
    class Counter {
      #count = 0;
      #step = 1;
      increment() {
        this.#count += this.#step;
        return this.#count;
      }
    }
    assertCaptures(Counter.prototype.increment, '`#count`, `#step`');
  });
});

describe('shipFunction() - shadowing', () => {
  const value = 10;

  it('shipFunction() - a parameter named like an outer variable is not captured', () => {
    assert.equal(roundTrip((value: number) => value * 2)(4), 8);
  });

  it('shipFunction() - an inner const named like an outer variable is not captured', () => {
    const shadowed = () => {
      const value = 5;
      return value + 1;
    };
    assert.equal(roundTrip(shadowed)(), 6);
  });

  it('shipFunction() - a hoisted function declaration is not captured', () => {
    const helper = (x: number) => x;
    const usesHoisted = (n: number) => {
      return helper(n);
      function helper(x: number) {
        return x + value;
      }
    };
    assertCaptures(usesHoisted, '`value`');
    const selfContained = (n: number) => {
      return helper(n);
      function helper(x: number) {
        return x * 2;
      }
    };
    assert.equal(helper(21), 21);
    assert.equal(roundTrip(selfContained)(21), 42);
  });

  it('shipFunction() - destructured parameters with defaults may use earlier parameters', () => {
    const sum = ({ a, b = a * 2 }: { a: number; b?: number }, [c = b] = [] as number[]) =>
      a + b + c;
    assert.equal(roundTrip(sum)({ a: 1 }), 5);
  });

  it('shipFunction() - a block, catch or loop variable named like an outer one is not captured', () => {
    const scoped = () => {
      let total = 0;
      for (const value of [1, 2]) total += value;
      try {
        throw new Error('x');
      } catch (value) {
        total += (value as Error).message.length;
      }
      return total;
    };
    assert.equal(roundTrip(scoped)(), 4);
  });

  it('shipFunction() - a property named like an outer variable is not captured', () => {
    const properties = (object: { value: number }) => ({ helper: object.value }).helper;
    assert.equal(roundTrip(properties)({ value: 7 }), 7);
  });
});

describe('shipFunction() - functions that cannot be shipped', () => {
  it('shipFunction() - refuses a native function', () => {
    assertNotShippable(Math.max, /got the native function `max`: pass a task reference/);
  });

  it('shipFunction() - refuses a bound function', () => {
    const f = (n: number) => n;
    assertNotShippable(f.bind(null), /got the bound function `bound f`/);
  });

  it('shipFunction() - refuses a class', () => {
    class Task {}
    assertNotShippable(Task, /got the class `Task`/);
  });

  it('shipFunction() - refuses a getter and a setter', () => {
    const descriptor = Object.getOwnPropertyDescriptor(
      {
        get size() {
          return 1;
        },
        set size(_value: number) {
          // Nothing to store.
        },
      },
      'size',
    );
    assert.ok(descriptor?.get !== undefined && descriptor.set !== undefined);
    assertNotShippable(descriptor.get, /got the accessor `get size`/);
    assertNotShippable(descriptor.set, /got the accessor `set size`/);
  });

  it('shipFunction() - refuses import.meta, which has no meaning outside a module', () => {
    assertNotShippable(
      () => import.meta.url,
      /got an anonymous function, whose source does not parse on its own \(Cannot use 'import.meta' outside a module\)/,
    );
  });

  it('shipFunction() - refuses a value that is not a function', () => {
    assert.throws(
      () => shipFunction(42 as unknown as Target),
      (error: unknown) =>
        error instanceof TypeError &&
        (error as TypeError & { code?: unknown }).code === 'ERR_INVALID_ARG_TYPE' &&
        /^Expected `target` to be a function, got `42` \(number\)$/.test(error.message),
    );
  });
});

describe('shipFunction() - cache', () => {
  it('shipFunction() - returns the same frozen object for the same function', () => {
    const square = (n: number) => n * n;
    const first = shipFunction(square);
    assert.equal(shipFunction(square), first);
    assert.ok(Object.isFrozen(first));
    assert.notEqual(
      shipFunction((n: number) => n * n),
      first,
    );
  });
});
