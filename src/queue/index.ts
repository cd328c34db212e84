/**
 * The queues. Importing this module registers every kind of queue, so that a worker can
 * rebuild the ones it receives.
 */
export { JoinableQueue } from './joinable-queue.ts';
export { LifoQueue } from './lifo-queue.ts';
export { PriorityQueue } from './priority-queue.ts';
export {
  Queue,
  type QueuePutOptions,
  type QueueWaitOptions,
  type ShutdownOptions,
} from './queue.ts';
export { SimpleQueue } from './simple-queue.ts';
export {
  Connection,
  Pipe,
  type PipeOptions,
  type RecvOptions,
  type SendOptions,
} from './connection.ts';
