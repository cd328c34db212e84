/**
 * A Manager's server: the process that holds the objects and performs the methods its
 * clients' proxies call, as Python's `multiprocessing.managers.Server`. It runs in a child
 * Process started by `Manager.start()` ({@link serveManager} is that process's target).
 *
 * Every connection first passes the authkey handshake (handshake.ts) with its reads capped
 * at 256 bytes; only then are its frames decoded, by the network codec (hostile-input safe),
 * and a connection that sends anything malformed is dropped without disturbing the others.
 * Requests on one connection are performed in the order they arrive; a method that returns
 * a promise (a registered type's, or a lock's `acquire`) is awaited without holding up the
 * others. Objects are reference counted (refcounts.ts): one whose last proxy is gone is
 * freed. A client on this machine may ask for a shared-memory channel (channel-host.ts) for
 * its calls to the built-in types, which the server serves beside the sockets.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { ArgumentTypeError } from '../errors.ts';
import type { Queue } from '../queue/queue.ts';
import { loadTask } from '../runtime/target.ts';
import { decodeNet, encodeNet, type NetExtension } from '../transport/net-codec.ts';
import { BUILTIN_TYPES, repr } from './builtins.ts';
import { ChannelHost } from './channel-host.ts';
import { FramedSocket, HANDSHAKE_MAX_FRAME } from './framing.ts';
import { freeServed, SERVED_TYPES, servedEntry } from './served-types.ts';
import { RefCounts } from './refcounts.ts';
import { answerChallenge, deliverChallenge } from './handshake.ts';
import { badRequest, className, noObject, notExposed, publicMethods } from './refusals.ts';
import {
  listenOptions,
  MAX_MESSAGE_BYTES,
  TOKEN_TAG,
  tokenData,
  tokenFromData,
  type ManagerAddress,
  type RegistryEntry,
  type Token,
} from './protocol.ts';

/** This module, which the server process imports to run {@link serveManager}. */
export const SERVER_MODULE = import.meta.url;
export type { RegistryEntry } from './protocol.ts';

export interface ServerConfig {
  readonly address: ManagerAddress;
  readonly authkey: Uint8Array;
  readonly registry: readonly RegistryEntry[];
}

/** What the server tells the process that started it, once it listens. */
export type ReadyMessage = { readonly address: ManagerAddress } | { readonly error: string };

/** How long an unauthenticated connection may take to finish the handshake. */
const HANDSHAKE_TIMEOUT_MS = 20_000;

/** An object held by the server, as it sits inside another (a list inside a dict). */
export class ServerRef {
  constructor(readonly token: Token) {}
}

interface Held {
  readonly token: Token;
  readonly target: object;
  readonly entry: RegistryEntry | undefined;
}

/**
 * Serves until a client asks it to shut down. The target of the Manager's server process.
 * @param ready - Receives the address it listens on, or why it could not.
 */
export async function serveManager(
  config: ServerConfig,
  ready: Queue<ReadyMessage>,
): Promise<void> {
  const server = new ManagerServer(config);
  try {
    await ready.put({ address: await server.listen() });
  } catch (error) {
    await ready.put({ error: error instanceof Error ? error.message : String(error) });
    return;
  }
  await server.stopped;
}

