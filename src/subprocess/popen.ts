/**
 * `Popen`: one child program, started at once, with Python's `subprocess.Popen` API over
 * `child_process.spawn`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { constants } from 'node:os';
import type { Readable, Writable } from 'node:stream';
import { StateError, SubprocessError, TimeoutExpiredError } from '../errors.ts';
import { waitUntil } from '../internal/timers.ts';
import { checkOptions } from '../internal/options.ts';
import { parseTimeout, typeError } from '../internal/validate.ts';
import { exitCodeOf } from '../runtime/exec.ts';
import { Communication, type Sink } from './communication.ts';
import {
  decodeOutput,
  POPEN_OPTIONS,
  readTextMode,
  type Args,
  type Input,
  type Output,
  type PopenOptions,
  type TextMode,
} from './options.ts';
import { planSpawn } from './spawn-plan.ts';
import { defineRepr, reprValue } from '../internal/repr.ts';

/** Options of {@link Popen.communicate}. */
export interface CommunicateOptions {
  /**
   * What to write to the child's stdin before closing it: bytes, a string, or chunks of
   * either from an iterable, async iterable or `Readable` (written as they come, so a large
   * input need not be held in memory). Needs `stdin: PIPE`.
   */
  readonly input?: Input | undefined;
  /** Milliseconds to wait; then `TimeoutExpiredError`, and the child keeps running. @default Infinity */
  readonly timeout?: number | undefined;
  /**
   * Receives the child's stdout chunk by chunk (raw bytes, in any mode) instead of it being
   * gathered: the result's stdout is then `null`. For output too large to hold.
   */
  readonly onStdout?: Sink | undefined;
  /** As {@link CommunicateOptions.onStdout}, for stderr. */
  readonly onStderr?: Sink | undefined;
}

/** Options of {@link Popen.wait}. */
export interface PopenWaitOptions {
  /** Milliseconds to wait; then `TimeoutExpiredError`. @default Infinity */
  readonly timeout?: number | undefined;
  /** Aborting it rejects the wait with the signal's reason (the child keeps running). */
  readonly signal?: AbortSignal | undefined;
}

/** Options of {@link Popen.sendSignal}, {@link Popen.terminate} and {@link Popen.kill}. */
export interface SignalOptions {
  /**
   * Signal the child's whole process group (its children too). Needs `startNewSession`.
   * @default false
   */
  readonly group?: boolean;
}

/**
 * A child program, started by the constructor. Python's `subprocess.Popen`: the child's
 * pipes are `stdin`, `stdout` and `stderr` (Node streams, or `null`); `communicate()` feeds
 * and drains them without deadlock; `returncode` is `null` while it runs, then its exit
 * status, or minus the signal that killed it.
 *
 * @throws {FileNotFoundError} The program (or `cwd`) does not exist: at the call, as Python.
 * @throws {PermissionError} The program cannot be executed (or `cwd` entered).
 * @throws {SubprocessError} `ERR_SPAWN_FAILED`: the system refused a new process.
 * @throws {ArgumentTypeError} An argument or option of the wrong type.
 * @example
 * ```ts
 * await using proc = new Popen(['sort'], { stdin: PIPE, stdout: PIPE, text: true });
 * const [out] = await proc.communicate({ input: 'b\na\n', timeout: 5_000 });
 * out; // 'a\nb\n'
 * proc.returncode; // 0
 * ```
 */
export class Popen<Text extends boolean = false> {
  /** Python's repr of this object, as `util.inspect` (so `console.log`) shows it too. */
  declare toString: () => string;

  /** The command as it was given. */
  readonly args: Args;
  /** The child's process id. */
  readonly pid: number;
  /** The child's stdin with `stdin: PIPE`, else `null`. */
  readonly stdin: Writable | null;
  /** The child's stdout with `stdout: PIPE`, else `null`. Chunks are `Buffer`s in either mode. */
  readonly stdout: Readable | null;
  /** The child's stderr with `stderr: PIPE`, else `null`. */
  readonly stderr: Readable | null;
  readonly #child: ChildProcess;
  readonly #mode: TextMode;
  readonly #session: boolean;
  readonly #exited: Promise<number>;
  #returncode: number | null = null;
  #communication: Communication | undefined;

