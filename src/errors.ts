/**
 * The error catalogue. Every error multitask throws is one of these classes, each with a
 * stable, readonly `code`. Errors from Python's vocabulary keep Python's name with an
 * `Error` suffix; misuse of an argument is an {@link ArgumentTypeError} (a `TypeError`) or
 * an {@link ArgumentRangeError} (a `RangeError`).
 *
 * A fresh error is created for every throw, with `cause` where there is one.
 * The codes themselves are listed in error-codes.ts, and the wire rebuilds these classes by
 * name from this module's exports (transport/wire.ts). The base class is in errors-core.ts
 * and the subprocess classes in errors-subprocess.ts; this module exports them too, so it
 * stays the one place that lists every class.
 *
 */
import { constants } from 'node:os';
import { inspect, type InspectOptionsStylized } from 'node:util';
import { MultitaskError } from './errors-core.ts';

const { errno: osErrno } = constants;

export type { ErrorCode } from './error-codes.ts';

export { ArgumentRangeError, ArgumentTypeError, MultitaskError } from './errors-core.ts';
export * from './errors-subprocess.ts';

/**
 * An operation that the object's current state does not allow: starting a thread twice,
 * joining one that was never started, changing `daemon` after `start()`, using a closed
 * process. Python raises `RuntimeError`, `AssertionError` or `ValueError` for these; the
 * message is Python's.
 */
export class StateError extends MultitaskError {}

/**
 * A deadlock found by deadlock detection (`MULTITASK_DEBUG=deadlock:throw`, or
 * `setDeadlockDetection({ mode: 'throw' })`): thrown in one member of a wait-for cycle, from
 * its `acquire()`, to break the cycle. The message names every member and lock of the cycle.
 * Python's import lock raises `_DeadlockError` (a `RuntimeError`) the same way.
 */
export class DeadlockError extends MultitaskError {
  constructor(message: string) {
    super('ERR_DEADLOCK', message);
  }
}

/**
 * A value that cannot be sent to another thread or process: an argument that structured
 * clone refuses, or an inline function that captures variables from its surroundings.
 * Python raises `pickle.PicklingError` in the same places.
 */
export class PicklingError extends MultitaskError {}

/**
 * The stack of an error raised in another thread or process. Errors that come back from a
 * worker carry one as their `cause`, as Python attaches `RemoteTraceback` as `__cause__`.
 */
export class RemoteTraceback extends MultitaskError {
  /** The remote error's stack, as it was printed on the other side. */
  readonly remoteStack: string;

  constructor(remoteStack: string, options?: ErrorOptions) {
    super('ERR_REMOTE_TRACEBACK', `\n"""\n${remoteStack}\n"""`, options);
    this.remoteStack = remoteStack;
    // No stack of its own: printed after an error whose stack is the remote one, Node would
    // fold the frames the two share (those its message quotes, or Node's own) out of both.
    this.stack = `${this.name} [${this.code}]: the remote stack is in remoteStack`;
  }

  /**
   * Printed as the cause of the error it came with, whose own stack is the remote one: one
   * line instead of that stack twice more (in the message and in `remoteStack`), then the
   * remote error's own cause, if it had one.
   */
  [inspect.custom](_depth: number, options: InspectOptionsStylized): string {
    const line = `${this.name} [${this.code}]: the remote stack (remoteStack) is the stack above`;
    if (this.cause === undefined) return line;
    const cause = inspect(this.cause, { ...options, depth: (options.depth ?? 2) - 1 });
    return `${line} {\n  [cause]: ${cause.replaceAll('\n', '\n  ')}\n}`;
  }
}

/**
 * Bytes from the network that the codec refuses to decode: larger than its limit
 * (`ERR_NET_TOO_LARGE`), nested deeper than its limit (`ERR_NET_TOO_DEEP`), or not a
 * well-formed message (`ERR_NET_MALFORMED`). Python's `pickle.UnpicklingError`.
 */
export class UnpicklingError extends MultitaskError {}

/** A peer that failed the authkey handshake. Python's `multiprocessing.AuthenticationError`. */
export class AuthenticationError extends MultitaskError {}

/** A missing key of a Manager's dict (`getItem`, `delete`, `pop`). Python's `KeyError`. */
export class KeyError extends MultitaskError {}

/** An index out of range of a Manager's list. Python's `IndexError`. */
export class IndexError extends MultitaskError {}

/** A method a Manager does not expose for the object. Python's `AttributeError`. */
export class AttributeError extends MultitaskError {}

/** A worker whose code could not be loaded or started. */
export class WorkerStartError extends MultitaskError {}

