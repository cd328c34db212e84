/**
 * Python's `threading.local`: an object whose attributes each thread sees on its own.
 *
 * Each thread and each process is its own JavaScript realm with its own module state, so a
 * `Local` made at a module's top level is already a separate object in every thread. What
 * remains is the scopes inside one thread: each greenlet gets its own values (gevent's
 * patched `local`), the rest of the thread shares one. The scope is the coroutine running
 * now (internal/coroutine-context.ts), which follows a greenlet across its `await`s.
 */
import { ArgumentTypeError } from '../errors.ts';
import { currentCoroutine } from '../internal/coroutine-context.ts';

/** The scope of this thread's code that runs in no greenlet. One per realm, so per thread. */
const threadScope: object = Object.freeze({ scope: 'thread' });

/** The scope of the code running now: a greenlet, or `threadScope` outside any. */
function currentScope(): object {
  return currentCoroutine() ?? threadScope;
}

type Attributes = Record<PropertyKey, unknown>;

/**
 * An object whose attributes belong to the thread (or greenlet) that sets them. Python's
 * `threading.local`.
 *
 * Subclass it and override {@link Local.init} to give each thread initial values: `init`
 * runs with the constructor's arguments in the creating scope at construction, and again,
 * with the same arguments, the first time each other thread or greenlet touches the object
 * (Python's `__init__` of a `local` subclass). Declare a subclass's attributes with
 * `declare` (`declare color: string`): a class field would be set once, in the creating
 * scope only.
 *
 * @throws {ArgumentTypeError} `ERR_INVALID_ARG_VALUE` when constructor arguments are given
 * but the class does not override `init` (Python: "Initialization arguments are not
 * supported").
 * @example
 * ```ts
 * const data = local();
 * data.user = 'alex';                 // seen by this thread (or greenlet) only
 *
 * class Settings extends Local {
 *   declare color: string;
 *   protected override init(color: string): void {
 *     this.color = color;             // runs once per thread and greenlet
 *   }
 * }
 * const settings = new Settings('red');
 * ```
 */
export class Local {
  // The proxy keeps no state on the object itself: every attribute lives in the map of the
  // scope that set it, and the map is dropped with the scope (a greenlet, or the realm).
  [key: string]: unknown;

  constructor(...args: unknown[]) {
    const byScope = new WeakMap<object, Attributes>();
    const { init } = Object.getPrototypeOf(this) as { init: (...a: unknown[]) => void };
    if (args.length > 0 && init === Local.prototype.init) {
      throw new ArgumentTypeError(
        'Initialization arguments are not supported',
        'ERR_INVALID_ARG_VALUE',
      );
    }
    const holder: { proxy?: Local } = {};
    const own = (): Attributes => {
      const scope = currentScope();
      let attributes = byScope.get(scope);
      if (attributes === undefined) {
        attributes = Object.create(null) as Attributes;
        // Stored before `init` runs, so that the assignments `init` makes land in it.
        byScope.set(scope, attributes);
        init.apply(holder.proxy, args);
      }
      return attributes;
    };
    const proxy = new Proxy(this, {
      get: (target, key, receiver) => {
        const attributes = own();
        return key in attributes ? attributes[key] : Reflect.get(target, key, receiver);
      },
      set: (_target, key, value) => {
        own()[key] = value;
        return true;
      },
      has: (target, key) => key in own() || Reflect.has(target, key),
      deleteProperty: (_target, key) => Reflect.deleteProperty(own(), key),
      defineProperty: (_target, key, descriptor) => {
        own()[key] = descriptor.value;
        return true;
      },
      ownKeys: () => Reflect.ownKeys(own()),
      getOwnPropertyDescriptor: (_target, key) => {
        const attributes = own();
        if (!(key in attributes)) return undefined;
        return { value: attributes[key], writable: true, enumerable: true, configurable: true };
      },
    });
    holder.proxy = proxy;
    // Python runs `__init__` at construction in the creating thread.
    own();
    return proxy;
  }

  /**
   * Sets a scope's initial attributes; runs once per thread and greenlet with the
   * constructor's arguments. Does nothing unless a subclass overrides it.
   */
  protected init(..._args: never[]): void {
    // Nothing to set by default.
  }
}

/**
 * Makes an object whose attributes each thread (and each greenlet) sees on its own.
 * Python's `threading.local()`.
 *
 * @example
 * ```ts
 * const data = local();
 * data.count = 1;
 * ```
 */
export function local(): Local {
  return new Local();
}
