/**
 * What happens to an error that a thread's or process's target does not catch. Python
 * prints it (`Exception in thread NAME:` / `Process NAME:` and the traceback) and the
 * worker ends with exit code 1; `join()` does not rethrow it. The hook is Python's
 * `threading.excepthook`, here covering processes too, and it runs in the parent.
 */
import { RemoteTraceback } from '../errors.ts';
import { typeError } from '../internal/validate.ts';
import type { BaseWorker } from './base-worker.ts';

/** What an excepthook receives. Python's `threading.ExceptHookArgs`. */
export interface ExcepthookArgs {
  /** The class name of the error (`TypeError`), or the type of a thrown non-error. */
  readonly excType: string;
  /** The error, rebuilt in this thread with its class, message, `code` and `cause`. */
  readonly excValue: unknown;
  /** The stack as it was in the worker, or `null` for a thrown non-error. */
  readonly excTraceback: string | null;
  /** The Thread or Process whose target raised it. */
  readonly thread: BaseWorker;
}

export type Excepthook = (args: ExcepthookArgs) => void;

function kindOf(worker: BaseWorker): 'thread' | 'process' {
  // Avoids importing Thread/Process here: both define a `pid` only on Process.
  return 'pid' in worker ? 'process' : 'thread';
}

/**
 * The default hook: prints `Exception in thread NAME:` (threads) or `Process NAME:`
 * (processes) and the remote stack to stderr, as Python does.
 */
export const defaultExcepthook: Excepthook = ({ excValue, excTraceback, thread }) => {
  const header =
    kindOf(thread) === 'thread' ? `Exception in thread ${thread.name}:` : `Process ${thread.name}:`;
  process.stderr.write(`${header}\n${excTraceback ?? String(excValue)}\n`);
};

let hook: Excepthook = defaultExcepthook;

/**
 * Replaces the hook called for uncaught errors in threads and processes started from this
 * thread. Returns the previous hook. `null` restores the default.
 *
 * @example
 * ```ts
 * const errors: unknown[] = [];
 * setExcepthook(({ excValue }) => errors.push(excValue));
 * ```
 */
export function setExcepthook(newHook: Excepthook | null): Excepthook {
  if (newHook !== null && typeof newHook !== 'function') {
    throw typeError('hook', 'a function or null', newHook);
  }
  const previous = hook;
  hook = newHook ?? defaultExcepthook;
  return previous;
}

/** Hands an uncaught error to the hook. A hook that throws is reported, as Python does. */
export function reportUncaught(excValue: unknown, thread: BaseWorker): void {
  const isError = excValue instanceof Error;
  const remote = isError && excValue.cause instanceof RemoteTraceback ? excValue.cause : null;
  const args: ExcepthookArgs = {
    excType: isError ? excValue.name : typeof excValue,
    excValue,
    excTraceback: remote?.remoteStack ?? (isError ? (excValue.stack ?? null) : null),
    thread,
  };
  try {
    hook(args);
  } catch (hookError) {
    process.stderr.write(
      `Exception in threading.excepthook:\n${String((hookError as Error).stack ?? hookError)}\n`,
    );
    defaultExcepthook(args);
  }
}
