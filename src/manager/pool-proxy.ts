/**
 * The proxy of a Manager's served `Pool` (served-pool.ts): Python's `SyncManager.Pool()`.
 * Tasks are named by task references (`taskRef()`, `taskModule()`), which cross to the
 * server as their module URL and export name; the server's pool workers import them.
 * `applyAsync`/`mapAsync`/`starmapAsync` answer with an {@link AsyncResultProxy};
 * `imap`/`imapUnordered` with an async iterator that asks the server for each result.
 */
import { typeError } from '../internal/validate.ts';
import { isTaskRef, type AnyFunction, type TaskRef } from '../runtime/target.ts';
import { BaseProxy } from './base-proxy.ts';

/** A task reference as the server takes it. */
function taskData(task: TaskRef): [string, string] {
  if (!isTaskRef(task)) {
    throw typeError(
      'task',
      'a task reference (taskRef() or taskModule()): the server imports it',
      task,
    );
  }
  return [task.module, task.exportName];
}

type ResultOf<F extends AnyFunction> = Awaited<ReturnType<F>>;

/** A served pool result: Python's `ApplyResult` through a proxy. */
export class AsyncResultProxy<T = unknown> extends BaseProxy {
  async ready(): Promise<boolean> {
    return (await this.callMethod('ready')) as boolean;
  }

  /** @throws {InvalidStateError} (from the server) before it is ready, as Python's ValueError. */
  async successful(): Promise<boolean> {
    return (await this.callMethod('successful')) as boolean;
  }

  async wait(timeout?: number | null): Promise<void> {
    await this.callMethod('wait', timeout ?? null);
  }

  /** Its value, or its task's error; a `TimeoutError` after `timeout` ms. */
  async get(timeout?: number | null): Promise<T> {
    return (await this.callMethod('get', timeout ?? null)) as T;
  }
}

/** The served iterator of an `imap`: each `next()` is one request. */
class IteratorProxy extends BaseProxy {
  async nextResult(): Promise<[boolean, unknown]> {
    return (await this.callMethod('next')) as [boolean, unknown];
  }

  async close(): Promise<void> {
    await this.callMethod('close');
  }
}

/** The iterator a client's `imap` returns: results as the server's iterator yields them. */
function iterate<T>(served: Promise<unknown>): AsyncIterableIterator<T> {
  const proxy = served as Promise<IteratorProxy>;
  proxy.catch(() => undefined); // Reported by the first next(), not as unhandled.
  return {
    async next(): Promise<IteratorResult<T>> {
      const [done, value] = await (await proxy).nextResult();
      return done ? { done: true, value: undefined } : { done: false, value: value as T };
    },
    async return(): Promise<IteratorResult<T>> {
      await (await proxy).close();
      return { done: true, value: undefined };
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}

/** A process pool held by the manager's server: Python's `SyncManager.Pool()`. */
export class PoolProxy extends BaseProxy {
  /** Runs `task(...args)` in the server's pool; its result. */
  async apply<F extends AnyFunction>(task: TaskRef<F>, args: Parameters<F>): Promise<ResultOf<F>> {
    return (await this.callMethod('apply', taskData(task), args)) as ResultOf<F>;
  }

  applySync<F extends AnyFunction>(task: TaskRef<F>, args: Parameters<F>): ResultOf<F> {
    return this.callMethodSync('apply', taskData(task), args) as ResultOf<F>;
  }

  async applyAsync<F extends AnyFunction>(
    task: TaskRef<F>,
    args: Parameters<F>,
  ): Promise<AsyncResultProxy<ResultOf<F>>> {
    return (await this.callMethod('applyAsync', taskData(task), args)) as AsyncResultProxy<
      ResultOf<F>
    >;
  }

  /** `task(item)` for each item, in order. */
  async map<F extends (item: never) => unknown>(
    task: TaskRef<F>,
    items: readonly Parameters<F>[0][],
    chunksize?: number,
  ): Promise<ResultOf<F>[]> {
    return (await this.callMethod(
      'map',
      taskData(task),
      items,
      chunksize ?? null,
    )) as ResultOf<F>[];
  }

  mapSync<F extends (item: never) => unknown>(
    task: TaskRef<F>,
    items: readonly Parameters<F>[0][],
    chunksize?: number,
  ): ResultOf<F>[] {
    return this.callMethodSync('map', taskData(task), items, chunksize ?? null) as ResultOf<F>[];
  }

  async mapAsync<F extends (item: never) => unknown>(
    task: TaskRef<F>,
    items: readonly Parameters<F>[0][],
    chunksize?: number,
  ): Promise<AsyncResultProxy<ResultOf<F>[]>> {
    return (await this.callMethod(
      'mapAsync',
      taskData(task),
      items,
      chunksize ?? null,
    )) as AsyncResultProxy<ResultOf<F>[]>;
  }

  /** `task(...args)` for each args array, in order. */
  async starmap<F extends AnyFunction>(
    task: TaskRef<F>,
    items: readonly Parameters<F>[],
    chunksize?: number,
  ): Promise<ResultOf<F>[]> {
    return (await this.callMethod(
      'starmap',
      taskData(task),
      items,
      chunksize ?? null,
    )) as ResultOf<F>[];
  }

  async starmapAsync<F extends AnyFunction>(
    task: TaskRef<F>,
    items: readonly Parameters<F>[],
    chunksize?: number,
  ): Promise<AsyncResultProxy<ResultOf<F>[]>> {
    return (await this.callMethod(
      'starmapAsync',
      taskData(task),
      items,
      chunksize ?? null,
    )) as AsyncResultProxy<ResultOf<F>[]>;
  }

  /** `task(item)` for each item, yielded in order as they come. */
  imap<F extends (item: never) => unknown>(
    task: TaskRef<F>,
    items: readonly Parameters<F>[0][],
    chunksize?: number,
  ): AsyncIterableIterator<ResultOf<F>> {
    return iterate(this.callMethod('imap', taskData(task), items, chunksize ?? null));
  }

  /** As {@link PoolProxy.imap}, in the order they complete. */
  imapUnordered<F extends (item: never) => unknown>(
    task: TaskRef<F>,
    items: readonly Parameters<F>[0][],
    chunksize?: number,
  ): AsyncIterableIterator<ResultOf<F>> {
    return iterate(this.callMethod('imapUnordered', taskData(task), items, chunksize ?? null));
  }

  async close(): Promise<void> {
    await this.callMethod('close');
  }

  async terminate(): Promise<void> {
    await this.callMethod('terminate');
  }

  async join(): Promise<void> {
    await this.callMethod('join');
  }

  async processes(): Promise<number> {
    return (await this.callMethod('processes')) as number;
  }
}

/** @internal The proxy class of each type id a served pool answers with. */
export const POOL_PROXY_TYPES = {
  Pool: PoolProxy,
  AsyncResult: AsyncResultProxy,
  Iterator: IteratorProxy,
};
