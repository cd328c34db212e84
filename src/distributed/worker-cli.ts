/**
 * `multitask worker`: serves a distributed executor's queue from the command line, printing
 * what it does; SIGTERM or SIGINT stops it gracefully (the running jobs finish first; a
 * second signal exits at once, and BullMQ gives its jobs to other workers).
 */
import { parseArgs } from 'node:util';
import { ArgumentRangeError } from '../errors.ts';
import { DistributedWorker, type ServedModule, type WorkerEvent } from './worker.ts';

export const WORKER_USAGE = `Usage: multitask worker --redis URL --queue NAME --module PATH [--module PATH ...]
                        [--concurrency N] [--backend thread|process] [--prefix P]
                        [--inline module:export ...]

  Runs the jobs of the BullMQ queue NAME on the Redis server at URL (redis://host:port)
  on a local pool of N threads or processes (default: the CPU count, threads). It serves
  the functions exported by each --module, named module:export after the module's file
  name (tasks.js serves tasks:add); --module name=PATH serves it under another name.
  A status line is printed each second while jobs come; SIGTERM or Ctrl-C stops it once
  the running jobs are done (a second one stops at once, giving them back to the queue).

  --inline module:export   a task cheap enough (well under a millisecond a run) to run on
                           the worker's main thread, skipping the pool; a run past 50 ms
                           sends the task back to the pool for good. Repeatable.
  --lock-duration MS, --stalled-interval MS   BullMQ's job lock and stalled-job check.`;

/** Where the command listens for its stop; the process's SIGTERM and SIGINT by default. */
export interface WorkerCommandIO {
  readonly signal?: AbortSignal;
}

function parseModule(text: string): ServedModule {
  const eq = text.indexOf('=');
  return eq > 0 && !text.startsWith('file:')
    ? { name: text.slice(0, eq), path: text.slice(eq + 1) }
    : { path: text };
}

function positive(text: string | undefined, name: string): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n < 1) {
    throw new ArgumentRangeError(`Expected --${name} to be an integer from 1 up, got \`${text}\``);
  }
  return n;
}

function parseBackend(text: string | undefined): 'thread' | 'process' | undefined {
  if (text === undefined || text === 'thread' || text === 'process') return text;
  throw new ArgumentRangeError(`Expected --backend to be thread or process, got \`${text}\``);
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

/** Resolves on the first stop request: `signal`'s abort, or SIGTERM / SIGINT. */
function stops(io: WorkerCommandIO, onStop: (count: number) => void): () => void {
  let count = 0;
  const stop = (): void => {
    onStop(++count);
  };
  if (io.signal !== undefined) {
    io.signal.addEventListener('abort', stop);
    return () => io.signal?.removeEventListener('abort', stop);
  }
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  return () => {
    process.off('SIGTERM', stop);
    process.off('SIGINT', stop);
  };
}

/**
 * Runs `multitask worker ...` with `argv` (the arguments after `worker`); returns the exit
 * code once stopped: 0, or 1 when it cannot start, 2 for bad arguments.
 */
export async function workerCommand(
  argv: readonly string[],
  out: (line: string) => void,
  err: (line: string) => void,
  io: WorkerCommandIO = {},
): Promise<number> {
  let options;
  try {
    const { values } = parseArgs({
      args: [...argv],
      options: {
        redis: { type: 'string' },
        queue: { type: 'string' },
        module: { type: 'string', multiple: true },
        concurrency: { type: 'string' },
        backend: { type: 'string' },
        prefix: { type: 'string' },
        inline: { type: 'string', multiple: true },
        'lock-duration': { type: 'string' },
        'stalled-interval': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    });
    if (values.help === true) {
      out(WORKER_USAGE);
      return 0;
    }
    if (values.redis === undefined || values.queue === undefined || values.module === undefined) {
      throw new ArgumentRangeError('Expected --redis, --queue and at least one --module');
    }
    const backend = parseBackend(values.backend);
    options = {
      connection: values.redis,
      queue: values.queue,
      prefix: values.prefix,
      modules: values.module.map(parseModule),
      concurrency: positive(values.concurrency, 'concurrency'),
      backend,
      lockDuration: positive(values['lock-duration'], 'lock-duration'),
      stalledInterval: positive(values['stalled-interval'], 'stalled-interval'),
      inline: values.inline,
    };
  } catch (error) {
    err(`${error instanceof Error ? error.message : String(error)}\n\n${WORKER_USAGE}`);
    return 2;
  }
  let running = 0;
  let changed = false;
  const onEvent = (event: WorkerEvent): void => {
    changed = true;
    if (event.kind === 'active') running++;
    else if (event.kind === 'completed') running--;
    else if (event.kind === 'failed') {
      running = Math.max(0, running - 1);
      err(`job ${event.jobId} (${event.task}) failed: ${describe(event.error)}`);
    } else if (event.kind === 'moved-to-pool') {
      err(`${event.task} took ${event.ms.toFixed(0)} ms inline: it runs on the pool from now on`);
    } else err(`worker: ${describe(event.error)}`);
  };
  let worker: DistributedWorker;
  try {
    worker = await DistributedWorker.start({ ...options, onEvent });
  } catch (error) {
    err(`multitask worker: ${describe(error)}`);
    return 1;
  }
  const status = (): string =>
    `completed ${worker.counts.completed}, failed ${worker.counts.failed}, running ${running}`;
  out(
    `worker ready: queue ${options.queue}, ${options.backend ?? 'thread'} pool of ` +
      `${options.concurrency ?? 'cpu count'}, tasks ${worker.tasks.join(' ')}`,
  );
  const ticker = setInterval(() => {
    if (!changed) return;
    changed = false;
    out(status());
  }, 1000);
  await new Promise<void>((resolve) => {
    const unlisten = stops(io, (count) => {
      if (count > 1) {
        // Only a process's own signals come twice: its jobs' locks lapse, and BullMQ's
        // stalled-job check gives them to another worker.
        out('stopping now: the running jobs go back to the queue when their locks lapse');
        process.exit(130);
      }
      out(`stopping: letting ${running} running jobs finish`);
      void worker.close().then(() => {
        unlisten();
        resolve();
      });
    });
  });
  clearInterval(ticker);
  out(`stopped: ${status()}`);
  return 0;
}
