/**
 * Blocking calls to a Manager's server, for the proxies' `Sync` methods: the calling thread
 * posts its request frame to a helper thread (entry/sync-client-thread.ts) that owns a
 * connection, and sleeps on a shared flag (`Atomics.wait`) until the helper has put the
 * reply frame on the port; it then takes it with `receiveMessageOnPort` and decodes it itself.
 *
 * Blocking is safe here because the server is another process: nothing the blocked thread
 * would have run is needed for the reply. The caller's event loop does stand still meanwhile
 * (as with any `Sync` method); its own async calls wait until the blocking one returns.
 * Each realm has one helper per server address and key, unref'd so that it keeps nothing alive.
 */
import {
  MessageChannel,
  receiveMessageOnPort,
  type MessagePort,
  type Worker,
} from 'node:worker_threads';
import { AuthenticationError } from '../errors.ts';
import { siblingModule, startInternalWorker } from '../internal/loader-hooks.ts';
import { decodeNet, encodeNet, type NetExtension } from '../transport/net-codec.ts';
import { isShutDown, lostError, proxyExtension, shutDownError, type ServerInfo } from './client.ts';
import type { SyncAnswer } from './entry/sync-client-thread.ts';
import { addressKey } from './protocol.ts';

class SyncChannel {
  readonly #worker: Worker;
  readonly #port: MessagePort;
  readonly #flag = new Int32Array(new SharedArrayBuffer(4));
  readonly #ext: NetExtension[];

  constructor(server: ServerInfo) {
    const { port1, port2 } = new MessageChannel();
    this.#port = port1;
    this.#ext = proxyExtension(server);
    this.#worker = startInternalWorker(
      siblingModule(import.meta.url, './entry/sync-client-thread'),
      { address: server.address, authkey: server.authkey, port: port2, flag: this.#flag.buffer },
      [port2],
    );
    this.#worker.unref();
    this.#port.unref();
  }

  /** Sends `message` and blocks until its reply; the reply's value, or throws its error. */
  call(server: ServerInfo, message: readonly unknown[]): unknown {
    // Sequence 0: one blocking call at a time per realm, so replies need no matching.
    const frame = encodeNet([0, ...message], { ext: this.#ext });
    Atomics.store(this.#flag, 0, 0);
    this.#port.postMessage(frame);
    Atomics.wait(this.#flag, 0, 0);
    const answer = receiveMessageOnPort(this.#port)?.message as SyncAnswer | undefined;
    if (answer === undefined || 'lost' in answer) {
      this.close();
      const reason = answer === undefined ? 'no answer from the helper thread' : answer.lost;
      if (answer !== undefined && answer.authentication) {
        throw new AuthenticationError('ERR_AUTHENTICATION', reason);
      }
      throw lostError(server.address, new Error(reason));
    }
    const [, ok, value] = decodeNet(answer.frame, { ext: this.#ext }) as unknown[];
    if (ok === true) return value;
    throw value;
  }

  close(): void {
    void this.#worker.terminate();
  }
}

const channels = new Map<string, SyncChannel>();

/**
 * A blocking request to the manager at `server.address`: what {@link request} (client.ts)
 * resolves to, returned; what it rejects with, thrown.
 */
export function requestSync(server: ServerInfo, message: readonly unknown[]): unknown {
  if (isShutDown(server.address)) throw shutDownError();
  const key = `${addressKey(server.address)} ${Buffer.from(server.authkey).toString('hex')}`;
  let channel = channels.get(key);
  if (channel === undefined) {
    channel = new SyncChannel(server);
    channels.set(key, channel);
  }
  try {
    return channel.call(server, message);
  } catch (error) {
    // A lost connection ends its helper: the next call starts a fresh one.
    if ((error as { code?: unknown }).code !== undefined && channels.get(key) === channel) {
      const { code } = error as { code: unknown };
      if (code === 'ERR_MANAGER_LOST' || code === 'ERR_AUTHENTICATION') channels.delete(key);
    }
    throw error;
  }
}

/** Ends this realm's helper threads for `address`. */
export function disconnectSync(address: string): void {
  const prefix = `${address} `;
  for (const [key, channel] of channels) {
    if (!key.startsWith(prefix)) continue;
    channel.close();
    channels.delete(key);
  }
}
