/**
 * `runSync` and its kin: the blocking forms of `run`, `call`, `checkCall` and
 * `checkOutput`, over `child_process.spawnSync`, with the same options and rules.
 */
import { spawnSync } from 'node:child_process';
import {
  CalledProcessError,
  FileNotFoundError,
  PermissionError,
  SubprocessError,
  TimeoutExpiredError,
} from '../errors.ts';
import { typeError } from '../internal/validate.ts';
import { exitCodeOf } from '../runtime/exec.ts';
import { CompletedProcess } from './completed-process.ts';
import {
  decodeOutput,
  encodeInput,
  PIPE,
  readTextMode,
  type Args,
  type Output,
} from './options.ts';
import {
  checkedArgs,
  rejectStdout,
  splitRunOptions,
  type CallOptions,
  type CheckOutputOptions,
  type RunOptions,
} from './run.ts';
import { planSpawn } from './spawn-plan.ts';

/** The input of a blocking run, whole: async iterables cannot be read without the event loop. */
function wholeInput(input: RunOptions['input'], mode: ReturnType<typeof readTextMode>): Buffer {
  if (typeof input === 'string' || input instanceof Uint8Array) {
    return Buffer.from(encodeInput(input, mode));
  }
  if (typeof input === 'object' && (input as unknown) !== null && Symbol.iterator in input) {
    return Buffer.concat([...input].map((chunk) => encodeInput(chunk, mode)));
  }
  throw typeError('input', 'a string, a Uint8Array, or a (sync) iterable of them', input);
}

/**
 * Runs a program and blocks until it ends: {@link run} without the event loop. Same options
 * (input must be bytes, a string or a sync iterable) and the same rules: output is never
 * truncated, a timeout kills the child (only the child: a blocking wait cannot signal its
 * process group in time) and throws with what it wrote.
 * @throws {TimeoutExpiredError} After killing the child.
 * @throws {CalledProcessError} With `check`, a non-zero return code.
 * @throws {FileNotFoundError} The program or `cwd` does not exist.
 * @throws {PermissionError} The program cannot be executed.
 * @example
 * ```ts
 * const { stdout } = runSync(['uname', '-s'], { captureOutput: true, text: true });
 * ```
 */
export function runSync<Text extends boolean = false>(
  args: Args,
  options: RunOptions<Text> = {},
): CompletedProcess<Output<Text>> {
  const { popen, input, timeout, check } = splitRunOptions(options);
  const mode = readTextMode(popen);
  const plan = planSpawn(args, popen);
  const result = spawnSync(plan.file, plan.argv, {
    ...plan.options,
    ...(input === undefined ? {} : { input: wholeInput(input, mode) }),
    ...(timeout === Infinity ? {} : { timeout }),
    killSignal: 'SIGKILL',
    // Node's default of 1 MiB kills the child and truncates its output: Python has no limit.
    maxBuffer: Infinity,
  });
  const decode = (bytes: Buffer | null | undefined): Output<Text> | null =>
    bytes === null || bytes === undefined ? null : (decodeOutput([bytes], mode) as Output<Text>);
  const stdout = decode(result.stdout);
  const stderr = decode(result.stderr);
  const error = result.error as (Error & { code?: unknown }) | undefined;
  if (error?.code === 'ETIMEDOUT') {
    throw new TimeoutExpiredError(plan.args, options.timeout ?? timeout, stdout, stderr);
  }
  if (error?.code === 'ENOENT') throw new FileNotFoundError(plan.file, { cause: error });
  if (error?.code === 'EACCES') throw new PermissionError(plan.file, { cause: error });
  if (error !== undefined) {
    throw new SubprocessError('ERR_SPAWN_FAILED', `could not run ${plan.file}: ${error.message}`, {
      cause: error,
    });
  }
  const returncode = exitCodeOf(result.status, result.signal);
  if (check && returncode !== 0) {
    throw new CalledProcessError(returncode, plan.args, stdout, stderr);
  }
  return new CompletedProcess(plan.args, returncode, stdout, stderr);
}

/**
 * Runs a program, blocking, and returns its return code. {@link call} without the event loop.
 * @throws {TimeoutExpiredError} After killing the child.
 * @example
 * ```ts
 * const code = callSync(['make']);
 * ```
 */
export function callSync<Text extends boolean = false>(
  args: Args,
  options: CallOptions<Text> = {},
): number {
  return runSync<Text>(args, options).returncode;
}

/**
 * Runs a program, blocking, and throws if its return code is not 0. {@link checkCall}
 * without the event loop.
 * @throws {CalledProcessError} A non-zero return code.
 * @example
 * ```ts
 * checkCallSync(['mkdir', '-p', 'out']);
 * ```
 */
export function checkCallSync<Text extends boolean = false>(
  args: Args,
  options: CallOptions<Text> = {},
): 0 {
  const returncode = callSync(args, options);
  if (returncode !== 0) throw new CalledProcessError(returncode, checkedArgs(args));
  return 0;
}

/**
 * Runs a program, blocking, and returns its stdout, throwing if its return code is not 0.
 * {@link checkOutput} without the event loop.
 * @throws {CalledProcessError} A non-zero return code, with the output.
 * @example
 * ```ts
 * const head = checkOutputSync(['git', 'rev-parse', 'HEAD'], { text: true }).trim();
 * ```
 */
export function checkOutputSync<Text extends boolean = false>(
  args: Args,
  options: CheckOutputOptions<Text> = {},
): Output<Text> {
  rejectStdout(options);
  return runSync<Text>(args, { ...options, stdout: PIPE, check: true }).stdout as Output<Text>;
}
