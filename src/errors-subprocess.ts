/**
 * The errors of `run`, `Popen` and their kin about a child program, Python's
 * `subprocess` exceptions: part of the catalogue (errors.ts exports them with every class).
 */
import { constants } from 'node:os';
import { MultitaskError } from './errors-core.ts';

const { signals: osSignals } = constants;

/**
 * The base of the errors that `run`, `Popen` and their kin throw about a child program:
 * Python's `subprocess.SubprocessError`. Codes: `ERR_CALLED_PROCESS`, `ERR_TIMEOUT_EXPIRED`,
 * and `ERR_SPAWN_FAILED` for a child that could not be started for a reason other than a
 * missing or forbidden executable (too many open files, too many processes).
 */
export class SubprocessError extends MultitaskError {}

/** The output of a child program: bytes as a `Buffer`, or text as a string. */
type ProcessOutput = Uint8Array | string | null;

/** Renders a command as Python's message shows it: its words, quoted where they need it. */
function showCommand(cmd: string | readonly string[]): string {
  if (typeof cmd === 'string') return cmd;
  return cmd.map((word) => (/^[\w@%+=:,./-]+$/.test(word) ? word : JSON.stringify(word))).join(' ');
}

/**
 * A child program that exited with a non-zero status, from `check: true`, `checkCall`,
 * `checkOutput` or `CompletedProcess#checkReturncode()`. Python's
 * `subprocess.CalledProcessError`: a negative `returncode` is the signal that killed it.
 */
export class CalledProcessError extends SubprocessError {
  /** The exit status, or minus the number of the signal that ended the child. */
  readonly returncode: number;
  /** The command as it was given. */
  readonly cmd: string | readonly string[];
  /** What the child wrote to its stdout, if it was captured. */
  readonly output: ProcessOutput;
  /** What the child wrote to its stderr, if it was captured. */
  readonly stderr: ProcessOutput;

  constructor(
    returncode: number,
    cmd: string | readonly string[],
    output: ProcessOutput = null,
    stderr: ProcessOutput = null,
    options?: ErrorOptions,
  ) {
    const signal =
      returncode < 0
        ? Object.entries(osSignals).find(([, number]) => number === -returncode)?.[0]
        : undefined;
    super(
      'ERR_CALLED_PROCESS',
      returncode >= 0
        ? `Command '${showCommand(cmd)}' returned non-zero exit status ${returncode}.`
        : `Command '${showCommand(cmd)}' died with ${signal ?? `unknown signal ${-returncode}`}.`,
      options,
    );
    this.returncode = returncode;
    this.cmd = cmd;
    this.output = output;
    this.stderr = stderr;
  }

  /** The same as {@link CalledProcessError.output}, as Python names it too. */
  get stdout(): ProcessOutput {
    return this.output;
  }
}

/**
 * A child program that outlived its timeout. From `run`, the child has been killed and
 * waited for, and `output`/`stderr` hold all it wrote; from `Popen#communicate` or
 * `Popen#wait`, the child is still running, and `output`/`stderr` hold what it wrote so far.
 * Python's `subprocess.TimeoutExpired`, with `timeout` in milliseconds.
 */
export class TimeoutExpiredError extends SubprocessError {
  /** The command as it was given. */
  readonly cmd: string | readonly string[];
  /** The timeout that expired, in milliseconds. */
  readonly timeout: number;
  /** What the child wrote to its stdout until then, if it was captured. */
  readonly output: ProcessOutput;
  /** What the child wrote to its stderr until then, if it was captured. */
  readonly stderr: ProcessOutput;

  constructor(
    cmd: string | readonly string[],
    timeout: number,
    output: ProcessOutput = null,
    stderr: ProcessOutput = null,
    options?: ErrorOptions,
  ) {
    super(
      'ERR_TIMEOUT_EXPIRED',
      `Command '${showCommand(cmd)}' timed out after ${timeout} milliseconds`,
      options,
    );
    this.cmd = cmd;
    this.timeout = timeout;
    this.output = output;
    this.stderr = stderr;
  }

  /** The same as {@link TimeoutExpiredError.output}, as Python names it too. */
  get stdout(): ProcessOutput {
    return this.output;
  }
}
