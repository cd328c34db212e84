/**
 * A child realm's side of the broker: the cores of objects that live in another process.
 *
 * Each realm talks to each broker through one helper thread that owns the socket. Calls
 * reach it over two MessagePorts: async calls on one (the reply comes back as a message),
 * blocking calls on the other, where the caller sleeps on a shared flag and then takes the
 * reply with `receiveMessageOnPort`, so that `acquireSync()` can block without an event loop.
 */
import { MessageChannel, receiveMessageOnPort, type MessagePort, type Worker } from 'node:worker_threads';
import { BrokerError } from '../errors.ts';
import { siblingModule, startInternalWorker } from '../internal/loader-hooks.ts';
import { errorFromWire } from '../transport/wire.ts';
import type { BrokerReply, BrokerRequest } from './broker-protocol.ts';
import type { RemoteState } from './shared-object.ts';

/**
 * The flag a blocking caller sleeps on (Int32 slots):
 * ```
 * [0] REPLIES  bumped by the helper thread each time it posts a blocking call's reply
 * ```
 */
const REPLIES = 0;

class BrokerClient {
  readonly #worker: Worker;
  readonly #asyncPort: MessagePort;
  readonly #syncPort: MessagePort;
  readonly #flag = new Int32Array(new SharedArrayBuffer(4));
  readonly #pending = new Map<number, { resolve(value: unknown): void; reject(error: unknown): void }>();
  #seq = 0;

  constructor(socketPath: string) {
    const asyncChannel = new MessageChannel();
    const syncChannel = new MessageChannel();
    this.#asyncPort = asyncChannel.port1;
    this.#syncPort = syncChannel.port1;
    this.#worker = startInternalWorker(
      siblingModule(import.meta.url, './entry/broker-client-thread'),
      {
        socketPath,
      asyncPort: asyncChannel.port2,
      syncPort: syncChannel.port2,
        flag: this.#flag.buffer,
      },
      [asyncChannel.port2, syncChannel.port2],
    );
    this.#asyncPort.on('message', (reply: BrokerReply) => {
      this.#settle(reply);
    });
    // Neither the helper nor a port with nothing pending should keep the realm alive.
    this.#worker.unref();
    this.#asyncPort.unref();
  }

  #settle(reply: BrokerReply): void {
    const pending = this.#pending.get(reply.seq);
    if (pending === undefined) return;
    this.#pending.delete(reply.seq);
    if (this.#pending.size === 0) this.#asyncPort.unref();
    if (reply.ok) pending.resolve(reply.value);
    else pending.reject(errorFromWire(reply.error));
  }

  call(id: number, method: string, args: readonly unknown[], signal?: AbortSignal): Promise<unknown> {
    const seq = ++this.#seq;
    return new Promise((resolve, reject) => {
      this.#pending.set(seq, { resolve, reject });
      // While a call is pending, its reply must keep the event loop alive.
      this.#asyncPort.ref();
      const request: BrokerRequest = { type: 'call', seq, id, method, args };
      this.#asyncPort.postMessage(request);
      signal?.addEventListener(
        'abort',
        () => {
          // The broker aborts the wait and replies; the reply settles this promise.
          const cancel: BrokerRequest = { type: 'cancel', seq };
          this.#asyncPort.postMessage(cancel);
        },
        { once: true },
      );
    });
  }

  callSync(id: number, method: string, args: readonly unknown[]): unknown {
    const seq = ++this.#seq;
    const seen = Atomics.load(this.#flag, REPLIES);
    const request: BrokerRequest = { type: 'call', seq, id, method, args };
    this.#syncPort.postMessage(request);
    for (;;) {
      Atomics.wait(this.#flag, REPLIES, seen);
      const received = receiveMessageOnPort(this.#syncPort) as { message: BrokerReply | { lost: string } } | undefined;
      if (received === undefined) continue;
      const reply = received.message;
      if ('lost' in reply) throw new BrokerError('ERR_BROKER', reply.lost);
      if (reply.seq !== seq) continue;
      if (reply.ok) return reply.value;
      throw errorFromWire(reply.error);
    }
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
 * A core whose every method is performed by the broker. Methods named in `asyncMethods`
 * return promises (a trailing AbortSignal argument becomes a cancel message); the others
 * block until the broker answers.
 */
export function remoteCore(state: RemoteState, asyncMethods: readonly string[]): object {
  const client = clientFor(state.broker);
  return new Proxy(
    {},
    {
      get(_target, method) {
        if (typeof method !== 'string') return undefined;
        if (asyncMethods.includes(method)) {
          return (...args: unknown[]) => {
            const last = args.at(-1);
            const signal = last instanceof AbortSignal ? last : undefined;
            // Optional trailing arguments (an absent signal) are not sent.
            const sent = signal === undefined ? [...args] : args.slice(0, -1);
            while (sent.length > 0 && sent.at(-1) === undefined) sent.pop();
            return client.call(state.id, method, sent, signal);
          };
        }
        return (...args: unknown[]) => client.callSync(state.id, method, args);
      },
    },
  );
}
