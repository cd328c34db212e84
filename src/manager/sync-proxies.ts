/**
 * Proxies of the served synchronization objects, queues and values (served-types.ts):
 * Python's `AcquirerProxy`, `ConditionProxy`, `EventProxy`, `BarrierProxy`, the queue proxy,
 * `ValueProxy` and `ArrayProxy`. Each method is async, with a `Sync` form that blocks the
 * calling thread until the server answers (safe: the server is another process; but a
 * thread that blocks waiting for a lock it holds itself waits forever, as in Python).
 *
 * An RLock or Condition is owned by a client thread, as Python's: its proxy sends its realm's
 * id (process and thread) with each call, so that a thread's async and `Sync` calls, which
 * take different connections, are one owner. Timeouts are in milliseconds.
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { threadId } from 'node:worker_threads';
import type { AcquireOptions } from '../sync/acquirable.ts';
import { BaseProxy } from './base-proxy.ts';

let realm: string | undefined;

/** This thread's id as an owner: host, process, thread, and a random part. */
function owner(): string {
  realm ??= `${hostname()}/${process.pid}/${threadId}/${randomBytes(6).toString('hex')}`;
  return realm;
}

/** Type ids whose owner is the calling thread. */
const OWNED = new Set(['RLock', 'Condition']);

/** Options of a served acquire: no `signal` (an abort cannot cross to the server). */
export type ServedAcquireOptions = Omit<AcquireOptions, 'signal'>;

/**
 * A served `Lock`, `RLock`, `Semaphore` or `BoundedSemaphore`: Python's `AcquirerProxy`.
 * `locked()` is not exposed by semaphores.
 */
