/**
 * What a distributed worker's local pool runs for each job: decodes the arguments, calls the
 * registered task and encodes its result, all in the pool's thread or process, so that the
 * worker's main thread only moves strings and keeps renewing BullMQ's job locks; or, for
 * the tasks a worker was told are cheap, the same on its main thread ({@link runInline}).
 *
 * A task reports progress with {@link reportProgress}: from a pool it goes to Redis on a
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

/** A job being run: what its task's progress reports go to. */
interface RunningJob {
  readonly maxBytes: number | undefined;
  /** Sets the job's progress in Redis. */
  readonly report: (progress: number | object) => Promise<unknown>;
}

const current = new AsyncLocalStorage<RunningJob>();
/** The tasks this thread or process has imported, by export and module. */
const loaded = new Map<string, AnyFunction>();

/** A job's arguments, decoded. */
function decodeArgs(args: string, maxBytes: number | undefined): unknown[] {
  const decoded = fromBase64(args, maxBytes);
  if (!Array.isArray(decoded)) throw typeError('arguments', 'an array', decoded);
  return decoded as unknown[];
}

/**
 * Runs `module`'s export `exportName` on the arguments that `args` encodes; returns the
 * encoded result. Called by the worker through its pool, never by hand; every argument is a
 * string (`context` a {@link JobContext} as JSON), which the pool sends the fastest way.
 * Progress goes to Redis on a connection opened by the first report and closed at the end.
 */
export async function runJob(
  module: string,
  exportName: string,
  args: string,
  context: string,
): Promise<string> {
  const ctx = JSON.parse(context) as JobContext;
  const opened: { reporter?: Promise<Reporter> } = {};
  const report = async (progress: number | object): Promise<unknown> => {
    opened.reporter ??= openReporter(ctx);
    return (await opened.reporter).queue.updateJobProgress(ctx.jobId, progress);
  };
  const key = `${exportName} ${module}`;
  let task = loaded.get(key);
  if (task === undefined) {
    task = await loadTask(module, exportName);
    loaded.set(key, task);
  }
  const decoded = decodeArgs(args, ctx.maxBytes);
  const job: RunningJob = { maxBytes: ctx.maxBytes, report };
  try {
    const result = await current.run(job, () => task(...decoded));
    return toBase64(result, ctx.maxBytes);
  } finally {
    if (opened.reporter !== undefined) {
      const { queue, client } = await opened.reporter;
      await queue.close();
      await client.quit();
    }
  }
}

/**
 * Runs `task` on the worker's own thread, for the tasks it was told are cheap: the same
 * decoding, call and encoding as {@link runJob}, without the pool's hop; progress goes
 * through `report` (the BullMQ job's own `updateProgress`). Also says how long the task's
 * synchronous part held the thread (`blockedMs`): the part that could delay lock renewal.
 */
export function runInline(
  task: AnyFunction,
  args: string,
  maxBytes: number | undefined,
  report: (progress: number | object) => Promise<unknown>,
): { readonly result: Promise<string>; readonly blockedMs: number } {
  const job: RunningJob = { maxBytes, report };
  const timing = { blockedMs: 0 };
  // An async function runs up to its first await at once: `timing` is set on return.
  const result = (async () => {
    const decoded = decodeArgs(args, maxBytes);
    const start = performance.now();
    let returned: unknown;
    try {
      returned = current.run(job, () => task(...decoded));
    } finally {
      timing.blockedMs = performance.now() - start;
    }
    return toBase64(await returned, maxBytes);
  })();
  return { result, blockedMs: timing.blockedMs };
}

/** A connection of a job run by a pool, for its progress reports. */
interface Reporter {
  readonly queue: Queue;
  readonly client: RedisClient;
}

async function openReporter(ctx: JobContext): Promise<Reporter> {
  const { Queue } = await import('bullmq');
  const client = await bullClient(ctx.connection);
  const queue = new Queue(ctx.queue, {
    connection: client,
    ...(ctx.prefix === undefined ? {} : { prefix: ctx.prefix }),
  });
  return { queue, client };
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
  await job.report(progress);
  return true;
}
