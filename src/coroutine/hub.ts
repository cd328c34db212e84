/**
 * What stands in for gevent's hub: Node's event loop. Ready greenlets are started and woken
 * by `setImmediate` callbacks, in the order they became ready; an error no parent is waiting
 * for is printed, as the hub prints it; and when the loop has nothing left to do while
 * greenlets still wait on gevent-style waits, those waits fail with `LoopExit` instead of the
 * program ending silently.
 */
import { LoopExit } from '../errors.ts';

/**
 * Runs `fn` from the event loop after every callback already scheduled. Node drains the
 * microtask queue between two immediates, so a greenlet woken by one callback runs until its
 * next switch point before the next callback starts: gevent's order of callbacks.
 */
export function schedule(fn: () => void): () => void {
  const handle = setImmediate(fn);
  return () => {
    clearImmediate(handle);
  };
}

/** One gevent-style wait in progress: who waits, and how to fail it. */
export interface BlockedWait {
  /** Whether the wait is in the thread's main greenlet (the code outside any greenlet). */
  readonly inMain: boolean;
  readonly fail: (error: unknown) => void;
}

const blocked = new Set<BlockedWait>();
let watching = false;

/**
 * Node emits `beforeExit` when the event loop has nothing left: no timer, no I/O, no
 * immediate. Any wait still registered then can never be woken. gevent raises `LoopExit` in
 * the main greenlet; here the main greenlet's waits fail with it, or, when the main greenlet
 * is not in such a wait, every remaining wait does (so that whoever joins them can finish).
 */
function onBeforeExit(): void {
  if (blocked.size === 0) return;
  const waits = [...blocked];
  const inMain = waits.filter((wait) => wait.inMain);
  for (const wait of inMain.length > 0 ? inMain : waits) {
    wait.fail(new LoopExit());
  }
  // Failing a wait queues only promise reactions, which do not keep the loop alive: without
  // one more turn, Node would exit after them without asking again about waits left over.
  setImmediate(() => undefined);
}

/** Registers a wait for the `LoopExit` check; returns the function that removes it. */
export function watchBlocked(wait: BlockedWait): () => void {
  if (!watching) {
    watching = true;
    process.on('beforeExit', onBeforeExit);
  }
  blocked.add(wait);
  return () => {
    blocked.delete(wait);
  };
}

/** What is done with an error no one waits for: `who` raised `error`. */
export type ErrorHandler = (who: string, error: unknown) => void;

let errorHandler: ErrorHandler | null = null;

/**
 * Replaces what is done with an error that a greenlet raised and no parent waited to
 * receive (by default it is printed to stderr, as gevent's hub prints it). Returns the
 * previous handler; `null` restores printing. gevent's `Hub.handle_error`.
 *
 * @example
 * ```ts
 * const failures: unknown[] = [];
 * gevent.setErrorHandler((who, error) => failures.push(error));
 * ```
 */
export function setErrorHandler(handler: ErrorHandler | null): ErrorHandler | null {
  const previous = errorHandler;
  errorHandler = handler;
  return previous;
}

/** Hands an error that no parent waited to receive to the handler, or prints it. */
export function reportError(who: string, error: unknown): void {
  if (errorHandler !== null) {
    errorHandler(who, error);
    return;
  }
  const text = error instanceof Error ? (error.stack ?? String(error)) : String(error);
  process.stderr.write(`${text}\n${who} failed with ${describeError(error)}\n\n`);
}

function describeError(error: unknown): string {
  return error instanceof Error ? error.name : typeof error;
}
