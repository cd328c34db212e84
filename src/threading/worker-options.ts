/**
 * What `new Thread()`, `new Process()` and their `join()` are given: the options a user
 * passes, checked here with the messages the tests hold them to; and in a worker's own
 * thread or process, the argument that rebuilds the worker object there (what it is told
 * about itself), with the backend class whose constructor takes it. Apart from
 * base-worker.ts, which owns the lifecycle, because all of it is read before the
 * lifecycle's private state exists, and reads none of it.
 */
import { StateError } from '../errors.ts';
import { checkOptions, optionNames } from '../internal/options.ts';
import type { kRevive } from '../internal/symbols.ts';
import { assertBoolean, assertString, typeError } from '../internal/validate.ts';
import type { TargetSpec } from '../runtime/protocol.ts';
import type { AnyFunction, Target } from '../runtime/target.ts';

/** Options shared by `new Thread()` and `new Process()`. */
export type WorkerOptions<F extends AnyFunction> = {
  /**
   * The function to call: a task reference from `taskModule()`, or a self-contained inline
   * function (shipped as source). Without one, the default `run()` does nothing.
   */
  readonly target?: Target<F> | undefined;
  /** The name; defaults to `Thread-N` / `Thread-N (target)` or `Process-N`. */
  readonly name?: string | undefined;
  /** Whether the worker is a daemon; defaults to the creating thread's or process's status. */
  readonly daemon?: boolean | undefined;
} & ([] extends Parameters<F>
  ? {
      /** Arguments for `target`, sent by structured clone. */ readonly args?: Parameters<F>;
    }
  : { readonly args: Parameters<F> });

const WORKER_OPTIONS = optionNames<WorkerOptions<AnyFunction>>({
  target: true,
  name: true,
  daemon: true,
  args: true,
});

/** {@link WorkerOptions} as {@link readWorkerOptions} has checked them. */
interface CheckedWorkerOptions {
  readonly target?: Target | undefined;
  readonly name?: string | undefined;
  readonly daemon?: boolean | undefined;
  readonly args?: readonly unknown[] | undefined;
}

const NO_OPTIONS: CheckedWorkerOptions = {};

/**
 * Checks the options of `where` (`new Thread()`) and returns them, the same object.
 * @throws {ArgumentTypeError} for an unknown option, or a value of the wrong type.
 */
export function readWorkerOptions(
  options: WorkerOptions<AnyFunction> | undefined,
  where: string,
): CheckedWorkerOptions {
  checkOptions(options, WORKER_OPTIONS, where, '`{ target: task }`');
  const read = options ?? NO_OPTIONS;
  const { name, daemon, args } = read as { name?: unknown; daemon?: unknown; args?: unknown };
  if (args !== undefined && !Array.isArray(args)) throw typeError('args', 'an array', args);
  if (name !== undefined) assertString(name, 'name');
  if (daemon !== undefined) assertBoolean(daemon, 'daemon');
  return read;
}

/** Options accepted by `join()` and other waits. */
export interface JoinOptions {
  /** Milliseconds to wait at most; negative means do not wait. Default: forever. */
  readonly timeout?: number | undefined;
  /** Stops waiting (rejecting with the signal's reason) when aborted. */
  readonly signal?: AbortSignal | undefined;
}

const JOIN_OPTIONS = optionNames<JoinOptions>({ timeout: true, signal: true });

/**
 * `join()`'s argument as options, checked; `join(null)` waits forever, as Python's
 * `join(None)`.
 * @throws {ArgumentTypeError} for an unknown option.
 */
export function readJoinOptions(timeout: number | JoinOptions | undefined): JoinOptions {
  const options: JoinOptions =
    typeof timeout === 'object' && (timeout as unknown) !== null
      ? timeout
      : { timeout: timeout as number | undefined };
  checkOptions(options, JOIN_OPTIONS, 'join()');
  return options;
}

/** What a revived instance in its own thread or process is told about itself. */
export interface ReviveInfo {
  readonly name: string;
  readonly daemon: boolean;
  readonly target: TargetSpec;
  readonly args: readonly unknown[];
}

/** The constructor argument that rebuilds a worker object in its own thread or process. */
export interface RevivedOptions {
  readonly [kRevive]: ReviveInfo;
}

/**
 * The backend class (Thread or Process) of the registered class `cls`, whose constructor
 * takes {@link RevivedOptions}: the one right below `base` (BaseWorker, which imports this
 * module, so it is passed in).
 * @throws {StateError} `ERR_INTERNAL` when `cls` is not below `base`.
 */
export function backendOf(cls: object, base: object): new (options: RevivedOptions) => object {
  let backend = cls;
  for (let up = Object.getPrototypeOf(cls) as object | null; up !== base;) {
    if (up === null) {
      throw new StateError(
        'ERR_INTERNAL',
        'multitask: a registered class is not a Thread or Process',
      );
    }
    backend = up;
    up = Object.getPrototypeOf(up) as object | null;
  }
  return backend as new (options: RevivedOptions) => object;
}
