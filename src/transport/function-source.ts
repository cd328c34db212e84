/**
 * The parent side of sending an inline function to a thread or process.
 *
 * Neither worker_threads nor child_process can carry a function, so an inline target
 * travels as its source text and is evaluated again on the other side
 * (`function-revive.ts`). That reproduces the function only if it is self-contained: every
 * name it uses must be a parameter, one of its own variables or a global. A closure over
 * anything else would fail inside the worker with a ReferenceError, long after the call
 * that caused it, so this module proves self-containment with a real parser (acorn) and
 * scope analyser (eslint-scope, in function-captures.ts) before anything starts, and names
 * what is captured.
 *
 * The source is parsed in exactly the wrappings the child evaluates it in (see
 * {@link wrapAsExpression} and {@link wrapAsMethod}); the two files must agree.
 */
import { createRequire } from 'node:module';
import type { AnyNode, FunctionExpression, Options, Program, Property } from 'acorn';
import { PicklingError, StateError } from '../errors.ts';
import { typeError } from '../internal/validate.ts';
import { capturedNames, type TargetNode } from './function-captures.ts';

/** An inline function checked by {@link shipFunction}, ready to be sent to a worker. */
export interface ShippedFunction {
  /**
   * The function's source text: `fn.toString()`, except that a method's computed key is
   * replaced by a plain one (the key is evaluated when the method is created, and may
   * refer to a local such as a module-level symbol; the function never sees it).
   */
  readonly source: string;
  /** The function's `name`, which the revived copy gets back. */
  readonly name: string;
}

/**
 * Checks that `fn` can run in another thread or process and returns its source.
 *
 * `fn` may be an arrow function, a `function` expression or declaration (async and
 * generator forms included) or a method (`m() {}`, `async m() {}`, `*m() {}`, computed keys
 * included) of an object literal or class. It may use its parameters, its own variables
 * and any property of `globalThis`, and may `import()` modules dynamically. The result is
 * cached per function, so a function submitted many times is parsed once.
 *
 * The copy in the worker runs in strict mode, as code from an ES module always does.
 *
 * @param fn - The function to send.
 * @param what - How error messages name `fn`: `'target'` unless given.
 * @throws {@link PicklingError} `ERR_TARGET_CAPTURES` when `fn` uses variables from its
 *   surroundings (module imports, locals, `require`), `this`, `arguments` or `new.target`
 *   of an enclosing function (in an arrow function), `super`, or a class's private names.
 * @throws {@link PicklingError} `ERR_TARGET_NOT_SHIPPABLE` when `fn` is a native or bound
 *   function, a class, a getter or setter, or its source does not parse on its own.
 * @throws `TypeError` `ERR_INVALID_ARG_TYPE` when `fn` is not a function.
 * @example
 * ```ts
 * shipFunction((n: number) => n * 2); // { source: '(n) => n * 2', name: '' }
 * const factor = 2;
 * shipFunction((n: number) => n * factor); // throws: `target` captures `factor` ...
 * ```
 */
// Any callable may arrive (callers type their targets); classes, bound and native
// functions are refused at run time with a message that says why.
// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type -- see above
export function shipFunction(fn: Function, what = 'target'): ShippedFunction {
  if (typeof fn !== 'function') throw typeError(what, 'a function', fn);
  const cached = shippedFunctions.get(fn);
  if (cached !== undefined) return cached;
  const shipped = Object.freeze(checkFunction(fn, what));
  // Only successes are cached: a refusal may stop applying (a global defined later).
  shippedFunctions.set(fn, shipped);
  return shipped;
}

// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type -- as shipFunction()
const shippedFunctions = new WeakMap<Function, ShippedFunction>();

/**
 * Both files evaluate the source in strict mode: functions from ES modules are strict, and
 * without this a revived function would see `this === globalThis` in a plain call.
 * Parsing with the same prefix refuses sloppy-only syntax (`with`, octal literals) here
 * rather than in the worker.
 */
const STRICT_PREFIX = "'use strict';";

/**
 * A function, arrow or class: `(<source>\n)`. The newline ends a trailing line comment.
 * Must match `function-revive.ts`.
 */
