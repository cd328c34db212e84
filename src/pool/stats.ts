/**
 * A pool's live view: what `pool.stats()` returns, the counters the engine keeps for it, and
 * the diagnostics channels a pool publishes its workers' and tasks' changes on.
 *
 * The counters cost nearly nothing on the hot path: the engine counts a task's outcome where
 * it settles the task already (one increment per answer, beside the one that moves the
 * task), and a worker's busy time where the pacing reads the clock already (once per batch
 * of answers). Everything else (the queue, what each worker holds) is read when `stats()` is
 * called. The channels publish only while someone subscribes (`channel.hasSubscribers`), so
 * without a subscriber they cost one property read per batch.
 */
import { performance } from 'node:perf_hooks';
import {
  publishWorkerState,
  taskChannel,
  workerChannel,
  type WorkerState,
} from '../internal/channels.ts';

export {
  publishWorkerState,
  TASK_CHANNEL,
  taskChannel,
  WORKER_CHANNEL,
  workerChannel,
  type WorkerState,
  type WorkerStateMessage,
} from '../internal/channels.ts';

/** One worker of a pool, as `stats()` sees it. */
export interface WorkerStats {
  /** Its number in its pool, from 1, in the order the pool started them. */
  readonly id: number;
  /** Its name, as Python names pool workers (`SpawnPoolWorker-1`, `ThreadPoolExecutor-0_0`). */
  readonly name: string;
  /** Its process id (a process worker), else `null`. */
  readonly pid: number | null;
  /** Its `worker_threads` thread id (a thread worker), else `null`. */
  readonly threadId: number | null;
  readonly state: WorkerState;
  /** Tasks it ran that returned. */
  readonly done: number;
  /** Tasks sent to it that failed: they threw, timed out, were stopped, or it died. */
  readonly failed: number;
  /** Tasks sent to it and not answered yet. */
  readonly holding: number;
  /** The target of the task it runs (the oldest it holds), if any. */
  readonly task: string | null;
  /** The share of its life it spent holding tasks, from 0 to 1. */
  readonly utilization: number;
}

/**
 * A pool's tasks so far. At any time `submitted = queued + running + done + failed +
 * cancelled`; once the pool is idle, `submitted = done + failed + cancelled`. A chunk of a
 * map counts as one task.
 */
export interface PoolTotals {
  readonly submitted: number;
  /** Waiting for a worker. */
  readonly queued: number;
  /** Sent to a worker, not answered yet. */
  readonly running: number;
  readonly done: number;
  /** Failed: on a worker (as in `workers`), or before one took it (its payload, the pool broke). */
  readonly failed: number;
  /** Dropped before they ran: a cancelled future, `shutdown({ cancelFutures })`, an abort. */
  readonly cancelled: number;
}

/** What `pool.stats()` returns: a plain object, a snapshot. */
export interface PoolStats {
  /** The pool's class name. */
  readonly pool: string;
  readonly kind: 'thread' | 'process';
  /** Where the pool is in its life: `running`, `closed`, `broken`, `terminated`. */
  readonly state: string;
  /** The live workers, then the last {@link KEPT_EXITED} that exited, in start order. */
  readonly workers: readonly WorkerStats[];
  readonly totals: PoolTotals;
}

/** How many exited workers a pool keeps in its stats (the totals count them all). */
export const KEPT_EXITED = 64;

/** One worker's counters, kept on its slot. */
export class WorkerCounts {
  readonly id: number;
  done = 0;
  failed = 0;
  /** Milliseconds spent holding tasks, summed once per batch of answers. */
  busyMs = 0;
  readonly born = performance.now();
  /** When it exited; 0 while it lives. */
  ended = 0;

  constructor(id: number) {
    this.id = id;
  }

  utilization(now: number): number {
    const alive = (this.ended === 0 ? now : this.ended) - this.born;
    return alive <= 0 ? 0 : Math.min(1, this.busyMs / alive);
  }
}

/** How a task ended. */
export type Outcome = 'done' | 'failed' | 'cancelled';

/** What {@link PoolCounts.snapshot} reads of an engine. */
export interface EngineView {
  readonly pool: string;
  readonly kind: 'thread' | 'process';
  readonly state: string;
  readonly slots: Iterable<SlotView>;
  readonly queue: { readonly waiting: number };
  readonly targets: { spec(key: number): TargetNaming | undefined };
}

/**
 * A pool's counters: tasks submitted and how they ended (counted by `TaskQueue.push` and
 * `TaskQueue.finish`, which every task goes through once), its workers started, and those
 * that exited. What is queued or running is read from the engine.
 */
export class PoolCounts {
  submitted = 0;
  done = 0;
  failed = 0;
  cancelled = 0;
  /** Workers started so far: the next one's id is this plus one. */
  started = 0;
  /** The last {@link KEPT_EXITED} workers that exited, oldest first. */
  readonly #gone: SlotView[] = [];

