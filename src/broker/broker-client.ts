/**
 * A child realm's side of the broker: the cores of objects that live in another process.
 *
 * Each realm talks to each broker over two channels that the broker ties to one owner id:
 *
 * - Async calls go through a helper thread that owns the broker socket (a MessagePort to
 *   it, the reply back as a message). The socket is also the realm's lifeline: when it
 *   closes, the broker knows the realm is gone and its locks are abandoned.
 * - Blocking calls (`acquireSync()`, `value.value`) go through a pair of named pipes that
 *   this realm writes and reads with plain blocking system calls: no event loop is needed,
 *   and a round trip wakes two threads instead of four. Node cannot make a blocking socket,
 *   but a FIFO opened read-write is blocking and never hits end-of-file.
 */
import { execFileSync } from 'node:child_process';
import { constants, existsSync, openSync, readSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deserialize } from 'node:v8';
import { MessageChannel, threadId, type MessagePort, type Worker } from 'node:worker_threads';
import { BrokerError } from '../errors.ts';
import { siblingModule, startInternalWorker } from '../internal/loader-hooks.ts';
import { errorFromWire } from '../transport/wire.ts';
import type { BrokerReply, BrokerRequest, LostReply } from './broker-protocol.ts';
import { encodeFrame } from './frames.ts';
import type { KindProtocol } from '../memory/core-methods.ts';
import type { RemoteState } from '../memory/shared-object.ts';

/** The named pipes of a realm's blocking calls. */
interface BlockingChannel {
  readonly requests: string;
  readonly replies: string;
  readonly requestFd: number;
  readonly replyFd: number;
}

function openBlockingChannel(): BlockingChannel {
  const base = join(
    tmpdir(),
    `multitask-${process.pid}-${threadId}-${Math.random().toString(16).slice(2, 10)}`,
  );
  const requestPath = `${base}.req`;
  const replyPath = `${base}.rep`;
  // Node has no mkfifo(); the coreutils command is on every POSIX system.
  execFileSync('mkfifo', ['-m', '600', requestPath, replyPath]);
  // O_RDWR: opening does not wait for the other end, reads block, and end-of-file never
  // comes (this realm is a writer itself), so only a reply ends a wait.
  const requestFd = openSync(requestPath, constants.O_RDWR);
  const replyFd = openSync(replyPath, constants.O_RDWR);
  if (existsSync('/proc/self/fd')) {
    // Linux: the broker opens the pipes through /proc, so the names can go at once and a
    // realm killed before it said hello leaves nothing on disk.
    rmSync(requestPath);
    rmSync(replyPath);
    return {
      requests: `/proc/${process.pid}/fd/${requestFd}`,
      replies: `/proc/${process.pid}/fd/${replyFd}`,
      requestFd,
      replyFd,
    };
  }
  process.once('exit', () => {
    // Elsewhere the broker unlinks them once opened; this covers a broker that never did.
    rmSync(requestPath, { force: true });
    rmSync(replyPath, { force: true });
  });
  return { requests: requestPath, replies: replyPath, requestFd, replyFd };
}

/** Reads exactly `length` bytes from a blocking descriptor. */
function readExactly(fd: number, length: number): Buffer {
  const buffer = Buffer.allocUnsafe(length);
  let offset = 0;
  while (offset < length) offset += readSync(fd, buffer, offset, length - offset, null);
  return buffer;
}

function writeAll(fd: number, frame: Buffer): void {
  let offset = 0;
  while (offset < frame.length) offset += writeSync(fd, frame, offset, frame.length - offset);
}

interface PendingCall {
  resolve(value: unknown): void;
  reject(error: unknown): void;
  readonly signal: AbortSignal | undefined;
  readonly onAbort: () => void;
}

class BrokerClient {
  readonly #worker: Worker;
  readonly #asyncPort: MessagePort;
  readonly #blocking: BlockingChannel;
  readonly #pending = new Map<number, PendingCall>();
  #seq = 0;
  /** Set once the helper thread has ended: every later call fails with it. */
  #gone: BrokerError | undefined;

