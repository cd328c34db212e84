/**
 * Pools and executors: `Pool`, `ThreadPool`, `ThreadPoolExecutor`, `ProcessPoolExecutor`,
 * `Future`, `asCompleted`, `wait`.
 */
export { AsyncResult } from './async-result.ts';
export { Pool, ThreadPool, type ResultOf } from './pool.ts';
export { ProcessPoolExecutor, ThreadPoolExecutor } from './executor.ts';
export type {
  ApplyAsyncOptions,
  ApplyOptions,
  ExecutorMapOptions,
  ExecutorOptions,
  MapAsyncOptions,
  MapOptions,
  PoolOptions,
  ProcessPoolExecutorOptions,
  ShutdownOptions as ExecutorShutdownOptions,
  ThreadPoolExecutorOptions,
} from './options.ts';
export type { TaskOptions } from './task.ts';
export {
  TASK_CHANNEL,
  WORKER_CHANNEL,
  type PoolStats,
  type PoolTotals,
  type TaskEventMessage,
  type WorkerState,
  type WorkerStateMessage,
  type WorkerStats,
} from './stats.ts';
export { transfer, type Transferred } from './transfer.ts';
export { Future } from '../futures/future.ts';
export {
  asCompleted,
  type AsCompletedOptions,
  type CompletedFuture,
} from '../futures/as-completed.ts';
export {
  ALL_COMPLETED,
  FIRST_COMPLETED,
  FIRST_EXCEPTION,
  wait,
  type DoneAndNotDone,
  type ReturnWhen,
  type WaitOptions as FutureWaitOptions,
} from '../futures/wait.ts';
