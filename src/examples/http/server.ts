/**
 * The course's HTTP server: an event-driven static file server on `node:net`, one event loop
 * serving every client at once (I/O concurrency), with dynamic pages under `/dyn/` rendered
 * on a pool of threads when it is started with workers.
 *
 * Each connection reads bytes, parses one request head at a time (`parser.ts`), answers it,
 * and only then parses the next one, so pipelined requests are answered in order. While it
 * answers, it stops reading (`pause()`), which bounds what a client can make it buffer.
 *
 * Slow clients are bounded two ways: a request head must arrive whole within
 * `idleTimeoutMs` of the moment the connection starts waiting for it (a deadline, not an
 * inactivity timer, so a client dribbling one byte at a time is still cut off), and a
 * response whose client stops reading is dropped after `idleTimeoutMs` without progress.
 */
import { createServer, type Server } from 'node:net';
import { Connection, type Context } from './connection.ts';
import type { HttpRequest } from './parser.ts';
import type { Reply } from './response.ts';
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
   * Threads of the pool that renders the dynamic pages under `/dyn/`; 0 serves static files
   * only (and `/dyn/` is then a path like any other).
   * @default 0
   */
  readonly workers?: number;
  /**
   * How long a client may take to send a whole request head, and how long a response may
   * wait on a client that does not read, in milliseconds.
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
   * The most connections at once; more are closed as they arrive.
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
  /** The threads rendering dynamic pages; 0 when there is no pool. */
  readonly workers: number;
  /**
   * Stops listening and closes the connections between requests at once; responses in
   * progress finish (up to `shutdownTimeoutMs`), then their connections close; then the
   * pool stops.
   */
  close(): Promise<void>;
}

/** Renders the pages under `/dyn/`; see `dynamic.ts`. */
export interface DynamicPages {
  handle(request: HttpRequest, signal: AbortSignal): Promise<Reply>;
  close(): Promise<void>;
}

function checkInteger(name: string, value: number, min: number, max: number): void {
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new RangeError(
      `Expected \`${name}\` to be an integer from ${min} to ${max}, got \`${value}\``,
    );
  }
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
  const {
    root,
    host = '127.0.0.1',
    port = 8080,
    workers = 0,
    idleTimeoutMs = 5000,
    maxHeaderBytes = 8192,
    maxQueued = 16,
    maxConnections = 1024,
    shutdownTimeoutMs = 10_000,
    log,
  } = options;
  checkInteger('port', port, 0, 65535);
  checkInteger('workers', workers, 0, 1024);
  checkInteger('idleTimeoutMs', idleTimeoutMs, 1, 2 ** 31 - 1);
  checkInteger('maxHeaderBytes', maxHeaderBytes, 64, 2 ** 24);
  checkInteger('maxQueued', maxQueued, 0, 1_000_000);
  checkInteger('maxConnections', maxConnections, 1, 1_000_000);
  checkInteger('shutdownTimeoutMs', shutdownTimeoutMs, 0, 2 ** 31 - 1);
  const staticRoot = await openRoot(root);
  // Loaded only with workers: static serving never touches the pool.
  const dynamic =
    workers > 0 ? (await import('./dynamic.ts')).startDynamicPages(workers, maxQueued) : undefined;
  const context: Context = { root: staticRoot, dynamic, idleTimeoutMs, maxHeaderBytes, log };
  const connections = new Set<Connection>();
  // allowHalfOpen: a client that shuts down its sending side after a request still gets
  // the response; the connection ends once it is answered.
  const server: Server = createServer({ allowHalfOpen: true }, (socket) => {
    const connection = new Connection(socket, context);
    connections.add(connection);
    socket.once('close', () => connections.delete(connection));
  });
  // Beyond it, node:net closes a new connection as soon as it is accepted.
  server.maxConnections = maxConnections;
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
    workers,
    close() {
      closed ??= (async () => {
        const stopped = new Promise<void>((resolve) => {
          server.close(() => {
            resolve();
          });
        });
        for (const connection of connections) connection.drain();
        // Responses in progress finish; after the deadline, whatever is left is dropped.
        const deadline = setTimeout(() => {
          for (const connection of connections) connection.destroy();
        }, shutdownTimeoutMs);
        await stopped;
        clearTimeout(deadline);
        await dynamic?.close();
      })();
      return closed;
    },
  };
}
