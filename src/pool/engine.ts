/**
 * The engine under `Pool`, `ThreadPool`, `ThreadPoolExecutor` and `ProcessPoolExecutor`:
 * a queue of tasks, a set of workers of one kind, and the rules that move tasks from one to
 * the other.
 *
 * Dispatch sends tasks in batches. The batch for a worker is an even share of what is
 * queued, a quarter of it per worker, between 1 and {@link MAX_BATCH}; a worker is topped up
 * when half its batch is done, so it never waits a round trip for work. Many small tasks
 * thus cost one message per few hundred, and a few long ones are dealt out one at a time.
 *
 * A task with a timeout or an abort signal runs alone on its worker: its timer starts when it
 * is sent, and stopping it means stopping the worker, which must take nothing else with it.
 *
 * A worker that dies settles every task it held, at once: with the pool's `lost` error for
 * `Pool`/`ThreadPool`, which replace the worker and go on, or by breaking the pool, as
 * Python's executors do.
 */
import { performance } from 'node:perf_hooks';
import type { ResourceLimits, Transferable } from 'node:worker_threads';
import { CancelledError, QueueFullError, StateError, TimeoutError } from '../errors.ts';
// Installs the process bridge: shared objects sent to processes go through the broker.
import '../broker/broker.ts';
import { encodeShared } from '../memory/shared-object.ts';
import { assertCloneable } from '../transport/cloneable.ts';
import { errorFromWire, type WireError } from '../transport/wire.ts';
import { cpuCount } from '../threading/current.ts';
import type { InheritedIdentity } from '../runtime/identity.ts';
import type { TargetSpec } from '../runtime/protocol.ts';
import { targetSpec } from '../runtime/target.ts';
import type { Target } from '../runtime/target.ts';
import { parseTimeout, typeError } from '../internal/validate.ts';
import {
  DECODE_FLAG,
  RESULT_FIELDS,
  type FromWorker,
  type TaskMode,
  type ToWorker,
} from './protocol.ts';
import { startPoolWorker, type PoolWorker, type WorkerKind } from './pool-worker.ts';

/** The most tasks sent to one worker in one message. */
const MAX_BATCH = 256;

/** How long the submitting thread waits for an answer expected at once, in ms. */
const ANSWER_SPIN_MS = 0.05;
/** It does so only while tasks have averaged under this, in ms. */
const ANSWER_TASK_MS = 0.25;
/** And for at most this many answers in a row before its event loop gets a turn. */
const MAX_CHAINED_ANSWERS = 256;

/** Tasks longer than this (a running average, in ms) are dealt two at a time per worker. */
const LONG_TASK_MS = 0.5;

/** How a pool reacts to a worker that dies on its own. */
export interface DeathPolicy {
  /** `replace`: settle the worker's tasks with `lost()` and start another worker. */
  readonly kind: 'replace' | 'break';
  /** The error for a task whose worker died (`replace`), or for every task (`break`). */
  lost(worker: string, exitCode: number, crash: unknown): Error;
}

export interface EngineOptions {
  readonly kind: WorkerKind;
  /** The most workers at once. */
  readonly workers: number;
  /** Start every worker now (Python's `Pool`), or as tasks arrive (the executors). */
  readonly eager: boolean;
  readonly initializer: Target | undefined;
  readonly initargs: readonly unknown[];
  /** Tasks a worker runs before it is replaced; `null`: no limit. */
  readonly maxTasksPerChild: number | null;
  /**
   * The most tasks a worker holds at once, the one it runs included. The executors keep it
   * small so that a future is pending, and cancellable, until a worker is about to run it.
   */
  readonly maxInFlight: number;
  /** Queued tasks allowed before submits throw {@link QueueFullError}; `Infinity`: no limit. */
  readonly maxQueueSize: number;
  /** Heap and stack limits of each worker thread (`Worker`'s `resourceLimits`). */
  readonly resourceLimits?: ResourceLimits | undefined;
  readonly death: DeathPolicy;
  /** The error for an initializer that failed; the pool is broken from then on. */
  initializerFailed(worker: string, error: unknown): Error;
  /** The name and identity of the next worker. */
  nextIdentity(): { readonly name: string; readonly identity: InheritedIdentity };
}

