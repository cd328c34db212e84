/**
 * The future of a distributed task: the library's {@link Future}, so `asCompleted`, `wait`
 * and `addDoneCallback` take it as they take a local one, plus the task's progress.
 */
import { Future } from '../futures/future.ts';
import { typeError } from '../internal/validate.ts';

export class DistributedFuture<T = unknown> extends Future<T> {
  /** The job's id in the BullMQ queue. */
  readonly jobId: string;
  #progress: unknown = undefined;
  /** Progress listeners, made by the first `onProgress` (most futures have none). */
  #listeners: ((progress: unknown) => void)[] | null = null;

  constructor(jobId: string) {
    super();
    this.jobId = jobId;
  }

  /** The last progress the task reported (`reportProgress()`), or `undefined`. */
  get progress(): unknown {
    return this.#progress;
  }

  /** Calls `fn(progress)` on each progress report that arrives from now on until done. */
  onProgress(fn: (progress: unknown) => void): void {
    if (typeof fn !== 'function') throw typeError('fn', 'a function', fn);
    if (!this.done()) (this.#listeners ??= []).push(fn);
  }

  /** @internal A progress event of the job arrived. */
  progressed(progress: unknown): void {
    if (this.done()) return;
    this.#progress = progress;
    for (const fn of this.#listeners ?? []) {
      try {
        fn(progress);
      } catch (error) {
        console.error(`exception calling progress callback for ${this.toString()}`, error);
      }
    }
  }
}
