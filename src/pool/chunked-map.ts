/**
 * A lazy map: what `Pool.map`/`starmap`/`imap`/`imapUnordered` and `Executor.map` share.
 * It reads its input a chunk at a time (see `map-input.ts`), sends each chunk as one task,
 * and keeps at most `ahead` chunks sent and not yet given to the consumer, so an input of any
 * length, endless included, runs in bounded memory: the consumer's pace is the input's.
 *
 * An error thrown by the input comes out after the results of the items before it. A chunk
 * is forgotten as soon as its results are handed on, and its task's arguments with it.
 */
import { QueueFullError, TimeoutError } from '../errors.ts';
import { rangeError, typeError } from '../internal/validate.ts';
import type { MapInput, Pulled } from './map-input.ts';

/** Chunks a map keeps in flight by default, at most… */
const AHEAD_CHUNKS = 1024;
/** …and items, whichever is reached first (but never fewer than two chunks per worker). */
const AHEAD_ITEMS = 65_536;
/** An input of unknown length is cut in chunks that double from one item up to this. */
const RAMP_MAX = 1024;

/** Where a map sends its chunks: a pool's or an executor's engine. */
export interface ChunkRunner {
  /**
   * Sends a chunk as one task; calls `settled` once with its results (or its error).
   * Returns a function that cancels the task if it has not started.
   */
  send(items: unknown[], settled: (ok: boolean, value: unknown) => void): () => void;
  /** `undefined` if the queue has room for another chunk now, or a promise of room. */
  room(): Promise<void> | undefined;
  /** Why no more chunks can be sent (the pool stopped), or `null`. */
  stopped(): unknown;
}

export interface LazyMapConfig {
  /** Items per chunk; `undefined`: grows from 1 to {@link RAMP_MAX} (Pool.map's default). */
  readonly chunksize: number | undefined;
  /** Chunks sent and not handed on at most; `undefined`: the default for `workers`. */
  readonly ahead: number | undefined;
  readonly workers: number;
  /** Yield in input order (`imap`, `Executor.map`) or as chunks complete. */
  readonly ordered: boolean;
  /** After an error from a chunk: `'go-on'` with the next one (`imap`), or `'end'` the map. */
  readonly afterError: 'go-on' | 'end';
  /** `Date.now()` past which `next()` throws {@link TimeoutError}; `Infinity`: none. */
  readonly deadline: number;
  readonly onProgress: ((done: number, total: number) => void) | undefined;
  /** Called once, when no more chunks will be sent. */
  readonly onInputDone?: (() => void) | undefined;
}

/** A chunk sent and not yet handed on. */
interface Chunk {
  readonly index: number;
  /** Position of its first item in the input. */
  readonly start: number;
  readonly count: number;
  settled: boolean;
  ok: boolean;
  value: unknown;
  cancel: (() => void) | null;
}

const DONE = Object.freeze({ done: true as const, value: undefined });

/** See the top of this file. */
export class LazyMap<T = unknown> implements AsyncIterableIterator<T> {
  readonly #input: MapInput;
  readonly #runner: ChunkRunner;
  readonly #config: LazyMapConfig;
  #ahead: number;
  /** Sent chunks not yet handed on, by index. */
  readonly #chunks = new Map<number, Chunk>();
  /** Settled chunks in completion order (unordered maps). */
  #completed: Chunk[] = [];
  #sent = 0;
  #handedOn = 0;
  /** Items read from the input, and items whose chunk settled. */
  #read = 0;
  #done = 0;
  /** The next item to yield within the chunk at the front. */
  #item = 0;
  #inputEnd: Pulled['end'] = null;
  #feeding = false;
  #ended = false;
  #wake: (() => void) | null = null;
  /** Collecting every result (`Pool.map`): the results, and the first failure. */
  #collected: { out: unknown[]; failure: { error: unknown } | null } | null = null;