  constructor(socketPath: string) {
    const asyncChannel = new MessageChannel();
    this.#asyncPort = asyncChannel.port1;
    this.#blocking = openBlockingChannel();
    this.#worker = startInternalWorker(
      siblingModule(import.meta.url, './entry/broker-client-thread'),
      {
        socketPath,
        asyncPort: asyncChannel.port2,
        fifo: { requests: this.#blocking.requests, replies: this.#blocking.replies },
        replyFd: this.#blocking.replyFd,
      },
      [asyncChannel.port2],
    );
    this.#asyncPort.on('message', (reply: BrokerReply) => {
      this.#settle(reply);
    });
    // Neither the helper nor a port with nothing pending should keep the realm alive.
    this.#worker.unref();
    // The helper settles every call it forwarded; if it dies, nobody else will.
    this.#worker.once('exit', (code) => {
      this.#gone = new BrokerError(
        'ERR_BROKER',
        `The broker client thread ended (exit code ${code})`,
      );
      for (const [seq, pending] of this.#pending) {
        this.#pending.delete(seq);
        pending.signal?.removeEventListener('abort', pending.onAbort);
        pending.reject(this.#gone);
      }
      this.#asyncPort.unref();
    });
    this.#asyncPort.unref();
  }

  #settle(reply: BrokerReply): void {
    const pending = this.#pending.get(reply.seq);
    if (pending === undefined) return;
    this.#pending.delete(reply.seq);
    if (this.#pending.size === 0) this.#asyncPort.unref();
    pending.signal?.removeEventListener('abort', pending.onAbort);
    if (reply.ok) pending.resolve(reply.value);
    // A wait the broker gave up because we cancelled it rejects with our signal's reason, as
    // a local wait does; the broker's own reason is of no interest to the caller.
    else if (reply.aborted === true && pending.signal?.aborted === true)
      pending.reject(pending.signal.reason);
    else pending.reject(errorFromWire(reply.error));
  }

  call(
    id: number,
    method: number,
    args: readonly unknown[],
    signal?: AbortSignal,
  ): Promise<unknown> {
    if (this.#gone !== undefined) return Promise.reject(this.#gone);
    const seq = ++this.#seq;
    return new Promise((resolve, reject) => {
      const onAbort = (): void => {
        // The broker aborts the wait and replies; the reply settles this promise.
        const cancel: BrokerRequest = { type: 'cancel', seq };
        this.#asyncPort.postMessage(cancel);
      };
      this.#pending.set(seq, { resolve, reject, signal, onAbort });
      // While a call is pending, its reply must keep the event loop alive.
      this.#asyncPort.ref();
      const request: BrokerRequest = { type: 'call', seq, id, method, args };
      this.#asyncPort.postMessage(request);
      // A signal aborted before the call never fires 'abort': cancel at once (the broker
      // still takes what is free without waiting, as a local acquire does).
      if (signal?.aborted === true) onAbort();
      else signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  callSync(id: number, method: number, args: readonly unknown[]): unknown {
    const seq = ++this.#seq;
    const request: BrokerRequest = { type: 'call', seq, id, method, args };
    writeAll(this.#blocking.requestFd, encodeFrame(request));
    // Blocking calls are strictly one at a time per realm, so the next frame is the reply.
    const length = readExactly(this.#blocking.replyFd, 4).readUInt32BE(0);
    const reply = deserialize(readExactly(this.#blocking.replyFd, length)) as
      BrokerReply | LostReply;
    if ('lost' in reply) {
      // Put it back for the next caller: the broker stays lost.
      writeAll(this.#blocking.replyFd, encodeFrame(reply));
      throw new BrokerError('ERR_BROKER', reply.lost);
    }
    if (reply.seq !== seq) {
      throw new BrokerError('ERR_BROKER', `multitask broker: reply ${reply.seq} to call ${seq}`);
    }
    if (reply.ok) return reply.value;
    throw errorFromWire(reply.error);
  }
}

const clients = new Map<string, BrokerClient>();

function clientFor(socketPath: string): BrokerClient {
  let client = clients.get(socketPath);
  if (client === undefined) {
    client = new BrokerClient(socketPath);
    clients.set(socketPath, client);
  }
  return client;
}

/**
 * A core whose every method is performed by the broker: one method per entry of the kind's
 * table, which names it by number. Async methods return promises (a trailing AbortSignal
 * argument becomes a cancel message); sync and blocking ones block until the broker answers.
 */
export function remoteCore(state: RemoteState, protocol: KindProtocol): object {
  const client = clientFor(state.broker);
  const core: Record<string, (...args: unknown[]) => unknown> = {};
  protocol.methods.forEach(({ name, mode }, method) => {
    core[name] =
      mode === 'async'
        ? (...args: unknown[]) => callAsync(client, state.id, method, args)
        : (...args: unknown[]) => client.callSync(state.id, method, args);
  });
  return core;
}

function callAsync(
  client: BrokerClient,
  id: number,
  method: number,
  args: unknown[],
): Promise<unknown> {
  const last = args.at(-1);
  const signal = last instanceof AbortSignal ? last : undefined;
  // Optional trailing arguments (an absent signal) are not sent.
  const sent = signal === undefined ? args : args.slice(0, -1);
  while (sent.length > 0 && sent.at(-1) === undefined) sent.pop();
  return client.call(id, method, sent, signal);
}
