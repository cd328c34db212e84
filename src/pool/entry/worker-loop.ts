/**
 * The loop every pool worker runs, thread or process: take batches of tasks, call their
 * targets one at a time, send the results back in batches.
 *
 * Results are flushed when the batch is done, when enough have piled up, or when a task
 * took long enough that holding its result back would delay the caller. A thread worker that
 * runs out of work spins for a moment on the pool's mailbox counter before it returns to its
 * event loop: the next batch usually arrives within that window, and picking it up at once
 * saves the cost of waking a sleeping thread.
 */
import { performance } from 'node:perf_hooks';
import type { Transferable } from 'node:worker_threads';
import { PicklingError } from '../../errors.ts';
import { decodeShared } from '../../memory/shared-object.ts';
import { errorToWire } from '../../transport/wire.ts';
import { callTarget } from '../../runtime/target.ts';
import { reviveFunction } from '../../transport/function-revive.ts';
import { loadTask, type AnyFunction } from '../../runtime/target.ts';
import { isTransferred } from '../transfer.ts';
import type { TargetSpec } from '../../runtime/protocol.ts';
import {
  DECODE_FLAG,
  MODE_APPLY,
  MODE_MAP,
  TASK_FIELDS,
  type FromWorker,
  type TasksMessage,
  type ToWorker,
  type WorkerInit,
} from '../protocol.ts';

/** Flush once this many results (times the fields per result) are waiting. */
const FLUSH_AT = 3 * 256;
/** Flush after a task if the last flush is older than this, in milliseconds. */
const FLUSH_MS = 1;
/**
 * How long an idle thread worker watches its mailbox before it returns to its event loop,
 * in milliseconds: the first {@link BUSY_SPIN_MS} spinning, the rest in `Atomics.wait`.
 */
const SPIN_MS = 0.25;
const BUSY_SPIN_MS = 0.05;

/** How a worker talks to its pool. */
export interface WorkerChannel {
  /** Sends a message, moving `transfer` (threads); throws when it cannot be cloned. */
  post(message: FromWorker, transfer?: readonly Transferable[]): void;
  /** Takes the next message at once, if one is waiting (threads only). */
  poll: (() => ToWorker | undefined) | null;
  /** Ends the worker after everything posted so far has been delivered. */
  exit(code: number): void;
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}

export class WorkerLoop {
  readonly #channel: WorkerChannel;
  readonly #mailbox: Int32Array | null;
  /** Workers of the pool busy or spinning, shared by them all (threads only). */
  readonly #active: Int32Array | null;
  readonly #maxActive: number;
  /** Messages received so far, to compare with the mailbox counter. */
  #received = 0;
  readonly #inbox: ToWorker[] = [];
  #draining = false;
  readonly #specs = new Map<number, TargetSpec>();
  readonly #targets = new Map<number, AnyFunction>();
  #results: unknown[] = [];
  /** What the waiting results move instead of copying. */
  #transfer: Transferable[] = [];
  #lastFlush = 0;

  constructor(channel: WorkerChannel, init: WorkerInit) {
    this.#channel = channel;
    this.#mailbox = init.mailbox === null ? null : new Int32Array(init.mailbox);
    this.#active = init.spin === null ? null : new Int32Array(init.spin.count);
    this.#maxActive = init.spin?.max ?? 0;
  }

  /** Runs the initializer and tells the pool whether the worker is ready. */
  async initialize(init: WorkerInit): Promise<void> {
    try {
      await callTarget(init.initializer, decodeShared(init.initargs) as unknown[]);
    } catch (error) {
      this.#channel.post({ type: 'init-failed', error: errorToWire(error) });
      this.#channel.exit(1);
      return;
    }
    this.#channel.post({ type: 'ready' });
  }

  /** Takes a message from the pool. */
  receive(message: ToWorker): void {
    this.#received++;
    this.#inbox.push(message);
    if (!this.#draining) void this.#drain();
  }

  async #drain(): Promise<void> {
    this.#draining = true;
    const active = this.#active;
    if (active !== null) Atomics.add(active, 0, 1);
    try {
      for (;;) {
        const message = this.#inbox.shift() ?? this.#waitBriefly();
        if (message === undefined) return;
        if (message.type === 'tasks') await this.#run(message);
        else if (message.type === 'stop') {
          this.#flush();
          this.#channel.exit(0);
          return;
        }
      }
    } finally {
      this.#draining = false;
      if (active !== null) Atomics.sub(active, 0, 1);
    }
  }