  constructor(input: MapInput, runner: ChunkRunner, config: LazyMapConfig) {
    this.#input = input;
    this.#runner = runner;
    this.#config = config;
    const size = config.chunksize ?? RAMP_MAX;
    this.#ahead =
      config.ahead ??
      Math.max(2 * config.workers, Math.min(AHEAD_CHUNKS, Math.ceil(AHEAD_ITEMS / size)));
  }

  /** Starts reading and sending; synchronous as far as a sync input and a free queue allow. */
  start(): this {
    this.#pump();
    return this;
  }

  /** Reads the rest of the input without waiting for the consumer (the pool is closing). */
  unbound(): void {
    this.#ahead = Infinity;
    this.#pump();
  }

  #pump(): void {
    if (this.#feeding) return;
    this.#feeding = true;
    while (!this.#ended && this.#inputEnd === null && this.#sent - this.#handedOn < this.#ahead) {
      const stopped: unknown = this.#runner.stopped();
      if (stopped !== null) {
        this.#endInput({ failed: true, error: stopped });
        break;
      }
      const room = this.#runner.room();
      if (room !== undefined) {
        void room.then(this.#resume);
        return;
      }
      const pulled = this.#input.take(this.#sizeOf(this.#sent));
      if (pulled instanceof Promise) {
        void pulled.then((got) => {
          this.#accept(got);
          this.#resume();
        });
        return;
      }
      this.#accept(pulled);
    }
    this.#feeding = false;
  }

  readonly #resume = (): void => {
    this.#feeding = false;
    this.#pump();
  };