function wrapAsExpression(source: string): { text: string; offset: number } {
  const text = `${STRICT_PREFIX}(${source}\n)`;
  return { text, offset: STRICT_PREFIX.length + 1 };
}

/**
 * A method, whose source (`m(a) {}`) is not an expression: `({<source>\n})`, taking the
 * value of the only property. Must match `function-revive.ts`.
 */
function wrapAsMethod(source: string): { text: string; offset: number } {
  const text = `${STRICT_PREFIX}({${source}\n})`;
  return { text, offset: STRICT_PREFIX.length + 2 };
}

/** The key a computed method key is replaced with; the revived copy gets its name back. */
const PLAIN_METHOD_KEY = 'method';

/** What the wrapped source turned out to hold. */
type Parsed =
  | { readonly kind: 'function'; readonly program: Program; readonly node: TargetNode }
  | {
      readonly kind: 'method';
      readonly program: Program;
      readonly node: FunctionExpression;
      readonly property: Property;
      readonly offset: number;
    }
  | { readonly kind: 'class' | 'accessor' }
  | { readonly kind: 'unparseable'; readonly error: SyntaxError };

/**
 * Acorn with `super()` and `new.target` allowed outside a constructor or function. Those
 * occur in the source of an arrow function made inside one; they refer to the enclosing
 * function, and are reported as captured rather than as a syntax error. The real source of
 * a function cannot contain them anywhere else, so nothing invalid gets through.
 */
function makeTargetParser(Parser: typeof import('acorn').Parser): typeof import('acorn').Parser {
  return Parser.extend(
    (Base) =>
      class extends Base {
        get allowDirectSuper(): boolean {
          return true;
        }
        get allowNewDotTarget(): boolean {
          return true;
        }
      },
  );
}

let targetParser: typeof import('acorn').Parser | undefined;

/**
 * The parser, loaded on first use. Every worker imports this library, and loading it and
 * the scope analyser (function-captures.ts) costs about 60 ms that only the checking side
 * needs.
 */
function parser(): typeof import('acorn').Parser {
  if (targetParser === undefined) {
    const require = createRequire(import.meta.url);
    const acorn = require('acorn') as typeof import('acorn');
    targetParser = makeTargetParser(acorn.Parser);
  }
  return targetParser;
}

const parserOptions: Options = {
  ecmaVersion: 'latest',
  sourceType: 'script',
  // The same, documented, for `super.x` in an arrow function made inside a method.
  allowSuperOutsideMethod: true,
  // A class method's source uses the class's private names (`this.#x`) without declaring
  // them; they are found and reported as captured instead.
  checkPrivateFields: false,
  // eslint-scope tells parameters from body by `range`.
  ranges: true,
};

// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type -- as shipFunction()
function checkFunction(fn: Function, what: string): ShippedFunction {
  // Not `fn.toString()`, which the function may override.
  let source = Function.prototype.toString.call(fn);
  const name = typeof fn.name === 'string' ? fn.name : '';
  // V8 prints native and bound functions as `function max() { [native code] }`, which no
  // real source can end with (`[native code]` is not valid syntax).
  if (/\{\s*\[native code\]\s*\}$/.test(source)) {
    const description = name.startsWith('bound ')
      ? `the bound function \`${name}\``
      : name === ''
        ? 'an anonymous native function'
        : `the native function \`${name}\``;
    throw notShippable(what, description);
  }

  let parsed = parseTarget(source);
  if (parsed.kind === 'method' && parsed.property.computed) {
    // `[Symbol.iterator]() {}` becomes `method() {}`: the key is not part of the function,
    // and evaluating it again in the worker could fail or differ. Analysing the rewritten
    // text keeps the check on exactly what the worker evaluates.
    const { node, offset } = parsed;
    const modifiers = `${node.async ? 'async ' : ''}${node.generator ? '*' : ''}`;
    source = `${modifiers}${PLAIN_METHOD_KEY}${source.slice(node.start - offset)}`;
    parsed = parseTarget(source);
    // Cannot fail: the same function with a plain key is still a method.
    if (parsed.kind !== 'method') {
      throw new StateError('ERR_INTERNAL', `multitask: rewriting \`${source}\` broke it`);
    }
  }

  switch (parsed.kind) {
    case 'class':
      throw notShippable(what, name === '' ? 'an anonymous class' : `the class \`${name}\``);
    case 'accessor':
      throw notShippable(what, `the accessor \`${name}\``);
    case 'unparseable': {
      const reason = parsed.error.message.replace(/ \(\d+:\d+\)$/, '');
      const described = name === '' ? 'an anonymous function' : `the function \`${name}\``;
      throw notShippable(
        what,
        `${described}, whose source does not parse on its own (${reason})`,
        parsed.error,
      );
    }
    case 'function':
    case 'method': {
      const captured = capturedNames(parsed.program, parsed.node);
      if (captured.size > 0) {
        const names = [...captured].sort().map((captive) => `\`${captive}\``);
        throw new PicklingError(
          'ERR_TARGET_CAPTURES',
          `\`${what}\` captures ${names.join(', ')} from its surroundings; a function sent ` +
            'to a thread or process can only use its parameters, its own variables and ' +
            'globals. Pass them in `args`, or move the function into a module and use ' +
            'taskModule()',
        );
      }
      return { source, name };
    }
  }
}

