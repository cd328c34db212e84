/**
 * Python's `subprocess`: `run`, `Popen` and their kin over `child_process`.
 */
export { CompletedProcess } from './completed-process.ts';
export {
  DEVNULL,
  PIPE,
  STDOUT,
  type Args,
  type Input,
  type Output,
  type PopenOptions,
  type StdioOption,
  type TextEncoding,
} from './options.ts';
export {
  Popen,
  type CommunicateOptions,
  type PopenWaitOptions,
  type SignalOptions,
} from './popen.ts';
export {
  call,
  checkCall,
  checkOutput,
  run,
  type CallOptions,
  type CheckOutputOptions,
  type RunOptions,
} from './run.ts';
export { callSync, checkCallSync, checkOutputSync, runSync } from './run-sync.ts';
export type { Sink } from './communication.ts';
