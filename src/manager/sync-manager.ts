/**
 * `Manager`: Python's `SyncManager`, a {@link BaseManager} with dicts, lists and namespaces
 * held by its server, and the synchronization objects, queues and shared values of the
 * processes on its machine.
 */
import { InvalidStateError } from '../errors.ts';
import { siblingModule } from '../internal/loader-hooks.ts';
import { taskRef } from '../runtime/target.ts';
import { JoinableQueue } from '../queue/joinable-queue.ts';
import { Queue } from '../queue/queue.ts';
import { Barrier, type BarrierOptions } from '../sync/barrier.ts';
import { Condition } from '../sync/condition.ts';
import { Event } from '../sync/event.ts';
import { Lock } from '../sync/lock.ts';
import { RLock } from '../sync/rlock.ts';
import { BoundedSemaphore, Semaphore } from '../sync/semaphore.ts';
import { SharedArray } from '../values/shared-array.ts';
import type { InputOf, Typecode } from '../values/typecodes.ts';
import { Value } from '../values/value.ts';
import { BaseManager } from './manager.ts';
import { DictProxy, ListProxy, NamespaceProxy, type DictKey, type PoolProxy } from './proxies.ts';
import { ServedObjects, type ServedPoolOptions } from './served-factory.ts';

/**
 * A manager with Python's `SyncManager` types. `dict()`, `list()` and `namespace()` are held
 * by the server and reached through proxies, from any thread or process, and over TCP. `Lock()`
 * and the other synchronization objects, `Queue()`, `Value()` and `Array()` are multitask's
 * native shared objects (they need no server on one machine); a client that `connect()`ed
 * from elsewhere asks the server for served ones with `manager.served.Lock()` instead.
 *
 * @example
 * ```ts
 * await using manager = new Manager();
 * await manager.start();
 * const d = await manager.dict<string, number>();
 * const l = await manager.list([0, 1, 2, 3, 4]);
 * const workers = [1, 2].map((i) => new Process({ target: tasks.change, args: [d, l, i] }));
 * ```
 */
export class Manager extends BaseManager {
  #served: ServedObjects | undefined;

  static {
    // As Python's SyncManager registers pool.Pool: the server imports the pool's module.
    Manager.register(
      'Pool',
      taskRef(siblingModule(import.meta.url, '../pool/served-pool'), 'makeServedPool'),
      {
        methodToTypeid: {
          applyAsync: 'AsyncResult',
          mapAsync: 'AsyncResult',
          starmapAsync: 'AsyncResult',
          imap: 'Iterator',
          imapUnordered: 'Iterator',
        },
        createMethod: false,
      },
    );
    Manager.register('AsyncResult', null, { createMethod: false });
    Manager.register('Iterator', null, { createMethod: false });
  }

  /**
   * The synchronization objects, queues, values and pool the server holds, reached through
   * proxies from any machine (`await manager.served.Lock()`): what a client that
   * `connect()`ed from elsewhere uses, as Python's `SyncManager` serves them.
   */
  get served(): ServedObjects {
    this.#served ??= new ServedObjects((Class, typeid, args) =>
      this.createProxyOf(Class, typeid, args),
    );
    return this.#served;
  }

  /**
   * A process pool held by the server, as Python's `manager.Pool()`: its tasks are task
   * references, run by the server's workers. Same as `manager.served.Pool()`.
   */
  Pool(options?: number | ServedPoolOptions): Promise<PoolProxy> {
    return this.served.Pool(options);
  }

  /** A dict held by the server, filled from `init` (a Map, an object or `[key, value]` pairs). */
  dict<K extends DictKey = DictKey, V = unknown>(
    init?: Map<K, V> | Record<string, V> | readonly (readonly [K, V])[],
  ): Promise<DictProxy<K, V>> {
    return this.createProxyOf(DictProxy<K, V>, 'dict', init === undefined ? [] : [init]);
  }

  /** A list held by the server, filled from `init`. */
  list<T = unknown>(init?: Iterable<T>): Promise<ListProxy<T>> {
    return this.createProxyOf(ListProxy<T>, 'list', init === undefined ? [] : [[...init]]);
  }

  /** A namespace held by the server, with the attributes of `init`. */
  namespace(init?: Record<string, unknown>): Promise<NamespaceProxy> {
    return this.createProxyOf(NamespaceProxy, 'Namespace', init === undefined ? [] : [init]);
  }

  /** Python's name for {@link Manager.namespace}. */
  Namespace(init?: Record<string, unknown>): Promise<NamespaceProxy> {
    return this.namespace(init);
  }

  Lock(): Promise<Lock> {
    return this.#native(() => new Lock());
  }

  RLock(): Promise<RLock> {
    return this.#native(() => new RLock());
  }

  Semaphore(value = 1): Promise<Semaphore> {
    return this.#native(() => new Semaphore(value));
  }

  BoundedSemaphore(value = 1): Promise<BoundedSemaphore> {
    return this.#native(() => new BoundedSemaphore(value));
  }

  Condition(lock?: Lock | RLock): Promise<Condition> {
    return this.#native(() => new Condition(lock));
  }

  Event(): Promise<Event> {
    return this.#native(() => new Event());
  }

  Barrier(parties: number, options?: BarrierOptions): Promise<Barrier> {
    return this.#native(() => new Barrier(parties, options));
  }

  Queue<T = unknown>(maxsize = 0): Promise<Queue<T>> {
    return this.#native(() => new Queue<T>(maxsize));
  }

  JoinableQueue<T = unknown>(maxsize = 0): Promise<JoinableQueue<T>> {
    return this.#native(() => new JoinableQueue<T>(maxsize));
  }

  Value<T extends Typecode>(typecode: T, value?: InputOf<T>): Promise<Value<T>> {
    return this.#native(() => new Value(typecode, value));
  }

  Array<T extends Typecode>(
    typecode: T,
    init: number | Iterable<InputOf<T>>,
  ): Promise<SharedArray<T>> {
    return this.#native(() => new SharedArray(typecode, init));
  }

  /**
   * A native shared object, for a manager that started its server on this machine.
   * @throws {InvalidStateError} `ERR_INVALID_STATE` for a manager that connected to a server
   * elsewhere: its processes share no memory with this one.
   */
  async #native<T>(make: () => T): Promise<T> {
    await Promise.resolve();
    if (this.pid === null) {
      throw new InvalidStateError(
        'a manager that connected to a server makes no native shared objects: use manager.served.Lock() (and .Queue(), .Event(), …) for objects the server holds',
      );
    }
    return make();
  }
}