function notShippable(what: string, description: string, cause?: unknown): PicklingError {
  return new PicklingError(
    'ERR_TARGET_NOT_SHIPPABLE',
    `Expected \`${what}\` to be a self-contained function, got ${description}: pass a task ` +
      'reference from taskModule() instead',
    cause === undefined ? undefined : { cause },
  );
}

/**
 * Parses `source` as the child will evaluate it: as an expression first, then as a method.
 * A method's source is not a valid expression (`m(a) {}` is a call followed by a block),
 * except for a method named `function`, which then reads as a function expression that
 * behaves the same; so the order decides nothing but the cost.
 */
function parseTarget(source: string): Parsed {
  const asExpression = wrapAsExpression(source);
  let expressionError: SyntaxError;
  try {
    const program = parser().parse(asExpression.text, parserOptions);
    const node = onlyExpression(program, asExpression.offset, source.length);
    if (node?.type === 'ArrowFunctionExpression' || node?.type === 'FunctionExpression') {
      return { kind: 'function', program, node };
    }
    if (node?.type === 'ClassExpression') return { kind: 'class' };
    return { kind: 'unparseable', error: new SyntaxError('Not a function expression') };
  } catch (error) {
    if (!(error instanceof SyntaxError)) throw error;
    expressionError = error;
  }

  const asMethod = wrapAsMethod(source);
  try {
    const program = parser().parse(asMethod.text, parserOptions);
    // The object literal spans `{<source>\n}`.
    const object = onlyExpression(program, asMethod.offset - 1, source.length + 3);
    const property =
      object?.type === 'ObjectExpression' && object.properties.length === 1
        ? object.properties[0]
        : undefined;
    if (property?.type !== 'Property' || property.value.type !== 'FunctionExpression') {
      return { kind: 'unparseable', error: expressionError };
    }
    if (property.kind !== 'init') return { kind: 'accessor' };
    if (!property.method) return { kind: 'unparseable', error: expressionError };
    return { kind: 'method', program, node: property.value, property, offset: asMethod.offset };
  } catch (error) {
    if (!(error instanceof SyntaxError)) throw error;
    // Report whichever reading got further: a method's error comes from the second.
    const further = errorPosition(error) > errorPosition(expressionError) ? error : expressionError;
    return { kind: 'unparseable', error: further };
  }
}

/** Acorn's SyntaxError carries the offset it stopped at. */
function errorPosition(error: SyntaxError): number {
  const { pos } = error as SyntaxError & { pos?: unknown };
  return typeof pos === 'number' ? pos : -1;
}

/**
 * The one expression of a wrapped program, if it spans exactly `length` characters from
 * `start`: anything else means the source is not a single function (it cannot be, coming
 * from `fn.toString()`, but the child relies on it).
 */
function onlyExpression(program: Program, start: number, length: number): AnyNode | undefined {
  const [, statement, ...rest] = program.body;
  if (statement?.type !== 'ExpressionStatement' || rest.length > 0) return undefined;
  const { expression } = statement;
  return expression.start === start && expression.end === start + length ? expression : undefined;
}
