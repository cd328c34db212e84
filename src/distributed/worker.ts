/**
 * `DistributedWorker`: serves a BullMQ queue with a local multitask pool. BullMQ's worker
 * takes jobs on the main thread, at most `concurrency` at a time, and keeps their locks
 * renewed; each job runs on the pool (threads or processes) through job-runner.ts, so a
 * CPU-bound task never stalls the lock renewal. Only the tasks of the modules it was started
 * with are served: a job naming another fails at once with `ERR_TASK_NOT_REGISTERED`, and
 * is not retried.
 *
 * The tasks named in `inline` (declared cheap by whoever starts the worker) skip the pool:
 * they run on the main thread, as a plain BullMQ processor would, which saves the hop to a
 * thread and back on every job. A job with a timeout still goes to the pool, which can stop
 * it. An inline run whose synchronous part holds the thread longer than
 * {@link INLINE_BUDGET_MS} moves its task to the pool for good, so a task wrongly declared
 * cheap stalls the lock renewal at most once.
 */
import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Job, Worker } from 'bullmq';
import { DistributedError } from '../errors.ts';
import { assertInteger, assertString, describeValue, typeError } from '../internal/validate.ts';
import { Pool, ThreadPool } from '../pool/pool.ts';
import { taskRef, type AnyFunction } from '../runtime/target.ts';
import { cpuCount } from '../threading/current.ts';
import {
  bullClient,
  connectionOptions,
  probe,
  type RedisClient,
  type RedisConnection,
} from './connection.ts';
import { runInline, type JobContext, type runJob } from './job-runner.ts';
import {
  checkModuleName,
  defaultModuleName,
  encodeError,
  type JobData,
  type Payload,
} from './protocol.ts';

/**
 * The longest an inline run may hold the main thread (its synchronous part), in ms, before
 * its task goes to the pool for good: far under BullMQ's lock renewal (every 15 s by
 * default), far over a cheap task.
 */
export const INLINE_BUDGET_MS = 50;

const runJobTask = taskRef<typeof runJob>(new URL('./job-runner.js', import.meta.url), 'runJob');

/** A module to serve: its path (or `file:` URL), and the name it is served under. */
export interface ServedModule {
  readonly path: string;
  /** @default its file name without extension */
  readonly name?: string | undefined;
}

/** What happens to a job on this worker, for progress output. */
export type WorkerEvent =
  | { readonly kind: 'active'; readonly jobId: string; readonly task: string }
  | { readonly kind: 'completed'; readonly jobId: string; readonly task: string }
  | {
      readonly kind: 'failed';
      readonly jobId: string;
      readonly task: string;
      readonly error: unknown;
    }
  | { readonly kind: 'error'; readonly error: unknown }
  /** An inline task held the main thread `ms`: it runs on the pool from now on. */
  | { readonly kind: 'moved-to-pool'; readonly task: string; readonly ms: number };

export interface DistributedWorkerOptions {
  readonly connection: RedisConnection;
  readonly queue: string;
  readonly prefix?: string | undefined;
  /** The modules whose exported functions this worker serves. */
  readonly modules: readonly (string | ServedModule)[];
  /** Jobs run at once, and the pool's size. @default cpuCount() */
  readonly concurrency?: number | undefined;
  /** Where the jobs run: a `ThreadPool` or a process `Pool`. @default 'thread' */
  readonly backend?: 'thread' | 'process' | undefined;
  /** BullMQ's job lock, in ms: a worker silent that long loses its jobs. @default 30000 */
  readonly lockDuration?: number | undefined;
  /** How often BullMQ looks for stalled jobs (of dead workers), in ms. @default 30000 */
  readonly stalledInterval?: number | undefined;
  /** Stalls a job may have before it fails. @default 1 */
  readonly maxStalledCount?: number | undefined;
  /** The largest encoded arguments or result, in bytes. @default 64 MiB */
  readonly maxBytes?: number | undefined;
  /**
   * Tasks (`module:export`) cheap enough to run on the main thread, skipping the pool: each
   * run must take well under a millisecond (see {@link INLINE_BUDGET_MS}). @default none
   */
  readonly inline?: readonly string[] | undefined;
  readonly onEvent?: ((event: WorkerEvent) => void) | undefined;
}

