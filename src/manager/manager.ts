/**
 * `BaseManager`: starts a server process that holds objects (server.ts), or connects to one
 * that runs elsewhere, and makes proxies for the objects (proxies.ts). Python's
 * `multiprocessing.managers.BaseManager`, with `register()` for a user's own types.
 */
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkOptions, optionNames } from '../internal/options.ts';
import { ArgumentTypeError, MultitaskError, StateError, WorkerStartError } from '../errors.ts';
import { Queue } from '../queue/queue.ts';
import { isTaskRef, taskRef, type TaskRef } from '../runtime/target.ts';
import { Process } from '../threading/process.ts';
import { disconnect, markShutDown, request, unmarkShutDown, type ServerInfo } from './client.ts';
import { addressKey, type ManagerAddress } from './protocol.ts';
import { disconnectSync } from './sync-client.ts';
import { BaseProxy, type AutoProxy } from './proxies.ts';
import {
  SERVER_MODULE,
  type ReadyMessage,
  type RegistryEntry,
  type ServerConfig,
} from './server.ts';
import { defineRepr, reprValue } from '../internal/repr.ts';

export interface ManagerOptions {
  /**
   * Where the server listens, or where the one to `connect()` to listens: a Unix socket
   * path, or `[host, port]` for TCP (port 0 picks a free one; `address` tells which).
   * @default a fresh Unix socket path in the temporary directory
   */
  readonly address?: ManagerAddress;
  /** The key both sides prove they hold (handshake.ts). @default 32 random bytes */
  readonly authkey?: Uint8Array | string;
}

export interface RegisterOptions {
  /** The methods clients may call. @default the object's public methods */
  readonly exposed?: readonly string[];
  /** Methods whose result the server keeps, returning a proxy of the named type instead. */
  readonly methodToTypeid?: Readonly<Record<string, string>>;
  /**
   * Whether the manager gets a method named `typeid` that makes one (Python's
   * `create_method`); `false` for types only methods return. @default true
   */
  readonly createMethod?: boolean;
}

const MANAGER_OPTIONS = optionNames<ManagerOptions>({ address: true, authkey: true });
const REGISTER_OPTIONS = optionNames<RegisterOptions>({
  exposed: true,
  methodToTypeid: true,
  createMethod: true,
});

const registries = new WeakMap<object, Map<string, RegistryEntry>>();

function registryOf(cls: object): Map<string, RegistryEntry> {
  for (let at: object | null = cls; at !== null; at = Object.getPrototypeOf(at) as object | null) {
    const registry = registries.get(at);
    if (registry !== undefined) return registry;
  }
  return new Map();
}

/**
 * A manager: a server process holding objects, and proxies to them.
 *
 * @example
 * ```ts
 * class MathsManager extends BaseManager {}
 * MathsManager.register('Counter', tasks.makeCounter, { exposed: ['increment', 'value'] });
 * await using manager = new MathsManager();
 * await manager.start();
 * const counter = await manager.create<Counter>('Counter', 10);
 * await counter.increment();
 * ```
 */
export class BaseManager implements AsyncDisposable {
  /** Python's repr of this object, as `util.inspect` (so `console.log`) shows it too. */
  declare toString: () => string;

  readonly #authkey: Buffer;
  #address: ManagerAddress | undefined;
  #state: 'initial' | 'started' | 'connected' | 'shutdown' = 'initial';

  static {
    // `<Manager state=started address='/tmp/…'>`.
    defineRepr(BaseManager, (manager) => {
      const address =
        manager.#address === undefined ? '' : ` address=${reprValue(manager.#address)}`;
      return `<${manager.constructor.name} state=${manager.#state}${address}>`;
    });
  }
  #process: Process | undefined;

  constructor(options: ManagerOptions = {}) {
    checkOptions(options, MANAGER_OPTIONS, `new ${new.target.name}()`);
    const { address, authkey } = options;
    if (address !== undefined) checkAddress(address);
    this.#address = address;
    this.#authkey =
      authkey === undefined
        ? randomBytes(32)
        : typeof authkey === 'string'
          ? Buffer.from(authkey)
          : Buffer.from(authkey);
  }

