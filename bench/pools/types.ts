/**
 * One interface over every pool, so that a scenario is written once and each pool is a few
 * lines of adapter.
 */
import type { Requirement } from '../lib/types.ts';
import type { TaskArg, TaskName, TaskResult } from '../workers/tasks.ts';

/** A started pool, as the scenarios use it. */
export interface PoolAdapter {
  /** Runs one task (see bench/workers/tasks.ts) on some worker. */
  run<K extends TaskName>(task: K, arg: TaskArg<K>): Promise<TaskResult<K>>;
  /**
   * Stops the workers, waiting at most `ms` (default 1 s). The wait is bounded because
   * shutdowns hang: tinypool's and poolifier's after a worker died, and now and then
   * poolifier's `destroy()` after a clean run too. Nothing measured depends on it.
   */
  close(ms?: number): Promise<void>;
}

/** A pool that can be measured now. */
export interface PoolSpec {
  readonly kind: 'pool';
  readonly id: string;
  readonly label: string;
  readonly packages?: readonly string[];
  readonly requires?: Requirement;
  /** Starts a pool of exactly `workers` worker threads. */
  open(workers: number): Promise<PoolAdapter>;
}

/** A multitask pool whose feature has not landed yet. */
export interface PlannedPool {
  readonly kind: 'planned';
  readonly id: string;
  readonly label: string;
  readonly requires: Requirement;
}
