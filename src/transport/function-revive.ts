/**
 * The child side of sending an inline function: turns the source that `shipFunction()`
 * checked back into a function.
 *
 * Every worker imports this at start-up, so it stays free of acorn and eslint-scope: the
 * parent has already parsed the source, and the two wrappings below recognise its form
 * without a parser.
 */
import { ArgumentTypeError } from '../errors.ts';
import type { ShippedFunction } from './function-source.ts';

/**
 * Evaluates a function checked by `shipFunction()` in the global scope of this thread or
 * process, and gives it back its name.
 *
 * The source is evaluated in strict mode, like the ES module it came from. Before that,
 * a `globalThis.__name` shim is installed if there is none: esbuild (and so tsx) inserts
 * `__name(fn, "fn")` calls into transpiled code, and the helper they call is a variable of
 * the parent's module.
 *
 * @param shipped - The result of `shipFunction()` in the parent.
 * @returns The revived function.
 * @throws `SyntaxError` if the source is neither a function expression nor a method: it did
 *   not come from `shipFunction()`, or this runtime's JavaScript is older than the parent's.
 * @throws {ArgumentTypeError} `ERR_INVALID_ARG_VALUE` if the source evaluates to something
 *   other than a function: it did not come from `shipFunction()` either.
 * @example
 * ```ts
 * const double = reviveFunction({ source: 'n => n * 2', name: 'double' });
 * double(21); // 42
 * ```
 */
export function reviveFunction(shipped: ShippedFunction): (...args: unknown[]) => unknown {
  installNameShim();
  const fn = evaluate(shipped.source);
  // An arrow assigned to a const, or a method whose computed key was replaced, evaluates
  // with another name than the original had.
  if (fn.name !== shipped.name) {
    Object.defineProperty(fn, 'name', { value: shipped.name, configurable: true });
  }
  return fn;
}

/** Strict, like ES module code; must match `function-source.ts`, which parses the same way. */
const STRICT_PREFIX = "'use strict';";

/**
 * An indirect eval: it runs in the global scope, so the source sees globals and nothing of
 * this module, exactly what the parent checked it for.
 */
const globalEval: (code: string) => unknown = globalThis.eval;

function evaluate(source: string): (...args: unknown[]) => unknown {
  let value: unknown;
  try {
    // A function, arrow or class. The newline ends a trailing line comment.
    value = globalEval(`${STRICT_PREFIX}(${source}\n)`);
  } catch (error) {
    if (!(error instanceof SyntaxError)) throw error;
    // A method: `m(a) {}` is no expression on its own, but it is one object literal's only
    // property. Its key is never computed (the parent replaced computed ones), so nothing
    // but the function's creation runs here.
    const holder = globalEval(`${STRICT_PREFIX}({${source}\n})`) as Record<PropertyKey, unknown>;
    const [key] = Reflect.ownKeys(holder);
    value = key === undefined ? undefined : holder[key];
  }
  if (typeof value !== 'function') {
    throw new ArgumentTypeError(
      `Expected a function source, got one that evaluates to ${typeof value}`,
      'ERR_INVALID_ARG_VALUE',
    );
  }
  return value as (...args: unknown[]) => unknown;
}

/** What esbuild's `__name` helper does: name a function whose name minification lost. */
function setName(target: object, value: string): object {
  return Object.defineProperty(target, 'name', { value, configurable: true });
}

function installNameShim(): void {
  if ('__name' in globalThis) return;
  // Non-enumerable, like a built-in, so it does not show up when globals are listed.
  Object.defineProperty(globalThis, '__name', {
    value: setName,
    writable: true,
    configurable: true,
  });
}
