/**
 * `multitask http DIR [options]`: serves DIR until Ctrl-C or SIGTERM.
 */
import {
  Command,
  integer,
  onRun,
  Option,
  runSubprogram,
  type CommandIO,
} from '../../internal/command-line.ts';
import { startHttpServer } from './server.ts';

/** The options of `multitask http`, parsed. */
export interface HttpFlags {
  readonly host: string;
  readonly port: number;
  readonly model: 'event' | 'process';
  readonly processes?: number | undefined;
  readonly gzip: boolean;
  readonly workers: number;
  readonly idleTimeout: number;
  readonly maxHeaderBytes: number;
  readonly maxQueued: number;
  readonly maxConnections: number;
  readonly shutdownTimeout: number;
  readonly quiet: boolean;
}

/**
 * The `http` command: its argument, options and help; its action runs {@link runHttp}.
 * @param stop Stops the server as Ctrl-C would.
 */
export function httpProgram(io: CommandIO, stop?: AbortSignal): Command {
  const command = new Command('http')
    .summary('serve a directory over HTTP/1.1 from one event loop or several processes')
    .description(
      'Serves the files of DIR over HTTP/1.1 (GET and HEAD) from one event loop (--model ' +
        'event) or from N processes sharing the listening socket (--model process), until ' +
        'Ctrl-C or SIGTERM, which stop it gracefully (downloads in progress finish).',
    )
    .argument('<DIR>', 'the directory to serve')
    .option('--host <H>', 'address to listen on', '127.0.0.1')
    .option('--port <P>', 'port to listen on; 0 picks a free one', integer(0, 65_535), 8080)
    .addOption(
      new Option(
        '--model <M>',
        'event: one event loop serves every client; process: N processes share the listening socket, each with its own event loop',
      )
        .choices(['event', 'process'])
        .default('event'),
    )
    .option(
      '--processes <N>',
      'with --model process: how many processes (default: the number of CPUs)',
      integer(1, 1024),
    )
    .option('--gzip', 'compress text files for clients that accept gzip', false)
    .option(
      '--workers <N>',
      'render the pages under /dyn/ (/dyn/primes?n=N, /dyn/info) on a pool of N threads, in each process; 0 serves files only',
      integer(0, 1024),
      0,
    )
    .option(
      '--idle-timeout <MS>',
      'time a client has to send a request head',
      integer(1, 2 ** 31 - 1),
      5000,
    )
    .option('--max-header-bytes <N>', 'largest request head accepted', integer(64, 2 ** 24), 8192)
    .option(
      '--max-queued <N>',
      'with --workers: /dyn/ pages that may wait for a thread; beyond, 503',
      integer(0, 1_000_000),
      16,
    )
    .option(
      '--max-connections <N>',
      'connections served at once; more are closed',
      integer(1, 1_000_000),
      1024,
    )
    .option(
      '--shutdown-timeout <MS>',
      'on Ctrl-C or SIGTERM, time the downloads in progress have to finish',
      integer(0, 2 ** 31 - 1),
      10_000,
    )
    .option('--quiet', 'no access log (Common Log Format, one line per request)', false);
  return onRun(command, (self) => {
    const [root] = self.processedArgs as [string];
    return runHttp(root, self.opts<HttpFlags>(), io, stop);
  });
}

/**
 * Runs the `http` command with its arguments (after `http`). Serves until SIGINT or SIGTERM,
 * or until `stop` aborts; then closes the server.
 * @returns The exit code: 0 after a clean stop, 2 for bad arguments, 1 when the server
 * cannot start.
 * @example
 * ```ts
 * await httpCommand(['public', '--port', '8000', '--workers', '2'], console.log, console.error);
 * ```
 */
export function httpCommand(
  argv: readonly string[],
  out: (line: string) => void,
  err: (line: string) => void,
  stop?: AbortSignal,
): Promise<number> {
  return runSubprogram(() => httpProgram({ out, err }, stop), argv, { out, err });
}

/** Serves `root` with the parsed `options` until stopped; returns the exit code. */
export async function runHttp(
  root: string,
  options: HttpFlags,
  { out, err }: CommandIO,
  stop?: AbortSignal,
): Promise<number> {
  let server;
  try {
    server = await startHttpServer({
      root,
      host: options.host,
      port: options.port,
      model: options.model,
      ...(options.processes === undefined ? {} : { processes: options.processes }),
      gzip: options.gzip,
      workers: options.workers,
      idleTimeoutMs: options.idleTimeout,
      maxHeaderBytes: options.maxHeaderBytes,
      maxQueued: options.maxQueued,
      maxConnections: options.maxConnections,
      shutdownTimeoutMs: options.shutdownTimeout,
      ...(options.quiet ? {} : { log: out }),
    });
  } catch (error) {
    err(`Cannot serve \`${root}\`: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  }
  const mode =
    server.workers === 0
      ? 'static files only'
      : `dynamic pages under /dyn/ on ${server.workers} threads`;
  const processes =
    server.model === 'process'
      ? `; ${server.pids.length} processes: ${server.pids.join(', ')}`
      : '';
  out(
    `Serving ${root} at http://${server.host}:${server.port}/ (${mode}${processes}); Ctrl-C stops.`,
  );

  await new Promise<void>((resolve) => {
    const stopped = (): void => {
      process.off('SIGINT', stopped);
      process.off('SIGTERM', stopped);
      stop?.removeEventListener('abort', stopped);
      resolve();
    };
    process.on('SIGINT', stopped);
    process.on('SIGTERM', stopped);
    if (stop?.aborted === true) stopped();
    else stop?.addEventListener('abort', stopped);
  });
  out('Stopping: the responses in progress finish first.');
  await server.close();
  out('Server stopped.');
  return 0;
}
