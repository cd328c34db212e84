/**
 * `DistributedExecutor`: the `Executor` interface over a BullMQ queue in Redis. A submit is
 * a job naming a task; workers on any host (`multitask worker`) run it on their local pool;
 * the job's events (BullMQ's `QueueEvents`) settle the future.
 *
 * Submits made in one turn of the event loop are added with one `addBulk`. Job ids are the
 * executor's own, known before the job is added, so no event can arrive for an unknown job.
 * `cancel()` is Python's: true for a job not started (it is removed from Redis), false once
 * the `active` event came. A job that a worker takes between the two gets run, and its result
 * is dropped: the future stays cancelled.
 */
import { randomBytes } from 'node:crypto';
import type { JobsOptions, Queue, QueueEvents } from 'bullmq';
import { DistributedError, StateError } from '../errors.ts';
import { assertBoolean, assertString, parseTimeout, typeError } from '../internal/validate.ts';
import type { ResultOf } from '../pool/pool.ts';
import type { ShutdownOptions } from '../pool/options.ts';
import type { AnyFunction, TaskRef } from '../runtime/target.ts';
import { bullClient, connectionOptions, probe, type RedisClient } from './connection.ts';
import { DistributedFuture } from './future.ts';
import {
  checkJobOptions,
  jobOptions,
  type DistributedExecutorOptions,
  type DistributedJobOptions,
  type DistributedMapOptions,
} from './options.ts';
import { decodeError, decodeResult, encodeArgs, taskName, type JobData } from './protocol.ts';

/** Events kept in Redis for `QueueEvents` readers that fall behind (BullMQ's default: 10,000). */
const EVENTS_MAX_LEN = 200_000;

interface Pending {
  readonly name: string;
  readonly data: JobData;
  readonly opts: JobsOptions;
  readonly future: DistributedFuture;
}

export class DistributedExecutor {
  readonly #queueName: string;
  readonly #prefix: string | undefined;
  readonly #defaults: DistributedJobOptions;
  readonly #maxBytes: number | undefined;
  /**
   * The prefix of this executor's job ids: 72 random bits, short because a job's id is in
   * every Redis command about it (a dozen per job).
   */
  readonly #id = randomBytes(9).toString('base64url');
  /** `jobOptions()` of a submit without options of its own, worked out once. */
  readonly #plain: ReturnType<typeof jobOptions>;
  #counter = 0;
  /** Futures not settled, by job id. */
  readonly #futures = new Map<string, DistributedFuture>();
  /** Submits of this turn, added together. */
  #batch: Pending[] = [];
  #queue: Queue | null = null;
  #events: QueueEvents | null = null;
  #client: RedisClient | null = null;
  readonly #ready: Promise<void>;
  #broken: DistributedError | null = null;
  #shutdown = false;
  #drained: (() => void) | null = null;
  #closing: Promise<void> | null = null;

