/**
 * The served `Pool` of a Manager's server: Python's `SyncManager.Pool`, a process pool that
 * lives in the server process and runs the tasks its clients name. The Manager registers
 * {@link makeServedPool} as a task reference (manager/sync-manager.ts), as Python's
 * `SyncManager` registers `pool.Pool`, so the manager's modules import nothing of the pool's. A task crosses the
 * network as a task reference's data (`[module URL, export name]`), never as code: the pool's
 * workers import the module, as they would for a task reference made in the server. Only
 * `file:` modules are taken (no `node:` built-ins, no `data:` URLs).
 *
 * `applyAsync`, `mapAsync` and `starmapAsync` answer with a served {@link ServedAsyncResult};
 * `imap` and `imapUnordered` with a served {@link ServedIterator} (Python's `IteratorProxy`),
 * whose `next()` the client's proxy calls for each result.
 */
import { ArgumentTypeError } from '../errors.ts';
import { checkOptions, optionNames } from '../internal/options.ts';
import { describeValue } from '../internal/validate.ts';
import { Pool } from './pool.ts';
import { taskRef, type TaskRef } from '../runtime/target.ts';

/** What a Manager's server calls when it lets go of a served object (manager/server.ts). */
const kFree = Symbol.for('multitask.manager.free');

/** A task reference as data on the wire: `[module URL, export name]`. */
export type TaskData = readonly [module: string, exportName: string];

/** The options a client may give a served pool: nothing that would carry code. */
interface ServedPoolOptions {
  readonly processes?: number;
  readonly maxTasksPerChild?: number | null;
}

const POOL_OPTIONS = optionNames<ServedPoolOptions>({ processes: true, maxTasksPerChild: true });

/**
 * The task reference named by `data`.
 * @throws {ArgumentTypeError} `ERR_INVALID_ARG_VALUE` for anything but `[file: URL, name]`.
 */
export function taskFromData(data: unknown): TaskRef {
  if (
    Array.isArray(data) &&
    data.length === 2 &&
    typeof data[0] === 'string' &&
    data[0].startsWith('file:') &&
    typeof data[1] === 'string' &&
    data[1] !== ''
  ) {
    return taskRef(data[0], data[1]);
  }
  throw new ArgumentTypeError(
    `Expected a task reference as [file: URL, export name], got ${describeValue(data)}`,
    'ERR_INVALID_ARG_VALUE',
  );
}

function chunks(chunksize: unknown): { chunksize?: number } {
  return chunksize === undefined || chunksize === null ? {} : { chunksize: chunksize as number };
}

/** What the pool's `AsyncResult` is to a served one, whatever its value's type. */
interface ResultLike {
  ready(): boolean;
  successful(): boolean;
  wait(timeout?: number): Promise<void>;
  get(timeout?: number): Promise<unknown>;
}

/** A one-argument task, as `map` and `imap` take one. */
function itemTask(data: unknown): TaskRef<(item: unknown) => unknown> {
  return taskFromData(data) as TaskRef<(item: unknown) => unknown>;
}

/** A result of the served pool: Python's `ApplyResult`, served. */
export class ServedAsyncResult {
  readonly #result: ResultLike;

  constructor(result: ResultLike) {
    this.#result = result;
  }

  ready(): boolean {
    return this.#result.ready();
  }

  successful(): boolean {
    return this.#result.successful();
  }

  wait(timeout?: number | null): Promise<void> {
    return this.#result.wait(timeout ?? undefined);
  }

  get(timeout?: number | null): Promise<unknown> {
    return this.#result.get(timeout ?? undefined);
  }
}

/** An iterator of the served pool's results: Python's `IteratorProxy` target. */
export class ServedIterator {
  readonly #iterator: AsyncIterator<unknown>;

  constructor(iterator: AsyncIterator<unknown>) {
    this.#iterator = iterator;
  }

  /** The next result as `[done, value]`; a failed item rejects at its position. */
  async next(): Promise<[boolean, unknown]> {
    const result: IteratorResult<unknown> = await this.#iterator.next();
    return result.done === true ? [true, undefined] : [false, result.value];
  }

  async close(): Promise<void> {
    await this.#iterator.return?.();
  }

  [kFree](): Promise<void> {
    return this.close();
  }
}

/** A process pool in the server, called by task references. */
export class ServedPool {
  readonly #pool: Pool;

  /** @throws {ArgumentTypeError} for options other than `processes` and `maxTasksPerChild`. */
  constructor(options?: unknown) {
    if (typeof options === 'object' && options !== null) {
      checkOptions(options, POOL_OPTIONS, 'manager.Pool()');
    }
    this.#pool = new Pool(options as number | ServedPoolOptions | undefined);
  }

  apply(task: unknown, args?: unknown[]): Promise<unknown> {
    return this.#pool.apply(taskFromData(task), args ?? []);
  }

  applyAsync(task: unknown, args?: unknown[]): ServedAsyncResult {
    return new ServedAsyncResult(this.#pool.applyAsync(taskFromData(task), args ?? []));
  }

  map(task: unknown, items: unknown[], chunksize?: number): Promise<unknown[]> {
    return this.#pool.map(itemTask(task), items, chunks(chunksize));
  }

  mapAsync(task: unknown, items: unknown[], chunksize?: number): ServedAsyncResult {
    return new ServedAsyncResult(this.#pool.mapAsync(itemTask(task), items, chunks(chunksize)));
  }

  starmap(task: unknown, items: unknown[][], chunksize?: number): Promise<unknown[]> {
    return this.#pool.starmap(taskFromData(task), items, chunks(chunksize));
  }

  starmapAsync(task: unknown, items: unknown[][], chunksize?: number): ServedAsyncResult {
    return new ServedAsyncResult(
      this.#pool.starmapAsync(taskFromData(task), items, chunks(chunksize)),
    );
  }

  imap(task: unknown, items: unknown[], chunksize?: number): ServedIterator {
    return new ServedIterator(this.#pool.imap(itemTask(task), items, chunks(chunksize)));
  }

  imapUnordered(task: unknown, items: unknown[], chunksize?: number): ServedIterator {
    return new ServedIterator(this.#pool.imapUnordered(itemTask(task), items, chunks(chunksize)));
  }

  close(): void {
    this.#pool.close();
  }

  terminate(): Promise<void> {
    return this.#pool.terminate();
  }

  join(): Promise<void> {
    return this.#pool.join();
  }

  processes(): number {
    return this.#pool.processes;
  }

  [kFree](): Promise<void> {
    return this.#pool.terminate();
  }
}

/** The served pool's maker, as the Manager registers it: `options` a number or an object. */
export function makeServedPool(options?: unknown): ServedPool {
  return new ServedPool(options);
}
