/**
 * The course's multi-client file server over TCP, with three concurrency models:
 *
 * - `event`: one event loop (this thread) runs every client's session.
 * - `thread`: a {@link Thread} per client runs its session; this thread owns the socket
 *   (a worker thread cannot) and relays its bytes through two bounded {@link Queue}s.
 * - `process`: a {@link Process} per client, which is handed the connected socket itself
 *   and serves it alone, as Python's `multiprocessing` would. At most `maxProcesses` run at
 *   once (each is a whole Node.js, tens of MB): the clients beyond wait, unread, for one to
 *   end.
 *
 * Every model drops a client that sends nothing and reads nothing for `idleTimeoutMs` (so a
 * stalled upload is discarded and a client that never reads frees its session), and refuses
 * clients beyond `maxClients` with one `ERR` line. At start, the temporary files of uploads
 * that a killed server left behind are removed.
 *
 * The session (protocol, path confinement, atomic uploads) is one function for all three:
 * session.ts.
 */
import { once } from 'node:events';
import { readdir, realpath, rm, stat } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import {
  ArgumentRangeError,
  ArgumentTypeError,
  Process,
  Queue,
  taskModule,
  Thread,
} from '../../index.ts';
import { UPLOAD_PREFIX, write } from './protocol.ts';
import { LINGER_MS, serveSession } from './session.ts';

const tasks = taskModule<typeof import('./tasks.js')>(new URL('./tasks.js', import.meta.url));

/** The concurrency models, in the order the CLI lists them. */
export const MODELS = ['process', 'thread', 'event'] as const;

/** How clients are served concurrently. */
export type Model = (typeof MODELS)[number];

/** Options of {@link startFileServer}. */
export interface FileServerOptions {
  /** The directory served: its regular files are listed, downloaded and uploaded to. */
  readonly dir: string;
  /**
   * The concurrency model.
   * @default 'thread'
   */
  readonly model?: Model | undefined;
  /**
   * The address to listen on.
   * @default '127.0.0.1'
   */
  readonly host?: string | undefined;
  /**
   * The port to listen on; 0 picks a free one (see {@link FileServer.port}).
   * @default 0
   */
  readonly port?: number | undefined;
  /**
   * How long a client may send nothing and read nothing before it is disconnected, in ms.
   * @default 60000
   */
  readonly idleTimeoutMs?: number | undefined;
  /**
   * The most clients served at once; one more is answered `ERR` and disconnected.
   * @default 256
   */
  readonly maxClients?: number | undefined;
  /**
   * With `process`, the most processes at once; the clients beyond wait for one to end.
   * @default os.availableParallelism()
   */
  readonly maxProcesses?: number | undefined;
  /** Receives one line per client connecting and leaving. */
  readonly log?: ((line: string) => void) | undefined;
}

/** A running file server. */
export interface FileServer {
  /** The port it listens on (the one picked, when asked for port 0). */
  readonly port: number;
  readonly host: string;
  readonly model: Model;
  /** The served directory, as a real path. */
  readonly dir: string;
  /** The number of clients being served now. */
  readonly active: number;
  /** Resolves once no client is being served (at once if none is). */
  idle(): Promise<void>;
  /**
   * Stops accepting clients and ends every session (closing its connection: an upload in
   * progress is discarded), then waits for every thread and process to end.
   */
  close(): Promise<void>;
}

/** How long a process may take to end its session after SIGTERM before it is killed. */
const TERMINATE_GRACE_MS = 5_000;

/** The most chunks queued in each direction between a thread and the socket. */
const RELAY_QUEUE_CHUNKS = 8;

/** One client being served: its end, and how to cut it short. */
interface Session {
  readonly done: Promise<void>;
  stop(): void;
}

function describeClient(socket: Socket): string {
  return `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? '?'}`;
}

/** What a model needs to serve one client. */
interface ServeContext {
  readonly root: string;
  readonly idleMs: number;
  /** With `process`: the slots of the bounded pool of processes. */
  readonly slots: Slots;
  readonly log: ((line: string) => void) | undefined;
}

