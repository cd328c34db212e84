/**
 * Which coroutine is running now: a value that follows a chain of `await`s, set by
 * {@link runInCoroutine} and read by {@link currentCoroutine}. Greenlets are the coroutines;
 * `threading.local` reads the same value as its scope.
 *
 * Why not `AsyncLocalStorage`: on Node 20 it rides on `async_hooks`, whose promise hooks give
 * every id, resource and trigger bookkeeping to every promise of the program. A greenlet
 * switch is two promise settlements, and that bookkeeping doubled its cost (measured: a bare
 * two-promise ping-pong ~0.2 µs, ~0.43 µs with an `AsyncLocalStorage` active). V8's own
 * promise hooks (`v8.promiseHooks`) do the one thing needed here, and cost a property write
 * per promise. They are installed on the first {@link runInCoroutine}, so a program that
 * never starts a greenlet pays nothing.
 *
 * The value follows promises only: a promise records the coroutine that created it, and its
 * reactions (an `await`'s continuation, a `then` callback) run with that coroutine current.
 * Timer, I/O and `nextTick` callbacks run outside every coroutine, as gevent's hub callbacks
 * run in the hub, not in the greenlet that scheduled them.
 */
import { promiseHooks } from 'node:v8';

const kCoroutine = Symbol('multitask.coroutine');

type Tagged = Promise<unknown> & { [kCoroutine]?: object };

/** The coroutine whose code runs now; `undefined` outside every coroutine. */
let current: object | undefined;
let installed = false;

function install(): void {
  installed = true;
  promiseHooks.createHook({
    init(promise: Tagged, parent: Promise<unknown> | undefined) {
      // Reactions run for derived promises only (an await's, a then's: those with a parent);
      // a promise made by `new Promise` never has its own, so it needs no tag.
      if (current !== undefined && parent !== undefined) promise[kCoroutine] = current;
    },
    before(promise: Tagged) {
      current = promise[kCoroutine];
    },
    after() {
      // Between two reactions, and in the callbacks of timers and I/O, no coroutine runs.
      current = undefined;
    },
  });
}

/**
 * Runs `fn` with `coroutine` current, for its synchronous part and for every promise it
 * creates (so for what follows each of its `await`s).
 */
export function runInCoroutine<T>(coroutine: object, fn: () => T): T {
  if (!installed) install();
  const previous = current;
  current = coroutine;
  try {
    return fn();
  } finally {
    current = previous;
  }
}

/** The coroutine running now, or `undefined` outside every coroutine. */
export function currentCoroutine(): object | undefined {
  return current;
}
