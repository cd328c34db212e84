/**
 * Pools and executors: `Pool`, `ThreadPool`, `ThreadPoolExecutor`, `ProcessPoolExecutor`,
 * `Future`, `asCompleted`, `wait`.
 */
export {
  AsyncResult,
  Pool,
  ThreadPool,
  type ApplyAsyncOptions,
  type ApplyOptions,
  type MapAsyncOptions,
  type MapOptions,
  type PoolOptions,
  type ResultOf,
} from './pool.ts';
export {
  ProcessPoolExecutor,
  ThreadPoolExecutor,
  type ExecutorMapOptions,
  type ExecutorOptions,
  type ProcessPoolExecutorOptions,
  type ShutdownOptions,
  type ThreadPoolExecutorOptions,
} from './executor.ts';
export type { TaskOptions } from './task.ts';
export { transfer, type Transferred } from './transfer.ts';
export {
  ALL_COMPLETED,
  asCompleted,
  FIRST_COMPLETED,
  FIRST_EXCEPTION,
  Future,
  wait,
  type AsCompletedOptions,
  type CompletedFuture,
  type DoneAndNotDone,
  type ReturnWhen,
  type WaitOptions as FutureWaitOptions,
} from '../futures/future.ts';
