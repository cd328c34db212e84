/**
 * From Python's arguments to `child_process`'s: the program and its argv, the stdio array,
 * and the checks that make a missing program or working directory fail at the call.
 *
 * Node reports a program it cannot run through an `'error'` event a tick later; Python
 * raises from `Popen()`. So the program is looked up here first, the way `execvp` will look
 * it up (the child's `PATH`, relative paths from the child's `cwd`), and a failure throws
 * now, as `FileNotFoundError` or `PermissionError`.
 */
import { accessSync, constants as fsConstants, statSync } from 'node:fs';
import { delimiter, isAbsolute, resolve } from 'node:path';
import type { SpawnOptions, StdioNull, StdioPipe } from 'node:child_process';
import type { Stream } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { FileNotFoundError, PermissionError } from '../errors.ts';
import { rangeError, typeError } from '../internal/validate.ts';
import {
  DEVNULL,
  PIPE,
  STDOUT,
  type Args,
  type PopenOptions,
  type StdioOption,
} from './options.ts';

/** What `child_process.spawn` (or `spawnSync`) is given. */
export interface SpawnPlan {
  readonly file: string;
  readonly argv: string[];
  readonly options: SpawnOptions & { stdio: StdioEntry[] };
  /** The command as the caller gave it, for errors and `CompletedProcess#args`. */
  readonly args: Args;
}

type StdioEntry = StdioPipe | StdioNull | number | Stream;

/** Where `execvp` looks when the environment has no `PATH` (glibc's and libuv's default). */
const DEFAULT_PATH = '/usr/bin:/bin';

/** The shell that `shell: true` runs, as Python's `/bin/sh`. */
const SHELL = '/bin/sh';

/**
 * Puts the child's stderr where its stdout goes, then runs the program in the same process
 * (`exec`), so that `pid` is the program's own. Node cannot hand one pipe to two of the
 * child's descriptors, so a shell does the `dup2` that Python's `_execute_child` does.
 */
const MERGE_THEN_EXEC = 'exec 2>&1; exec "$0" "$@"';

export function checkArgs(args: unknown): Args {
  if (typeof args === 'string') {
    if (args === '') throw rangeError('args', 'a non-empty string or array of strings', args);
    return args;
  }
  if (!Array.isArray(args) || args.some((word) => typeof word !== 'string')) {
    throw typeError('args', 'a string or an array of strings', args);
  }
  if (args.length === 0) throw rangeError('args', 'a non-empty array of strings', args);
  return [...(args as string[])];
}

function stdioEntry(value: StdioOption, name: string): StdioEntry {
  if (value === undefined || value === null || value === 'inherit') return 'inherit';
  if (value === PIPE) return 'pipe';
  if (value === DEVNULL) return 'ignore';
  if (value === STDOUT) throw rangeError(name, 'STDOUT only as `stderr`', value);
  if (typeof value === 'number') {
    if (!Number.isInteger(value) || value < 0) {
      throw rangeError(name, 'PIPE, DEVNULL, or a file descriptor from 0 and up', value);
    }
    return value;
  }
  if (typeof value === 'object') {
    const fd = (value as { fd?: unknown }).fd;
    return typeof fd === 'number' ? fd : (value as Stream);
  }
  throw typeError(name, "PIPE, DEVNULL, 'inherit', a file descriptor or a stream", value);
}

/** A directory the child can start in, or the error Python raises for it. */
function checkCwd(cwd: unknown): string | undefined {
  if (cwd === undefined) return undefined;
  const path = cwd instanceof URL ? fileURLToPath(cwd) : cwd;
  if (typeof path !== 'string') throw typeError('cwd', 'a path (a string or a file URL)', cwd);
  try {
    if (statSync(path).isDirectory()) accessSync(path, fsConstants.X_OK);
    else throw new FileNotFoundError(path);
  } catch (error) {
    if ((error as { code?: unknown }).code === 'EACCES')
      throw new PermissionError(path, { cause: error });
    if (error instanceof FileNotFoundError) throw error;
    throw new FileNotFoundError(path, { cause: error });
  }
  return path;
}

/**
 * Looks `program` up as `execvp` will: a name with a slash is a path (from `cwd`), any other
 * name is searched for in `PATH`. Throws `FileNotFoundError` when there is nothing there, and
 * `PermissionError` when what is there cannot be run.
 */
function checkProgram(program: string, cwd: string | undefined, env: PopenOptions['env']): void {
  const base = cwd ?? process.cwd();
  const candidates = program.includes('/')
    ? [isAbsolute(program) ? program : resolve(base, program)]
    : (env?.['PATH'] ?? (env === undefined ? process.env['PATH'] : undefined) ?? DEFAULT_PATH)
        .split(delimiter)
        .map((dir) => resolve(base, dir === '' ? '.' : dir, program));
  let denied = false;
  for (const candidate of candidates) {
    try {
      if (!statSync(candidate).isFile()) {
        denied = true; // execve() of a directory fails with EACCES.
        continue;
      }
      accessSync(candidate, fsConstants.X_OK);
      return;
    } catch (error) {
      if ((error as { code?: unknown }).code === 'EACCES') denied = true;
    }
  }
  throw denied ? new PermissionError(program) : new FileNotFoundError(program);
}

/**
 * Checks the arguments and options shared by every way of starting a child, and turns them
 * into `spawn`'s. Throws the argument errors, and `FileNotFoundError`/`PermissionError` for a
 * program or working directory that is missing or cannot be used.
 */
export function planSpawn(args: unknown, options: PopenOptions): SpawnPlan {
  const checked = checkArgs(args);
  const { shell = false, startNewSession = false, env } = options;
  if (typeof shell !== 'boolean') throw typeError('shell', 'a boolean', shell);
  if (typeof startNewSession !== 'boolean') {
    throw typeError('startNewSession', 'a boolean', startNewSession);
  }
  if (env !== undefined && (typeof env !== 'object' || (env as unknown) === null)) {
    throw typeError('env', 'an object of strings', env);
  }
  const cwd = checkCwd(options.cwd);
  const words = typeof checked === 'string' ? [checked] : checked;
  const [first = '', ...rest] = words;
  const merge = options.stderr === STDOUT;
  let file: string;
  let argv: string[];
  if (shell) {
    file = SHELL;
    argv = ['-c', merge ? `exec 2>&1\n${first}` : first, ...rest];
  } else {
    checkProgram(first, cwd, env);
    file = merge ? SHELL : first;
    argv = merge ? ['-c', MERGE_THEN_EXEC, first, ...rest] : rest;
  }
  const stdio = [
    stdioEntry(options.stdin, 'stdin'),
    stdioEntry(options.stdout, 'stdout'),
    merge ? 'ignore' : stdioEntry(options.stderr, 'stderr'),
  ] as const;
  return {
    file,
    argv,
    args: checked,
    options: {
      stdio: [...stdio],
      ...(cwd === undefined ? {} : { cwd }),
      ...(env === undefined ? {} : { env: { ...env } }),
      // Node's `detached` is setsid() on POSIX: Python's start_new_session.
      ...(startNewSession ? { detached: true } : {}),
    },
  };
}
