/**
 * What a distributed worker's local pool runs for each job: decodes the arguments, calls the
 * registered task and encodes its result, all in the pool's thread or process, so that the
 * worker's main thread only moves strings and keeps renewing BullMQ's job locks.
 *
 * A task reports progress with {@link reportProgress}: it goes to Redis from here, on a
 * connection opened by the first report of a job and closed when the job ends.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { Queue } from 'bullmq';
import { bullClient, type RedisClient, type RedisOptions } from './connection.ts';
import { loadTask, type AnyFunction } from '../runtime/target.ts';
import { typeError } from '../internal/validate.ts';
import { fromBase64, toBase64 } from './protocol.ts';

/** Where a job's progress goes. */
export interface JobContext {
  readonly connection: RedisOptions;
  readonly queue: string;
  readonly prefix: string | undefined;
  readonly jobId: string;
  readonly maxBytes: number | undefined;
}

interface RunningJob extends JobContext {
  reporter: { queue: Queue; client: RedisClient } | null;
}

const current = new AsyncLocalStorage<RunningJob>();
/** The tasks this thread or process has imported, by export and module. */
const loaded = new Map<string, AnyFunction>();

/**
 * Runs `module`'s export `exportName` on the arguments that `args` encodes; returns the
 * encoded result. Called by the worker through its pool, never by hand; every argument is a
 * string (`context` a {@link JobContext} as JSON), which the pool sends the fastest way.
 */
export async function runJob(
  module: string,
  exportName: string,
  args: string,
  context: string,
): Promise<string> {
  const job: RunningJob = { ...(JSON.parse(context) as JobContext), reporter: null };
  const decoded = fromBase64(args, job.maxBytes);
  if (!Array.isArray(decoded)) throw typeError('arguments', 'an array', decoded);
  const key = `${exportName} ${module}`;
  let task = loaded.get(key);
  if (task === undefined) {
    task = await loadTask(module, exportName);
    loaded.set(key, task);
  }
  try {
    const result = await current.run(job, () => task(...(decoded as unknown[])));
    return toBase64(result, job.maxBytes);
  } finally {
    if (job.reporter !== null) {
      await job.reporter.queue.close();
      await job.reporter.client.quit();
    }
  }
}

/**
 * From a task run by a distributed worker: sets its job's progress (a number, or a JSON
 * object), which reaches the submitter's future (`DistributedFuture.onProgress`). Resolves
 * to `false`, doing nothing, outside such a task.
 */
export async function reportProgress(progress: number | object): Promise<boolean> {
  const raw: unknown = progress;
  if (typeof raw !== 'number' && (typeof raw !== 'object' || raw === null)) {
    throw typeError('progress', 'a number or an object', progress);
  }
  const job = current.getStore();
  if (job === undefined) return false;
  if (job.reporter === null) {
    const { Queue } = await import('bullmq');
    const client = await bullClient(job.connection);
    const queue = new Queue(job.queue, {
      connection: client,
      ...(job.prefix === undefined ? {} : { prefix: job.prefix }),
    });
    job.reporter = { queue, client };
  }
  await job.reporter.queue.updateJobProgress(job.jobId, progress);
  return true;
}
