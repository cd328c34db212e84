/**
 * A map's items cut into chunks, one task each, and the iterator over their results: what
 * `Pool.map`/`starmap`/`imap`/`imapUnordered` and `Executor.map` share.
 */
import { rangeError, typeError } from '../internal/validate.ts';

/** A map call's items in chunks of {@link ChunkedMap.size}, and its progress. */
export class ChunkedMap {
  /** How many items there are. */
  readonly total: number;
  /** Items per chunk; the last chunk may hold fewer. */
  readonly size: number;
  readonly chunks: readonly unknown[][];
  readonly #onProgress: ((done: number, total: number) => void) | undefined;
  /** Items in the chunks done so far. */
  #done = 0;

  /**
   * Checks `chunksize`, then reads `iterable` to its end and cuts it.
   * @param defaultSize the chunksize when none is given, from the number of items.
   * @throws {ArgumentTypeError} `chunksize` not an integer, or `iterable` not iterable.
   * @throws {ArgumentRangeError} `chunksize` below 1.
   */
  constructor(
    iterable: Iterable<unknown>,
    chunksize: number | undefined,
    defaultSize: (items: number) => number,
    onProgress: ((done: number, total: number) => void) | undefined,
  ) {
    const given = parseChunksize(chunksize);
    const items = toArray(iterable);
    const size = given ?? defaultSize(items.length);
    const chunks: unknown[][] = [];
    for (let i = 0; i < items.length; i += size) chunks.push(items.slice(i, i + size));
    this.total = items.length;
    this.size = size;
    this.chunks = chunks;
    this.#onProgress = onProgress;
  }

  /** Counts the chunk at `index` done (with a result or not) and reports the progress. */
  chunkDone(index: number): void {
    this.#done += this.chunks[index]?.length ?? 0;
    this.#onProgress?.(this.#done, this.total);
  }
}

/**
 * Iterates over the items of `count` chunks' results, in chunk order. `read(index)` gives a
 * chunk's values, or a promise of them; if it throws or rejects, `next()` throws that error
 * at the chunk's position. Then `afterError` says what the next call does: `'go-on'` with the
 * following chunk (Python's `imap`), or `'end'` the iteration (`Executor.map`). `onEnd`, if
 * given, runs once when the iteration ends (exhausted, failed with `'end'`, or `return()`).
 */
export function iterateChunks<T>(
  count: number,
  read: (index: number) => readonly unknown[] | Promise<readonly unknown[]>,
  afterError: 'go-on' | 'end',
  onEnd?: () => void,
): AsyncIterableIterator<T> {
  let chunk = 0;
  let item = 0;
  let ended = false;
  const end = (): void => {
    if (ended) return;
    ended = true;
    onEnd?.();
  };
  const iterator: AsyncIterableIterator<T> = {
    async next(): Promise<IteratorResult<T, undefined>> {
      while (!ended && chunk < count) {
        let values: readonly unknown[];
        try {
          const got = read(chunk);
          // A chunk already in is read without a turn of the microtask queue.
          values = got instanceof Promise ? await got : got;
        } catch (error) {
          if (afterError === 'end') end();
          else {
            chunk++;
            item = 0;
          }
          throw error;
        }
        if (item < values.length) return { done: false, value: values[item++] as T };
        chunk++;
        item = 0;
      }
      end();
      return { done: true, value: undefined };
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
  if (onEnd !== undefined) {
    iterator.return = () => {
      end();
      return Promise.resolve({ done: true, value: undefined });
    };
  }
  return iterator;
}

/** `chunksize`: a positive integer, or `undefined`/`null` for the caller's default. */
function parseChunksize(value: unknown): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    throw typeError('chunksize', 'a positive integer', value);
  }
  if (value < 1) throw rangeError('chunksize', 'a positive integer', value);
  return value;
}

/** Reads an iterable to its end; a string is one, as in Python. */
function toArray(iterable: unknown): unknown[] {
  if (
    iterable === null ||
    (typeof iterable !== 'object' && typeof iterable !== 'string') ||
    !(Symbol.iterator in Object(iterable))
  ) {
    throw typeError('iterable', 'an iterable', iterable);
  }
  return Array.from(iterable as Iterable<unknown>);
}