export class AcquirerProxy extends BaseProxy {
  #args(args: unknown[]): unknown[] {
    return OWNED.has(this.token.typeid) ? [owner(), ...args] : args;
  }

  /** Takes it, waiting as `options` say; whether it was taken. */
  async acquire(options?: ServedAcquireOptions): Promise<boolean> {
    return (await this.callMethod(
      'acquire',
      ...this.#args(options === undefined ? [] : [options]),
    )) as boolean;
  }

  acquireSync(options?: ServedAcquireOptions): boolean {
    return this.callMethodSync(
      'acquire',
      ...this.#args(options === undefined ? [] : [options]),
    ) as boolean;
  }

  /** Releases it (a semaphore: `n` units). */
  async release(n?: number): Promise<void> {
    await this.callMethod('release', ...this.#args(n === undefined ? [] : [n]));
  }

  releaseSync(n?: number): void {
    this.callMethodSync('release', ...this.#args(n === undefined ? [] : [n]));
  }

  async locked(): Promise<boolean> {
    return (await this.callMethod('locked')) as boolean;
  }

  lockedSync(): boolean {
    return this.callMethodSync('locked') as boolean;
  }

  /** Runs `fn` holding it, as Python's `with lock:`. */
  async withLock<T>(fn: () => T | Promise<T>): Promise<T> {
    await this.acquire();
    try {
      return await fn();
    } finally {
      await this.release();
    }
  }
}

/** A served `Condition` over its own RLock: Python's `ConditionProxy`. */
export class ConditionProxy extends AcquirerProxy {
  /** Waits until notified or `timeout` ms pass; whether it was notified. */
  async wait(timeout?: number | null): Promise<boolean> {
    return (await this.callMethod('wait', owner(), timeout ?? null)) as boolean;
  }

  waitSync(timeout?: number | null): boolean {
    return this.callMethodSync('wait', owner(), timeout ?? null) as boolean;
  }

  /**
   * Waits until `predicate()` is truthy (checked here, after each wake-up), or `timeout` ms
   * pass; the predicate's last result. Python's `ConditionProxy.wait_for`.
   */
  async waitFor<T>(predicate: () => T | Promise<T>, timeout?: number | null): Promise<T> {
    let result = await predicate();
    const end = timeout === undefined || timeout === null ? Infinity : Date.now() + timeout;
    while (!result) {
      const left = end - Date.now();
      if (left <= 0) break;
      await this.wait(left === Infinity ? null : left);
      result = await predicate();
    }
    return result;
  }

  async notify(n = 1): Promise<void> {
    await this.callMethod('notify', owner(), n);
  }

  notifySync(n = 1): void {
    this.callMethodSync('notify', owner(), n);
  }

  async notifyAll(): Promise<void> {
    await this.callMethod('notifyAll', owner());
  }

  notifyAllSync(): void {
    this.callMethodSync('notifyAll', owner());
  }
}

/** A served `Event`: Python's `EventProxy`. */
export class EventProxy extends BaseProxy {
  async isSet(): Promise<boolean> {
    return (await this.callMethod('isSet')) as boolean;
  }

  isSetSync(): boolean {
    return this.callMethodSync('isSet') as boolean;
  }

  async set(): Promise<void> {
    await this.callMethod('set');
  }

  setSync(): void {
    this.callMethodSync('set');
  }

  async clear(): Promise<void> {
    await this.callMethod('clear');
  }

  clearSync(): void {
    this.callMethodSync('clear');
  }

  /** Waits until it is set or `timeout` ms pass; whether it is set. */
  async wait(timeout?: number | null): Promise<boolean> {
    return (await this.callMethod('wait', ...(timeout == null ? [] : [timeout]))) as boolean;
  }

  waitSync(timeout?: number | null): boolean {
    return this.callMethodSync('wait', ...(timeout == null ? [] : [timeout])) as boolean;
  }
}

/** A served `Barrier`: Python's `BarrierProxy`; its properties are async methods here. */
export class BarrierProxy extends BaseProxy {
  /** Waits for the other parties; this party's index, from 0 to parties - 1. */
  async wait(timeout?: number | null): Promise<number> {
    return (await this.callMethod('wait', timeout ?? null)) as number;
  }

  waitSync(timeout?: number | null): number {
    return this.callMethodSync('wait', timeout ?? null) as number;
  }

  async reset(): Promise<void> {
    await this.callMethod('reset');
  }

  async abort(): Promise<void> {
    await this.callMethod('abort');
  }

  async parties(): Promise<number> {
    return (await this.callMethod('parties')) as number;
  }

  async nWaiting(): Promise<number> {
    return (await this.callMethod('nWaiting')) as number;
  }

  async broken(): Promise<boolean> {
    return (await this.callMethod('broken')) as boolean;
  }
}

/** Options of a served queue's `put` and `get`. */
export interface ServedQueueOptions {
  readonly block?: boolean;
  /** Milliseconds to wait at most. */
  readonly timeout?: number;
}

/** A served `Queue` or `JoinableQueue` (`taskDone`, `join`). */
export class QueueProxy<T = unknown> extends BaseProxy {
  async put(item: T, options?: ServedQueueOptions): Promise<void> {
    await this.callMethod('put', item, ...(options === undefined ? [] : [options]));
  }

  putSync(item: T, options?: ServedQueueOptions): void {
    this.callMethodSync('put', item, ...(options === undefined ? [] : [options]));
  }

  async get(options?: ServedQueueOptions): Promise<T> {
    return (await this.callMethod('get', ...(options === undefined ? [] : [options]))) as T;
  }

  getSync(options?: ServedQueueOptions): T {
    return this.callMethodSync('get', ...(options === undefined ? [] : [options])) as T;
  }

  async putNowait(item: T): Promise<void> {
    await this.callMethod('putNowait', item);
  }

  async getNowait(): Promise<T> {
    return (await this.callMethod('getNowait')) as T;
  }

  async qsize(): Promise<number> {
    return (await this.callMethod('qsize')) as number;
  }

  async empty(): Promise<boolean> {
    return (await this.callMethod('empty')) as boolean;
  }

  async full(): Promise<boolean> {
    return (await this.callMethod('full')) as boolean;
  }

  /** A JoinableQueue's: marks one item done. */
  async taskDone(): Promise<void> {
    await this.callMethod('taskDone');
  }

  /** A JoinableQueue's: waits until every item put was marked done. */
  async join(): Promise<void> {
    await this.callMethod('join');
  }
}

/** A served `Value`: Python's `ValueProxy` (`get`, `set`; `value` is `get()`/`set()` here). */
export class ValueProxy<V = unknown> extends BaseProxy {
  async get(): Promise<V> {
    return (await this.callMethod('get')) as V;
  }

  getSync(): V {
    return this.callMethodSync('get') as V;
  }

  async set(value: V): Promise<void> {
    await this.callMethod('set', value);
  }

  setSync(value: V): void {
    this.callMethodSync('set', value);
  }
}

/** A served `Array`: Python's `ArrayProxy` (`len`, items and slices; negative indices too). */
export class ArrayProxy<V = unknown> extends BaseProxy {
  async len(): Promise<number> {
    return (await this.callMethod('len')) as number;
  }

  lenSync(): number {
    return this.callMethodSync('len') as number;
  }

  async get(index: number): Promise<V> {
    return (await this.callMethod('get', index)) as V;
  }

  getSync(index: number): V {
    return this.callMethodSync('get', index) as V;
  }

  async set(index: number, value: V): Promise<void> {
    await this.callMethod('set', index, value);
  }

  setSync(index: number, value: V): void {
    this.callMethodSync('set', index, value);
  }

  async getSlice(start?: number | null, stop?: number | null, step?: number | null): Promise<V[]> {
    return (await this.callMethod('getSlice', start ?? null, stop ?? null, step ?? null)) as V[];
  }

  /** Writes `values` over the slice, whose length they must have. */
  async setSlice(
    start: number | null,
    stop: number | null,
    values: readonly V[],
    step: number | null = null,
  ): Promise<void> {
    await this.callMethod('setSlice', start, stop, step, values);
  }

  async toArray(): Promise<V[]> {
    return (await this.callMethod('toArray')) as V[];
  }

  toArraySync(): V[] {
    return this.callMethodSync('toArray') as V[];
  }
}