/** Drops the connection after `idleMs` without a byte either way. */
function dropWhenIdle(socket: Socket, idleMs: number): void {
  socket.setTimeout(idleMs, () => socket.destroy());
}

/** `--model event`: the session runs on this thread's event loop. */
function serveOnEventLoop({ root, idleMs }: ServeContext, socket: Socket): Session {
  dropWhenIdle(socket, idleMs);
  const done = (async () => {
    await serveSession(root, socket, socket);
    if (!socket.destroyed) await once(socket, 'close');
  })();
  return { done, stop: () => socket.destroy() };
}

/** `--model thread`: the session runs on a thread; this thread relays the socket's bytes. */
function serveOnThread({ root, idleMs }: ServeContext, socket: Socket): Session {
  const inbound = new Queue<Uint8Array>(RELAY_QUEUE_CHUNKS);
  const outbound = new Queue<Uint8Array>(RELAY_QUEUE_CHUNKS);
  const thread = new Thread({ target: tasks.serveRelay, args: [root, inbound, outbound] });
  thread.start();
  // Client → thread. `for await` reads the next chunk only once this one is queued: while
  // the thread is slow, the socket stops reading and TCP slows the client down.
  const receiving = (async () => {
    try {
      for await (const chunk of socket) await inbound.put(chunk as Buffer);
    } catch {
      // The socket was reset, or the session ended and the queue was shut down.
    } finally {
      inbound.shutdown();
    }
  })();
  // Thread → client, waiting for 'drain' when the socket's buffer is full.
  const sending = (async () => {
    try {
      let running = false;
      for await (const chunk of outbound) {
        // The relay's first chunk is empty: the thread runs, so from now on a silent
        // client is idle (a thread's start-up, slow on a busy machine, is not the client's).
        if (!running) {
          running = true;
          dropWhenIdle(socket, idleMs);
        }
        if (chunk.length > 0) await write(socket, chunk);
      }
      socket.end();
    } catch {
      socket.destroy();
    } finally {
      // Stops the session's writes (the client is gone) and the relay's reads.
      outbound.shutdown({ immediate: true });
      inbound.shutdown({ immediate: true });
    }
  })();
  const done = (async () => {
    await thread.join();
    // A thread that failed never shut its queue down: what it queued still goes out.
    outbound.shutdown();
    await sending;
    if (!socket.destroyed) await once(socket, 'close');
    await receiving;
  })();
  return { done, stop: () => socket.destroy() };
}

/**
 * `--model process`: the socket is handed to a process of its own, once one of the
 * `maxProcesses` slots is free; until then it waits unread (and is dropped when idle).
 */
function serveInProcess(context: ServeContext, socket: Socket): Session {
  const { root, idleMs, slots } = context;
  let child: Process | undefined;
  dropWhenIdle(socket, idleMs);
  if (slots.free === 0) {
    context.log?.(`${describeClient(socket)} waits for a process (${slots.size} running)`);
  }
  const done = (async () => {
    const release = await slots.acquire();
    try {
      // Stopped, or dropped as idle, while it waited.
      if (socket.destroyed) return;
      // From here the process owns the connection and its idle timeout.
      socket.setTimeout(0);
      child = new Process({ target: tasks.serveSocket, args: [root, socket, idleMs] });
      child.start();
      await child.join();
    } finally {
      release();
    }
  })();
  return {
    done,
    stop: () => {
      if (child === undefined) {
        socket.destroy();
        return;
      }
      if (!child.isAlive()) return;
      // SIGTERM: the child closes the connection and cleans up; kill it if it does not.
      child.terminate();
      const running = child;
      void running.join(TERMINATE_GRACE_MS).then(() => {
        if (running.isAlive()) running.kill();
      });
    },
  };
}

const SERVE: Record<Model, (context: ServeContext, socket: Socket) => Session> = {
  event: serveOnEventLoop,
  thread: serveOnThread,
  process: serveInProcess,
};

function checkCount(name: string, value: number, max: number): void {
  if (!Number.isSafeInteger(value) || value < 1 || value > max) {
    throw new ArgumentRangeError(
      `Expected \`${name}\` to be an integer from 1 to ${max}, got \`${value}\``,
    );
  }
}

