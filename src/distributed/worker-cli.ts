/**
 * `multitask worker`: serves a distributed executor's queue from the command line, printing
 * what it does; SIGTERM or SIGINT stops it gracefully (the running jobs finish first; a
 * second signal exits at once, and BullMQ gives its jobs to other workers).
 */
import {
  Command,
  integer,
  onRun,
  Option,
  runSubprogram,
  type CommandIO,
} from '../internal/command-line.ts';
import { DistributedWorker, type ServedModule, type WorkerEvent } from './worker.ts';

function parseModule(text: string, previous: ServedModule[] = []): ServedModule[] {
  const eq = text.indexOf('=');
  const served =
    eq > 0 && !text.startsWith('file:')
      ? { name: text.slice(0, eq), path: text.slice(eq + 1) }
      : { path: text };
  return [...previous, served];
}

function collect(text: string, previous: string[] = []): string[] {
  return [...previous, text];
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

/** Where the command listens for its stop; the process's SIGTERM and SIGINT by default. */
export interface WorkerCommandIO {
  readonly signal?: AbortSignal;
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

/** The options of `multitask worker`, parsed. */
export interface WorkerFlags {
  readonly redis: string;
  readonly queue: string;
  readonly module: readonly ServedModule[];
  readonly concurrency?: number | undefined;
  readonly backend?: 'thread' | 'process' | undefined;
  readonly prefix?: string | undefined;
  readonly lockDuration?: number | undefined;
  readonly stalledInterval?: number | undefined;
  readonly inline?: readonly string[] | undefined;
}

/**
 * The `worker` command: its options and help; its action runs {@link runWorker}.
 * @param io Where the command listens for its stop.
 */
export function workerProgram(out: CommandIO, io: WorkerCommandIO = {}): Command {
  const command = new Command('worker')
    .summary("serve a DistributedExecutor's queue: run its jobs on a local pool")
    .description(
      'Runs the jobs of the BullMQ queue NAME on the Redis server at URL (redis://host:port) ' +
        'on a local pool of N threads or processes. It serves the functions exported by each ' +
        "--module, named module:export after the module's file name (tasks.js serves " +
        'tasks:add); --module name=PATH serves it under another name. A status line is ' +
        'printed each second while jobs come; SIGTERM or Ctrl-C stops it once the running ' +
        'jobs are done (a second one stops at once, giving them back to the queue).',
    )
    .requiredOption('--redis <URL>', 'the Redis server (redis://host:port)')
    .requiredOption('--queue <NAME>', 'the BullMQ queue to serve')
    .requiredOption(
      '--module <PATH>',
      'a module whose exports are served; repeatable; name=PATH names it',
      parseModule,
    )
    .option('--concurrency <N>', 'workers in the pool (default: the CPU count)', integer(1))
    .addOption(
      new Option('--backend <KIND>', 'threads or processes (default: thread)').choices([
        'thread',
        'process',
      ]),
    )
    .option('--prefix <P>', "BullMQ's key prefix")
    .option('--lock-duration <MS>', "BullMQ's job lock", integer(1))
    .option('--stalled-interval <MS>', "BullMQ's stalled-job check", integer(1))
    .option(
      '--inline <module:export>',
      "a task cheap enough (well under a millisecond a run) to run on the worker's main " +
        'thread, skipping the pool; a run past 50 ms sends the task back to the pool for ' +
        'good. Repeatable.',
      collect,
    );
  return onRun(command, (self) => runWorker(self.opts<WorkerFlags>(), out, io));
}

/**
 * Runs `multitask worker ...` with `argv` (the arguments after `worker`); returns the exit
 * code once stopped: 0, or 1 when it cannot start, 2 for bad arguments.
 */
export function workerCommand(
  argv: readonly string[],
  out: (line: string) => void,
  err: (line: string) => void,
  io: WorkerCommandIO = {},
): Promise<number> {
  return runSubprogram(() => workerProgram({ out, err }, io), argv, { out, err });
}

/** Serves the queue with the parsed `flags` until stopped; returns the exit code. */
export async function runWorker(
  flags: WorkerFlags,
  { out, err }: CommandIO,
  io: WorkerCommandIO = {},
): Promise<number> {
  const options = {
    connection: flags.redis,
    queue: flags.queue,
    prefix: flags.prefix,
    modules: [...flags.module],
    concurrency: flags.concurrency,
    backend: flags.backend,
    lockDuration: flags.lockDuration,
    stalledInterval: flags.stalledInterval,
    inline: flags.inline,
  };
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
