/**
 * A program's stats on a unix socket, for `multitask top <pid>`: the stats of every pool it
 * has (`pool.stats()`) and the state of its threads and processes, served on request.
 *
 * The socket is `$XDG_RUNTIME_DIR/multitask/<pid>.sock`, or `<tmpdir>/multitask-<uid>/<pid>.sock`
 * without one: a folder of mode 0700, a socket of mode 0600, so only the program's user reads
 * it. It is served once asked (`serveStats()`, or `MULTITASK_DEBUG=top` in the main process),
 * never keeps the program alive, and is removed as the program exits.
 *
 * The protocol is lines of text: the client writes `stats`, the server answers one line of
 * JSON, a {@link ProgramStats}; any other request is answered `{"error": "..."}`.
 */
import { chmodSync, mkdirSync, unlinkSync } from 'node:fs';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isMainThread } from 'node:worker_threads';
import { ArgumentRangeError, StateError } from '../errors.ts';
import type { WorkerState } from '../internal/channels.ts';
import { livePoolStats, type PoolStats } from '../pool/stats.ts';
import { currentProcessIdentity } from '../runtime/identity.ts';
import { liveChildren } from '../threading/children.ts';
import { Process } from '../threading/process.ts';
import { Thread } from '../threading/thread.ts';
import { debugFlag, trace } from './shared.ts';

/** A Thread or Process object of the program, as the stats show it. */
export interface ChildStats {
  readonly name: string;
  readonly kind: 'thread' | 'process';
  /** Its thread id or process id. */
  readonly ident: number | null;
  readonly state: WorkerState;
  /** What it waits on while `blocked` (see `Thread#waitsOn`), else null. */
  readonly waitsOn: string | null;
}

/** What a program serves: its pools and its live threads and processes. */
export interface ProgramStats {
  readonly pid: number;
  /** Its command line, past `node`. */
  readonly command: string;
  /** Seconds since it started. */
  readonly uptime: number;
  readonly pools: readonly PoolStats[];
  readonly children: readonly ChildStats[];
}

/** This program's stats now. */
export function programStats(): ProgramStats {
  const children: ChildStats[] = [];
  for (const child of liveChildren()) {
    if (child instanceof Process) {
      children.push({
        name: child.name,
        kind: 'process',
        ident: child.pid,
        state: child.state,
        waitsOn: child.waitsOn,
      });
    } else if (child instanceof Thread) {
      children.push({
        name: child.name,
        kind: 'thread',
        ident: child.threadId,
        state: child.state,
        waitsOn: child.waitsOn,
      });
    }
  }
  return {
    pid: process.pid,
    command: process.argv.slice(1).join(' '),
    uptime: process.uptime(),
    pools: livePoolStats(),
    children,
  };
}

/** The folder of the stats sockets of this user's programs. */
function socketFolder(): string {
  const runtime = process.env.XDG_RUNTIME_DIR;
  if (runtime !== undefined && runtime !== '') return join(runtime, 'multitask');
  return join(tmpdir(), `multitask-${process.getuid?.() ?? 'user'}`);
}

/** Where program `pid` serves its stats. */
export function statsSocketPath(pid: number = process.pid): string {
  return join(socketFolder(), `${pid}.sock`);
}

/** A program's stats server, as {@link serveStats} started it. */
export interface StatsServer {
  /** The socket's path. */
  readonly path: string;
  /** Stops serving and removes the socket. */
  close(): Promise<void>;
}

let serving: Promise<StatsServer> | null = null;

/**
 * Serves this program's stats on its socket ({@link statsSocketPath}) for `multitask top
 * <pid>`; the same server on every call. Same as starting the program with
 * `MULTITASK_DEBUG=top`.
 * @example
 * ```ts
 * const server = await serveStats();
 * console.log(`multitask top ${process.pid}  # reads ${server.path}`);
 * ```
 */
export function serveStats(): Promise<StatsServer> {
  serving ??= listen().catch((error: unknown) => {
    serving = null;
    throw error;
  });
  return serving;
}

async function listen(): Promise<StatsServer> {
  const path = statsSocketPath();
  mkdirSync(socketFolder(), { recursive: true, mode: 0o700 });
  // A socket left by an earlier program of this pid (killed before it could remove it).
  removeSocket(path);
  const server = createServer(answer);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(path, () => {
      server.off('error', reject);
      resolve();
    });
  });
  chmodSync(path, 0o600);
  server.unref();
  const onExit = (): void => {
    removeSocket(path);
  };
  process.once('exit', onExit);
  trace('stats served on %s', path);
  return {
    path,
    close: () => closeServer(server, path, onExit),
  };
}

