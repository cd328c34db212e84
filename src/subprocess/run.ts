/**
 * `run`, `call`, `checkCall` and `checkOutput`: Python's one-call ways to run a program,
 * built on {@link Popen} with Python's rules for timeouts, input and `check`.
 */
import { ArgumentRangeError, CalledProcessError, TimeoutExpiredError } from '../errors.ts';
import { checkOptions } from '../internal/options.ts';
import { parseTimeout, typeError } from '../internal/validate.ts';
import { CompletedProcess } from './completed-process.ts';
import {
  PIPE,
  POPEN_OPTIONS,
  type Args,
  type Input,
  type Output,
  type PopenOptions,
} from './options.ts';
import { Popen } from './popen.ts';

/** Options of {@link run} and {@link runSync}: {@link PopenOptions} and these. */
export interface RunOptions<Text extends boolean = boolean> extends PopenOptions<Text> {
  /** Written to the child's stdin, which is then a pipe (so `stdin` must not be given). */
  readonly input?: Input | undefined;
  /** Capture stdout and stderr (both `PIPE`; `stdout`/`stderr` must not be given). @default false */
  readonly captureOutput?: boolean;
  /**
   * Milliseconds the child may run; then it is killed (its process group with
   * `startNewSession`), waited for, and `TimeoutExpiredError` thrown. @default Infinity
   */
  readonly timeout?: number | undefined;
  /** Throw `CalledProcessError` if the return code is not 0. @default false */
  readonly check?: boolean;
}

/** Options of {@link call} and {@link checkCall}. */
export interface CallOptions<Text extends boolean = boolean> extends PopenOptions<Text> {
  /** Milliseconds to wait; then the child is killed and `TimeoutExpiredError` thrown. @default Infinity */
  readonly timeout?: number | undefined;
}

/** Options of {@link checkOutput}: those of {@link run} but `stdout`, `captureOutput` and `check`. */
export type CheckOutputOptions<Text extends boolean = boolean> = Omit<
  RunOptions<Text>,
  'stdout' | 'captureOutput' | 'check'
>;

const RUN_OPTIONS = [...POPEN_OPTIONS, 'input', 'captureOutput', 'timeout', 'check'];

/** Splits `run`'s own options from Popen's, checking them as Python's `run` does. */
export function splitRunOptions<Text extends boolean>(
  options: RunOptions<Text>,
): { popen: PopenOptions<Text>; input: Input | undefined; timeout: number; check: boolean } {
  if (typeof options !== 'object' || (options as unknown) === null)
    throw typeError('options', 'an object', options);
  checkOptions(options, RUN_OPTIONS, 'run()');
  const { input, captureOutput = false, timeout, check = false, ...popen } = options;
  if (typeof captureOutput !== 'boolean')
    throw typeError('captureOutput', 'a boolean', captureOutput);
  if (typeof check !== 'boolean') throw typeError('check', 'a boolean', check);
  let stdio: PopenOptions<Text> = popen;
  if (input !== undefined) {
    if (popen.stdin !== undefined && popen.stdin !== null) {
      // Python raises ValueError: a right type, a wrong combination.
      throw new ArgumentRangeError(
        'Expected `stdin` to be left out when `input` is given (the input needs a pipe)',
        'ERR_INVALID_ARG_VALUE',
      );
    }
    stdio = { ...stdio, stdin: PIPE };
  }
  if (captureOutput) {
    if (popen.stdout != null || popen.stderr != null) {
      throw new ArgumentRangeError(
        'Expected `stdout` and `stderr` to be left out with `captureOutput`',
        'ERR_INVALID_ARG_VALUE',
      );
    }
    stdio = { ...stdio, stdout: PIPE, stderr: PIPE };
  }
  return { popen: stdio, input, timeout: parseTimeout(timeout), check };
}

/**
 * Runs a program, waits for it, and returns its return code and captured output. Python's
 * `subprocess.run`: `input` goes to its stdin, `captureOutput` (or `stdout: PIPE`) gathers
 * the output (all of it, never truncated), `timeout` kills the child and waits for it before
 * throwing, `check` throws on a non-zero return code. The shell is not used unless `shell`.
 * @throws {TimeoutExpiredError} After killing the child: `output`/`stderr` hold all it wrote.
 * @throws {CalledProcessError} With `check`, a non-zero return code (negative: a signal).
 * @throws {FileNotFoundError} The program or `cwd` does not exist.
 * @throws {PermissionError} The program cannot be executed.
 * @throws {ArgumentRangeError} `input` with `stdin`, `captureOutput` with `stdout`/`stderr`.
 * @example
 * ```ts
 * const done = await run(['git', 'status', '--short'], { captureOutput: true, text: true, check: true });
 * console.log(done.stdout);
 * await run('ls *.ts | wc -l', { shell: true });
 * ```
 */
