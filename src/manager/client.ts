/**
 * The client side of a Manager: one connection per server address in each thread or
 * process, shared by all the proxies there, which multiplexes their calls by sequence
 * number (protocol.ts).
 *
 * Failure is immediate, never a hang: when the connection closes (the server stopped or was
 * killed), every pending call fails with `BrokerError` `ERR_MANAGER_LOST`, and the next call
 * opens a new connection, which a dead server refuses at once (ECONNREFUSED, or ENOENT for a
 * Unix socket whose file is gone) with the same error. The socket is unref'd while no call
 * is pending, so an idle proxy does not keep its thread or process alive.
 */
import { connect } from 'node:net';
import { ArgumentTypeError, AuthenticationError, BrokerError, StateError } from '../errors.ts';
import { nativeAddon } from '../memory/native.ts';
import { decodeNet, encodeNet, type NetExtension } from '../transport/net-codec.ts';
import { ChannelClient } from './channel-client.ts';
import { isChannelPlace } from './channel-layout.ts';
import { FramedSocket, HANDSHAKE_MAX_FRAME } from './framing.ts';
import { answerChallenge, deliverChallenge } from './handshake.ts';
import {
  addressKey,
  listenOptions,
  MAX_MESSAGE_BYTES,
  TOKEN_TAG,
  tokenData,
  tokenFromData,
  type ManagerAddress,
  type Token,
} from './protocol.ts';

/** Where a proxy's server is, and the key to it. */
export interface ServerInfo {
  readonly address: ManagerAddress;
  readonly authkey: Uint8Array;
}

/** What a proxy is to the codec: its token (the client's extension carries it). */
export interface ProxyLike {
  readonly token: Token;
}

/** Makes a proxy for a token that came back from the server (set by proxies.ts). */
export type ProxyFactory = (token: Token, server: ServerInfo) => ProxyLike;

let proxyFactory: ProxyFactory | undefined;
let isProxy: (value: unknown) => value is ProxyLike = (_value): _value is ProxyLike => false;

export function setProxyFactory(
  factory: ProxyFactory,
  test: (value: unknown) => value is ProxyLike,
): void {
  proxyFactory = factory;
  isProxy = test;
}

/**
 * The codec extension of a realm's requests to `server`: proxies cross as their tokens, and
 * tokens in replies come back as proxies of this realm.
 */
export function proxyExtension(server: ServerInfo): NetExtension[] {
  return [
    {
      tag: TOKEN_TAG,
      test: (value) => isProxy(value),
      encode: (value) => tokenData((value as ProxyLike).token),
      decode: (data) => {
        if (proxyFactory === undefined) return tokenFromData(data);
        return proxyFactory(tokenFromData(data), server);
      },
    },
  ];
}

const CHANNEL_MODES = ['auto', 'always', 'never'] as const;
let mode: (typeof CHANNEL_MODES)[number] | undefined;

/**
 * `MULTITASK_MANAGER_CHANNEL`: whether calls to dicts, lists and namespaces of a server on
 * this machine take the shared-memory channel: `auto` (the default) or `always`, the same
 * (the channel whenever the server can give one), or `never` (the socket only).
 * @throws {ArgumentTypeError} `ERR_INVALID_ARG_VALUE` for another value.
 */
function channelMode(): (typeof CHANNEL_MODES)[number] {
  if (mode !== undefined) return mode;
  const value = process.env.MULTITASK_MANAGER_CHANNEL ?? 'auto';
  const found = CHANNEL_MODES.find((m) => m === (value === '' ? 'auto' : value));
  if (found === undefined) {
    throw new ArgumentTypeError(
      `Expected \`MULTITASK_MANAGER_CHANNEL\` to be \`auto\`, \`always\` or \`never\`, got \`${value}\` (string)`,
      'ERR_INVALID_ARG_VALUE',
    );
  }
  mode = found;
  return found;
}

interface Pending {
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

/** Addresses whose manager this realm shut down: their calls fail with ERR_MANAGER_SHUT_DOWN. */
const shutDown = new Set<string>();

export function markShutDown(address: ManagerAddress): void {
  shutDown.add(addressKey(address));
}

/** Whether this realm shut down the manager at `address`. */
export function isShutDown(address: ManagerAddress): boolean {
  return shutDown.size > 0 && shutDown.has(addressKey(address));
}

export function shutDownError(): StateError {
  return new StateError('ERR_MANAGER_SHUT_DOWN', 'the manager has been shut down');
}

/** A new manager at an address this realm shut one down at. */
export function unmarkShutDown(address: ManagerAddress): void {
  shutDown.delete(addressKey(address));
}

class ClientConnection {
  readonly #server: ServerInfo;
  readonly #ready: Promise<FramedSocket>;
  readonly #pending = new Map<number, Pending>();
  readonly #ext: NetExtension[];
  #seq = 0;
  #socket: FramedSocket | undefined;
  /** The shared-memory channel for calls to built-in types, on this machine. */
  #channel: ChannelClient | undefined;
  #opened = false;
  /** Closed, or lost: a later call finds (or opens) another connection. */
  gone = false;

