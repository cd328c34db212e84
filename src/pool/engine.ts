/**
 * The engine under `Pool`, `ThreadPool`, `ThreadPoolExecutor` and `ProcessPoolExecutor`:
 * a queue of tasks, a set of workers of one kind, and the rules that move tasks from one to
 * the other. This file holds the engine's life: submitting, settling, workers starting and
 * dying, closing and breaking. The parts it is made of each have their own file:
 *
 * - `task.ts`: a task and its options; `intake.ts`: a task as a submit makes it;
 * - `task-queue.ts`: the tasks waiting for a worker;
 * - `worker-slot.ts`: one worker and its state; `task-fifo.ts`: the tasks it holds;
 * - `slot-factory.ts`: what every worker starts with, and starting one;
 * - `task-endings.ts`: tasks aborted, timed out, or failed or cancelled all at once;
 * - `claim-ring.ts`: an executor worker's claim words, lent to the tasks it holds;
 * - `engine-options.ts`: what a pool or an executor asks of the engine;
 * - `targets.ts`: target keys; `dispatch.ts`: batches, from the queue to the workers;
 * - `pacing.ts`: task timing and the heuristics on it; `tuning.ts`: their constants.
 *
 * A worker that dies settles every task it held, at once: with the pool's `lost` error for
 * `Pool`/`ThreadPool`, which replace the worker and go on, or by breaking the pool, as
 * Python's executors do.
 */
import { StateError, TimeoutError } from '../errors.ts';
import { errorFromWire, type WireError } from '../transport/wire.ts';
import type { Target } from '../runtime/target.ts';
import { Dispatcher } from './dispatch.ts';
import type { EngineOptions } from './engine-options.ts';
import { newTask, type Intake } from './intake.ts';
import { Pacing } from './pacing.ts';
import { RESULT_FIELDS, RESULT_SKIPPED, type TaskMode } from './protocol.ts';
import { SlotFactory } from './slot-factory.ts';
import { TargetTable } from './targets.ts';
import type { Task, TaskCallbacks, TaskOptions } from './task.ts';
import { abortTask, cancelAll, failAll, stopRunning } from './task-endings.ts';
import { TaskQueue } from './task-queue.ts';
import { skipped, type PoolStats } from './stats.ts';
import { MAX_BATCH } from './tuning.ts';
import type { SlotEvents, WorkerSlot } from './worker-slot.ts';

/**
 * Where the engine is in its life: `running` → `closed` → `terminated`; `broken` may follow
 * `running` or `closed`, and `terminate()` ends any of them.
 */
export type EngineState = 'running' | 'closed' | 'terminated' | 'broken';

