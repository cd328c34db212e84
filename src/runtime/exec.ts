/**
 * How a child is started and how its end is reported: the Node options a child process
 * inherits, and a child's exit code as Python reports it (negative signal numbers).
 */
import { constants } from 'node:os';
import type { StopHow } from './child.ts';

/** Node options a child must not inherit: the test runner's, watch mode, the inspector, -e. */
export function childExecArgv(): string[] {
  const kept: string[] = [];
  const argv = process.execArgv;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (/^--(test|watch|inspect|debug)/.test(arg)) continue;
    if (/^(-e|--eval|-p|--print|--input-type)$/.test(arg)) {
      i++; // and its value
      continue;
    }
    if (/^(--eval|--print|--input-type)=/.test(arg)) continue;
    kept.push(arg);
  }
  return kept;
}

/** A process's exit code from Node's `'exit'` event: `-signal` when a signal ended it. */
export function exitCodeOf(code: number | null, signal: NodeJS.Signals | null): number {
  if (code !== null) return code;
  return signal === null ? 1 : -constants.signals[signal];
}

/** The exit code of a thread stopped with `how`: -9 (`kill`) or -15 (SIGTERM, the others). */
export function stoppedExitCode(how: StopHow): number {
  return -constants.signals[how === 'kill' ? 'SIGKILL' : 'SIGTERM'];
}

/**
 * How a parent names itself to a child process it forks (the child's first argument, read
 * by entry/orphan.ts): its pid, and whether its main thread forked the child.
 */
export function parentArgument(pid: number, mainThread: boolean): string {
  return `${pid}:${mainThread ? 'main' : 'thread'}`;
}