  constructor(server: ServerInfo, onClose: () => void) {
    this.#server = server;
    this.#ext = proxyExtension(server);
    this.#ready = this.#open(onClose);
    // A failed open is reported to each call; this keeps it from being an unhandled rejection.
    this.#ready.catch(() => undefined);
  }

  async #open(onClose: () => void): Promise<FramedSocket> {
    const socket = connect(listenOptions(this.#server.address));
    const framed = new FramedSocket(socket, HANDSHAKE_MAX_FRAME);
    framed.onClose((error) => {
      this.gone = true;
      onClose();
      this.#channel?.close(error.message);
      const lost = lostError(this.#server.address, error);
      for (const pending of this.#pending.values()) pending.reject(lost);
      this.#pending.clear();
    });
    try {
      await answerChallenge(framed, this.#server.authkey);
      await deliverChallenge(framed, this.#server.authkey);
    } catch (error) {
      framed.destroy();
      if (error instanceof AuthenticationError) throw error;
      throw lostError(this.#server.address, error as Error);
    }
    framed.maxFrame = MAX_MESSAGE_BYTES;
    framed.onFrame((frame) => {
      this.#reply(frame);
    });
    this.#socket = framed;
    socket.unref();
    await this.#openChannel();
    this.#opened = true;
    return framed;
  }

  /** Asks the server for a shared-memory channel (channel-layout.ts), where one can be had. */
  async #openChannel(): Promise<void> {
    const addon = nativeAddon();
    if (addon === null || channelMode() === 'never') return;
    try {
      const place = await this.call(['channel']);
      if (isChannelPlace(place)) this.#channel = new ChannelClient(addon, place);
    } catch {
      // Another machine, or no addon there: the socket carries every call.
    }
  }

  /**
   * {@link callBuiltin}, blocking: through the channel if this realm has one and no call is
   * on it; `undefined` otherwise (the caller then takes the helper thread's socket).
   */
  callBuiltinSync(
    id: number,
    method: string,
    args: readonly unknown[],
  ): { value: unknown } | undefined {
    const channel = this.#channel;
    if (!this.#opened || channel === undefined || !channel.idle) return undefined;
    const bytes = channel.callSync(encodeNet([id, method, args], { ext: this.#ext }));
    const [ok, value] = decodeNet(bytes, { ext: this.#ext }) as unknown[];
    if (ok === true) return { value };
    throw value;
  }

  /**
   * Calls `method` of a built-in type's object (whose methods never wait): through the
   * channel when there is one, otherwise as {@link call} does.
   */
  async callBuiltin(id: number, method: string, args: readonly unknown[]): Promise<unknown> {
    if (!this.#opened) await this.#ready;
    const channel = this.#channel;
    if (channel === undefined) return this.call(['call', id, method, args]);
    const bytes = await channel.call(encodeNet([id, method, args], { ext: this.#ext }));
    const [ok, value] = decodeNet(bytes, { ext: this.#ext }) as unknown[];
    if (ok === true) return value;
    throw value;
  }

  async call(request: readonly unknown[]): Promise<unknown> {
    const seq = ++this.#seq;
    const bytes = encodeNet([seq, ...request], { ext: this.#ext });
    // Once open, no await: a call costs no extra turn of the microtask queue.
    const socket = this.#socket ?? (await this.#ready);
    // (#socket is set before the channel is asked for, so that asking does not wait on itself.)
    if (socket.closed !== undefined) throw lostError(this.#server.address, socket.closed);
    return new Promise((resolve, reject) => {
      this.#pending.set(seq, { resolve, reject });
      if (this.#pending.size === 1) socket.socket.ref();
      socket.send(bytes);
    });
  }

  /** Sends `message`, which the server does not answer (a proxy's incref or decref). */
  notify(message: readonly unknown[]): void {
    const bytes = encodeNet([0, ...message], { ext: this.#ext });
    if (this.#socket !== undefined) {
      if (this.#socket.closed === undefined) this.#socket.send(bytes);
      return;
    }
    this.#ready.then(
      (socket) => {
        if (socket.closed === undefined) socket.send(bytes);
      },
      () => undefined,
    );
  }

  #reply(frame: Buffer): void {
    let reply: unknown;
    try {
      reply = decodeNet(frame, { ext: this.#ext });
    } catch (error) {
      this.#socket?.destroy(error as Error);
      return;
    }
    const [seq, ok, value] = Array.isArray(reply) ? (reply as unknown[]) : [];
    const pending = typeof seq === 'number' ? this.#pending.get(seq) : undefined;
    if (pending === undefined) return;
    this.#pending.delete(seq as number);
    if (this.#pending.size === 0) this.#socket?.socket.unref();
    if (ok === true) pending.resolve(value);
    else pending.reject(value);
  }

  close(): void {
    this.gone = true;
    this.#channel?.close('the connection was closed');
    this.#socket?.destroy();
  }
}

export function lostError(address: ManagerAddress, cause: Error): BrokerError {
  return new BrokerError(
    'ERR_MANAGER_LOST',
    `the manager at ${addressKey(address)} cannot be reached: ${cause.message}`,
    { cause },
  );
}

const connections = new Map<string, ClientConnection>();

/** The authkeys' hex, by key object: worked out once, not on every call. */
const keyTexts = new WeakMap<Uint8Array, string>();

function keyText(authkey: Uint8Array): string {
  let text = keyTexts.get(authkey);
  if (text === undefined) {
    text = Buffer.from(authkey).toString('hex');
    keyTexts.set(authkey, text);
  }
  return text;
}

/** Sends a request to the manager at `server.address` and waits for its reply. */
export function request(server: ServerInfo, message: readonly unknown[]): Promise<unknown> {
  if (isShutDown(server.address)) return Promise.reject(shutDownError());
  return connectionTo(server).call(message);
}

/**
 * Calls `method` of the object named by `token` with `args`: an object of a built-in type
 * (`exposed` null: dict, list, namespace) through the shared-memory channel where there is one.
 */
export function callObject(
  server: ServerInfo,
  token: { readonly id: number; readonly exposed: readonly string[] | null },
  method: string,
  args: readonly unknown[],
): Promise<unknown> {
  if (isShutDown(server.address)) return Promise.reject(shutDownError());
  const connection = connectionTo(server);
  if (token.exposed === null) return connection.callBuiltin(token.id, method, args);
  return connection.call(['call', token.id, method, args]);
}

/**
 * {@link callObject} for a `Sync` method, through this realm's channel to the server when it
 * has an idle one; `undefined` when it has none (see sync-client.ts).
 */
export function callObjectSync(
  server: ServerInfo,
  token: { readonly id: number; readonly exposed: readonly string[] | null },
  method: string,
  args: readonly unknown[],
): { value: unknown } | undefined {
  if (token.exposed !== null || isShutDown(server.address)) return undefined;
  const key = `${addressKey(server.address)} ${keyText(server.authkey)}`;
  return connections.get(key)?.callBuiltinSync(token.id, method, args);
}

/**
 * Sends `message` without waiting for an answer (the server sends none): on this realm's
 * connection to `server`, opening one if `open`, else only if there is one.
 */
export function notify(server: ServerInfo, message: readonly unknown[], open: boolean): void {
  if (isShutDown(server.address)) return;
  const key = `${addressKey(server.address)} ${keyText(server.authkey)}`;
  (open ? connectionTo(server) : connections.get(key))?.notify(message);
}

/** Each server description's connection, found without building its key (every call asks). */
const byServer = new WeakMap<ServerInfo, ClientConnection>();

function connectionTo(server: ServerInfo): ClientConnection {
  const known = byServer.get(server);
  if (known !== undefined && !known.gone) return known;
  const key = addressKey(server.address);
  // By address and key: a manager made with a wrong key must not borrow a proven connection.
  const connectionKey = `${key} ${keyText(server.authkey)}`;
  let connection = connections.get(connectionKey);
  if (connection === undefined) {
    const opened = new ClientConnection(server, () => {
      if (connections.get(connectionKey) === opened) connections.delete(connectionKey);
    });
    connection = opened;
    connections.set(connectionKey, connection);
  }
  byServer.set(server, connection);
  return connection;
}

/** Closes this realm's connection to `address`, if it has one. */
export function disconnect(address: ManagerAddress): void {
  const prefix = `${addressKey(address)} `;
  for (const [key, connection] of connections) {
    if (!key.startsWith(prefix)) continue;
    connection.close();
    connections.delete(key);
  }
}
