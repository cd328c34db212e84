/**
 * The parent's side of one pool worker: a child of the runtime (runtime/child.ts) running
 * the worker loop (entry/worker-loop.ts), under the names the pool engine knows.
 */
import type { ResourceLimits } from 'node:worker_threads';
import { siblingModule } from '../internal/loader-hooks.ts';
import type { Child, ChildEvents, ChildKind, LaunchOptions } from '../runtime/child.ts';
import { launchProcess } from '../runtime/process-launcher.ts';
import { launchThread } from '../runtime/thread-launcher.ts';
import type { FromWorker, ToWorker, WorkerData, WorkerInit } from './protocol.ts';

export type WorkerKind = ChildKind;

/** The payload every pool worker runs. */
const WORKER_LOOP = siblingModule(import.meta.url, './entry/worker-loop');

/** What a worker tells its pool. */
export type PoolWorkerEvents = ChildEvents<FromWorker>;

/** One started worker. */
export interface PoolWorker {
  /** The thread id or the process id. */
  readonly ident: number;
  /** Posts a message; `transfer` moves those objects to a thread (a process copies them). */
  readonly post: Child<ToWorker>['post'];
  /**
   * Stops the worker at once: `Worker#terminate()`, or SIGTERM (`terminate`, exit code -15)
   * or SIGKILL (`kill`, -9) for a process.
   */
  kill(how?: 'terminate' | 'kill'): void;
  /** Whether the worker keeps the parent's event loop alive. */
  readonly setActive: Child<ToWorker>['keepAlive'];
  /** See {@link Child.awaitMessage}: threads only, `null` for a process. */
  readonly awaitAnswer: Child<ToWorker>['awaitMessage'];
}

/** What every worker's init holds. */
export type BaseInit = WorkerInit;

/**
 * Starts a pool worker on a thread or a process. The pool refs and unrefs it itself
 * (`setActive`), so it starts as no daemon.
 */
export function startPoolWorker(
  kind: WorkerKind,
  init: BaseInit,
  events: PoolWorkerEvents,
  resourceLimits: ResourceLimits | undefined,
): PoolWorker {
  const { identity, ...rest } = init;
  // Only threads spin on shared counters; a process worker never does.
  const data: WorkerData = kind === 'thread' ? rest : { ...rest, spin: null };
  const options: LaunchOptions = {
    payload: WORKER_LOOP,
    data,
    name: kind === 'thread' ? identity.thread.name : identity.process.name,
    identity,
    daemon: false,
    resourceLimits,
  };
  const child =
    kind === 'thread'
      ? launchThread<ToWorker, FromWorker>(options, events)
      : launchProcess<ToWorker, FromWorker>(options, events);
  return {
    ident: child.ident,
    post: child.post,
    kill: (how = 'terminate') => {
      child.stop(how);
    },
    setActive: child.keepAlive,
    awaitAnswer: child.awaitMessage,
  };
}