/**
 * Removes the temporary files of uploads left in `root` by a server that was killed (a
 * running server removes its own when an upload fails). Two servers must not share a
 * directory: this would take the other's uploads in progress.
 */
async function sweepUploads(
  root: string,
  log: ((line: string) => void) | undefined,
): Promise<void> {
  const names = (await readdir(root)).filter((name) => name.startsWith(UPLOAD_PREFIX));
  for (const name of names) await rm(join(root, name), { force: true });
  if (names.length > 0)
    log?.(`Removed ${names.length} unfinished upload(s) left by a previous run`);
}

/** A counting semaphore: `acquire()` resolves, in arrival order, with the slot's release. */
interface Slots {
  readonly size: number;
  readonly free: number;
  acquire(): Promise<() => void>;
}

function slots(size: number): Slots {
  let free = size;
  const waiting: (() => void)[] = [];
  const release = (): void => {
    const next = waiting.shift();
    if (next === undefined) free++;
    else next();
  };
  return {
    size,
    get free() {
      return free;
    },
    async acquire() {
      if (free > 0) free--;
      else await new Promise<void>((resolve) => waiting.push(resolve));
      let released = false;
      return () => {
        if (released) return;
        released = true;
        release();
      };
    },
  };
}

/**
 * Starts a file server on `dir`.
 * @throws {TypeError} for an unknown model; {@link Error} when `dir` is not a directory or
 * the address cannot be listened on.
 * @example
 * ```ts
 * const server = await startFileServer({ dir: 'library', model: 'process', port: 5001 });
 * // ...
 * await server.close();
 * ```
 */
export async function startFileServer(options: FileServerOptions): Promise<FileServer> {
  const {
    dir,
    model = 'thread',
    host = '127.0.0.1',
    port = 0,
    idleTimeoutMs = 60_000,
    maxClients = 256,
    maxProcesses = availableParallelism(),
    log,
  } = options;
  checkCount('idleTimeoutMs', idleTimeoutMs, 2 ** 31 - 1);
  checkCount('maxClients', maxClients, 1_000_000);
  checkCount('maxProcesses', maxProcesses, 1024);
  if (!MODELS.includes(model)) {
    throw new ArgumentTypeError(
      `Expected \`model\` to be one of ${MODELS.join(', ')}, got \`${model}\``,
    );
  }
  const root = await realpath(dir);
  if (!(await stat(root)).isDirectory()) {
    throw new ArgumentTypeError(
      `Expected a directory to serve, got \`${dir}\``,
      'ERR_INVALID_ARG_VALUE',
    );
  }
  await sweepUploads(root, log);
  const sessions = new Set<Session>();
  const serve = SERVE[model];
  const context: ServeContext = { root, idleMs: idleTimeoutMs, slots: slots(maxProcesses), log };
  // With `process`, nothing may be read here before the socket is handed over.
  const server: Server = createServer({ pauseOnConnect: model === 'process' }, (socket) => {
    const who = describeClient(socket);
    // Resets are reported through the session's reads and writes.
    socket.on('error', () => undefined);
    if (sessions.size >= maxClients) {
      log?.(`${who} refused: ${maxClients} clients already`);
      socket.end(`ERR the server is busy (${maxClients} clients); try again later\n`);
      socket.resume();
      socket.setTimeout(LINGER_MS, () => socket.destroy());
      return;
    }
    log?.(`${who} connected`);
    const session = serve(context, socket);
    sessions.add(session);
    void session.done
      .catch((error: unknown) => {
        log?.(`${who}: ${error instanceof Error ? error.message : String(error)}`);
      })
      .finally(() => {
        sessions.delete(session);
        log?.(`${who} left`);
      });
  });
  // Listening or failing to, with no listener or pending promise left behind either way.
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;

  async function idle(): Promise<void> {
    while (sessions.size > 0) await Promise.allSettled([...sessions].map((s) => s.done));
  }

  return {
    port: address.port,
    host,
    model,
    dir: root,
    get active() {
      return sessions.size;
    },
    idle,
    async close() {
      const closed = once(server, 'close');
      server.close();
      for (const session of sessions) session.stop();
      await idle();
      await closed;
    },
  };
}