/** What a task's owner hears. */
export interface TaskCallbacks {
  /**
   * Called as the task is sent to a worker; returning `false` (a future cancelled meanwhile)
   * drops the task.
   */
  start?(): boolean;
  settle(ok: boolean, value: unknown): void;
  /**
   * The task was dropped from the queue by {@link PoolEngine.cancelQueued}. Without this
   * hook the task settles with a {@link CancelledError}.
   */
  cancelled?(): void;
}

export interface TaskOptions {
  /** Milliseconds from dispatch to a worker; past it the task fails and its worker is replaced. */
  readonly timeout?: number | undefined;
  /** Cancels the task while queued; stops it while running by replacing its worker. */
  readonly signal?: AbortSignal | undefined;
  /**
   * Objects in the arguments to move to a worker thread instead of copying them
   * (`postMessage`'s transfer list); they are detached here once sent. Processes copy them.
   */
  readonly transfer?: readonly Transferable[] | undefined;
}

/** A queued or running task; `cancel()` drops it if it has not been sent yet. */
export interface TaskHandle {
  cancel(): boolean;
}

interface Task {
  readonly id: number;
  readonly key: number;
  readonly mode: number;
  readonly payload: unknown;
  readonly callbacks: TaskCallbacks;
  readonly timeout: number;
  readonly signal: AbortSignal | undefined;
  readonly transfer: readonly Transferable[] | null;
  /** Runs alone on its worker. */
  readonly exclusive: boolean;
  state: 'queued' | 'running' | 'done';
  slot: Slot | null;
  cancelTimer: (() => void) | null;
  onAbort: (() => void) | null;
}

/**
 * The tasks a worker holds, in the order they were sent. A worker runs its tasks in that
 * order and answers in it, so a result is nearly always for the task at the front.
 */
class TaskFifo {
  #tasks: Task[] = [];
  #head = 0;

  get size(): number {
    return this.#tasks.length - this.#head;
  }

  push(task: Task): void {
    this.#tasks.push(task);
  }

  /** Removes and returns the task with this id, if held. */
  take(id: number): Task | undefined {
    const front = this.#tasks[this.#head];
    if (front?.id === id) {
      this.#tasks[this.#head++] = undefined as unknown as Task;
      if (this.#head === this.#tasks.length) {
        this.#tasks = [];
        this.#head = 0;
      }
      return front;
    }
    for (let i = this.#head + 1; i < this.#tasks.length; i++) {
      const task = this.#tasks[i];
      if (task?.id === id) {
        this.#tasks.splice(i, 1);
        return task;
      }
    }
    return undefined;
  }

  /** Removes and returns every task held. */
  drain(): Task[] {
    const tasks = this.#tasks.slice(this.#head);
    this.#tasks = [];
    this.#head = 0;
    return tasks;
  }
}

interface Slot {
  readonly name: string;
  readonly worker: PoolWorker;
  ready: boolean;
  readonly running: TaskFifo;
  /** Tasks sent so far, for `maxTasksPerChild`. */
  sent: number;
  /** Takes no more tasks: it is being stopped or retired. */
  closing: boolean;
  /** Runs an exclusive task. */
  exclusive: boolean;
  /** The pool stopped it on purpose: its exit is no death. */
  stopping: boolean;
  readonly targets: Set<number>;
  /** When the worker last answered, or was sent work while idle: to time its tasks. */
  since: number;
}

export type EngineState = 'running' | 'closed' | 'terminated' | 'broken';

export class PoolEngine {
  readonly #options: EngineOptions;
  readonly #initializer: TargetSpec;
  readonly #initargs: readonly unknown[];
  #state: EngineState = 'running';
  #brokenError: Error | null = null;
  readonly #slots = new Set<Slot>();
  #queue: Task[] = [];
  #head = 0;
  /** Queued tasks not yet sent, cancelled or failed. */
  #waiting = 0;
  #nextId = 1;
  /** A running average of how long a task takes, from the workers' answers; 0: unknown. */
  #taskMs = 0;
  /** A microtask will wait for an expected answer (see #expectAnswer). */
  #expecting = false;
  /** Answers taken that way since the event loop last had a turn. */
  #chained = 0;

