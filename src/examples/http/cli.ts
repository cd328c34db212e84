/**
 * `multitask http DIR [--host H] [--port P] [--model event|process] [--processes N] [--gzip]
 * [--workers N]`: serves DIR until Ctrl-C.
 */
import { parseArgs } from 'node:util';
import { startHttpServer } from './server.ts';

/** The usage text of the `http` command. */
export const HTTP_USAGE = `Usage: multitask http DIR [options]

Serves the files of DIR over HTTP/1.1 (GET and HEAD) until Ctrl-C.

Options:
  --host H               Address to listen on (default: 127.0.0.1).
  --port P               Port to listen on; 0 picks a free one (default: 8080).
  --model M              event: one event loop serves every client; process: N processes
                         share the listening socket, each with its own event loop
                         (default: event).
  --processes N          With --model process: how many processes (default: the number
                         of CPUs, os.availableParallelism()).
  --gzip                 Compress text files for clients that accept gzip.
  --workers N            Render the pages under /dyn/ on a pool of N threads
                         (/dyn/primes?n=N, /dyn/info), in each process; 0 serves files
                         only (default: 0).
  --idle-timeout MS      Time a client has to send a request head (default: 5000).
  --max-header-bytes N   Largest request head accepted (default: 8192).
  --max-queued N         With --workers: /dyn/ pages that may wait for a thread;
                         beyond, 503 (default: 16).
  --max-connections N    Connections served at once; more are closed (default: 1024).
  --shutdown-timeout MS  On Ctrl-C or SIGTERM, time the downloads in progress have to
                         finish (default: 10000).
  --quiet                No access log (Common Log Format, one line per request).
  -h, --help             Show this help.`;

function integer(
  name: string,
  text: string | undefined,
  fallback: number,
  min: number,
  max: number,
): number {
  if (text === undefined) return fallback;
  const value = /^\d+$/.test(text) ? Number(text) : Number.NaN;
  if (!(value >= min && value <= max)) {
    throw new RangeError(
      `Expected --${name} to be an integer from ${min} to ${max}, got \`${text}\``,
    );
  }
  return value;
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
export async function httpCommand(
  argv: readonly string[],
  out: (line: string) => void,
  err: (line: string) => void,
  stop?: AbortSignal,
): Promise<number> {
  let root: string;
  let options: {
    host: string;
    port: number;
    model: 'event' | 'process';
    processes: number | undefined;
    gzip: boolean;
    workers: number;
    idle: number;
    maxHead: number;
    maxQueued: number;
    maxConnections: number;
    shutdown: number;
    quiet: boolean;
  };
  try {
    const { values, positionals } = parseArgs({
      args: [...argv],
      allowPositionals: true,
      strict: true,
      options: {
        host: { type: 'string' },
        port: { type: 'string' },
        model: { type: 'string' },
        processes: { type: 'string' },
        gzip: { type: 'boolean' },
        workers: { type: 'string' },
        'idle-timeout': { type: 'string' },
        'max-header-bytes': { type: 'string' },
        'max-queued': { type: 'string' },
        'max-connections': { type: 'string' },
        'shutdown-timeout': { type: 'string' },
        quiet: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
    if (values.help === true) {
      out(HTTP_USAGE);
      return 0;
    }
    if (positionals.length !== 1 || positionals[0] === undefined) {
      throw new TypeError(`Expected one directory to serve, got ${positionals.length} arguments`);
    }
    root = positionals[0];
    const model = values.model ?? 'event';
    if (model !== 'event' && model !== 'process') {
      throw new RangeError(`Expected --model to be event or process, got \`${model}\``);
    }
    options = {
      host: values.host ?? '127.0.0.1',
      port: integer('port', values.port, 8080, 0, 65535),
      model,
      processes:
        values.processes === undefined
          ? undefined
          : integer('processes', values.processes, 1, 1, 1024),
      gzip: values.gzip === true,
      workers: integer('workers', values.workers, 0, 0, 1024),
      idle: integer('idle-timeout', values['idle-timeout'], 5000, 1, 2 ** 31 - 1),
      maxHead: integer('max-header-bytes', values['max-header-bytes'], 8192, 64, 2 ** 24),
      maxQueued: integer('max-queued', values['max-queued'], 16, 0, 1_000_000),
      maxConnections: integer('max-connections', values['max-connections'], 1024, 1, 1_000_000),
      shutdown: integer('shutdown-timeout', values['shutdown-timeout'], 10_000, 0, 2 ** 31 - 1),
      quiet: values.quiet === true,
    };
  } catch (error) {
    err(`${error instanceof Error ? error.message : String(error)}\n\n${HTTP_USAGE}`);
    return 2;
  }

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
      idleTimeoutMs: options.idle,
      maxHeaderBytes: options.maxHead,
      maxQueued: options.maxQueued,
      maxConnections: options.maxConnections,
      shutdownTimeoutMs: options.shutdown,
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
