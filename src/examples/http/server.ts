/**
 * The course's HTTP server: a static file server on `node:http` (llhttp parses the
 * requests), with dynamic pages under `/dyn/` rendered on a pool of threads when it is
 * started with workers. Two concurrency models serve the files:
 *
 * - `event` (the default): one event loop serves every client at once (I/O concurrency);
 * - `process`: N processes (`node:cluster`) share the listening socket, each with its own
 *   event loop, so static serving uses every core (see `cluster.ts`).
 *
 * Slow clients are bounded: a request head must arrive whole within `idleTimeoutMs` (a
 * deadline, not an inactivity timer, so a client dribbling one byte at a time is still cut
 * off with 408), an idle keep-alive connection closes after `idleTimeoutMs`, and a response
 * whose client stops reading is dropped after `idleTimeoutMs` without progress.
 */
import { createServer, type Server } from 'node:http';
import type { Socket } from 'node:net';
import { answer, type Context } from './exchange.ts';
import { formatHttpDate, REASONS } from './response.ts';
import { openRoot } from './static.ts';

/** Options of {@link startHttpServer}. */
export interface HttpServerOptions {
  /** The directory to serve. */
  readonly root: string;
  /**
   * The address to listen on.
   * @default '127.0.0.1'
   */
  readonly host?: string;
  /**
   * The port to listen on; 0 picks a free one (see {@link HttpServer.port}).
   * @default 8080
   */
  readonly port?: number;
  /**
   * The concurrency model: `event`, one event loop in this process; `process`, `processes`
   * child processes sharing the listening socket, each with its own event loop.
   * @default 'event'
   */
  readonly model?: 'event' | 'process';
  /**
   * With `model: 'process'`: how many processes serve.
   * @default os.availableParallelism()
   */
  readonly processes?: number;
  /**
   * Threads of the pool that renders the dynamic pages under `/dyn/` (in each process of
   * the process model); 0 serves static files only (and `/dyn/` is then a path like any
   * other).
   * @default 0
   */
  readonly workers?: number;
  /**
   * Compress text files (HTML, CSS, JavaScript, JSON, SVG…) with gzip for clients that
   * accept it; `Vary: Accept-Encoding` tells caches.
   * @default false
   */
  readonly gzip?: boolean;
  /**
   * How long a client may take to send a whole request head, how long a keep-alive
   * connection may stay idle, and how long a response may wait on a client that does not
   * read, in milliseconds.
   * @default 5000
   */
  readonly idleTimeoutMs?: number;
  /**
   * The largest request head (request line and header fields) accepted, in bytes.
   * @default 8192
   */
  readonly maxHeaderBytes?: number;
  /**
   * With workers: how many `/dyn/` pages may wait for a thread; beyond, 503.
   * @default 16
   */
  readonly maxQueued?: number;
  /**
   * The most connections at once (per process in the process model); more are closed as
   * they arrive.
   * @default 1024
   */
  readonly maxConnections?: number;
  /**
   * On {@link HttpServer.close}, how long responses in progress may take to finish before
   * their connections are dropped, in milliseconds.
   * @default 10000
   */
  readonly shutdownTimeoutMs?: number;
  /**
   * Called with one line per request answered: an access log in Common Log Format
   * (`127.0.0.1 - - [06/Dec/2026:22:15:03 +0000] "GET /a.txt HTTP/1.1" 200 14`), where a
   * response cut short (the client left or stalled) is logged as 499 with the bytes sent.
   */
  readonly log?: (line: string) => void;
}

/** A running server. */
export interface HttpServer {
  /** The address it listens on. */
  readonly host: string;
  /** The port it listens on (the one picked, when started with port 0). */
  readonly port: number;
  /** The concurrency model. */
  readonly model: 'event' | 'process';
  /** The process ids serving: this process's in the event model, the children's otherwise. */
  readonly pids: readonly number[];
  /** The threads rendering dynamic pages (per process); 0 when there is no pool. */
  readonly workers: number;
  /**
   * Stops listening and closes the connections between requests at once; responses in
   * progress finish (up to `shutdownTimeoutMs`), then their connections close; then the
   * pool (and, in the process model, every child process) stops.
   */
  close(): Promise<void>;
}