  constructor(options: DistributedExecutorOptions) {
    const raw: unknown = options;
    if (typeof raw !== 'object' || raw === null) throw typeError('options', 'an object', raw);
    const connection = connectionOptions(options.connection);
    assertString(options.queue, 'queue');
    if (options.prefix !== undefined) assertString(options.prefix, 'prefix');
    this.#queueName = options.queue;
    this.#prefix = options.prefix;
    this.#defaults = checkJobOptions(options.defaultJobOptions);
    this.#plain = jobOptions(this.#defaults, {});
    this.#maxBytes = options.maxBytes;
    const timeout = parseTimeout(options.connectTimeout ?? 5_000, 'connectTimeout', 'reject');
    // BullMQ takes half a second to load: only an executor in use pays for it.
    this.#ready = probe(connection, timeout).then(async () => {
      const { Job, Queue, QueueEvents } = await import('bullmq');
      const client = await bullClient(connection);
      this.#client = client;
      const base = {
        connection: client,
        ...(this.#prefix === undefined ? {} : { prefix: this.#prefix }),
      };
      const queue = new Queue(this.#queueName, {
        ...base,
        streams: { events: { maxLen: EVENTS_MAX_LEN } },
      });
      // Read the events from the stream's end as it is now, before any job of ours is added:
      // QueueEvents' own default ('$', from its first read) would miss the events of a job
      // taken before that read was sent.
      const [last] = await client.xrevrange(queue.toKey('events'), '+', '-', 'COUNT', 1);
      const events = new QueueEvents(this.#queueName, {
        ...base,
        lastEventId: last?.[0] ?? '0-0',
      });
      this.#queue = queue;
      this.#events = events;
      events.on('active', ({ jobId }) => {
        const future = this.#futures.get(jobId);
        if (future !== undefined && !future.running() && !future.done()) {
          future.setRunningOrNotifyCancel();
        }
      });
      events.on('progress', ({ jobId, data }) => this.#futures.get(jobId)?.progressed(data));
      events.on('completed', ({ jobId, returnvalue }) => {
        this.#settle(jobId, () => decodeResult(returnValueText(returnvalue), this.#maxBytes), true);
      });
      events.on('failed', ({ jobId, failedReason }) => {
        if (!this.#futures.has(jobId)) return;
        void Job.fromId(queue, jobId).then(
          (job) => {
            this.#settle(jobId, () => decodeError(job?.data, failedReason), false);
          },
          (error: unknown) => {
            this.#settle(jobId, () => error, false);
          },
        );
      });
      await Promise.all([queue.waitUntilReady(), events.waitUntilReady()]);
    });
    this.#ready.catch((error: unknown) => {
      this.#broken = error as DistributedError;
      for (const future of this.#futures.values()) future.setException(error);
      this.#futures.clear();
      this.#batch = [];
      this.#checkDrained();
    });
  }

  /** Resolves once Redis answered; rejects with `ERR_REDIS_UNREACHABLE` if it did not. */
  ready(): Promise<void> {
    return this.#ready.then(() => undefined);
  }

  #checkOpen(): void {
    if (this.#shutdown) {
      throw new StateError('ERR_EXECUTOR_SHUTDOWN', 'cannot schedule new futures after shutdown');
    }
    if (this.#broken !== null) throw this.#broken;
  }

  /** Schedules `task(...args)` on a worker; returns its future at once. */
  submit<F extends AnyFunction>(
    task: TaskRef<F> | string,
    ...args: Parameters<F>
  ): DistributedFuture<ResultOf<F>> {
    return this.submitWith(task, args);
  }

  /** As {@link submit}, with the job's own retries, backoff, timeout, delay or priority. */
  submitWith<F extends AnyFunction>(
    task: TaskRef<F> | string,
    args: Parameters<F>,
    options?: DistributedJobOptions,
  ): DistributedFuture<ResultOf<F>> {
    this.#checkOpen();
    const name = taskName(task);
    if (!Array.isArray(args)) throw typeError('args', 'an array', args);
    const { timeout, bull } =
      options === undefined ? this.#plain : jobOptions(this.#defaults, checkJobOptions(options));
    const data: JobData = {
      a: encodeArgs(args, this.#maxBytes),
      ...(timeout === Infinity ? {} : { t: timeout }),
    };
    const jobId = `${this.#id}-${++this.#counter}`;
    const future = new DistributedFuture<ResultOf<F>>(jobId);
    const opts: JobsOptions = {
      removeOnComplete: true,
      removeOnFail: { age: 24 * 3600 },
      ...bull,
      jobId,
    };
    this.#futures.set(jobId, future as DistributedFuture);
    future.onCancel = () => {
      this.#futures.delete(jobId);
      void this.#queue?.remove(jobId).catch(() => 0);
      this.#checkDrained();
    };
    if (this.#batch.length === 0) setImmediate(() => void this.#flush());
    this.#batch.push({ name, data, opts, future: future as DistributedFuture });
    return future;
  }

  async #flush(): Promise<void> {
    try {
      await this.#ready;
    } catch {
      return; // The futures failed with the connection error.
    }
    const batch = this.#batch.filter((p) => !p.future.cancelled());
    this.#batch = [];
    if (batch.length === 0) return;
    try {
      await this.#queue?.addBulk(batch.map(({ name, data, opts }) => ({ name, data, opts })));
    } catch (error) {
      for (const { future } of batch) this.#settle(future.jobId, () => error, false);
    }
  }

  #settle(jobId: string, value: () => unknown, ok: boolean): void {
    const future = this.#futures.get(jobId);
    if (future === undefined) return;
    this.#futures.delete(jobId);
    if (!future.done()) {
      let result: unknown;
      try {
        result = value();
      } catch (error) {
        ok = false;
        result = error;
      }
      if (ok) future.setResult(result);
      else future.setException(result);
    }
    this.#checkDrained();
  }

  #checkDrained(): void {
    if (this.#futures.size === 0) this.#drained?.();
  }

  /**
   * `task(item)` for each item, yielded in input order. Lazy: items are read and submitted
   * `prefetch` ahead of the result awaited. The first error or the `timeout` ends it; so
   * does the caller stopping early; either way the futures not yet started are cancelled.
   */
  map<F extends (item: never) => unknown>(
    task: TaskRef<F> | string,
    iterable: Iterable<Parameters<F>[0]>,
    options: DistributedMapOptions = {},
  ): AsyncGenerator<ResultOf<F>, void, undefined> {
    this.#checkOpen();
    taskName(task);
    const ms = parseTimeout(options.timeout);
    const prefetch = options.prefetch ?? 1000;
    if (!Number.isSafeInteger(prefetch) || prefetch < 1) {
      throw typeError('prefetch', 'an integer from 1 up', prefetch);
    }
    const deadline = ms === Infinity ? Infinity : Date.now() + ms;
    const items = iterable[Symbol.iterator]();
    return (async function* (self: DistributedExecutor) {
      const inFlight: DistributedFuture<ResultOf<F>>[] = [];
      const fill = (): void => {
        while (inFlight.length < prefetch) {
          const next = items.next();
          if (next.done === true) return;
          inFlight.push(self.submitWith(task, [next.value] as Parameters<F>));
        }
      };
      try {
        fill();
        for (let future = inFlight.shift(); future !== undefined; future = inFlight.shift()) {
          const left = deadline === Infinity ? undefined : Math.max(0, deadline - Date.now());
          const result = await future.result(left);
          fill();
          yield result;
        }
      } finally {
        for (const future of inFlight) future.cancel();
      }
    })(this);
  }

  /**
   * Takes no more tasks. With `cancelFutures`, cancels the jobs not started; with `wait`
   * (the default), resolves once every future is done and the connections are closed.
   * Without it the connections close in the background once the futures are done.
   */
  async shutdown(options: ShutdownOptions = {}): Promise<void> {
    const { wait = true, cancelFutures = false } = options;
    assertBoolean(wait, 'wait');
    assertBoolean(cancelFutures, 'cancelFutures');
    this.#shutdown = true;
    if (cancelFutures) {
      for (const future of [...this.#futures.values()]) if (!future.running()) future.cancel();
    }
    this.#closing ??= this.#close();
    if (wait) await this.#closing;
    else this.#closing.catch(() => undefined);
  }

  async #close(): Promise<void> {
    if (this.#futures.size > 0) {
      await new Promise<void>((resolve) => {
        this.#drained = resolve;
      });
    }
    try {
      await this.#ready;
    } catch {
      return;
    }
    await this.#events?.close();
    await this.#queue?.close();
    await this.#client?.quit();
  }

  /** `await using executor = …`: `shutdown({ wait: true })` at the end of the scope. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.shutdown({ wait: true });
  }
}

/**
 * BullMQ hands the return value as it was stored: a plain payload's array, or our base64
 * string, JSON-quoted or not.
 */
function returnValueText(value: unknown): unknown {
  if (typeof value === 'string' && value.startsWith('"')) return JSON.parse(value) as unknown;
  return value;
}
