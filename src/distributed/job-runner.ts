/**
 * What a distributed worker's local pool runs for each job: decodes the arguments, calls the
 * registered task and encodes its result, all in the pool's thread or process, so that the
 * worker's main thread only moves strings and keeps renewing BullMQ's job locks; or, for
 * the tasks a worker was told are cheap, the same on its main thread ({@link runInline}).
 *
 * A task reports progress with {@link reportProgress}: from a pool it goes to Redis on a
 * connection opened by the first report of a job and closed when the job ends. The report
 * finds its job without AsyncLocalStorage where it can (see {@link call}): an enabled one
 * taxes every promise of its thread.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { Queue } from 'bullmq';
import { bullClient, type RedisClient, type RedisOptions } from './connection.ts';
import { loadTask, type AnyFunction } from '../runtime/target.ts';
import { typeError } from '../internal/validate.ts';
import { decodeArgs, encodeResult, type Payload } from './protocol.ts';

/** Where a job's progress goes (the same for every job of a worker but its id). */
export interface JobContext {
  readonly connection: RedisOptions;
  readonly queue: string;
  readonly prefix: string | undefined;
  readonly maxBytes: number | undefined;
}

/** A job being run: what its task's progress reports go to. */
interface RunningJob {
  /** Sets the job's progress in Redis. */
  readonly report: (progress: number | object) => Promise<unknown>;
}

/**
 * The job of the tasks that return a promise (or might): it follows their awaits. Enabled
 * only while such a task runs: an enabled AsyncLocalStorage taxes every promise of the
 * thread, BullMQ's and the submitter's included.
 */
const current = new AsyncLocalStorage<RunningJob>();
/** Runs of {@link current} not finished; at 0 it is disabled. */
let tracked = 0;
/** The job whose task's synchronous call is on the stack, for the tasks in {@link plain}. */
let calling: RunningJob | undefined;
/**
 * Tasks that are not `async function`s and returned a value, not a promise: their progress
 * reports can only come from their synchronous call, which needs no AsyncLocalStorage.
 */
const plain = new WeakSet<AnyFunction>();
/** The tasks this thread or process has imported, by export and module. */
const loaded = new Map<string, AnyFunction>();

function isThenable(value: unknown): boolean {
  return (
    (typeof value === 'object' || typeof value === 'function') &&
    value !== null &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}

/**
 * `task(...args)` with `job` as where its progress goes. A task first runs with the
 * AsyncLocalStorage; one that is not an `async function` and returned a plain value runs
 * without it from then on (back with it if it ever returns a promise).
 */
function call(task: AnyFunction, args: unknown[], job: RunningJob): unknown {
  if (plain.has(task)) {
    const outer = calling;
    calling = job;
    let returned: unknown;
    try {
      returned = task(...args);
    } finally {
      calling = outer;
    }
    if (isThenable(returned)) plain.delete(task);
    return returned;
  }
  tracked++;
  let returned: unknown;
  try {
    returned = current.run(job, task, ...args);
  } catch (error) {
    untrack();
    throw error;
  }
  if (isThenable(returned)) return Promise.resolve(returned).finally(untrack);
  untrack();
  if (task.constructor.name !== 'AsyncFunction') plain.add(task);
  return returned;
}

/** A promise rejected with `error`, whatever it is (a task may throw anything). */
function rejected(error: unknown): Promise<never> {
  return Promise.resolve().then(() => {
    throw error;
  });
}

function untrack(): void {
  if (--tracked === 0) current.disable();
}

/** The last context string a pool's job was given, parsed (one per worker, in practice). */
let lastContext: { readonly text: string; readonly parsed: JobContext } | undefined;

/**
 * Runs `module`'s export `exportName` on the arguments that `args` encodes; returns the
 * encoded result. Called by the worker through its pool, never by hand; `context` is the
 * worker's {@link JobContext} as JSON, the same string for each of its jobs.
 * Progress goes to Redis on a connection opened by the first report and closed at the end.
 */
export async function runJob(
  module: string,
  exportName: string,
  args: Payload,
  jobId: string,
  context: string,
): Promise<Payload> {
  if (lastContext?.text !== context) {
    lastContext = { text: context, parsed: JSON.parse(context) as JobContext };
  }
  const ctx = lastContext.parsed;
  const opened: { reporter?: Promise<Reporter> } = {};
  const report = async (progress: number | object): Promise<unknown> => {
    opened.reporter ??= openReporter(ctx);
    return (await opened.reporter).queue.updateJobProgress(jobId, progress);
  };
  const key = `${exportName} ${module}`;
  let task = loaded.get(key);
  if (task === undefined) {
    task = await loadTask(module, exportName);
    loaded.set(key, task);
  }
  const decoded = decodeArgs(args, ctx.maxBytes);
  try {
    const result = await call(task, decoded, { report });
    return encodeResult(result, ctx.maxBytes);
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
  args: Payload,
  maxBytes: number | undefined,
  report: (progress: number | object) => Promise<unknown>,
): { readonly result: Promise<Payload> | Payload; readonly blockedMs: number } {
  let decoded: unknown[];
  try {
    decoded = decodeArgs(args, maxBytes);
  } catch (error) {
    return { result: rejected(error), blockedMs: 0 };
  }
  const start = performance.now();
  let returned: unknown;
  try {
    returned = call(task, decoded, { report });
  } catch (error) {
    return { result: rejected(error), blockedMs: performance.now() - start };
  }
  const blockedMs = performance.now() - start;
  if (isThenable(returned)) {
    return {
      result: Promise.resolve(returned).then((value) => encodeResult(value, maxBytes)),
      blockedMs,
    };
  }
  try {
    return { result: encodeResult(returned, maxBytes), blockedMs };
  } catch (error) {
    return { result: rejected(error), blockedMs };
  }
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
  const job = calling ?? current.getStore();
  if (job === undefined) return false;
  await job.report(progress);
  return true;
}
