/**
 * The diagnostics channels on which pools, threads and processes publish their changes
 * (`node:diagnostics_channel`). Publishers check `channel.hasSubscribers` first: without a
 * subscriber a change costs one property read.
 */
import diagnosticsChannel from 'node:diagnostics_channel';

/** The channel on which pool workers, threads and processes publish their state changes. */
export const WORKER_CHANNEL = 'multitask:worker';
/** The channel on which pool tasks publish their start (sent to a worker) and their end. */
export const TASK_CHANNEL = 'multitask:task';

/**
 * Where a worker is:
 * - `new`: created (a Thread or Process not started), or started with its pool initializer
 *   not finished;
 * - `ready`: a pool worker waiting for a task;
 * - `running`: a pool worker holding tasks (it runs the oldest), a Thread or Process started;
 * - `blocked`: a Thread or Process that cannot run until a multitask wait without a deadline
 *   ends (known only while waits are watched: `MULTITASK_DEBUG=asleep` or `top`, or
 *   `setAsleepDetection()`); what it waits on is its `waitsOn`;
 * - `done`: it exited.
 */
export type WorkerState = 'new' | 'ready' | 'running' | 'blocked' | 'done';

/** What `multitask:worker` publishes: one message per change of a worker's state. */
export interface WorkerStateMessage {
  /** `pool` for a pool's worker, `thread` or `process` for a Thread or Process object. */
  readonly source: 'pool' | 'thread' | 'process';
  readonly name: string;
  /** The process id or the thread id; `null` before start. */
  readonly ident: number | null;
  readonly state: WorkerState;
}

export const workerChannel = diagnosticsChannel.channel(WORKER_CHANNEL);
export const taskChannel = diagnosticsChannel.channel(TASK_CHANNEL);

/** Publishes a worker's new state; call only when `workerChannel.hasSubscribers`. */
export function publishWorkerState(message: WorkerStateMessage): void {
  workerChannel.publish(message);
}
