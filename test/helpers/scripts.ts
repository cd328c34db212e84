/** Runs a fixture script in its own Node process, as a user's program would run. */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { isAbsolute } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface ScriptRun {
  readonly child: ChildProcess;
  /** Resolves with the first stdout line matching `pattern`. */
  line(pattern: RegExp): Promise<RegExpExecArray>;
  /** Resolves when the script exits, with its exit code, signal and whole output. */
  readonly done: Promise<{
    code: number | null;
    signal: NodeJS.Signals | null;
    stdout: string;
    stderr: string;
  }>;
}

/** Runs test/fixtures/scripts/`name`, or the script at `name` if it is an absolute path. */
export function runScript(name: string, args: readonly string[] = []): ScriptRun {
  const path = isAbsolute(name)
    ? name
    : fileURLToPath(new URL(`../fixtures/scripts/${name}`, import.meta.url));
  const child = spawn(process.execPath, ['--import', 'tsx', path, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  const waiters: { pattern: RegExp; resolve: (match: RegExpExecArray) => void }[] = [];
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
    for (const waiter of waiters.splice(0)) {
      const match = waiter.pattern.exec(stdout);
      if (match === null) waiters.push(waiter);
      else waiter.resolve(match);
    }
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  const done = new Promise<{
    code: number | null;
    signal: NodeJS.Signals | null;
    stdout: string;
    stderr: string;
  }>((resolve) => {
    child.on('close', (code, signal) => {
      resolve({ code, signal, stdout, stderr });
    });
  });
  return {
    child,
    done,
    line: (pattern) =>
      new Promise((resolve, reject) => {
        const match = pattern.exec(stdout);
        if (match !== null) {
          resolve(match);
          return;
        }
        waiters.push({ pattern, resolve });
        void done.then(({ stdout: out, stderr: err }) => {
          reject(new Error(`Script ended without printing ${pattern}:\n${out}\n${err}`));
        });
      }),
  };
}

/**
 * Whether a process with this pid is still running. A zombie (ended, not yet reaped by
 * whoever adopted it) counts as gone: it runs no code and holds no resources but its pid.
 */
export function pidExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
  try {
    // /proc/PID/stat: "pid (comm) state ...": the state letter follows the last ')'.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

/**
 * Waits until `pid` is gone. There is no event for the end of a process that is not our
 * child, so this polls, bounded by `limitMs`.
 */
export async function waitForPidGone(pid: number, limitMs = 10_000): Promise<boolean> {
  const deadline = Date.now() + limitMs;
  while (Date.now() < deadline) {
    if (!pidExists(pid)) return true;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return !pidExists(pid);
}