/** The options once checked and defaulted. */
export type ServerSettings = Required<Omit<HttpServerOptions, 'log'>> &
  Pick<HttpServerOptions, 'log'>;

function checkInteger(name: string, value: number, min: number, max: number): void {
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new RangeError(
      `Expected \`${name}\` to be an integer from ${min} to ${max}, got \`${value}\``,
    );
  }
}

/** Checks the options and fills in the defaults. */
export async function settings(options: HttpServerOptions): Promise<ServerSettings> {
  const { availableParallelism } = await import('node:os');
  const resolved: ServerSettings = {
    root: options.root,
    host: options.host ?? '127.0.0.1',
    port: options.port ?? 8080,
    model: options.model ?? 'event',
    processes: options.processes ?? availableParallelism(),
    workers: options.workers ?? 0,
    gzip: options.gzip ?? false,
    idleTimeoutMs: options.idleTimeoutMs ?? 5000,
    maxHeaderBytes: options.maxHeaderBytes ?? 8192,
    maxQueued: options.maxQueued ?? 16,
    maxConnections: options.maxConnections ?? 1024,
    shutdownTimeoutMs: options.shutdownTimeoutMs ?? 10_000,
    ...(options.log === undefined ? {} : { log: options.log }),
  };
  // Checked at run time too: JavaScript callers and the CLI pass strings.
  if (!['event', 'process'].includes(resolved.model)) {
    throw new RangeError(
      `Expected \`model\` to be 'event' or 'process', got \`${resolved.model}\``,
    );
  }
  checkInteger('port', resolved.port, 0, 65535);
  checkInteger('processes', resolved.processes, 1, 1024);
  checkInteger('workers', resolved.workers, 0, 1024);
  checkInteger('idleTimeoutMs', resolved.idleTimeoutMs, 1, 2 ** 31 - 1);
  checkInteger('maxHeaderBytes', resolved.maxHeaderBytes, 64, 2 ** 24);
  checkInteger('maxQueued', resolved.maxQueued, 0, 1_000_000);
  checkInteger('maxConnections', resolved.maxConnections, 1, 1_000_000);
  checkInteger('shutdownTimeoutMs', resolved.shutdownTimeoutMs, 0, 2 ** 31 - 1);
  return resolved;
}

/**
 * Starts the HTTP server and resolves once it listens.
 * @throws {RangeError} when a numeric option is out of range.
 * @throws {Error} when `root` is not a directory, or the address cannot be listened on.
 * @example
 * ```ts
 * const server = await startHttpServer({ root: 'public', port: 0, workers: 2 });
 * console.log(`http://${server.host}:${server.port}/`);
 * await server.close();
 * ```
 */
export async function startHttpServer(options: HttpServerOptions): Promise<HttpServer> {
  const resolved = await settings(options);
  if (resolved.model === 'process') {
    // The root is checked here, so that a bad one fails before any process starts.
    await openRoot(resolved.root);
    return (await import('./cluster.ts')).startProcesses(resolved);
  }
  return startEventServer(resolved);
}

/** How long a connection refused with an error status keeps reading before it is destroyed. */
const MAX_LINGER_MS = 2000;

/** The status and reason for a request node:http could not parse, or none to send. */
function clientErrorReply(
  error: NodeJS.ErrnoException & { rawPacket?: Buffer; bytesParsed?: number },
  socket: Socket,
): { status: number; reason: string } | undefined {
  switch (error.code ?? '') {
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      // Part of a request is an answer owed (408); a client that sent nothing just goes.
      return socket.bytesRead === 0
        ? undefined
        : { status: 408, reason: 'the request head took too long' };
    case 'HPE_HEADER_OVERFLOW': {
      // No line feed in what was parsed of the last bytes: the request line is the long one.
      const parsed = error.rawPacket?.subarray(0, error.bytesParsed);
      return parsed !== undefined && !parsed.includes(0x0a)
        ? { status: 414, reason: 'request line too long' }
        : { status: 431, reason: 'request head too large' };
    }
    case 'ECONNRESET':
    case 'HPE_INVALID_EOF_STATE':
      return undefined;
    default:
      return { status: 400, reason: error.code ?? 'malformed request' };
  }
}