class ManagerServer {
  readonly #config: ServerConfig;
  readonly #registry: Map<string, RegistryEntry>;
  readonly #objects = new Map<number, Held>();
  readonly #connections = new Set<FramedSocket>();
  readonly #server: Server;
  readonly #ext: NetExtension[];
  readonly #channels = new ChannelHost((request) => this.#performLocal(request));
  readonly #refs = new RefCounts<FramedSocket>((id) => {
    this.#free(id);
  });
  #nextId = 1;
  #stop!: () => void;
  readonly stopped = new Promise<void>((resolve) => {
    this.#stop = resolve;
  });

  constructor(config: ServerConfig) {
    this.#config = config;
    this.#registry = new Map(config.registry.map((entry) => [entry.typeid, entry]));
    this.#server = createServer((socket) => {
      this.#accept(socket);
    });
    this.#ext = [
      {
        tag: TOKEN_TAG,
        test: (value) => value instanceof ServerRef,
        encode: (value) => tokenData((value as ServerRef).token),
        decode: (data) => {
          const token = tokenFromData(data);
          if (!this.#objects.has(token.id)) throw noObject(token.id);
          this.#refs.pin(token.id);
          return new ServerRef(token);
        },
      },
    ];
  }

  listen(): Promise<ManagerAddress> {
    return new Promise((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen(listenOptions(this.#config.address), () => {
        const address = this.#server.address();
        resolve(
          typeof address === 'object' && address !== null
            ? [address.address, address.port]
            : this.#config.address,
        );
      });
    });
  }

  #accept(socket: Socket): void {
    this.#channels.socketActive();
    const connection = new FramedSocket(socket, HANDSHAKE_MAX_FRAME);
    this.#connections.add(connection);
    connection.onClose(() => {
      this.#connections.delete(connection);
      this.#refs.dropConnection(connection);
    });
    const timer = setTimeout(() => {
      connection.destroy();
    }, HANDSHAKE_TIMEOUT_MS);
    timer.unref();
    // The server proves itself second, as Python's Listener.accept() does.
    deliverChallenge(connection, this.#config.authkey)
      .then(() => answerChallenge(connection, this.#config.authkey))
      .then(
        () => {
          clearTimeout(timer);
          connection.maxFrame = MAX_MESSAGE_BYTES;
          connection.onFrame((frame) => {
            this.#channels.socketActive();
            this.#request(connection, frame);
          });
        },
        () => {
          clearTimeout(timer);
          connection.destroy();
        },
      );
  }

  #request(connection: FramedSocket, frame: Buffer): void {
    let request: unknown;
    try {
      request = decodeNet(frame, { ext: this.#ext });
    } catch {
      connection.destroy(); // A peer that sends malformed bytes is not talked to further.
      return;
    }
    if (
      !Array.isArray(request) ||
      typeof request[0] !== 'number' ||
      typeof request[1] !== 'string'
    ) {
      connection.destroy();
      return;
    }
    const [seq, op] = request as [number, string];
    if (op === 'incref' || op === 'decref') {
      // No reply: a proxy's count changes as it is made and collected (refcounts.ts).
      const id = (request as unknown[])[2];
      if (typeof id === 'number' && this.#objects.has(id)) {
        if (op === 'incref') this.#refs.incref(connection, id);
        else this.#refs.decref(connection, id);
      }
      return;
    }
    if (op === 'channel') {
      this.#reply(connection, seq, true, this.#openChannel(connection));
      return;
    }
    let result: unknown;
    try {
      result = this.#perform(op, request as unknown[]);
    } catch (error) {
      this.#reply(connection, seq, false, error);
      return;
    }
    if (result instanceof Promise) {
      result.then(
        (value: unknown) => {
          this.#reply(connection, seq, true, value);
        },
        (error: unknown) => {
          this.#reply(connection, seq, false, error);
        },
      );
    } else {
      this.#reply(connection, seq, true, result);
    }
  }

  #perform(op: string, request: unknown[]): unknown {
    switch (op) {
      case 'call':
        return this.#call(request[2], request[3], request[4]);
      case 'create': {
        if (typeof request[2] !== 'string' || !Array.isArray(request[3])) throw badRequest(op);
        return this.#create(request[2], request[3] as unknown[]);
      }
      case 'debugInfo':
        return this.#debugInfo();
      case 'shutdown':
        setImmediate(() => {
          this.#shutdown();
        });
        return null;
      default:
        throw badRequest(op);
    }
  }

  #reply(connection: FramedSocket, seq: number, ok: boolean, value: unknown): void {
    if (connection.closed !== undefined) return; // The client is gone: nobody to tell.
    connection.send(this.#encodeReply([seq], ok, value));
  }

  #encodeReply(head: unknown[], ok: boolean, value: unknown): Buffer {
    try {
      return encodeNet([...head, ok, value], { ext: this.#ext });
    } catch (error) {
      return encodeNet([...head, false, error], { ext: this.#ext });
    }
  }

  /** A shared-memory channel for the client of `connection` (channel-host.ts), or `null`. */
  #openChannel(connection: FramedSocket): unknown {
    const opened = this.#channels.open();
    if (opened === null) return null;
    connection.onClose(() => {
      opened.close();
    });
    return [...opened.place];
  }

  /**
   * A request from a channel, `[id, method, args]` to an object of a built-in type (whose
   * methods never wait): its reply, `[ok, value]`. A malformed one gets an error reply.
   */
  #performLocal(bytes: Buffer): Buffer {
    try {
      const request = decodeNet(bytes, { ext: this.#ext });
      if (!Array.isArray(request) || request.length !== 3) throw badRequest('channel');
      const [id, method, args] = request as unknown[];
      if (typeof id !== 'number') throw badRequest('channel');
      const held = this.#objects.get(id);
      if (held === undefined) throw noObject(id);
      if (held.entry !== undefined) throw badRequest('channel');
      return this.#encodeReply([], true, this.#call(id, method, args));
    } catch (error) {
      return this.#encodeReply([], false, error);
    }
  }

  #hold(typeid: string, target: object, entry: RegistryEntry | undefined): ServerRef {
    const exposed = entry === undefined ? null : (entry.exposed ?? publicMethods(target));
    const token: Token = { typeid, id: this.#nextId++, exposed };
    this.#objects.set(token.id, { token, target, entry });
    return new ServerRef(token);
  }

  #create(typeid: string, args: unknown[]): ServerRef | Promise<ServerRef> {
    const builtin = BUILTIN_TYPES[typeid];
    if (builtin !== undefined) return this.#hold(typeid, builtin.make(args), undefined);
    const entry = this.#registry.get(typeid);
    const served = entry === undefined ? servedEntry(typeid) : undefined;
    if (served !== undefined)
      return this.#hold(typeid, SERVED_TYPES[typeid]?.make(args) ?? {}, served);
    if (entry?.callable == null) {
      throw new ArgumentTypeError(
        `the manager has no type ${repr(typeid)} it can make`,
        'ERR_INVALID_ARG_VALUE',
      );
    }
    const { module, exportName } = entry.callable;
    return loadTask(module, exportName)
      .then((make) => make(...args))
      .then((target) => {
        if (typeof target !== 'object' || target === null) {
          throw new ArgumentTypeError(
            `the callable of ${repr(typeid)} returned ${repr(target)}, not an object`,
          );
        }
        return this.#hold(typeid, target, entry);
      });
  }

  #call(id: unknown, method: unknown, args: unknown): unknown {
    if (typeof id !== 'number' || typeof method !== 'string' || !Array.isArray(args)) {
      throw badRequest('call');
    }
    const held = this.#objects.get(id);
    if (held === undefined) throw noObject(id);
    const builtin = BUILTIN_TYPES[held.token.typeid];
    if (builtin !== undefined && held.entry === undefined) {
      const perform = Object.hasOwn(builtin.methods, method) ? builtin.methods[method] : undefined;
      if (perform === undefined) throw notExposed(held, method);
      return perform(held.target as never, args as unknown[]);
    }
    if (!(held.token.exposed ?? []).includes(method)) throw notExposed(held, method);
    const fn = (held.target as Record<string, unknown>)[method];
    if (typeof fn !== 'function') {
      throw new ArgumentTypeError(`'${method}' of ${className(held.target)} is not callable`);
    }
    const result: unknown = Reflect.apply(fn, held.target, args);
    const typeid = held.entry?.methodToTypeid?.[method];
    if (typeid === undefined) return result;
    const entry = this.#registry.get(typeid) ?? servedEntry(typeid);
    return Promise.resolve(result).then((value) =>
      typeof value === 'object' && value !== null ? this.#hold(typeid, value, entry) : value,
    );
  }

  /** Python's `_debug_info`: `[id, typeid, proxies counted, pinned]` for each object held. */
  #debugInfo(): unknown[] {
    return [...this.#objects.values()].map(({ token }) => [
      token.id,
      token.typeid,
      this.#refs.count(token.id),
      this.#refs.isPinned(token.id),
    ]);
  }

  #free(id: number): void {
    const held = this.#objects.get(id);
    this.#objects.delete(id);
    if (held !== undefined) void freeServed(held.target)?.catch(() => undefined);
  }

  #shutdown(): void {
    // A pool's workers are stopped before the server's process ends.
    const freeing = [...this.#objects.values()].flatMap(({ target }) => freeServed(target) ?? []);
    this.#objects.clear();
    this.#channels.stop();
    this.#server.close();
    for (const connection of this.#connections) connection.destroy();
    void Promise.allSettled(freeing).then(() => {
      this.#stop();
    });
  }
}