  #sizeOf(index: number): number {
    return this.#config.chunksize ?? Math.min(RAMP_MAX, 2 ** Math.min(index, 10));
  }

  #accept(pulled: Pulled): void {
    if (this.#ended) return;
    const { items } = pulled;
    if (items.length > 0) {
      const chunk: Chunk = {
        index: this.#sent++,
        start: this.#read,
        count: items.length,
        settled: false,
        ok: false,
        value: undefined,
        cancel: null,
      };
      this.#read += items.length;
      this.#chunks.set(chunk.index, chunk);
      chunk.cancel = this.#runner.send(items, (ok, value) => {
        this.#settle(chunk, ok, value);
      });
    }
    if (pulled.end !== null) this.#endInput(pulled.end);
  }

  #endInput(end: NonNullable<Pulled['end']>): void {
    this.#inputEnd = end;
    this.#input.close();
    this.#config.onInputDone?.();
    if (this.#collected === null) this.#notify();
    else this.#check();
  }

  /** Wakes the consumer waiting in `next()`. */
  #notify(): void {
    const wake = this.#wake;
    this.#wake = null;
    wake?.();
  }

  #settle(chunk: Chunk, ok: boolean, value: unknown): void {
    if (this.#ended || chunk.settled) return;
    chunk.settled = true;
    chunk.ok = ok;
    chunk.value = value;
    chunk.cancel = null;
    this.#done += chunk.count;
    const { onProgress } = this.#config;
    if (onProgress !== undefined) {
      const total = this.#input.knownLength ?? this.#read;
      onProgress(this.#done, Math.max(total, this.#done));
    }
    const collected = this.#collected;
    if (collected !== null) {
      if (ok) {
        const values = value as readonly unknown[];
        for (let j = 0; j < values.length; j++) collected.out[chunk.start + j] = values[j];
      } else collected.failure ??= { error: value };
      this.#handOn(chunk);
      this.#check();
      return;
    }
    if (!this.#config.ordered) this.#completed.push(chunk);
    this.#notify();
  }

  /** The chunk's results are passed on: forget it and make room for another. */
  #handOn(chunk: Chunk): void {
    this.#chunks.delete(chunk.index);
    this.#handedOn++;
    this.#item = 0;
    this.#pump();
  }

  /**
   * Collects every result in input order, then calls `done(true, results)`, or, once every
   * chunk ran, `done(false, error)` with the first error (Python's `map_async`).
   */
  collect(done: (ok: boolean, value: unknown) => void): void {
    const collected = { out: [] as unknown[], failure: null as { error: unknown } | null };
    this.#collected = collected;
    this.#wake = () => {
      if (collected.failure !== null) done(false, collected.failure.error);
      else done(true, collected.out);
    };
    this.start();
    this.#check();
  }

  /** Collecting: wakes the collector once the input is over and every chunk settled. */
  #check(): void {
    const collected = this.#collected;
    if (collected === null || this.#inputEnd === null || this.#handedOn < this.#sent) return;
    if (this.#inputEnd.failed) collected.failure ??= { error: this.#inputEnd.error };
    const wake = this.#wake;
    this.#wake = null;
    this.#ended = true;
    wake?.();
  }

  async next(): Promise<IteratorResult<T, undefined>> {
    for (;;) {
      if (this.#ended) return DONE;
      const chunk = this.#config.ordered ? this.#chunks.get(this.#handedOn) : this.#completed[0];
      if (chunk?.settled === true) {
        if (!chunk.ok) {
          if (this.#config.afterError === 'end') this.#end();
          else {
            if (!this.#config.ordered) this.#completed.shift();
            this.#handOn(chunk);
          }
          throw chunk.value;
        }
        const values = chunk.value as readonly unknown[];
        const value = values[this.#item++] as T;
        if (this.#item >= values.length) {
          if (!this.#config.ordered) this.#completed.shift();
          this.#handOn(chunk);
        }
        return { done: false, value };
      }
      if (this.#inputEnd !== null && this.#handedOn === this.#sent) {
        const end = this.#inputEnd;
        this.#end();
        if (end.failed) throw end.error;
        return DONE;
      }
      await this.#changed();
    }
  }

  /** Resolves at the next settled chunk or input event; rejects past the deadline. */
  #changed(): Promise<void> {
    const { deadline } = this.#config;
    return new Promise((resolve, reject) => {
      if (deadline === Infinity) {
        this.#wake = resolve;
        return;
      }
      const left = deadline - Date.now();
      const onTimeout = (): void => {
        this.#wake = null;
        this.#end();
        reject(new TimeoutError(`the map did not finish within its timeout`));
      };
      if (left <= 0) {
        onTimeout();
        return;
      }
      const timer = setTimeout(onTimeout, left);
      this.#wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  /** Ends the map: reads no more, cancels the chunks not started, forgets the rest. */
  #end(): void {
    if (this.#ended) return;
    this.#ended = true;
    if (this.#inputEnd === null) {
      this.#inputEnd = { failed: false };
      this.#input.close();
      this.#config.onInputDone?.();
    }
    for (const chunk of this.#chunks.values()) chunk.cancel?.();
    this.#chunks.clear();
    this.#completed = [];
  }

  return(): Promise<IteratorResult<T, undefined>> {
    this.#end();
    return Promise.resolve(DONE);
  }

  [Symbol.asyncIterator](): this {
    return this;
  }
}

/**
 * `undefined` if an engine's queue has room for another chunk now (below `maxQueueSize`
 * items), or a promise of room.
 */
export function roomIn(engine: {
  checkCapacity(): void;
  hasCapacity(): Promise<void>;
}): Promise<void> | undefined {
  try {
    engine.checkCapacity();
    return undefined;
  } catch (error) {
    if (error instanceof QueueFullError) return engine.hasCapacity();
    throw error;
  }
}

/**
 * `chunksize` or `buffersize`: a positive integer, or `undefined`/`null` for the caller's
 * default.
 * @throws {ArgumentTypeError} / {ArgumentRangeError} naming it.
 */
export function parsePositiveInteger(value: unknown, name = 'chunksize'): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    throw typeError(name, 'a positive integer', value);
  }
  if (value < 1) throw rangeError(name, 'a positive integer', value);
  return value;
}

/**
 * `onProgress`, `callback`, `errorCallback`: a function or `undefined`.
 * @throws {ArgumentTypeError} naming it.
 */
export function parseCallback<F extends (...args: never[]) => unknown>(
  value: F | undefined,
  name: string,
): F | undefined {
  if (value !== undefined && typeof value !== 'function') {
    throw typeError(name, 'a function', value);
  }
  return value;
}