  constructor(args: Args, options: PopenOptions<Text> = {}) {
    if (typeof options !== 'object' || (options as unknown) === null) {
      throw typeError('options', 'an object', options);
    }
    checkOptions(options, POPEN_OPTIONS, 'new Popen()');
    this.#mode = readTextMode(options);
    const plan = planSpawn(args, options);
    this.args = plan.args;
    this.#session = options.startNewSession === true;
    const child = spawn(plan.file, plan.argv, plan.options);
    // Node reports a failed spawn (and a failed kill) with an 'error' event; the failures
    // that matter are thrown here, and an unheard 'error' would end the program.
    child.on('error', () => undefined);
    if (child.pid === undefined) {
      throw new SubprocessError(
        'ERR_SPAWN_FAILED',
        `could not start ${typeof plan.args === 'string' ? plan.args : plan.args.join(' ')}: the system refused a new process`,
      );
    }
    this.#child = child;
    this.pid = child.pid;
    this.stdin = child.stdin;
    this.stdout = child.stdout;
    this.stderr = child.stderr;
    this.#exited = new Promise<number>((resolve) => {
      child.once('exit', (code, signal) => {
        this.#returncode = exitCodeOf(code, signal);
        resolve(this.#returncode);
      });
    });
  }

  /**
   * The exit status once the child has ended (and Node has reported it), or minus the
   * number of the signal that killed it (`-9` for SIGKILL); `null` while it runs.
   */
  get returncode(): number | null {
    return this.#returncode;
  }

  /**
   * Whether the child has ended: its return code, or `null` while it runs. Python's `poll()`.
   * @example
   * ```ts
   * if (proc.poll() === null) proc.terminate();
   * ```
   */
  poll(): number | null {
    return this.#returncode;
  }

  /**
   * Waits for the child to end and returns its return code. Python's `wait(timeout)`; a
   * child whose stdout is a pipe that nobody reads may block on it: use `communicate()`.
   * @param timeout - Milliseconds, or `{ timeout, signal }`. @default Infinity
   * @throws {TimeoutExpiredError} The timeout passed; the child is still running.
   * @example
   * ```ts
   * const code = await proc.wait(1_000);
   * ```
   */
  async wait(timeout?: number | PopenWaitOptions): Promise<number> {
    const options: PopenWaitOptions =
      typeof timeout === 'number' || timeout === undefined ? { timeout } : timeout;
    const ms = parseTimeout(options.timeout);
    if (this.#returncode !== null) return this.#returncode;
    if (!(await waitUntil(this.#exited, ms, options.signal))) {
      throw new TimeoutExpiredError(this.args, options.timeout ?? ms);
    }
    return this.#exited;
  }

  /**
   * Writes `input` to the child's stdin and closes it, reads its stdout and stderr to their
   * end, and waits for it to exit, all at once so that no pipe fills and blocks. Returns
   * `[stdout, stderr]`: each a `Buffer` (a string in text mode) if it is a pipe, else `null`.
   *
   * Python's rules: after a timeout the child keeps running and nothing is lost; call
   * `communicate()` again (after `kill()`, say) to get everything from the start. Input can
   * only be given to the first call.
   * @throws {TimeoutExpiredError} The timeout passed: its `output` and `stderr` hold what came so far.
   * @throws {StateError} `ERR_COMMUNICATION_STARTED`: input given to a later call.
   * @throws {TypeError} Text mode with `errors: 'strict'` and output not valid in the encoding.
   * @example
   * ```ts
   * const proc = new Popen(['cat'], { stdin: PIPE, stdout: PIPE });
   * const [out, err] = await proc.communicate({ input: Buffer.from('hi') });
   * // out: <Buffer 68 69>, err: null
   * ```
   */
  async communicate(
    options: CommunicateOptions = {},
  ): Promise<[Output<Text> | null, Output<Text> | null]> {
    const { input, timeout, onStdout, onStderr } = options;
    const ms = parseTimeout(timeout);
    for (const [name, sink] of [
      ['onStdout', onStdout],
      ['onStderr', onStderr],
    ] as const) {
      if (sink !== undefined && typeof sink !== 'function')
        throw typeError(name, 'a function', sink);
    }
    let communication = this.#communication;
    if (communication === undefined) {
      communication = new Communication(this, input, this.#mode, { onStdout, onStderr });
      this.#communication = communication;
    } else if (input !== undefined) {
      throw new StateError(
        'ERR_COMMUNICATION_STARTED',
        'Cannot send input after starting communication',
      );
    }
    const all = Promise.all([communication.done, this.#exited]);
    if (!(await waitUntil(all, ms))) {
      throw new TimeoutExpiredError(
        this.args,
        timeout ?? ms,
        this.#decode(communication.stdout(), true),
        this.#decode(communication.stderr(), true),
      );
    }
    await all;
    return [
      this.#decode(communication.stdout()) as Output<Text> | null,
      this.#decode(communication.stderr()) as Output<Text> | null,
    ];
  }

  #decode(chunks: readonly (Buffer | string)[] | null, partial = false): Buffer | string | null {
    return chunks === null ? null : decodeOutput(chunks, this.#mode, partial);
  }

  /**
   * Sends `signal` to the child; nothing once it has ended (Python's `send_signal`). With
   * `{ group: true }`, to its whole process group, which needs `startNewSession`.
   * @throws {ArgumentTypeError} `group` without `startNewSession`.
   * @example
   * ```ts
   * proc.sendSignal('SIGINT');
   * ```
   */
  sendSignal(signal: NodeJS.Signals | number, options: SignalOptions = {}): void {
    if (typeof signal === 'string' ? !(signal in constants.signals) : !Number.isInteger(signal)) {
      throw typeError('signal', 'a signal name or number', signal);
    }
    if (options.group === true) {
      if (!this.#session) {
        throw typeError('group', 'true only for a child started with `startNewSession`', true);
      }
      try {
        // The child leads its group: its pid is the group's id, valid while any member lives.
        process.kill(-this.pid, signal);
      } catch (error) {
        if ((error as { code?: unknown }).code !== 'ESRCH') throw error;
      }
      return;
    }
    // Once Node has reported the exit the child is reaped and its pid may be reused.
    if (this.#returncode === null) this.#child.kill(signal);
  }

  /**
   * Sends SIGTERM (Python's `terminate()`).
   * @example
   * ```ts
   * proc.terminate();
   * await proc.wait(); // -15
   * ```
   */
  terminate(options: SignalOptions = {}): void {
    this.sendSignal('SIGTERM', options);
  }

  /**
   * Sends SIGKILL (Python's `kill()`); `{ group: true }` kills the child's children too.
   * @example
   * ```ts
   * proc.kill({ group: true });
   * ```
   */
  kill(options: SignalOptions = {}): void {
    this.sendSignal('SIGKILL', options);
  }

  /**
   * `await using proc = new Popen(...)`: at the end of the scope closes stdout and stderr,
   * closes stdin (after what was written to it), and waits for the child, as Python's `with`.
   */
  async [Symbol.asyncDispose](): Promise<void> {
    this.stdout?.destroy();
    this.stderr?.destroy();
    if (this.stdin !== null && !this.stdin.writableEnded) this.stdin.end();
    await this.wait();
  }
}

// Python's `<Popen: returncode: None args: ['ls']>`, with `null` for None.
defineRepr(
  Popen,
  (popen) => `<Popen: returncode: ${popen.returncode} args: ${reprValue(popen.args)}>`,
);
