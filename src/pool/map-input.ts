/**
 * The input of a lazy map: one iterable, or several zipped (the shortest wins, as Python's
 * `zip`), sync or async, read a chunk at a time. An error thrown by an iterator is caught
 * and handed back after the items read before it, so that the map can report it at its
 * position instead of from the call that started it.
 */
import { typeError } from '../internal/validate.ts';
import type { ExecutorMapOptions } from './options.ts';

/** What a map accepts as input: anything `for await` can read. */
export type AnyIterable<T> = Iterable<T> | AsyncIterable<T>;

/** One read: the items got, and whether the input ended (and how). */
export interface Pulled {
  readonly items: unknown[];
  /** `null`: more may follow; otherwise the input is over, with an error if it threw one. */
  readonly end: null | { readonly failed: boolean; readonly error?: unknown };
}

/** Iterables whose items are a function's arguments, one iterable per parameter. */
export type IterablesOf<P extends readonly unknown[]> = { [K in keyof P]: AnyIterable<P[K]> };

/** The iterables of `Executor.map`, then its options if given. */
export type IterablesThenOptions<P extends readonly unknown[]> =
  IterablesOf<P> | [...IterablesOf<P>, ExecutorMapOptions | undefined];

/** True for a map's options object: an object that is neither iterable nor async iterable. */
export function isOptions(value: unknown): boolean {
  return (
    typeof value === 'object' &&
    value !== null &&
    !(Symbol.iterator in value) &&
    !(Symbol.asyncIterator in value)
  );
}

type AnyIterator = Iterator<unknown> | AsyncIterator<unknown>;

const DONE_OK = Object.freeze({ failed: false });

/** Reads one or more iterables a chunk at a time; see the top of this file. */
export class MapInput {
  readonly #iterators: AnyIterator[];
  readonly #async: boolean;
  /** Several iterables: each item is the array of one item from each. */
  readonly #zip: boolean;
  #finished = false;
  /** The number of items, when the input says it up front (an array, a Set, a Map). */
  readonly knownLength: number | undefined;

  /**
   * Checks that every input is iterable and opens it; reads nothing yet.
   * @throws {ArgumentTypeError} naming the input that is not iterable.
   */
  constructor(iterables: readonly unknown[], name = 'iterable') {
    let isAsync = false;
    this.#iterators = iterables.map((iterable, i) => {
      const label = iterables.length === 1 ? name : `${name}s[${i}]`;
      if (iterable === null || (typeof iterable !== 'object' && typeof iterable !== 'string')) {
        throw typeError(label, 'an iterable or an async iterable', iterable);
      }
      const object = Object(iterable) as Partial<AsyncIterable<unknown> & Iterable<unknown>>;
      if (typeof object[Symbol.asyncIterator] === 'function') {
        isAsync = true;
        return (object as AsyncIterable<unknown>)[Symbol.asyncIterator]();
      }
      if (typeof object[Symbol.iterator] === 'function') {
        return (object as Iterable<unknown>)[Symbol.iterator]();
      }
      throw typeError(label, 'an iterable or an async iterable', iterable);
    });
    this.#async = isAsync;
    this.#zip = iterables.length !== 1;
    this.knownLength = iterables.length === 1 ? lengthOf(iterables[0]) : undefined;
    if (iterables.length === 0) this.#finished = true;
  }

  /** Reads up to `count` items; synchronously unless an input is async. */
  take(count: number): Pulled | Promise<Pulled> {
    if (this.#finished) return { items: [], end: DONE_OK };
    return this.#async ? this.#takeAsync(count) : this.#takeSync(count);
  }

  #takeSync(count: number): Pulled {
    const items: unknown[] = [];
    const iterators = this.#iterators as Iterator<unknown>[];
    try {
      while (items.length < count) {
        const single = this.#zip ? undefined : iterators[0];
        if (single !== undefined) {
          const next = single.next();
          if (next.done === true) return this.#ended(items, DONE_OK);
          items.push(next.value);
          continue;
        }
        const args: unknown[] = [];
        for (const iterator of iterators) {
          const next = iterator.next();
          if (next.done === true) return this.#ended(items, DONE_OK);
          args.push(next.value);
        }
        items.push(args);
      }
    } catch (error) {
      return this.#ended(items, { failed: true, error });
    }
    return { items, end: null };
  }

  async #takeAsync(count: number): Promise<Pulled> {
    const items: unknown[] = [];
    try {
      while (items.length < count) {
        const args: unknown[] = [];
        for (const iterator of this.#iterators) {
          const next = await iterator.next();
          if (next.done === true) return this.#ended(items, DONE_OK);
          args.push(next.value);
        }
        items.push(this.#zip ? args : args[0]);
      }
    } catch (error) {
      return this.#ended(items, { failed: true, error });
    }
    return { items, end: null };
  }

  #ended(items: unknown[], end: Pulled['end']): Pulled {
    // Zipped: the inputs not exhausted are closed, as a stopped map closes them all.
    this.close();
    return { items, end };
  }

  /** Stops reading: closes every iterator (a generator runs its `finally`). Idempotent. */
  close(): void {
    if (this.#finished) return;
    this.#finished = true;
    for (const iterator of this.#iterators) {
      try {
        const closing = iterator.return?.();
        if (closing instanceof Promise) closing.catch(() => undefined);
      } catch {
        // An iterator that fails to close has nothing more to give: the map is over anyway.
      }
    }
  }
}

/** The length an input states up front, if any. */
function lengthOf(iterable: unknown): number | undefined {
  if (Array.isArray(iterable) || ArrayBuffer.isView(iterable)) {
    return (iterable as ArrayLike<unknown>).length;
  }
  if (iterable instanceof Set || iterable instanceof Map) return iterable.size;
  return undefined;
}