  /**
   * Registers a type the server can make: `callable` (a task reference, run in the server
   * process) makes the object; clients get an {@link AutoProxy} exposing `exposed`. A
   * client that only connects registers the type id with `null`, as Python's
   * `register(typeid)`. Each subclass has its own registry, starting from its parent's.
   * Also adds a method named `typeid` to the class's instances, as Python does (unless
   * `createMethod: false`).
   * @throws {ArgumentTypeError} for a `typeid` that is not a non-empty string or a
   * `callable` that is not a task reference.
   */
  static register(
    typeid: string,
    callable: TaskRef | null = null,
    options: RegisterOptions = {},
  ): void {
    if (typeof typeid !== 'string' || typeid === '') {
      throw new ArgumentTypeError(
        `Expected \`typeid\` to be a non-empty string, got ${JSON.stringify(typeid)}`,
      );
    }
    if (callable !== null && !isTaskRef(callable)) {
      throw new ArgumentTypeError(
        'Expected `callable` to be a task reference (taskRef() or taskModule()) or null: the server, in another process, imports and calls it',
      );
    }
    checkOptions(options, REGISTER_OPTIONS, 'register()');
    let registry = registries.get(this);
    if (registry === undefined) {
      registry = new Map(registryOf(this));
      registries.set(this, registry);
    }
    registry.set(typeid, {
      typeid,
      callable:
        callable === null ? null : { module: callable.module, exportName: callable.exportName },
      exposed: options.exposed === undefined ? null : [...options.exposed],
      methodToTypeid: options.methodToTypeid === undefined ? null : { ...options.methodToTypeid },
    });
    if (options.createMethod !== false && !(typeid in this.prototype)) {
      Object.defineProperty(this.prototype, typeid, {
        value(this: BaseManager, ...args: unknown[]) {
          return this.create(typeid, ...args);
        },
        configurable: true,
        writable: true,
      });
    }
  }

  /** The server's address: where it listens once started. */
  get address(): ManagerAddress | undefined {
    return this.#address;
  }

  /** The key of the handshake. */
  get authkey(): Buffer {
    return this.#authkey;
  }

  /** The server process's id, for a manager that started its server. */
  get pid(): number | null {
    return this.#process?.pid ?? null;
  }

