/**
 * An executor's task as its future sees it: what the engine tells the future, and how the
 * future cancels the task (out of the queue, or on a worker by its claim word until the
 * worker claims it).
 */
import type { Future, TaskLink } from '../futures/future.ts';
import type { PoolEngine } from './engine.ts';
import type { Task, TaskCallbacks } from './task.ts';

/**
 * What the engine tells a future's task, and how the future cancels it: out of the queue, or
 * on a worker by its claim word, until the worker claims it. One object per task.
 */
export class ClaimedTask<R> implements TaskCallbacks, TaskLink {
  readonly #future: Future<R>;
  readonly #engine: PoolEngine;
  /** The engine's task; `null` when it failed at once. */
  task: Task | null = null;
  claimWords: Int32Array | null = null;
  claimIndex = 0;

  constructor(future: Future<R>, engine: PoolEngine) {
    this.#future = future;
    this.#engine = engine;
  }

  claimed(words: Int32Array, index: number): void {
    this.claimWords = words;
    this.claimIndex = index;
  }

  drop(): void {
    if (this.task !== null) this.#engine.dropQueued(this.task);
  }

  settle(ok: boolean, value: unknown): void {
    const future = this.#future;
    if (future.done()) return;
    if (ok) future.setResult(value as R);
    else future.setException(value);
  }

  /** Dropped by shutdown({ cancelFutures }): out of the queue, or not claimed by its worker. */
  cancelled(): void {
    this.#future.cancel();
  }
}

/** Without claim words: the future runs from the moment its task is sent to a worker. */
export class StartedTask<R> extends ClaimedTask<R> {
  readonly #future: Future<R>;

  constructor(future: Future<R>, engine: PoolEngine) {
    super(future, engine);
    this.#future = future;
  }

  start(): boolean {
    return this.#future.setRunningOrNotifyCancel();
  }
}