/** Runs tasks on a set of workers; see the top of this file. */
export class PoolEngine {
  readonly #options: EngineOptions;
  readonly #factory: SlotFactory;
  #state: EngineState = 'running';
  #brokenError: Error | null = null;
  readonly #slots = new Set<WorkerSlot>();
  readonly #queue: TaskQueue;
  readonly #targets = new TargetTable();
  readonly #pacing: Pacing;
  readonly #dispatcher: Dispatcher;
  #nextId = 1;
  /** A dispatch is due in a microtask (see #schedule). */
  #scheduled = false;
  /** The workers keep the event loop alive (see #updateActive). */
  #active = false;
  readonly #exited: Promise<void>;
  /** Each worker gets claim words (see `SlotFactory.claims`); read on every dispatch. */
  readonly #claims: boolean;
  readonly #intake: Intake;
  #markExited: () => void = () => undefined;
  /** What every worker tells this engine; one object for all of them. */
  readonly #slotEvents: SlotEvents = {
    ready: () => {
      this.#dispatch();
    },
    initFailed: (slot, error) => {
      this.#break(() => this.#options.initializerFailed(slot.name, error));
    },
    results: (slot, results) => {
      this.#onResults(slot, results);
    },
    exit: (slot, exitCode, crash) => {
      this.#onExit(slot, exitCode, crash);
    },
  };

  constructor(options: EngineOptions) {
    this.#options = options;
    this.#intake = {
      kind: options.kind,
      abort: (task, reason) => {
        abortTask(this.#queue, task, reason);
      },
    };
    this.#factory = new SlotFactory(options);
    this.#claims = this.#factory.claims;
    this.#queue = new TaskQueue(options.maxQueueSize);
    this.#pacing = new Pacing(options.kind, this.#slots, options.spin !== false);
    this.#dispatcher = new Dispatcher({
      queue: this.#queue,
      slots: this.#slots,
      targets: this.#targets,
      pacing: this.#pacing,
      maxTasksPerChild: options.maxTasksPerChild,
      maxInFlight: this.#claims ? MAX_BATCH : options.maxInFlight,
      timedOut: (task) => {
        stopRunning(
          this.#queue,
          task,
          new TimeoutError(`the task did not finish within ${task.timeout} ms of its dispatch`),
        );
        this.#dispatch();
      },
    });
    this.#exited = new Promise((resolve) => {
      this.#markExited = resolve;
    });
    if (options.eager) for (let i = 0; i < options.workers; i++) this.#spawn();
    this.#updateActive();
  }

  /** Where the engine is in its life. */
  get state(): EngineState {
    return this.#state;
  }

  /**
   * Whether tasks are sent with claim words, so that their futures stay pending until a
   * worker claims them (`TaskCallbacks.claimed`); without, `start` is called as one is sent.
   */
  get claims(): boolean {
    return this.#claims;
  }

  /** Why the pool is broken, when it is. */
  get brokenError(): Error | null {
    return this.#brokenError;
  }

  /** Workers started and not yet exited. */
  get workerCount(): number {
    return this.#slots.size;
  }

  /**
   * The key of a target, checking it the first time it is seen.
   * @throws {PicklingError} for an inline function that captures variables.
   */
  keyOf(target: Target): number {
    return this.#targets.keyOf(target);
  }

  /**
   * Queues a task. Its payload is checked and encoded here; a payload that cannot be sent
   * fails this task only. Call only while the pool is running.
   */
  submit(
    key: number,
    mode: TaskMode,
    payload: unknown,
    callbacks: TaskCallbacks,
    options?: TaskOptions,
  ): Task | null {
    const task = newTask(this.#nextId++, key, mode, payload, callbacks, options, this.#intake);
    if (task === null) return null;
    this.#queue.push(task);
    this.#schedule();
    return task;
  }

  /**
   * Drops `task` (as {@link submit} returned it) if it is still queued; returns whether it
   * was. Its callbacks hear nothing.
   */
  dropQueued(task: Task): boolean {
    if (task.state !== 'queued') return false;
    this.#queue.finish(task, 'cancelled');
    // It stays in the queue array, marked done, and is skipped at dispatch.
    return true;
  }

  /**
   * Throws if the queue holds `maxQueueSize` tasks already.
   * @throws {QueueFullError} `ERR_QUEUE_FULL`
   */
  checkCapacity(): void {
    this.#queue.checkCapacity();
  }

  /** Resolves once the queue has room for another task (at once if it has). */
  hasCapacity(): Promise<void> {
    return this.#queue.hasCapacity(this.#state === 'running');
  }

  /** Dispatches once per burst of submits, after the current synchronous code. */
  #schedule(): void {
    if (this.#scheduled) return;
    this.#scheduled = true;
    queueMicrotask(() => {
      this.#scheduled = false;
      this.#dispatch();
    });
  }

  #dispatch(): void {
    this.#queue.dropDone();
    const queued = this.#queue.waiting;
    if (queued > 0 && this.#state !== 'broken') {
      this.#growIfNeeded(queued);
      this.#dispatcher.dispatch(queued);
    }
    if (this.#claims && this.#queue.waiting === 0) this.#dispatcher.rebalance();
    this.#afterChange();
  }

  /** Executors start workers as work arrives: one more while every worker is busy. */
  #growIfNeeded(queued: number): void {
    if (this.#state !== 'running' && this.#state !== 'closed') return;
    let idle = 0;
    for (const slot of this.#slots) if (slot.idle) idle++;
    while (idle < queued && this.#slots.size < this.#options.workers) {
      this.#spawn();
      idle++;
    }
  }

  #spawn(): void {
    const { name, identity } = this.#options.nextIdentity();
    const started = ++this.#queue.counts.started;
    const slot = this.#factory.start(name, identity, this.#slotEvents, started);
    this.#slots.add(slot);
    slot.setActive(this.#active);
  }

  #onResults(slot: WorkerSlot, results: readonly unknown[]): void {
    this.#pacing.answered(slot, results.length / RESULT_FIELDS);
    const ring = slot.claims;
    for (let i = 0; i < results.length; i += RESULT_FIELDS) {
      const task = slot.running.take(results[i] as number);
      if (task === undefined) continue;
      if (ring !== null) {
        ring.release(task);
        // Cancelled before it ran (its future says so already), or revoked and sent to
        // another worker, which answers for it.
        if (skipped(this.#queue.counts, task, slot, results[i + 1] === RESULT_SKIPPED)) continue;
      }
      const ok = results[i + 1] === 1;
      this.#queue.finish(task, ok ? 'done' : 'failed');
      const value = results[i + 2];
      task.callbacks.settle(ok, ok ? value : errorFromWire(value as WireError));
    }
    if (slot.running.size === 0) slot.endExclusive();
    this.#dispatch();
  }

  #onExit(slot: WorkerSlot, exitCode: number, crash: unknown): void {
    this.#slots.delete(slot);
    this.#queue.counts.exited(slot);
    const lost = slot.running.drain();
    if (slot.state !== 'stopping' && this.#state !== 'terminated') {
      const { death } = this.#options;
      const error = (): Error => death.lost(slot.name, exitCode, crash);
      if (slot.state === 'starting' && this.#state !== 'broken') {
        // It died before it could take work: starting another would likely fail the same way.
        this.#break(error, lost);
      } else if (death.kind === 'break') {
        this.#break(error, lost);
      } else {
        for (const task of lost) {
          this.#queue.finish(task, 'failed');
          task.callbacks.settle(false, death.lost(slot.name, exitCode, crash));
        }
      }
    }
    const wanted =
      this.#state === 'running' || (this.#state === 'closed' && this.#queue.waiting > 0);
    if (wanted && this.#options.eager && this.#slots.size < this.#options.workers) this.#spawn();
    this.#dispatch();
  }

  /** After any change: stop idle workers of a closed pool and retired ones, wake, ref or unref. */
  #afterChange(): void {
    if (this.#state === 'closed' && this.#queue.waiting === 0) {
      for (const slot of this.#slots) if (slot.running.size === 0) slot.stop();
    }
    for (const slot of this.#slots) {
      if (slot.state === 'retiring' && slot.running.size === 0) slot.stop();
    }
    if (this.#state !== 'running' && this.#slots.size === 0) this.#markExited();
    this.#queue.wakeCapacityWaiters(this.#state === 'running');
    this.#updateActive();
  }

  /** Keeps the event loop alive while there is work, and only then. */
  #updateActive(): void {
    // A pool that is closing stays alive until its workers have exited.
    let active = this.#queue.waiting > 0 || (this.#state !== 'running' && this.#slots.size > 0);
    if (!active) for (const slot of this.#slots) if (slot.running.size > 0) active = true;
    if (active === this.#active) return;
    this.#active = active;
    for (const slot of this.#slots) slot.setActive(active);
  }

  /**
   * Fails every queued and running task, each with an error of its own from `error()` (as
   * Python's executors do), stops the workers (with SIGTERM, or SIGKILL for `how` `kill`);
   * later submits fail too.
   */
  #break(
    error: () => Error,
    alsoFail: readonly Task[] = [],
    how: 'terminate' | 'kill' = 'terminate',
  ): void {
    if (this.#state === 'broken' || this.#state === 'terminated') return;
    this.#state = 'broken';
    this.#brokenError = error();
    failAll(this.#queue, this.#slots, error, alsoFail);
    for (const slot of this.#slots) slot.kill(how);
    this.#afterChange();
  }

  /** No more tasks; workers exit once the queued ones are done. */
  close(): void {
    if (this.#state !== 'running') return;
    this.#state = 'closed';
    this.#dispatch();
  }

  /**
   * Drops every queued task, and with claim words every task sent and not yet claimed by
   * its worker; each hears `cancelled()`. Tasks a worker has claimed run on.
   */
  cancelQueued(): void {
    cancelAll(this.#queue, this.#slots, this.#claims);
    this.#afterChange();
  }

  /**
   * Breaks the pool and stops every worker at once, with SIGTERM (`terminate`) or SIGKILL
   * (`kill`) for processes: the tasks they hold, and any still queued, fail with an error
   * of their own from `error()`.
   */
  killWorkers(how: 'terminate' | 'kill', error: () => Error): void {
    this.#break(error, [], how);
  }

  /** Stops every worker now; queued and running tasks settle with `error`. */
  terminate(error: unknown): Promise<void> {
    if (this.#state !== 'terminated') {
      this.#state = 'terminated';
      failAll(this.#queue, this.#slots, () => error);
      for (const slot of this.#slots) slot.kill();
      this.#afterChange();
    }
    return this.#exited;
  }

  /** What `pool.stats()` returns, for a pool of class `pool`. */
  stats(pool: string): PoolStats {
    const [state, slots, queue, targets] = [this.#state, this.#slots, this.#queue, this.#targets];
    const { kind } = this.#options;
    return queue.counts.snapshot({ pool, kind, state, slots, queue, targets });
  }

  /** Resolves once every worker has exited after `close()` or `terminate()`. */
  exited(): Promise<void> {
    if (this.#state === 'running') {
      return Promise.reject(new StateError('ERR_POOL_RUNNING', 'Pool is still running'));
    }
    return this.#exited;
  }
}
