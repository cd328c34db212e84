/**
 * The loop every pool worker runs, thread or process: the payload the runtime's bootstrap
 * hands over to (see {@link main}). It takes batches of tasks, calls their targets one at a
 * time, and sends the results back in batches.
 *
 * Results are flushed when the batch is done, when enough have piled up, or when a task
 * took long enough that holding its result back would delay the caller. A thread worker that
 * runs out of work spins for a moment on the pool's mailbox counter before it returns to its
 * event loop: the next batch usually arrives within that window, and picking it up at once
 * saves the cost of waking a sleeping thread.
 */
import { performance } from 'node:perf_hooks';
import type { Transferable } from 'node:worker_threads';
import { PicklingError, StateError } from '../../errors.ts';
import { openReference } from '../../memory/arena.ts';
import { claimToRun } from '../../memory/claim-word.ts';
import { decodeShared } from '../../memory/shared-object.ts';
import { BUSY_SPIN_MS, SPIN_MS, type SpinGate } from '../../memory/spin.ts';
import { errorToWire } from '../../transport/wire.ts';
import { callTarget } from '../../runtime/target.ts';
import { reviveFunction } from '../../transport/function-revive.ts';
import { loadTask, type AnyFunction } from '../../runtime/target.ts';
import type { ParentChannel } from '../../runtime/parent-channel.ts';
import { isTransferred } from '../transfer.ts';
import type { TargetSpec } from '../../runtime/protocol.ts';
import {
  CLAIM_SHIFT,
  DECODE_FLAG,
  MODE_APPLY,
  MODE_KIND_MASK,
  MODE_MAP,
  RESULT_SKIPPED,
  TASK_FIELDS,
  type FromWorker,
  type TasksMessage,
  type ToWorker,
  type WorkerData,
} from '../protocol.ts';

/** Flush once this many results (times the fields per result) are waiting. */
const FLUSH_AT = 3 * 256;
/** Flush after a task if the last flush is older than this, in milliseconds. */
const FLUSH_MS = 1;
/** How a worker talks to its pool. */
export type WorkerChannel = ParentChannel<ToWorker, FromWorker>;

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}

/** Imports the modules that register kinds of shared object (runtime/kind-modules.ts). */
async function importModules(modules: readonly string[]): Promise<void> {
  await Promise.all(modules.map((module) => import(module)));
}

/**
 * The payload's entry: listens to the pool, then runs the initializer and says whether the
 * worker is ready. Listening comes first: a process drops what comes before a listener,
 * and the pool sends nothing before `ready`.
 */
export function main(channel: WorkerChannel, data: unknown): Promise<void> {
  const init = data as WorkerData;
  const loop = new WorkerLoop(channel, init);
  channel.listen((message) => {
    loop.receive(message);
  });
  return loop.initialize(init);
}

/** One pool worker's loop. */
export class WorkerLoop {
  readonly #channel: WorkerChannel;
  /**
   * Workers of the pool busy or spinning, shared by them all, and how many may be (threads
   * only; `null`: never spin).
   */
  readonly #gate: SpinGate | null;
  readonly #inbox: ToWorker[] = [];
  #draining = false;
  readonly #specs = new Map<number, TargetSpec>();
  readonly #targets = new Map<number, AnyFunction>();
  #results: unknown[] = [];
  /** What the waiting results move instead of copying. */
  #transfer: Transferable[] = [];
  #lastFlush = 0;
  /** An executor's claim words (see memory/claim-word.ts); `null` for a pool's worker. */
  readonly #claims: Int32Array | null;

  constructor(channel: WorkerChannel, init: WorkerData) {
    this.#channel = channel;
    const claims = init.claims;
    this.#claims =
      claims === null
        ? null
        : new Int32Array(claims instanceof SharedArrayBuffer ? claims : openReference(claims));
    this.#gate =
      init.spin === null || channel.awaitMessage === null
        ? null
        : { count: new Int32Array(init.spin.count), max: init.spin.max };
  }

  /** Runs the initializer and tells the pool whether the worker is ready. */
  async initialize(init: WorkerData): Promise<void> {
    try {
      // Only the kinds of shared object it receives: loading them all costs more than the
      // rest of a worker's start.
      await importModules(init.kindModules);
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
    this.#inbox.push(message);
    if (!this.#draining) void this.#drain();
  }

  async #drain(): Promise<void> {
    this.#draining = true;
    const active = this.#gate?.count ?? null;
    if (active !== null) Atomics.add(active, 0, 1);
    try {
      for (;;) {
        const message = this.#inbox.shift() ?? this.#waitBriefly();
        if (message === undefined) return;
        if (message.type === 'tasks') await this.#run(message);
        else {
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
    const gate = this.#gate;
    // Spin only while the pool's busy and spinning workers, this one included, leave a CPU
    // for the thread that submits: a spinner must not delay the batch it waits for, nor a
    // worker with real work.
    if (gate === null) return undefined;
    return this.#channel.awaitMessage?.(SPIN_MS, BUSY_SPIN_MS, gate);
  }

  async #run({ targets, kindModules, tasks }: TasksMessage): Promise<void> {
    for (const [key, spec] of targets) this.#specs.set(key, spec);
    if (kindModules.length > 0) await importModules(kindModules);
    for (let i = 0; i < tasks.length; i += TASK_FIELDS) {
      const id = tasks[i];
      const mode = tasks[i + 2] as number;
      const claim = mode >>> CLAIM_SHIFT;
      // An executor's task runs only if this worker claims it before its future is cancelled.
      if (claim !== 0 && this.#claims !== null && !claimToRun(this.#claims, claim - 1)) {
        this.#results.push(id, RESULT_SKIPPED, null);
        continue;
      }
      let ok = 1;
      let value: unknown;
      try {
        const key = tasks[i + 1] as number;
        const target = this.#targets.get(key) ?? (await this.#load(key));
        value = this.#call(target, mode, tasks[i + 3]);
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
    const kind = mode & MODE_KIND_MASK;
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
      throw new StateError('ERR_INTERNAL', `multitask: the pool sent no target for key ${key}`);
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