interface Registered {
  readonly module: string;
  readonly exportName: string;
  /** The export itself, for inline runs. */
  readonly fn: AnyFunction;
}

/** Imports each module and names its exported functions `module:export`. */
async function register(
  modules: readonly (string | ServedModule)[],
): Promise<Map<string, Registered>> {
  const raw: unknown = modules;
  if (!Array.isArray(raw) || raw.length === 0) {
    throw typeError('modules', 'a non-empty array of module paths', raw);
  }
  const tasks = new Map<string, Registered>();
  const names = new Set<string>();
  for (const entry of modules) {
    const { path, name }: ServedModule = typeof entry === 'string' ? { path: entry } : entry;
    assertString(path, 'modules[].path');
    const url = path.startsWith('file:')
      ? path
      : pathToFileURL(isAbsolute(path) ? path : resolve(path)).href;
    const served = checkModuleName(name ?? defaultModuleName(url));
    if (names.has(served)) {
      throw new DistributedError(
        'ERR_INVALID_ARG_VALUE',
        `Two modules are served as ${JSON.stringify(served)}: name one with name=path`,
      );
    }
    names.add(served);
    const namespace = (await import(url)) as Record<string, unknown>;
    for (const [exportName, value] of Object.entries(namespace)) {
      if (typeof value === 'function') {
        tasks.set(`${served}:${exportName}`, { module: url, exportName, fn: value as AnyFunction });
      }
    }
  }
  return tasks;
}

/** The `inline` option, checked: each a task this worker serves. */
function inlineTasks(inline: unknown, tasks: ReadonlyMap<string, Registered>): Set<string> {
  if (inline === undefined) return new Set();
  if (!Array.isArray(inline)) throw typeError('inline', 'an array of task names', inline);
  for (const name of inline as unknown[]) {
    if (typeof name !== 'string' || !tasks.has(name)) {
      throw new DistributedError(
        'ERR_INVALID_ARG_VALUE',
        `Expected \`inline\` to name tasks this worker serves, got ${describeValue(name)}; ` +
          `it serves ${[...tasks.keys()].sort().join(', ')}`,
      );
    }
  }
  return new Set(inline as string[]);
}

/** Fails `job` with `error`, kept in its data for the submitter (see `decodeError`). */
async function fail(
  job: Job<JobData>,
  error: unknown,
  maxBytes: number | undefined,
): Promise<never> {
  await job.updateData({ ...job.data, e: encodeError(error, maxBytes) });
  throw error;
}

export class DistributedWorker {
  readonly #worker: Worker;
  /** The pool, once a job needed it (a worker whose tasks all run inline starts none). */
  readonly #pool: () => Pool | ThreadPool | null;
  readonly #tasks: ReadonlyMap<string, Registered>;
  readonly #client: RedisClient;
  #closing: Promise<void> | null = null;
  /** Jobs completed and failed on this worker. */
  readonly counts = { completed: 0, failed: 0 };

  private constructor(
    worker: Worker,
    pool: () => Pool | ThreadPool | null,
    tasks: Map<string, Registered>,
    client: RedisClient,
  ) {
    this.#client = client;
    this.#worker = worker;
    this.#pool = pool;
    this.#tasks = tasks;
  }