export async function run<Text extends boolean = false>(
  args: Args,
  options: RunOptions<Text> = {},
): Promise<CompletedProcess<Output<Text>>> {
  const { popen, input, timeout, check } = splitRunOptions(options);
  const proc = new Popen<Text>(args, popen);
  let stdout: Output<Text> | null;
  let stderr: Output<Text> | null;
  try {
    try {
      [stdout, stderr] = await proc.communicate({ input, timeout });
    } catch (error) {
      if (!(error instanceof TimeoutExpiredError)) {
        proc.kill();
        throw error;
      }
      // Python's rule: kill, then wait, gathering all the child wrote, before raising.
      proc.kill(options.startNewSession === true ? { group: true } : {});
      const [out, err] = await proc.communicate();
      throw new TimeoutExpiredError(proc.args, error.timeout, out, err);
    }
  } finally {
    await proc[Symbol.asyncDispose]();
  }
  const returncode = proc.returncode ?? (await proc.wait());
  if (check && returncode !== 0) {
    throw new CalledProcessError(returncode, proc.args, stdout, stderr);
  }
  return new CompletedProcess(proc.args, returncode, stdout, stderr);
}

/**
 * Runs a program and returns its return code. Python's `subprocess.call`.
 * @throws {TimeoutExpiredError} After killing the child.
 * @throws {FileNotFoundError} The program or `cwd` does not exist.
 * @example
 * ```ts
 * const code = await call(['make', 'test'], { timeout: 60_000 });
 * ```
 */
export async function call<Text extends boolean = false>(
  args: Args,
  options: CallOptions<Text> = {},
): Promise<number> {
  if (typeof options !== 'object' || (options as unknown) === null)
    throw typeError('options', 'an object', options);
  checkOptions(options, [...POPEN_OPTIONS, 'timeout'], 'call()');
  const { timeout, ...popen } = options;
  const ms = parseTimeout(timeout);
  const proc = new Popen<Text>(args, popen);
  try {
    return await proc.wait(ms);
  } catch (error) {
    proc.kill();
    throw error;
  } finally {
    await proc[Symbol.asyncDispose]();
  }
}

/**
 * Runs a program and throws if its return code is not 0. Python's `subprocess.check_call`.
 * @throws {CalledProcessError} A non-zero return code.
 * @throws {TimeoutExpiredError} After killing the child.
 * @example
 * ```ts
 * await checkCall(['tar', 'xf', 'archive.tar']);
 * ```
 */
export async function checkCall<Text extends boolean = false>(
  args: Args,
  options: CallOptions<Text> = {},
): Promise<0> {
  const returncode = await call(args, options);
  if (returncode !== 0) throw new CalledProcessError(returncode, checkedArgs(args));
  return 0;
}

/**
 * Runs a program and returns its stdout, throwing if its return code is not 0. Python's
 * `subprocess.check_output`.
 * @throws {CalledProcessError} A non-zero return code, with the output.
 * @throws {TimeoutExpiredError} After killing the child.
 * @example
 * ```ts
 * const branch = await checkOutput(['git', 'branch', '--show-current'], { text: true });
 * ```
 */
export async function checkOutput<Text extends boolean = false>(
  args: Args,
  options: CheckOutputOptions<Text> = {},
): Promise<Output<Text>> {
  rejectStdout(options);
  const done = await run<Text>(args, { ...options, stdout: PIPE, check: true });
  return done.stdout as Output<Text>;
}

/** Python's check_output refuses a `stdout` of its caller's. */
export function rejectStdout(options: unknown): void {
  if (typeof options === 'object' && options !== null && 'stdout' in options) {
    throw new ArgumentRangeError(
      'Expected `stdout` to be left out: checkOutput() captures it',
      'ERR_INVALID_ARG_VALUE',
    );
  }
}

/** The command as errors carry it: a copy of an array, the string as is. */
export function checkedArgs(args: Args): Args {
  return typeof args === 'string' ? args : [...args];
}