  #scheduled = false;
  #active = false;
  readonly #keys = new Map<string, number>();
  readonly #keyOfFunction = new WeakMap<object, number>();
  readonly #specs: TargetSpec[] = [];
  readonly #exited: Promise<void>;
  /** Thread workers spin while idle, while busy and spinning ones leave a CPU free. */
  readonly #spin: { readonly count: SharedArrayBuffer; readonly max: number } | null;
  #markExited: () => void = () => undefined;
  /** Waiting for the queue to drop below `maxQueueSize`. */
  #capacityWaiters: (() => void)[] = [];

  constructor(options: EngineOptions) {
    this.#options = options;
    this.#initializer = targetSpec(options.initializer, 'initializer');
    // Shared objects in initargs are exported once, for every worker.
    this.#initargs = encodeShared(options.initargs, options.kind) as readonly unknown[];
    assertCloneable(this.#initargs, 'initargs', options.kind);
    const spinners = cpuCount() - 1;
    this.#spin =
      options.kind === 'thread' && spinners > 0
        ? { count: new SharedArrayBuffer(4), max: spinners }
        : null;
    this.#exited = new Promise((resolve) => {
      this.#markExited = resolve;
    });
    if (options.eager) for (let i = 0; i < options.workers; i++) this.#spawn();
    this.#updateActive();
  }

  get state(): EngineState {
    return this.#state;
  }

  /** Why the pool is broken, when it is. */
  get brokenError(): Error | null {
    return this.#brokenError;
  }

  get workerCount(): number {
    return this.#slots.size;
  }

  /**
   * The key of a target, checking it the first time it is seen.
   * @throws {PicklingError} for an inline function that captures variables.
   */
  keyOf(target: Target): number {
    const value: unknown = target;
    if ((typeof value === 'function' || typeof value === 'object') && value !== null) {
      const known = this.#keyOfFunction.get(target);
      if (known !== undefined) return known;
      const key = this.#keyOfSpec(targetSpec(target, 'task'));
      this.#keyOfFunction.set(target, key);
      return key;
    }
    return this.#keyOfSpec(targetSpec(target, 'task'));
  }

  #keyOfSpec(spec: TargetSpec): number {
    const text =
      spec.kind === 'ref' ? `ref ${spec.module}#${spec.exportName}` : JSON.stringify(spec);
    let key = this.#keys.get(text);
    if (key === undefined) {
      key = this.#specs.length;
      this.#specs.push(spec);
      this.#keys.set(text, key);
    }
    return key;
  }

  /**
   * Queues a task. Its payload is checked and encoded here; a payload that cannot be sent
   * fails this task only. Call only while the pool is running.
   */
  submit(
    key: number,
    mode: TaskMode,
    payload: unknown,
    callbacks: TaskCallbacks,
    options?: TaskOptions,
  ): TaskHandle {
    let encoded = payload;
    if (!isPrimitiveList(payload)) {
      try {
        encoded = encodeShared(payload, this.#options.kind);
        assertCloneable(encoded, mode === 0 ? 'args' : 'items', this.#options.kind);
      } catch (error) {
        callbacks.settle(false, error);
        return { cancel: () => false };
      }
    }
    const { timeout, signal, transfer } = checkTaskOptions(options);
    const task: Task = {
      id: this.#nextId++,
      key,
      mode: encoded === payload ? mode : mode | DECODE_FLAG,
      payload: encoded,
      callbacks,
      timeout,
      signal,
      transfer: transfer === undefined || transfer.length === 0 ? null : transfer,
      exclusive: timeout !== Infinity || signal !== undefined,
      state: 'queued',
      slot: null,
      cancelTimer: null,
      onAbort: null,
    };
    if (signal !== undefined) {
      if (signal.aborted) {
        task.state = 'done';
        callbacks.settle(false, signal.reason);
        return { cancel: () => false };
      }
      task.onAbort = () => {
        this.#abort(task, signal.reason);
      };
      signal.addEventListener('abort', task.onAbort, { once: true });
    }
    this.#queue.push(task);
    this.#waiting++;
    this.#schedule();
    return { cancel: () => this.#cancelQueued(task) };
  }

  #cancelQueued(task: Task): boolean {
    if (task.state !== 'queued') return false;
    this.#finish(task);
    // It stays in the queue array, marked done, and is skipped at dispatch.
    return true;
  }

  #abort(task: Task, reason: unknown): void {
    if (task.state === 'queued') {
      this.#finish(task);
      task.callbacks.settle(false, reason);
    } else if (task.state === 'running') this.#stopRunning(task, reason);
  }

  /** Fails a running task now by stopping its worker (which runs nothing else). */
  #stopRunning(task: Task, error: unknown): void {
    const slot = task.slot;
    this.#finish(task);
    if (slot !== null) {
      slot.running.take(task.id);
      this.#stopSlot(slot, 'kill');
    }
    task.callbacks.settle(false, error);
  }

  #finish(task: Task): void {
    if (task.state === 'queued') this.#waiting--;
    task.state = 'done';
    if (!task.exclusive) return;
    task.cancelTimer?.();
    task.cancelTimer = null;
    if (task.onAbort !== null) task.signal?.removeEventListener('abort', task.onAbort);
    task.onAbort = null;
  }

  /**
   * Throws if the queue holds `maxQueueSize` tasks already.
   * @throws {QueueFullError} `ERR_QUEUE_FULL`
   */
  checkCapacity(): void {
    const max = this.#options.maxQueueSize;
    if (max === Infinity) return;
    this.#dropDoneHead();
    if (this.#waiting >= max) {
      throw new QueueFullError(
        `the pool's queue is full: ${this.#waiting} tasks wait (maxQueueSize ${max}); ` +
          'await hasCapacity() before submitting more',
      );
    }
  }

  /** Resolves once the queue has room for another task (at once if it has). */
  hasCapacity(): Promise<void> {
    const max = this.#options.maxQueueSize;
    this.#dropDoneHead();
    if (max === Infinity || this.#waiting < max || this.#state !== 'running') {
      return Promise.resolve();
    }
    return new Promise((resolve) => this.#capacityWaiters.push(resolve));
  }

  #schedule(): void {
    if (this.#scheduled) return;
    this.#scheduled = true;
    queueMicrotask(() => {
      this.#scheduled = false;
      this.#dispatch();
    });
  }

  #dispatch(): void {
    this.#dropDoneHead();
    let queued = this.#waiting;
    if (queued > 0 && this.#state !== 'broken') {
      this.#growIfNeeded(queued);
      const share = Math.ceil(queued / (4 * Math.max(1, this.#slots.size)));
      // Long tasks go two at a time (one running, one waiting), so that the last ones
      // spread over every worker instead of queueing behind one.
      const cap = this.#taskMs > LONG_TASK_MS ? 2 : MAX_BATCH;
      const window = Math.min(cap, this.#options.maxInFlight, Math.max(1, share));
      let sent = 0;
      for (const slot of this.#slots) {
        if (queued === 0) break;
        if (!slot.ready || slot.closing || slot.exclusive) continue;
        if (slot.running.size > window >> 1) continue;
        const taken = this.#fill(slot, window);
        queued -= taken;
        sent += taken;
      }
      if (sent === 1 && queued === 0) this.#expectAnswer();
    }
    this.#afterChange();
  }

  /**
   * One tiny task is out and nothing else waits: the caller is most likely awaiting just
   * this answer, which a spinning worker sends within microseconds. Waiting for it briefly
   * here, in a microtask, saves this thread's event-loop wake-up (the larger half of a round
   * trip). Bounded: for {@link ANSWER_SPIN_MS}, only while tasks have been short (the
   * running average of a task's time from dispatch to answer, which a round trip without
   * this wait stays under), and for at most {@link MAX_CHAINED_ANSWERS} answers before the
   * event loop gets a turn.
   */
  #expectAnswer(): void {
    if (this.#expecting || this.#options.kind !== 'thread') return;
    if (this.#taskMs > ANSWER_TASK_MS || this.#chained >= MAX_CHAINED_ANSWERS) return;
    this.#expecting = true;
    queueMicrotask(() => {
      this.#expecting = false;
      let holder: Slot | undefined;
      let running = 0;
      for (const slot of this.#slots) {
        running += slot.running.size;
        if (slot.running.size > 0) holder = slot;
      }
      if (running !== 1 || holder?.worker.awaitAnswer == null) return;
      if (this.#chained++ === 0) {
        setImmediate(() => {
          this.#chained = 0;
        });
      }
      holder.worker.awaitAnswer(ANSWER_SPIN_MS);
    });
  }

  /** Executors start workers as work arrives: one more while every worker is busy. */
  #growIfNeeded(queued: number): void {
    if (this.#state !== 'running' && this.#state !== 'closed') return;
    let idle = 0;
    for (const slot of this.#slots)
      if (!slot.closing && (!slot.ready || slot.running.size === 0)) idle++;
    while (idle < queued && this.#slots.size < this.#options.workers) {
      this.#spawn();
      idle++;
    }
  }

  /** Sends `slot` up to `window` tasks in one message; returns how many it took. */
  #fill(slot: Slot, window: number): number {
    const tasks: unknown[] = [];
    const targets: [number, TargetSpec][] = [];
    const batch: Task[] = [];
    let transfer: Transferable[] | null = null;
    const limit = this.#options.maxTasksPerChild;
    if (slot.running.size === 0) slot.since = performance.now();
    while (slot.running.size < window && this.#head < this.#queue.length) {
      if (limit !== null && slot.sent >= limit) break;
      const task = this.#queue[this.#head];
      if (task === undefined) break;
      if (task.state !== 'queued') {
        this.#head++;
        continue;
      }
      if (task.exclusive && (slot.running.size > 0 || batch.length > 0)) break;
      this.#head++;
      if (task.callbacks.start?.() === false) {
        this.#finish(task);
        continue;
      }
      task.state = 'running';
      this.#waiting--;
      task.slot = slot;
      slot.running.push(task);
      slot.sent++;
      batch.push(task);
      if (!slot.targets.has(task.key)) {
        slot.targets.add(task.key);
        const spec = this.#specs[task.key];
        if (spec !== undefined) targets.push([task.key, spec]);
      }
      tasks.push(task.id, task.key, task.mode, task.payload);
      if (task.transfer !== null) (transfer ??= []).push(...task.transfer);
      if (task.exclusive) {
        slot.exclusive = true;
        if (task.timeout !== Infinity) this.#armTimeout(task);
        break;
      }
    }
    if (this.#head > 1024 && this.#head * 2 > this.#queue.length) {
      this.#queue = this.#queue.slice(this.#head);
      this.#head = 0;
    }
    if (batch.length > 0) this.#send(slot, { type: 'tasks', targets, tasks }, batch, transfer);
    if (limit !== null && slot.sent >= limit) slot.closing = true;
    return batch.length;
  }

  #armTimeout(task: Task): void {
    const timer = setTimeout(() => {
      this.#stopRunning(
        task,
        new TimeoutError(`the task did not finish within ${task.timeout} ms of its dispatch`),
      );
      this.#dispatch();
    }, task.timeout);
    task.cancelTimer = () => {
      clearTimeout(timer);
    };
  }

  /** Posts a batch; if it cannot be cloned, sends its tasks one by one, failing the bad ones. */
  #send(
    slot: Slot,
    message: ToWorker & { type: 'tasks' },
    batch: readonly Task[],
    transfer: readonly Transferable[] | null,
  ): void {
    try {
      slot.worker.post(message, transfer);
      return;
    } catch {
      // Something the check let through cannot be cloned after all.
    }
    for (const [i, task] of batch.entries()) {
      const targets = i === 0 ? message.targets : [];
      try {
        slot.worker.post(
          { type: 'tasks', targets, tasks: [task.id, task.key, task.mode, task.payload] },
          task.transfer,
        );
      } catch (error) {
        slot.running.take(task.id);
        if (task.exclusive) slot.exclusive = false;
        this.#finish(task);
        task.callbacks.settle(false, error);
        // The targets rode with the first task: send them alone.
        if (i === 0 && targets.length > 0) {
          slot.worker.post({ type: 'tasks', targets, tasks: [] }, null);
        }
      }
    }
  }

  #dropDoneHead(): void {
    while (this.#head < this.#queue.length && this.#queue[this.#head]?.state === 'done') {
      this.#head++;
    }
  }

  #spawn(): void {
    const { name, identity } = this.#options.nextIdentity();
    // Assigned right below; the worker cannot report before this function returns.
    // eslint-disable-next-line prefer-const -- the callbacks close over it before it is set
    let slot: Slot | undefined;
    const worker = startPoolWorker(
      this.#options.kind,
      { identity, initializer: this.#initializer, initargs: this.#initargs, spin: this.#spin },
      {
        message: (message) => {
          if (slot !== undefined) this.#onMessage(slot, message);
        },
        exit: (exitCode, crash) => {
          if (slot !== undefined) this.#onExit(slot, exitCode, crash);
        },
      },
      this.#options.resourceLimits,
    );
    slot = {
      name,
      worker,
      ready: false,
      running: new TaskFifo(),
      sent: 0,
      closing: false,
      exclusive: false,
      stopping: false,
      targets: new Set(),
      since: 0,
    };
    this.#slots.add(slot);
    worker.setActive(this.#active);
  }

  #onMessage(slot: Slot, message: FromWorker): void {
    switch (message.type) {
      case 'ready':
        slot.ready = true;
        this.#dispatch();
        break;
      case 'init-failed':
        this.#break(this.#options.initializerFailed(slot.name, errorFromWire(message.error)));
        break;
      case 'results':
        this.#onResults(slot, message.results);
        break;
      case 'listening':
      case 'crashed':
        break;
    }
  }

  #onResults(slot: Slot, results: readonly unknown[]): void {
    const now = performance.now();
    const count = results.length / RESULT_FIELDS;
    if (count > 0) {
      const perTask = (now - slot.since) / count;
      this.#taskMs = this.#taskMs === 0 ? perTask : this.#taskMs * 0.7 + perTask * 0.3;
    }
    slot.since = now;
    for (let i = 0; i < results.length; i += RESULT_FIELDS) {
      const task = slot.running.take(results[i] as number);
      if (task === undefined) continue;
      this.#finish(task);
      const ok = results[i + 1] === 1;
      const value = results[i + 2];
      task.callbacks.settle(ok, ok ? value : errorFromWire(value as WireError));
    }
    if (slot.running.size === 0) slot.exclusive = false;
    this.#dispatch();
  }

  #onExit(slot: Slot, exitCode: number, crash: unknown): void {
    this.#slots.delete(slot);
    const lost = slot.running.drain();
    if (!slot.stopping && this.#state !== 'terminated') {
      const { death } = this.#options;
      if (!slot.ready && this.#state !== 'broken') {
        // It died before it could take work: starting another would likely fail the same way.
        this.#break(death.lost(slot.name, exitCode, crash), lost);
      } else if (death.kind === 'break') {
        this.#break(death.lost(slot.name, exitCode, crash), lost);
      } else {
        for (const task of lost) {
          this.#finish(task);
          task.callbacks.settle(false, death.lost(slot.name, exitCode, crash));
        }
      }
    }
    const wanted = this.#state === 'running' || (this.#state === 'closed' && this.#waiting > 0);
    if (wanted && this.#options.eager && this.#slots.size < this.#options.workers) this.#spawn();
    this.#dispatch();
  }

  /** After any change: start the next dispatch, stop idle workers of a closed pool, ref or unref. */
  #afterChange(): void {
    if (this.#state === 'closed' && this.#waiting === 0) {
      for (const slot of this.#slots) if (slot.running.size === 0) this.#stopSlot(slot, 'stop');
    }
    for (const slot of this.#slots) {
      if (slot.closing && !slot.stopping && slot.running.size === 0) this.#stopSlot(slot, 'stop');
    }
    if (this.#state !== 'running' && this.#slots.size === 0) this.#markExited();
    if (
      this.#capacityWaiters.length > 0 &&
      (this.#waiting < this.#options.maxQueueSize || this.#state !== 'running')
    ) {
      const waiters = this.#capacityWaiters;
      this.#capacityWaiters = [];
      for (const wake of waiters) wake();
    }
    this.#updateActive();
  }

  #stopSlot(slot: Slot, how: 'stop' | 'kill'): void {
    slot.closing = true;
    if (how === 'kill') {
      slot.stopping = true;
      slot.worker.kill();
      return;
    }
    if (slot.stopping) return;
    slot.stopping = true;
    if (slot.ready) slot.worker.post({ type: 'stop' }, null);
    else slot.worker.kill();
  }

  /** Keeps the event loop alive while there is work, and only then. */
  #updateActive(): void {
    // A pool that is closing stays alive until its workers have exited.
    let active = this.#waiting > 0 || (this.#state !== 'running' && this.#slots.size > 0);
    if (!active) for (const slot of this.#slots) if (slot.running.size > 0) active = true;
    if (active === this.#active) return;
    this.#active = active;
    for (const slot of this.#slots) slot.worker.setActive(active);
  }

  /** Fails every queued and running task with `error`, stops the workers; later submits fail too. */
  #break(error: Error, alsoFail: readonly Task[] = []): void {
    if (this.#state === 'broken' || this.#state === 'terminated') return;
    this.#state = 'broken';
    this.#brokenError = error;
    this.#failAll(error, alsoFail);
    for (const slot of this.#slots) this.#stopSlot(slot, 'kill');
    this.#afterChange();
  }

  #failAll(error: unknown, alsoFail: readonly Task[] = []): void {
    const tasks = [...alsoFail];
    for (const slot of this.#slots) {
      tasks.push(...slot.running.drain());
    }
    for (let i = this.#head; i < this.#queue.length; i++) {
      const task = this.#queue[i];
      if (task !== undefined && task.state === 'queued') tasks.push(task);
    }
    this.#queue = [];
    this.#head = 0;
    for (const task of tasks) {
      if (task.state === 'done') continue;
      this.#finish(task);
      task.callbacks.settle(false, error);
    }
  }

  /** No more tasks; workers exit once the queued ones are done. */
  close(): void {
    if (this.#state !== 'running') return;
    this.#state = 'closed';
    this.#dispatch();
  }

  /** Drops every queued task; each hears `cancelled()`. */
  cancelQueued(): void {
    for (let i = this.#head; i < this.#queue.length; i++) {
      const task = this.#queue[i];
      if (task !== undefined && task.state === 'queued') {
        this.#finish(task);
        if (task.callbacks.cancelled === undefined) {
          task.callbacks.settle(false, new CancelledError());
        } else task.callbacks.cancelled();
      }
    }
    this.#queue = [];
    this.#head = 0;
    this.#afterChange();
  }

  /** Stops every worker now; queued and running tasks settle with `error`. */
  terminate(error: unknown): Promise<void> {
    if (this.#state !== 'terminated') {
      this.#state = 'terminated';
      this.#failAll(error);
      for (const slot of this.#slots) this.#stopSlot(slot, 'kill');
      this.#afterChange();
    }
    return this.#exited;
  }

  /** Resolves once every worker has exited after `close()` or `terminate()`. */
  exited(): Promise<void> {
    if (this.#state === 'running') {
      return Promise.reject(new StateError('ERR_POOL_RUNNING', 'Pool is still running'));
    }
    return this.#exited;
  }
}

const NO_OPTIONS = Object.freeze({
  timeout: Infinity,
  signal: undefined,
  transfer: undefined,
});

/**
 * Checks a task's options, throwing for a bad one.
 * @throws {ArgumentTypeError} / {ArgumentRangeError} naming the bad option.
 */
export function checkTaskOptions(options: TaskOptions | undefined): {
  timeout: number;
  signal: AbortSignal | undefined;
  transfer: readonly Transferable[] | undefined;
} {
  if (options === undefined) return NO_OPTIONS;
  const raw: unknown = options;
  if (typeof raw !== 'object' || raw === null) throw typeError('options', 'an object', raw);
  const { timeout, signal, transfer } = options;
  const ms = parseTimeout(timeout, 'timeout', 'reject');
  if (signal !== undefined && !(signal instanceof AbortSignal)) {
    throw typeError('signal', 'an AbortSignal', signal);
  }
  if (transfer !== undefined && !Array.isArray(transfer)) {
    throw typeError('transfer', 'an array of transferable objects', transfer);
  }
  return { timeout: ms, signal, transfer };
}

/** An array of primitives that clone as they are: nothing to encode or check. */
function isPrimitiveList(value: unknown): boolean {
  if (!Array.isArray(value)) return false;
  for (let i = 0; i < value.length; i++) {
    const item: unknown = value[i];
    const type = typeof item;
    if (type === 'object' ? item !== null : type === 'function' || type === 'symbol') return false;
  }
  return true;
}
