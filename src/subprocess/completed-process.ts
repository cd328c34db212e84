/**
 * `CompletedProcess`: what `run` returns, Python's `subprocess.CompletedProcess`.
 */
import { CalledProcessError } from '../errors.ts';
import type { Args } from './options.ts';
import { defineRepr, reprValue } from '../internal/repr.ts';

/**
 * A child program that has ended: its command, return code, and output if it was captured.
 * @example
 * ```ts
 * const done = await run(['ls', '-l'], { captureOutput: true, text: true });
 * done.checkReturncode();
 * console.log(done.stdout);
 * ```
 */
export class CompletedProcess<T extends Buffer | string = Buffer> {
  /** Python's repr of this object, as `util.inspect` (so `console.log`) shows it too. */
  declare toString: () => string;

  /** The command as it was given. */
  readonly args: Args;
  /** The exit status, or minus the number of the signal that killed the child. */
  readonly returncode: number;
  /** The child's stdout if it was captured (`PIPE`), else `null`. */
  readonly stdout: T | null;
  /** The child's stderr if it was captured (`PIPE`), else `null`. */
  readonly stderr: T | null;

  constructor(args: Args, returncode: number, stdout: T | null = null, stderr: T | null = null) {
    this.args = args;
    this.returncode = returncode;
    this.stdout = stdout;
    this.stderr = stderr;
  }

  /**
   * Throws if the return code is not 0. Python's `check_returncode()`.
   * @throws {CalledProcessError} With the return code, the command and the output.
   * @example
   * ```ts
   * (await run(['false'])).checkReturncode(); // throws: exit status 1
   * ```
   */
  checkReturncode(): void {
    if (this.returncode !== 0) {
      throw new CalledProcessError(this.returncode, this.args, this.stdout, this.stderr);
    }
  }
}

// Python's `CompletedProcess(args=['ls'], returncode=0, stdout=b'…')`: the outputs when captured.
defineRepr(CompletedProcess, (done) => {
  const parts = [`args=${reprValue(done.args)}`, `returncode=${done.returncode}`];
  if (done.stdout !== null) parts.push(`stdout=${reprValue(done.stdout)}`);
  if (done.stderr !== null) parts.push(`stderr=${reprValue(done.stderr)}`);
  return `CompletedProcess(${parts.join(', ')})`;
});
