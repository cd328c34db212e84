/**
 * `manager.served`: the served synchronization objects, queues, values and pool of a
 * Manager (served-types.ts), each reached through its proxy (sync-proxies.ts,
 * pool-proxy.ts). These work from any machine that can reach the server; `manager.Lock()`
 * and its siblings give native shared objects instead, for processes on the server's machine.
 */
import type { InputOf, Typecode, ValueOf } from '../values/typecodes.ts';
import type { BaseProxy } from './base-proxy.ts';
import { PoolProxy } from './pool-proxy.ts';
import {
  AcquirerProxy,
  ArrayProxy,
  BarrierProxy,
  ConditionProxy,
  EventProxy,
  QueueProxy,
  ValueProxy,
} from './sync-proxies.ts';

/** Makes an object of `typeid` in the server; its proxy, checked to be a `Class`. */
export type MakeServed = <P extends BaseProxy>(
  Class: abstract new (...args: never[]) => P,
  typeid: string,
  args: readonly unknown[],
) => Promise<P>;

/** Options of a served pool: no initializer (it would be code from the client). */
export interface ServedPoolOptions {
  /** Worker processes. @default the server machine's CPU count */
  readonly processes?: number;
  /** Tasks a worker runs before it is replaced. @default no limit */
  readonly maxTasksPerChild?: number | null;
}

/** The objects a Manager's server holds for its clients, as Python's `SyncManager` serves them. */
export class ServedObjects {
  readonly #make: MakeServed;

  /** @internal */
  constructor(make: MakeServed) {
    this.#make = make;
  }

  Lock(): Promise<AcquirerProxy> {
    return this.#make(AcquirerProxy, 'Lock', []);
  }

  /** An RLock owned by the client thread that acquires it. */
  RLock(): Promise<AcquirerProxy> {
    return this.#make(AcquirerProxy, 'RLock', []);
  }

  Semaphore(value = 1): Promise<AcquirerProxy> {
    return this.#make(AcquirerProxy, 'Semaphore', [value]);
  }

  BoundedSemaphore(value = 1): Promise<AcquirerProxy> {
    return this.#make(AcquirerProxy, 'BoundedSemaphore', [value]);
  }

  /** A Condition over its own served RLock. */
  Condition(): Promise<ConditionProxy> {
    return this.#make(ConditionProxy, 'Condition', []);
  }

  Event(): Promise<EventProxy> {
    return this.#make(EventProxy, 'Event', []);
  }

  Barrier(parties: number): Promise<BarrierProxy> {
    return this.#make(BarrierProxy, 'Barrier', [parties]);
  }

  Queue<T = unknown>(maxsize = 0): Promise<QueueProxy<T>> {
    return this.#make(QueueProxy<T>, 'Queue', [maxsize]);
  }

  JoinableQueue<T = unknown>(maxsize = 0): Promise<QueueProxy<T>> {
    return this.#make(QueueProxy<T>, 'JoinableQueue', [maxsize]);
  }

  /** A value of `typecode`, held by the server: Python's `manager.Value(typecode, value)`. */
  Value<T extends Typecode>(typecode: T, value?: InputOf<T>): Promise<ValueProxy<ValueOf<T>>> {
    return this.#make(
      ValueProxy<ValueOf<T>>,
      'Value',
      value === undefined ? [typecode] : [typecode, value],
    );
  }

  /** An array of `typecode`: `init` is a length (zero-filled) or the values. */
  Array<T extends Typecode>(
    typecode: T,
    init: number | readonly InputOf<T>[],
  ): Promise<ArrayProxy<ValueOf<T>>> {
    return this.#make(ArrayProxy<ValueOf<T>>, 'Array', [typecode, init]);
  }

  /** A process pool in the server: Python's `manager.Pool(processes)`. */
  Pool(options?: number | ServedPoolOptions): Promise<PoolProxy> {
    return this.#make(PoolProxy, 'Pool', options === undefined ? [] : [options]);
  }
}