function closeServer(server: Server, path: string, onExit: () => void): Promise<void> {
  process.off('exit', onExit);
  serving = null;
  return new Promise((resolve) => {
    server.close(() => {
      resolve();
    });
    removeSocket(path);
  });
}

function removeSocket(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // Not there: nothing to remove.
  }
}

/** Answers each line a client writes. */
function answer(socket: Socket): void {
  socket.setEncoding('utf8');
  let pending = '';
  socket.on('data', (chunk: string) => {
    pending += chunk;
    for (let end = pending.indexOf('\n'); end !== -1; end = pending.indexOf('\n')) {
      const request = pending.slice(0, end).trim();
      pending = pending.slice(end + 1);
      const reply =
        request === 'stats'
          ? programStats()
          : { error: `unknown request ${JSON.stringify(request)}` };
      socket.write(`${JSON.stringify(reply)}\n`);
    }
  });
  socket.on('error', () => {
    // The client went away: nothing to tell it.
  });
}

/** A connection to a program's stats server. */
export class StatsClient {
  readonly #socket: Socket;
  #buffered = '';
  readonly #waiting: { resolve(stats: ProgramStats): void; reject(error: unknown): void }[] = [];
  #ended: Error | null = null;

  private constructor(socket: Socket) {
    this.#socket = socket;
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      this.#buffered += chunk;
      for (let end = this.#buffered.indexOf('\n'); end !== -1; end = this.#buffered.indexOf('\n')) {
        const line = this.#buffered.slice(0, end);
        this.#buffered = this.#buffered.slice(end + 1);
        this.#waiting.shift()?.resolve(JSON.parse(line) as ProgramStats);
      }
    });
    const end = (): void => {
      this.#ended ??= new StateError('ERR_NO_STATS', 'the program stopped serving its stats');
      for (const waiter of this.#waiting.splice(0)) waiter.reject(this.#ended);
    };
    socket.on('close', end);
    socket.on('error', end);
  }

  /**
   * Connects to program `pid`'s stats server.
   * @throws {ArgumentRangeError} for a `pid` that is not a positive integer.
   * @throws {StateError} `ERR_NO_STATS` when no program `pid` serves its stats.
   */
  static async connect(pid: number): Promise<StatsClient> {
    if (!Number.isSafeInteger(pid) || pid <= 0) {
      throw new ArgumentRangeError(`Expected \`pid\` to be a positive integer, got ${String(pid)}`);
    }
    const path = statsSocketPath(pid);
    const socket = createConnection(path);
    try {
      await new Promise<void>((resolve, reject) => {
        socket.once('connect', resolve);
        socket.once('error', reject);
      });
    } catch (error) {
      socket.destroy();
      throw new StateError(
        'ERR_NO_STATS',
        `No multitask program with pid ${pid} serves its stats (no socket at ${path}): ` +
          'start it with MULTITASK_DEBUG=top, or call serveStats() in it',
        { cause: error },
      );
    }
    return new StatsClient(socket);
  }

  /** Asks for the program's stats now. */
  read(): Promise<ProgramStats> {
    if (this.#ended !== null) return Promise.reject(this.#ended);
    return new Promise((resolve, reject) => {
      this.#waiting.push({ resolve, reject });
      this.#socket.write('stats\n');
    });
  }

  close(): void {
    this.#socket.destroy();
  }
}

/** `MULTITASK_DEBUG=top`: the main thread of the program's first process serves its stats. */
if (
  debugFlag('top') !== undefined &&
  isMainThread &&
  currentProcessIdentity().name === 'MainProcess'
) {
  serveStats().catch((error: unknown) => {
    process.stderr.write(`multitask: cannot serve stats: ${String(error)}\n`);
  });
}

/**
 * Program `pid`'s stats now, read once from its socket (what `multitask top PID` shows).
 * @throws {ArgumentRangeError} for a `pid` that is not a positive integer.
 * @throws {StateError} `ERR_NO_STATS` when no program `pid` serves its stats.
 * @example
 * ```ts
 * const { pools } = await readStats(pid);
 * for (const pool of pools) console.log(pool.pool, pool.totals);
 * ```
 */
export async function readStats(pid: number): Promise<ProgramStats> {
  const client = await StatsClient.connect(pid);
  try {
    return await client.read();
  } finally {
    client.close();
  }
}
