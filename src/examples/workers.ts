/**
 * What the demos share: starting a group of workers and joining them, without leaving the
 * program waiting forever when one of them fails.
 */
import type { Process, Thread } from '../index.ts';

/** Some of the workers a demo started ended with a non-zero exit code. */
export class WorkersFailedError extends Error {
  override readonly name = 'WorkersFailedError';
  readonly code = 'ERR_WORKERS_FAILED';
}

/** A started group of workers: see {@link startAll}. */
export interface WorkerGroup {
  /**
   * Waits until every worker has ended.
   * @throws {WorkersFailedError} naming each worker that did not end with exit code 0.
   */
  join(): Promise<void>;
}

/**
 * Starts `workers`. A worker that fails leaves the others (and the program) waiting for
 * what it would have done: at a barrier, on a queue. So the first time one ends with a
 * non-zero exit code, `onFailure` runs; it should break those waits (`barrier.abort()`,
 * `queue.shutdown()`).
 * @example
 * ```ts
 * const group = startAll(workers, () => barrier.abort());
 * await group.join();
 * ```
 */
export function startAll(
  workers: readonly (Thread | Process)[],
  onFailure: () => void = () => undefined,
): WorkerGroup {
  for (const worker of workers) worker.start();
  let failed = false;
  // Never rejects, so that the program can await it late without an unhandled rejection.
  const ended = Promise.all(
    workers.map(async (worker) => {
      await worker.join();
      if (worker.exitCode !== 0 && !failed) {
        failed = true;
        onFailure();
      }
    }),
  );
  return {
    async join() {
      await ended;
      const failures = workers.filter((worker) => worker.exitCode !== 0);
      if (failures.length > 0) {
        const list = failures.map((worker) => `${worker.name} (exit code ${worker.exitCode})`);
        throw new WorkersFailedError(`Workers failed: ${list.join(', ')}`);
      }
    },
  };
}