  /** After flushing, watches the mailbox for a moment; returns a message if one came. */
  #waitBriefly(): ToWorker | undefined {
    this.#flush();
    const mailbox = this.#mailbox;
    const poll = this.#channel.poll;
    const active = this.#active;
    if (mailbox === null || poll === null || active === null) return undefined;
    // Spin only while the pool's busy and spinning workers, this one included, leave a CPU
    // for the thread that submits: a spinner must not delay the batch it waits for, nor a
    // worker with real work.
    const now = performance.now();
    const busyUntil = now + BUSY_SPIN_MS;
    const until = now + SPIN_MS;
    while (Atomics.load(active, 0) <= this.#maxActive) {
      const seen = Atomics.load(mailbox, 0);
      if (seen !== this.#received) {
        const message = poll();
        if (message !== undefined) {
          this.#received++;
          return message;
        }
      }
      const time = performance.now();
      if (time >= until) break;
      // Past a short busy spin, sleep on the counter (the pool notifies it after each post):
      // no CPU is taken from a thread that needs it, and the wake is direct.
      if (time >= busyUntil) Atomics.wait(mailbox, 0, seen, until - time);
    }
    return undefined;
  }

  async #run({ targets, tasks }: TasksMessage): Promise<void> {
    for (const [key, spec] of targets) this.#specs.set(key, spec);
    for (let i = 0; i < tasks.length; i += TASK_FIELDS) {
      const id = tasks[i];
      let ok = 1;
      let value: unknown;
      try {
        const key = tasks[i + 1] as number;
        const target = this.#targets.get(key) ?? (await this.#load(key));
        value = this.#call(target, tasks[i + 2] as number, tasks[i + 3]);
        if (isThenable(value)) value = await value;
        if (isTransferred(value)) {
          this.#transfer.push(...value.list);
          value = value.value;
        }
      } catch (error) {
        ok = 0;
        value = errorToWire(error);
      }
      this.#results.push(id, ok, value);
      if (this.#results.length >= FLUSH_AT || performance.now() - this.#lastFlush >= FLUSH_MS) {
        this.#flush();
      }
    }
  }

  /** Calls the target as the task's mode says; awaits only what is a promise. */
  #call(target: AnyFunction, mode: number, payload: unknown): unknown {
    const data = (mode & DECODE_FLAG) === 0 ? payload : decodeShared(payload);
    const kind = mode & ~DECODE_FLAG;
    if (kind === MODE_APPLY) return target(...(data as unknown[]));
    const items = data as unknown[];
    const out: unknown[] = new Array(items.length);
    let pending: Promise<void> | null = null;
    for (let j = 0; j < items.length; j++) {
      if (pending !== null) {
        // An async target: the rest of the chunk runs one item at a time after it.
        return this.#finishChunk(target, kind, items, out, j, pending);
      }
      const result = kind === MODE_MAP ? target(items[j]) : target(...(items[j] as unknown[]));
      if (isThenable(result)) {
        const slot = j;
        pending = Promise.resolve(result).then((v) => {
          out[slot] = v;
        });
      } else out[j] = result;
    }
    return pending === null ? out : pending.then(() => out);
  }

  async #finishChunk(
    target: AnyFunction,
    kind: number,
    items: unknown[],
    out: unknown[],
    from: number,
    pending: Promise<void>,
  ): Promise<unknown[]> {
    await pending;
    for (let j = from; j < items.length; j++) {
      out[j] = await (kind === MODE_MAP ? target(items[j]) : target(...(items[j] as unknown[])));
    }
    return out;
  }

  async #load(key: number): Promise<AnyFunction> {
    const spec = this.#specs.get(key);
    let target: AnyFunction;
    if (spec === undefined || spec.kind === 'none') {
      throw new Error(`multitask: the pool sent no target for key ${key}`);
    } else if (spec.kind === 'ref') target = await loadTask(spec.module, spec.exportName);
    else target = reviveFunction(spec) as AnyFunction;
    this.#targets.set(key, target);
    return target;
  }

  /** Sends the waiting results; a result that cannot be cloned fails only its own task. */
  #flush(): void {
    this.#lastFlush = performance.now();
    if (this.#results.length === 0) return;
    const results = this.#results;
    const transfer = this.#transfer;
    this.#results = [];
    this.#transfer = [];
    try {
      this.#channel.post({ type: 'results', results }, transfer);
      return;
    } catch {
      // Some result cannot be cloned: send them one by one to find it.
    }
    for (let i = 0; i < results.length; i += 3) {
      const one = results.slice(i, i + 3);
      try {
        this.#channel.post({ type: 'results', results: one });
      } catch (error) {
        const refused = new PicklingError(
          'ERR_NOT_CLONEABLE',
          `the task's result cannot be sent back: ${error instanceof Error ? error.message : String(error)}`,
          { cause: error },
        );
        this.#channel.post({ type: 'results', results: [one[0], 0, errorToWire(refused)] });
      }
    }
  }
}