  /** @internal The address and key, for proxies. */
  protected get server(): ServerInfo {
    if (this.#address === undefined || this.#state === 'initial') {
      throw new StateError(
        'ERR_NOT_STARTED',
        'the manager is not started: call start() or connect() first',
      );
    }
    return { address: this.#address, authkey: this.#authkey };
  }

  /**
   * Starts the server process and waits until it listens.
   * @throws {StateError} `ERR_ALREADY_STARTED` if started or connected before.
   * @throws {WorkerStartError} `ERR_WORKER_START_FAILED` if the server could not listen.
   */
  async start(): Promise<void> {
    if (this.#state !== 'initial')
      throw new StateError('ERR_ALREADY_STARTED', 'the manager has already been started');
    this.#state = 'started';
    const address =
      this.#address ??
      join(tmpdir(), `multitask-manager-${process.pid}-${randomBytes(6).toString('hex')}.sock`);
    const config: ServerConfig = {
      address,
      authkey: this.#authkey,
      registry: [...registryOf(this.constructor).values()],
    };
    const ready = new Queue<ReadyMessage>();
    const server = new Process({
      target: taskRef(SERVER_MODULE, 'serveManager'),
      args: [config, ready],
      daemon: true,
      name: `${this.constructor.name}-server`,
    });
    this.#process = server;
    server.start();
    const exited = server.join().then((): ReadyMessage => ({
      error: `the server process exited with code ${String(server.exitCode)}`,
    }));
    const message = await Promise.race([ready.get(), exited]);
    if ('error' in message) {
      this.#state = 'shutdown';
      throw new WorkerStartError(
        'ERR_WORKER_START_FAILED',
        `the manager's server could not start: ${message.error}`,
      );
    }
    this.#address = message.address;
    unmarkShutDown(message.address);
  }

  /**
   * Connects to a server started elsewhere (another process or host) at `address`, and checks
   * the key with the handshake.
   * @throws {AuthenticationError} `ERR_AUTHENTICATION` for a wrong `authkey`.
   * @throws {BrokerError} `ERR_MANAGER_LOST` if nothing listens there.
   */
  async connect(): Promise<void> {
    if (this.#state !== 'initial')
      throw new StateError('ERR_ALREADY_STARTED', 'the manager has already been started');
    if (this.#address === undefined) {
      throw new ArgumentTypeError(
        'Expected `address` in the options of a manager that connects',
        'ERR_INVALID_ARG_VALUE',
      );
    }
    this.#state = 'connected';
    unmarkShutDown(this.#address);
    try {
      // An empty list: the cheapest object that proves the server answers.
      await request(this.server, ['create', 'list', []]);
    } catch (error) {
      this.#state = 'initial';
      throw error;
    }
  }

  /**
   * Makes an object of a registered type in the server and returns its proxy.
   * @throws {StateError} `ERR_NOT_STARTED` before `start()` or `connect()`.
   */
  async create<T = Record<string, unknown>>(
    typeid: string,
    ...args: unknown[]
  ): Promise<AutoProxy<T>> {
    return (await this.createProxy(typeid, args)) as AutoProxy<T>;
  }

  /** @internal Makes an object of a built-in type in the server; its proxy, of `Class`. */
  protected async createProxyOf<P extends BaseProxy>(
    Class: abstract new (...args: never[]) => P,
    typeid: string,
    args: readonly unknown[],
  ): Promise<P> {
    const proxy = await this.createProxy(typeid, args);
    if (!(proxy instanceof Class)) {
      throw new MultitaskError('ERR_INTERNAL', `the manager made a ${typeid} without its proxy`);
    }
    return proxy;
  }

  /** @internal Makes an object in the server; its proxy. */
  protected async createProxy(typeid: string, args: readonly unknown[]): Promise<BaseProxy> {
    if (this.#state === 'shutdown')
      throw new StateError('ERR_MANAGER_SHUT_DOWN', 'the manager has been shut down');
    const proxy = await request(this.server, ['create', typeid, args]);
    if (!(proxy instanceof BaseProxy)) {
      throw new MultitaskError(
        'ERR_INTERNAL',
        `the manager answered a create with ${String(proxy)}`,
      );
    }
    return proxy;
  }

  /**
   * What the server holds, as Python's `_debug_info()`: for each object, its id, its type,
   * how many proxies (in every process) count as references to it, and whether it is pinned
   * (it was sent inside a value, and lives until the server stops).
   * @throws {StateError} `ERR_NOT_STARTED` before `start()` or `connect()`.
   */
  async debugInfo(): Promise<
    { id: number; typeid: string; references: number; pinned: boolean }[]
  > {
    if (this.#state === 'shutdown')
      throw new StateError('ERR_MANAGER_SHUT_DOWN', 'the manager has been shut down');
    const rows = (await request(this.server, ['debugInfo'])) as [number, string, number, boolean][];
    return rows.map(([id, typeid, references, pinned]) => ({ id, typeid, references, pinned }));
  }

  /** How many objects the server holds, as Python's `_number_of_objects()`. */
  async numberOfObjects(): Promise<number> {
    return (await this.debugInfo()).length;
  }

  /**
   * Stops the server (for a manager that started it) and waits for its process to end; for
   * a connected manager, closes the connection. Later calls through its proxies in this
   * process fail with `ERR_MANAGER_SHUT_DOWN`; elsewhere with `ERR_MANAGER_LOST`.
   */
  async shutdown(): Promise<void> {
    const state = this.#state;
    if (state === 'initial' || state === 'shutdown' || this.#address === undefined) {
      this.#state = 'shutdown';
      return;
    }
    this.#state = 'shutdown';
    const address = this.#address;
    if (state === 'started') {
      const server = this.#process;
      try {
        await request({ address, authkey: this.#authkey }, ['shutdown']);
      } catch {
        server?.kill(); // It does not answer: it is dead or stuck either way.
      }
      await server?.join();
      // A server that died (kill -9) could not remove its Unix socket file.
      if (typeof address === 'string') rmSync(address, { force: true });
    }
    disconnect(address);
    disconnectSync(addressKey(address));
    markShutDown(address);
  }

  /**
   * Waits until the server process ends (after `shutdown()`, or if it dies), as Python's
   * `BaseManager.join()`. Returns at once for a manager that did not start a server.
   */
  async join(): Promise<void> {
    await this.#process?.join();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.shutdown();
  }
}

function checkAddress(address: unknown): void {
  if (typeof address === 'string' && address !== '') return;
  if (
    Array.isArray(address) &&
    address.length === 2 &&
    typeof address[0] === 'string' &&
    Number.isInteger(address[1]) &&
    (address[1] as number) >= 0 &&
    (address[1] as number) < 65536
  ) {
    return;
  }
  throw new ArgumentTypeError(
    `Expected \`address\` to be a socket path or [host, port], got ${JSON.stringify(address)}`,
    'ERR_INVALID_ARG_VALUE',
  );
}
