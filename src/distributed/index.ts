/** The distributed executor on BullMQ and Redis, and its worker. */
export type { RedisConnection } from './connection.ts';
export { DistributedExecutor } from './executor.ts';
export { DistributedFuture } from './future.ts';
export { reportProgress } from './job-runner.ts';
export type {
  DistributedExecutorOptions,
  DistributedJobOptions,
  DistributedMapOptions,
} from './options.ts';
export { taskName } from './protocol.ts';
export {
  DistributedWorker,
  INLINE_BUDGET_MS,
  type DistributedWorkerOptions,
  type ServedModule,
  type WorkerEvent,
} from './worker.ts';