/**
 * Python's `KeyboardInterrupt`: a child process received SIGINT (`Process#interrupt()`, or
 * Ctrl-C) while it had no SIGINT listener of its own. The child ends with exit code 1, as
 * Python's does, and its parent reports this error as the child's uncaught one.
 */
export class KeyboardInterrupt extends MultitaskError {}

/**
 * A barrier that is broken: aborted, reset while threads waited, timed out, or whose action
 * failed. Python's `threading.BrokenBarrierError`.
 */
export class BrokenBarrierError extends MultitaskError {
  constructor(message = 'the barrier is broken', options?: ErrorOptions) {
    super('ERR_BROKEN_BARRIER', message, options);
  }
}

/** A wait that ran out of time where returning `false` is not an option. Python's `TimeoutError`. */
export class TimeoutError extends MultitaskError {
  constructor(message: string, options?: ErrorOptions) {
    super('ERR_TIMEOUT', message, options);
  }
}

/**
 * The broker through which child processes reach shared objects could not be reached, or
 * failed: the parent process is gone, or the object no longer exists there.
 */
export class BrokerError extends MultitaskError {}

/**
 * A non-blocking or timed `get` found the queue empty. Python's `queue.Empty`.
 */
export class QueueEmptyError extends MultitaskError {
  constructor(message = 'the queue is empty', options?: ErrorOptions) {
    super('ERR_QUEUE_EMPTY', message, options);
  }
}

/**
 * A non-blocking or timed `put` found the queue full. Python's `queue.Full`.
 */
export class QueueFullError extends MultitaskError {
  constructor(message = 'the queue is full', options?: ErrorOptions) {
    super('ERR_QUEUE_FULL', message, options);
  }
}

/**
 * A `put` on a queue that was shut down, or a `get` on one that was shut down and is empty.
 * Python 3.13's `queue.ShutDown`.
 */
export class QueueShutDownError extends MultitaskError {
  constructor(message = 'the queue is shut down', options?: ErrorOptions) {
    super('ERR_QUEUE_SHUT_DOWN', message, options);
  }
}

/**
 * A `recv` on a pipe whose other end was closed and which holds nothing more. Python's
 * `EOFError`.
 */
export class EOFError extends MultitaskError {
  constructor(message = 'the other end of the pipe is closed', options?: ErrorOptions) {
    super('ERR_EOF', message, options);
  }
}

/**
 * `Connection.recvBytesInto` received a message longer than the room left in the buffer.
 * The message is taken off the pipe all the same, and carried here: Python's
 * `multiprocessing.BufferTooShort`, whose `args[0]` is the message.
 */
export class BufferTooShortError extends MultitaskError {
  /** The whole message that did not fit. */
  readonly bytes: Uint8Array;

  constructor(bytes: Uint8Array, room: number, options?: ErrorOptions) {
    super(
      'ERR_BUFFER_TOO_SHORT',
      `the buffer is too short: the message has ${bytes.length} bytes, the buffer room for ` +
        `${room}; the message is in the error's \`bytes\``,
      options,
    );
    this.bytes = bytes;
  }
}

/**
 * A future that was cancelled: what `result()` and `exception()` raise for it. Python's
 * `concurrent.futures.CancelledError`.
 */
export class CancelledError extends MultitaskError {
  constructor(message = 'the future was cancelled', options?: ErrorOptions) {
    super('ERR_CANCELLED', message, options);
  }
}

/**
 * An operation on a future in the wrong state: setting the result of a finished or
 * cancelled future. Python's `concurrent.futures.InvalidStateError`.
 */
export class InvalidStateError extends MultitaskError {
  constructor(message: string, options?: ErrorOptions) {
    super('ERR_INVALID_STATE', message, options);
  }
}

/**
 * An executor that can no longer run anything: one of its workers died, or its initializer
 * failed. Pending futures fail with it and later submits throw it. Python's
 * `concurrent.futures.BrokenExecutor`.
 */
export class BrokenExecutorError extends MultitaskError {
  constructor(message: string, options?: ErrorOptions) {
    super('ERR_BROKEN_EXECUTOR', message, options);
  }
}

/** A broken {@link ThreadPoolExecutor}. Python's `BrokenThreadPool`. */
export class BrokenThreadPoolError extends BrokenExecutorError {}

/** A broken {@link ProcessPoolExecutor}. Python's `BrokenProcessPool`. */
export class BrokenProcessPoolError extends BrokenExecutorError {}

