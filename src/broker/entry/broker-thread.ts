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
import { adoptOwner, ownerTable } from '../../memory/owners.ts';
import { errorToWire } from '../../transport/wire.ts';
import type {
  BrokerReply,
  BrokerRequest,
  CallRequest,
  HelloRequest,
  LostReply,
} from '../broker-protocol.ts';
import { encodeFrame, FrameReader } from '../frames.ts';
import { hasSharedKind, sharedKind, type LocalState } from '../../memory/shared-object.ts';
import { serveCore, servedMethod, type ServedCore } from '../served-core.ts';

interface BrokerData {
  readonly owners: SharedArrayBuffer;
  readonly socketPath: string;
}

/** Messages from the owning thread. */
type OwnerMessage = {
  readonly type: 'register';
  readonly id: number;
  readonly state: LocalState;
  /** The module that registers the state's kind (see registerSharedKind). */
  readonly module: string;
};

const { owners: ownersBuffer, socketPath } = workerData as BrokerData;
adoptOwner(ownersBuffer, 0);
const owners = ownerTable();

/** What the broker knows of each id: the object's memory, or why it cannot serve it. */
const objects = new Map<number, LocalState | { readonly failed: unknown }>();
/** Calls that arrived before their object's registration (the two travel separately). */
const early = new Map<number, (() => void)[]>();

parentPort?.on('message', (message: OwnerMessage) => {
  if (hasSharedKind(message.state.kind)) settle(message.id, message.state);
  else {
    void import(message.module).then(
      () => {
        settle(message.id, message.state);
      },
      (error: unknown) => {
        settle(message.id, { failed: error });
      },
    );
  }
});

/**
 * Makes an object servable, or failed. Messages come in order, but an import may finish
 * after a later message of a known kind: the id, not the order, ties a call to its object.
 */
function settle(id: number, entry: LocalState | { readonly failed: unknown }): void {
  objects.set(id, entry);
  for (const resume of early.get(id) ?? []) resume();
  early.delete(id);
}

function whenRegistered(id: number): Promise<LocalState> {
  const known = objects.get(id);
  if (known !== undefined) return servable(known);
  return new Promise((resolve, reject) => {
    const waiting = early.get(id) ?? [];
    waiting.push(() => {
      const registered = objects.get(id);
      if (registered !== undefined) servable(registered).then(resolve, reject);
    });
    early.set(id, waiting);
  });
}

function servable(entry: LocalState | { readonly failed: unknown }): Promise<LocalState> {
  if (!('failed' in entry)) return Promise.resolve(entry);
  const { failed } = entry;
  return Promise.reject(failed instanceof Error ? failed : new Error(String(failed)));
}

class Connection {
  readonly #owner = owners.allocate();
  readonly #cores = new Map<number, ServedCore>();
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

  async #core(id: number): Promise<ServedCore> {
    let served = this.#cores.get(id);
    if (served === undefined) {
      const state = await whenRegistered(id);
      const kind = sharedKind(state.kind);
      served = serveCore(state.kind, kind.localCore(state, this.#owner, owners), kind.protocol);
      this.#cores.set(id, served);
    }
    return served;
  }

  async #call({ seq, id, method, args }: CallRequest, replyTo: Socket): Promise<void> {
    const controller = new AbortController();
    this.#inFlight.set(seq, controller);
    let reply: BrokerReply;
    try {
      const served = await this.#core(id);
      // A blocking call (`acquireSync`) runs its async twin: the broker must not block, the
      // caller blocks on the reply instead.
      const { mode, run } = servedMethod(served, method);
      const value: unknown =
        mode === 'sync'
          ? run.apply(served.core, args as unknown[])
          : await run.call(served.core, ...args, controller.signal);
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
