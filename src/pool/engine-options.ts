/**
 * What a pool or an executor asks of its engine: how many workers and of which kind, how
 * many tasks each may hold, and what a worker's death or a failed initializer means.
 */
import type { ResourceLimits } from 'node:worker_threads';
import type { InheritedIdentity } from '../runtime/identity.ts';
import type { Target } from '../runtime/target.ts';
import type { WorkerKind } from './worker-slot.ts';

/** How a pool reacts to a worker that dies on its own. */
export interface DeathPolicy {
  /** `replace`: settle the worker's tasks with `lost()` and start another worker. */
  readonly kind: 'replace' | 'break';
  /** The error for a task whose worker died (`replace`), or for every task (`break`). */
  lost(worker: string, exitCode: number, crash: unknown): Error;
}

/** What a pool or an executor asks of its engine. */
export interface EngineOptions {
  readonly kind: WorkerKind;
  /** The most workers at once. */
  readonly workers: number;
  /** Start every worker now (Python's `Pool`), or as tasks arrive (the executors). */
  readonly eager: boolean;
  readonly initializer: Target | undefined;
  readonly initargs: readonly unknown[];
  /** Tasks a worker runs before it is replaced; `null`: no limit. */
  readonly maxTasksPerChild: number | null;
  /**
   * The most tasks a worker holds at once, the one it runs included. The executors keep it
   * small so that a future is pending, and cancellable, until a worker is about to run it.
   */
  readonly maxInFlight: number;
  /**
   * Executors: send each task with a claim word that its worker claims just before running
   * it (memory/claim-word.ts), so that a future stays pending, and cancellable, while it
   * waits on a worker; then `maxInFlight` gives way to the pools' batches. Ignored for
   * processes without the native addon.
   */
  readonly claims?: boolean | undefined;
  /** Queued tasks allowed before submits throw `QueueFullError`; `Infinity`: no limit. */
  readonly maxQueueSize: number;
  /** Heap and stack limits of each worker thread (`Worker`'s `resourceLimits`). */
  readonly resourceLimits?: ResourceLimits | undefined;
  /**
   * Thread workers watch for work a moment when idle, and the submitting thread for a lone
   * answer (pool options' `spin`). @default true
   */
  readonly spin?: boolean | undefined;
  readonly death: DeathPolicy;
  /** The error for an initializer that failed; the pool is broken from then on. */
  initializerFailed(worker: string, error: unknown): Error;
  /** The name and identity of the next worker. */
  nextIdentity(): { readonly name: string; readonly identity: InheritedIdentity };
}
