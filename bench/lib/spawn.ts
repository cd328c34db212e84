/**
 * Runs one contender for one round in a fresh child process and reads its result.
 *
 * The child prints its {@link Measurement} as one line starting with {@link RESULT_MARKER},
 * so that whatever else a pool prints on stdout does not matter. Each child leads its own
 * process group: at a time limit, and after every run, the whole group is killed, so that a
 * pool's stray workers (or CPython's pool processes) cannot outlive their round.
 */
import { spawn } from 'node:child_process';
import { RESULT_MARKER } from './protocol.ts';
import { nowMs } from './timing.ts';
import type { Measurement } from './types.ts';

export type ChildOutcome =
  | { readonly ok: true; readonly measurement: Measurement; readonly ms: number }
  | { readonly ok: false; readonly error: string; readonly ms: number };

export interface ChildCommand {
  readonly command: string;
  readonly args: readonly string[];
  readonly cwd: string;
  readonly timeoutMs: number;
}

let running: number | undefined;

function killGroup(pid: number): void {
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // The group is already gone.
  }
}

/** Kills the running child's process group, if any: for the runner's Ctrl-C handler. */
export function killRunningChild(): void {
  if (running !== undefined) killGroup(running);
}

function isMeasurement(value: unknown): value is Measurement {
  if (typeof value !== 'object' || value === null) return false;
  const { values } = value as { values?: unknown };
  return typeof values === 'object' && values !== null;
}

function parseResult(stdout: string): Measurement | undefined {
  const line = stdout
    .split('\n')
    .reverse()
    .find((candidate) => candidate.startsWith(RESULT_MARKER));
  if (line === undefined) return undefined;
  const parsed: unknown = JSON.parse(line.slice(RESULT_MARKER.length));
  return isMeasurement(parsed) ? parsed : undefined;
}

function lastLines(text: string, count: number): string {
  return text.trim().split('\n').slice(-count).join(' | ');
}

export function runChild({ command, args, cwd, timeoutMs }: ChildCommand): Promise<ChildOutcome> {
  const start = nowMs();
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    const pid = child.pid;
    running = pid;
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => {
      timedOut = true;
      if (pid !== undefined) killGroup(pid);
    }, timeoutMs);
    // Once the child itself has exited, nothing in its group has a reason to live; killing the
    // group also closes pipes that stray grandchildren inherited, so that 'close' can fire.
    child.on('exit', () => {
      if (pid !== undefined) killGroup(pid);
    });
    child.on('error', (error) => {
      clearTimeout(timer);
      running = undefined;
      resolve({
        ok: false,
        error: `cannot start ${command}: ${error.message}`,
        ms: nowMs() - start,
      });
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      running = undefined;
      const ms = nowMs() - start;
      if (timedOut) {
        resolve({ ok: false, error: `killed at the time limit (${timeoutMs / 1000} s)`, ms });
        return;
      }
      let measurement: Measurement | undefined;
      try {
        measurement = parseResult(stdout);
      } catch (error) {
        resolve({ ok: false, error: `unreadable result: ${String(error)}`, ms });
        return;
      }
      if (code === 0 && measurement !== undefined) {
        resolve({ ok: true, measurement, ms });
        return;
      }
      const how = signal === null ? `exit code ${code}` : `signal ${signal}`;
      const detail = lastLines(stderr, 3) || lastLines(stdout, 3) || 'no output';
      resolve({ ok: false, error: `${how}: ${detail}`, ms });
    });
  });
}