  /** `slot`'s worker exited. */
  exited(slot: SlotView): void {
    slot.counts.ended = performance.now();
    this.#gone.push(slot);
    if (this.#gone.length > KEPT_EXITED) this.#gone.shift();
    if (workerChannel.hasSubscribers) {
      publishWorkerState({ source: 'pool', name: slot.name, ident: slot.ident, state: 'done' });
    }
  }

  /** Builds `pool.stats()`. */
  snapshot(engine: EngineView): PoolStats {
    const now = performance.now();
    const name = (key: number): string | null => targetName(engine.targets.spec(key));
    const workers: WorkerStats[] = [];
    let running = 0;
    for (const slot of engine.slots) {
      running += slot.running.ownedBy(slot);
      workers.push(workerStats(slot, now, name));
    }
    for (const slot of this.#gone) workers.push(workerStats(slot, now, name));
    workers.sort((a, b) => a.id - b.id);
    const { submitted, done, failed, cancelled } = this;
    const queued = engine.queue.waiting;
    return {
      pool: engine.pool,
      kind: engine.kind,
      state: engine.state,
      workers,
      totals: { submitted, queued, running, done, failed, cancelled },
    };
  }
}

/** What the counters read of a task (a `Task`). */
export interface CountedTask {
  readonly id: number;
  readonly slot: { readonly name: string; readonly counts: WorkerCounts } | null;
}

/**
 * Counts a task's end, on the worker it was sent to as well when it ran there (a cancelled
 * task never ran); publishes it on `multitask:task` when someone listens.
 */
export function countEnd(counts: PoolCounts, task: CountedTask, outcome: Outcome): void {
  counts[outcome]++;
  const slot = task.slot;
  if (slot !== null && outcome !== 'cancelled') slot.counts[outcome]++;
  if (taskChannel.hasSubscribers) {
    const worker = slot === null ? '' : slot.name;
    taskChannel.publish({ event: 'end', id: task.id, worker, outcome } satisfies TaskEventMessage);
  }
}

/**
 * Whether an executor worker's answer says it skipped `task`; then counts it cancelled if it
 * is still this worker's (else it was revoked and sent to another, which answers for it).
 */
export function skipped(
  counts: PoolCounts,
  task: CountedTask,
  answeredBy: CountedTask['slot'],
  skip: boolean,
): boolean {
  if (skip && task.slot === answeredBy) countEnd(counts, task, 'cancelled');
  return skip;
}

/**
 * Publishes a batch just sent to `slot`: each task's start on `multitask:task`, and the
 * worker's state on `multitask:worker`; call only when someone listens to either.
 */
export function publishSent(slot: SlotView, batch: readonly CountedTask[]): void {
  if (taskChannel.hasSubscribers) {
    for (const task of batch) {
      taskChannel.publish({
        event: 'start',
        id: task.id,
        worker: slot.name,
      } satisfies TaskEventMessage);
    }
  }
  if (workerChannel.hasSubscribers) {
    const state = workerState(slot);
    publishWorkerState({ source: 'pool', name: slot.name, ident: slot.ident, state });
  }
}

/** What `multitask:task` publishes: one message as a task is sent, one as it ends. */
export interface TaskEventMessage {
  readonly event: 'start' | 'end';
  /** The task's number in its pool. */
  readonly id: number;
  /** The worker it is sent to (start) or that answered it (end). */
  readonly worker: string;
  /** How it ended (end only). */
  readonly outcome?: 'done' | 'failed' | 'cancelled';
}

/** Every pool and executor made in this realm, for the stats server (diagnostics/stats-server.ts). */
const pools = new Set<WeakRef<{ stats(): PoolStats }>>();

/** Lists a pool for {@link livePoolStats}; it stays listed until it is garbage. */
export function registerPool(pool: { stats(): PoolStats }): void {
  pools.add(new WeakRef(pool));
}

/** The stats of every pool of this realm that is not garbage yet, oldest first. */
export function livePoolStats(): PoolStats[] {
  const stats: PoolStats[] = [];
  for (const ref of pools) {
    const pool = ref.deref();
    if (pool === undefined) pools.delete(ref);
    else stats.push(pool.stats());
  }
  return stats;
}

/** What the stats read of one worker (a `WorkerSlot`). */
export interface SlotView {
  readonly name: string;
  readonly kind: 'thread' | 'process';
  readonly ident: number;
  readonly state: string;
  readonly counts: WorkerCounts;
  readonly running: {
    readonly size: number;
    readonly first: { readonly key: number } | undefined;
    ownedBy(slot: unknown): number;
  };
}

function workerStats(
  slot: SlotView,
  now: number,
  targetName: (key: number) => string | null,
): WorkerStats {
  const { counts } = slot;
  const first = slot.running.first;
  return {
    id: counts.id,
    name: slot.name,
    pid: slot.kind === 'process' ? slot.ident : null,
    threadId: slot.kind === 'thread' ? slot.ident : null,
    state: workerState(slot),
    done: counts.done,
    failed: counts.failed,
    holding: slot.running.ownedBy(slot),
    task: first === undefined ? null : targetName(first.key),
    utilization: counts.utilization(now),
  };
}

/** A slot's state as the stats name it. */
export function workerState(slot: Pick<SlotView, 'state' | 'counts' | 'running'>): WorkerState {
  if (slot.counts.ended !== 0) return 'done';
  if (slot.state === 'starting') return 'new';
  return slot.running.ownedBy(slot) > 0 ? 'running' : 'ready';
}

/** What the stats read of a target's spec. */
export type TargetNaming =
  | { readonly kind: 'ref'; readonly exportName: string }
  | { readonly kind: 'source'; readonly name: string }
  | { readonly kind: 'none' };

/** A target's name as the stats show it: the function's, or the module export's. */
function targetName(spec: TargetNaming | undefined): string | null {
  if (spec === undefined || spec.kind === 'none') return null;
  return spec.kind === 'ref' ? spec.exportName : spec.name;
}