/**
 * A distributed executor's failure: a job naming a task that no worker registered
 * (`ERR_TASK_NOT_REGISTERED`, never retried), or a Redis server that cannot be reached
 * (`ERR_REDIS_UNREACHABLE`).
 */
export class DistributedError extends MultitaskError {}

/**
 * A `Pool`/`ThreadPool` task whose worker died while running it (a `process.exit()`, a
 * crash, a kill). The pool replaces the worker and goes on. Python's `Pool` leaves such a task
 * pending forever; billiard, Celery's fork of it, calls this `WorkerLostError`.
 */
export class WorkerLostError extends MultitaskError {
  /** The worker's exit code, as Python reports it (negative signal numbers). */
  readonly exitCode: number | null;

  constructor(message: string, exitCode: number | null, options?: ErrorOptions) {
    super('ERR_WORKER_LOST', message, options);
    this.exitCode = exitCode;
  }
}

/**
 * A file that does not exist: the program a child was to run (not found on `PATH`, or no
 * such path), or its working directory. Thrown at the call that starts the child, as Python
 * raises `FileNotFoundError` from `Popen()`.
 */
export class FileNotFoundError extends MultitaskError {
  /** The system's error number, as Python's `errno` (ENOENT). */
  readonly errno: number;
  /** The missing file. */
  readonly filename: string;

  constructor(filename: string, options?: ErrorOptions) {
    super('ERR_FILE_NOT_FOUND', `No such file or directory: '${filename}'`, options);
    this.errno = osErrno.ENOENT;
    this.filename = filename;
  }
}

/**
 * A file that exists already: a `SharedMemory` created with a name another segment has.
 * Python's `FileExistsError`.
 */
export class FileExistsError extends MultitaskError {
  /** The system's error number, as Python's `errno` (EEXIST). */
  readonly errno: number;
  /** The file that exists. */
  readonly filename: string;

  constructor(filename: string, options?: ErrorOptions) {
    super('ERR_FILE_EXISTS', `File exists: '${filename}'`, options);
    this.errno = osErrno.EEXIST;
    this.filename = filename;
  }
}

/**
 * A file that may not be used so: a program that is not executable, or a working directory
 * that may not be entered. Python's `PermissionError`, raised from `Popen()`.
 */
export class PermissionError extends MultitaskError {
  /** The system's error number, as Python's `errno` (EACCES). */
  readonly errno: number;
  /** The file that may not be used. */
  readonly filename: string;

  constructor(filename: string, options?: ErrorOptions) {
    super('ERR_PERMISSION_DENIED', `Permission denied: '${filename}'`, options);
    this.errno = osErrno.EACCES;
    this.filename = filename;
  }
}

/**
 * Raised inside a greenlet to end it: by `throw()` with no error, or by `kill()`. A run that
 * lets it escape ends quietly, and its parent receives the error as a value instead of
 * having it thrown. Python's `greenlet.GreenletExit`.
 */
export class GreenletExit extends MultitaskError {
  constructor(message = 'greenlet exit', options?: ErrorOptions) {
    super('ERR_GREENLET_EXIT', message, options);
  }
}

/**
 * A switch that cannot happen: to a greenlet of another thread
 * (`ERR_GREENLET_WRONG_THREAD`), or to one that is running but not suspended in a switch or
 * wait, such as a greenlet awaiting a plain Promise (`ERR_GREENLET_BUSY`). Python's
 * `greenlet.error`.
 */
export class GreenletError extends MultitaskError {}

/**
 * Every greenlet waits on something that nothing left in the event loop can set: the wait
 * rejects instead of the program exiting silently. Python's `gevent.exceptions.LoopExit`.
 */
export class LoopExit extends MultitaskError {
  constructor(message = 'This operation would block forever', options?: ErrorOptions) {
    super('ERR_LOOP_EXIT', message, options);
  }
}

/**
 * A gevent-style timeout that expired: thrown into the greenlet at its next switch point
 * (`sleep`, `join`, a gevent `Event`'s `wait`, `get()`, `switch()`), and by `get()` with
 * `block: false` or a timeout on a greenlet or `AsyncResult` not ready. `ms` is the timeout's
 * length. Python's `gevent.Timeout`.
 */
export class Timeout extends MultitaskError {
  /** The timeout's length in milliseconds, or `null` for a non-blocking check. */
  readonly ms: number | null;

  constructor(ms: number | null = null, message?: string, options?: ErrorOptions) {
    super('ERR_GEVENT_TIMEOUT', message ?? (ms === null ? 'timeout' : `${ms} ms`), options);
    this.ms = ms;
  }
}