  /** The task names it serves, sorted. */
  get tasks(): string[] {
    return [...this.#tasks.keys()].sort();
  }

  /**
   * Connects, imports the modules and starts taking jobs.
   * @throws {DistributedError} `ERR_REDIS_UNREACHABLE`; the modules' import errors.
   */
  static async start(options: DistributedWorkerOptions): Promise<DistributedWorker> {
    const raw: unknown = options;
    if (typeof raw !== 'object' || raw === null) throw typeError('options', 'an object', raw);
    const connection = connectionOptions(options.connection);
    assertString(options.queue, 'queue');
    const concurrency = options.concurrency ?? cpuCount();
    assertInteger(concurrency, 'concurrency', 1);
    const backend: unknown = options.backend ?? 'thread';
    if (backend !== 'thread' && backend !== 'process') {
      throw typeError('backend', "'thread' or 'process'", backend);
    }
    const tasks = await register(options.modules);
    const inline = inlineTasks(options.inline, tasks);
    const { UnrecoverableError, Worker } = await import('bullmq');
    await probe(connection);
    let pool: Pool | ThreadPool | null = null;
    // Jobs come one per Redis round trip at best: an idle pool thread watching for the next
    // one would mostly watch in vain, taking the CPU that the main thread and Redis need.
    const poolOptions = { processes: concurrency, spin: false };
    const startedPool = (): Pool | ThreadPool =>
      (pool ??= backend === 'thread' ? new ThreadPool(poolOptions) : new Pool(poolOptions));
    const prefix = options.prefix;
    const maxBytes = options.maxBytes;
    const emit = options.onEvent ?? (() => undefined);
    const context = JSON.stringify({
      connection,
      queue: options.queue,
      prefix,
      maxBytes,
    } satisfies JobContext);
    const processor = async (job: Job<JobData, Payload>): Promise<Payload> => {
      const task = tasks.get(job.name);
      if (task === undefined) {
        const error = new DistributedError(
          'ERR_TASK_NOT_REGISTERED',
          `No task ${JSON.stringify(job.name)} is registered on this worker`,
        );
        await job.updateData({ ...job.data, e: encodeError(error, maxBytes) });
        throw new UnrecoverableError(error.message);
      }
      if (inline.has(job.name) && job.data.t === undefined) {
        const run = runInline(task.fn, job.data.a, maxBytes, (p) => job.updateProgress(p));
        if (run.blockedMs > INLINE_BUDGET_MS && inline.delete(job.name)) {
          emit({ kind: 'moved-to-pool', task: job.name, ms: run.blockedMs });
        }
        try {
          return await run.result;
        } catch (error) {
          return await fail(job, error, maxBytes);
        }
      }
      const args: Parameters<typeof runJob> = [
        task.module,
        task.exportName,
        job.data.a,
        job.id ?? '',
        context,
      ];
      try {
        return await startedPool().apply(runJobTask, args, { timeout: job.data.t });
      } catch (error) {
        return fail(job, error, maxBytes);
      }
    };
    const client = await bullClient(connection);
    const worker = new Worker<JobData, Payload>(options.queue, processor, {
      connection: client,
      concurrency,
      ...(prefix === undefined ? {} : { prefix }),
      ...(options.lockDuration === undefined ? {} : { lockDuration: options.lockDuration }),
      ...(options.stalledInterval === undefined
        ? {}
        : { stalledInterval: options.stalledInterval }),
      ...(options.maxStalledCount === undefined
        ? {}
        : { maxStalledCount: options.maxStalledCount }),
    });
    const self = new DistributedWorker(worker, () => pool, tasks, client);
    if (options.onEvent !== undefined) {
      worker.on('active', (job) => {
        emit({ kind: 'active', jobId: job.id ?? '', task: job.name });
      });
    }
    worker.on('completed', (job) => {
      self.counts.completed++;
      emit({ kind: 'completed', jobId: job.id ?? '', task: job.name });
    });
    worker.on('failed', (job, error) => {
      self.counts.failed++;
      emit({ kind: 'failed', jobId: job?.id ?? '', task: job?.name ?? '', error });
    });
    worker.on('error', (error) => {
      emit({ kind: 'error', error });
    });
    await worker.waitUntilReady();
    return self;
  }

  /** Takes no more jobs, lets the running ones finish, then stops the pool. Idempotent. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      await this.#worker.close();
      await this.#pool()?.terminate();
      await this.#client.quit();
    })();
    return this.#closing;
  }
}
