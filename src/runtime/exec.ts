/**
 * How a child process is started and how its end is reported: the Node options it
 * inherits, and its exit code as Python reports it.
 */
import { constants } from 'node:os';

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

export function exitCodeOf(code: number | null, signal: NodeJS.Signals | null): number {
  if (code !== null) return code;
  return signal === null ? 1 : -constants.signals[signal];
}