async function startEventServer(resolved: ServerSettings): Promise<HttpServer> {
  const { root, host, port, workers, idleTimeoutMs, maxQueued, shutdownTimeoutMs, log } = resolved;
  const staticRoot = await openRoot(root);
  // Loaded only with workers: static serving never touches the pool.
  const dynamic =
    workers > 0 ? (await import('./dynamic.ts')).startDynamicPages(workers, maxQueued) : undefined;
  let draining = false;
  const context: Context = {
    root: staticRoot,
    dynamic,
    idleTimeoutMs,
    gzip: resolved.gzip,
    log,
    draining: () => draining,
  };
  const server: Server = createServer(
    {
      maxHeaderSize: resolved.maxHeaderBytes,
      // A deadline for each request head (checked every connectionsCheckingInterval).
      headersTimeout: idleTimeoutMs,
      requestTimeout: idleTimeoutMs,
      keepAliveTimeout: idleTimeoutMs,
      connectionsCheckingInterval: Math.max(10, Math.min(1000, Math.floor(idleTimeoutMs / 4))),
      // Host is checked in request.ts (exactly one), with the reason in the answer.
      requireHostHeader: false,
      noDelay: true,
    },
    (req, res) => {
      void answer(req, res, context);
    },
  );
  // An error status for what llhttp refuses, then our side ends; what still arrives is
  // read and dropped until the client closes or the linger ends (destroying the socket at
  // once while the client still sends would make the kernel reset the connection, which
  // can discard the answer before the client reads it).
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Socket) => {
    const refusal = socket.writable ? clientErrorReply(error, socket) : undefined;
    if (refusal === undefined) {
      socket.destroy();
      return;
    }
    const body = Buffer.from(
      `${refusal.status} ${REASONS[refusal.status] ?? 'Error'}: ${refusal.reason}\n`,
    );
    const fields = {
      Date: formatHttpDate(Date.now()),
      Server: 'multitask',
      'Content-Type': 'text/plain; charset=utf-8',
      'Content-Length': String(body.length),
      Connection: 'close',
    };
    const head = `HTTP/1.1 ${refusal.status} ${REASONS[refusal.status] ?? 'Error'}\r\n${Object.entries(
      fields,
    )
      .map(([name, value]) => `${name}: ${value}\r\n`)
      .join('')}\r\n`;
    socket.end(Buffer.concat([Buffer.from(head, 'latin1'), body]));
    const linger = setTimeout(() => socket.destroy(), Math.min(idleTimeoutMs, MAX_LINGER_MS));
    socket.once('close', () => {
      clearTimeout(linger);
    });
  });
  // Beyond it, node:net closes a new connection as soon as it is accepted.
  server.maxConnections = resolved.maxConnections;
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (error) {
    await dynamic?.close();
    throw error;
  }
  const address = server.address();
  const bound = typeof address === 'object' && address !== null ? address.port : port;
  let closed: Promise<void> | undefined;
  return {
    host,
    port: bound,
    model: 'event',
    pids: [process.pid],
    workers,
    close() {
      closed ??= (async () => {
        draining = true;
        // Stops listening and closes the idle connections; busy ones end after their
        // response (exchange.ts). After the deadline, whatever is left is dropped.
        const stopped = new Promise<void>((resolve) => {
          server.close(() => {
            resolve();
          });
        });
        server.closeIdleConnections();
        const deadline = setTimeout(() => {
          server.closeAllConnections();
        }, shutdownTimeoutMs);
        await stopped;
        clearTimeout(deadline);
        await dynamic?.close();
      })();
      return closed;
    },
  };
}
