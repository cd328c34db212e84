/**
 * The broker: a thread in the process that owns some shared memory, serving child processes
 * (which cannot map that memory) over a Unix-domain socket. Every call a child makes on a
 * lock, queue or value is performed here, on the real memory, by the same core code that
 * threads run, on behalf of the caller's owner id. It runs on its own thread so that it keeps
 * serving while the parent's main thread is busy or blocked.
 *
 * Each connection is one child realm and gets one owner id; when the connection closes (the
 * child ended or died) the id dies, so locks it held become abandoned.
 */
import { constants, openSync, rmSync } from 'node:fs';
import { createServer, Socket } from 'node:net';
import { parentPort, workerData } from 'node:worker_threads';
import { adoptOwner, ownerTable } from '../../internal/owners.ts';
// Registers every kind of shared object.
import '../../sync/index.ts';
import { errorToWire } from '../../transport/wire.ts';
import type {
  BrokerReply,
  BrokerRequest,
  CallRequest,
  HelloRequest,
  LostReply,
} from '../broker-protocol.ts';
import { encodeFrame, FrameReader } from '../frames.ts';
import { sharedKind, type LocalState } from '../shared-object.ts';

interface BrokerData {
  readonly owners: SharedArrayBuffer;
  readonly socketPath: string;
}

/** Messages from the owning thread. */
type OwnerMessage = { readonly type: 'register'; readonly id: number; readonly state: LocalState };

const { owners: ownersBuffer, socketPath } = workerData as BrokerData;
adoptOwner(ownersBuffer, 0);
const owners = ownerTable();

const objects = new Map<number, LocalState>();
/** Calls that arrived before their object's registration (the two travel separately). */
const early = new Map<number, (() => void)[]>();

parentPort?.on('message', (message: OwnerMessage) => {
  objects.set(message.id, message.state);
  for (const resume of early.get(message.id) ?? []) resume();
  early.delete(message.id);
});

function whenRegistered(id: number): Promise<LocalState> {
  const state = objects.get(id);
  if (state !== undefined) return Promise.resolve(state);
  return new Promise((resolve) => {
    const waiting = early.get(id) ?? [];
    waiting.push(() => {
      const registered = objects.get(id);
      if (registered !== undefined) resolve(registered);
    });
    early.set(id, waiting);
  });
}

class Connection {
  readonly #owner = owners.allocate();
  readonly #cores = new Map<number, Record<string, (...args: unknown[]) => unknown>>();
  readonly #inFlight = new Map<number, AbortController>();
  readonly #reader = new FrameReader();

  /** The realm's blocking-call pipes, once its hello has named them. */
  #fifo: { readonly requests: Socket; readonly replies: Socket } | undefined;

  constructor(socket: Socket) {
    socket.on('data', (chunk) => {
      for (const request of this.#reader.push(chunk) as BrokerRequest[]) {
        this.#handle(request, socket);
      }
    });
    socket.on('close', () => {
      // The child is gone: its locks are abandoned and its waits are over.
      owners.release(this.#owner);
      for (const controller of this.#inFlight.values()) controller.abort();
      this.#fifo?.requests.destroy();
      // A caller may still be blocked reading its reply pipe (its helper thread, which owns
      // this socket, died while the realm lives on): tell it, rather than leave it waiting.
      const lost: LostReply = { lost: 'The connection to the broker was closed' };
      this.#fifo?.replies.end(encodeFrame(lost));
    });
    socket.on('error', () => {
      // 'close' follows.
    });
  }

  #handle(request: BrokerRequest, replyTo: Socket): void {
    switch (request.type) {
      case 'cancel':
        this.#inFlight.get(request.seq)?.abort();
        break;
      case 'call':
        void this.#call(request, replyTo);
        break;
      case 'hello':
        this.#openPipes(request.fifo);
        break;
    }
  }

  /**
   * Opens the realm's blocking-call pipes. Non-blocking here (the realm has both open, so
   * neither open waits), and unlinked at once: nothing is left on disk whatever happens.
   */
  #openPipes(fifo: HelloRequest['fifo']): void {
    try {
      const requests = new Socket({
        fd: openSync(fifo.requests, constants.O_RDONLY | constants.O_NONBLOCK),
        readable: true,
        writable: false,
      });
      const replies = new Socket({
        fd: openSync(fifo.replies, constants.O_WRONLY | constants.O_NONBLOCK),
        readable: false,
        writable: true,
      });
      const reader = new FrameReader();
      requests.on('data', (chunk) => {
        for (const request of reader.push(chunk) as BrokerRequest[]) this.#handle(request, replies);
      });
      requests.on('error', () => undefined);
      replies.on('error', () => undefined);
      this.#fifo = { requests, replies };
    } catch {
      // The realm is already gone (its pipes with it); its socket closes next.
    } finally {
      // Named pipes (not /proc links, which the realm's own exit removes) go now.
      if (!fifo.requests.startsWith('/proc/')) rmSync(fifo.requests, { force: true });
      if (!fifo.replies.startsWith('/proc/')) rmSync(fifo.replies, { force: true });
    }
  }

  async #core(id: number): Promise<Record<string, (...args: unknown[]) => unknown>> {
    let core = this.#cores.get(id);
    if (core === undefined) {
      const state = await whenRegistered(id);
      core = sharedKind(state.kind).localCore(state, this.#owner, owners) as Record<
        string,
        (...args: unknown[]) => unknown
      >;
      this.#cores.set(id, core);
    }
    return core;
  }

  async #call({ seq, id, method, args }: CallRequest, replyTo: Socket): Promise<void> {
    const controller = new AbortController();
    this.#inFlight.set(seq, controller);
    let reply: BrokerReply;
    try {
      const core = await this.#core(id);
      // A blocking call (`acquireSync`) must not block the broker: run its async twin, and
      // let the caller block on the reply instead.
      const name =
        method.endsWith('Sync') && typeof core[method.slice(0, -4)] === 'function'
          ? method.slice(0, -4)
          : method;
      const fn = core[name];
      if (typeof fn !== 'function') throw new TypeError(`multitask broker: no method ${method}`);
      const isAsync =
        name !== method || sharedKind((await whenRegistered(id)).kind).asyncMethods.includes(name);
      const value: unknown = isAsync
        ? await fn.call(core, ...args, controller.signal)
        : fn.call(core, ...args);
      reply = { seq, ok: true, value };
    } catch (error) {
      // Tell the caller when the error is our own cancellation, so that it rejects with its
      // signal's reason rather than with ours.
      const aborted = controller.signal.aborted && error === controller.signal.reason;
      reply = { seq, ok: false, error: errorToWire(error), aborted };
    } finally {
      this.#inFlight.delete(seq);
    }
    if (!replyTo.destroyed) replyTo.write(encodeFrame(reply));
  }
}

const server = createServer((socket) => new Connection(socket));
server.listen(socketPath, () => {
  parentPort?.postMessage({ type: 'listening' });
});
process.on('exit', () => {
  rmSync(socketPath, { force: true });
});
