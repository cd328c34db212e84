/**
 * The engine's handle on one worker: its state, the tasks it holds, and the only place the
 * engine touches the worker runtime (`pool-worker.ts`) and the messages of `protocol.ts`.
 *
 * A slot's state moves one way, but for `exclusive`, which returns to `ready`:
 *
 * ```text
 *   starting ──'ready'──▶ ready ◀──────▶ exclusive
 *       │                   │                │
 *       │                   └──▶ retiring ◀──┘   (maxTasksPerChild reached)
 *       │                           │
 *       └───────────────────────────┴──▶ stopping   (stop() or kill(), from any state)
 * ```
 */
import type { ResourceLimits, Transferable } from 'node:worker_threads';
import type { TargetSpec } from '../runtime/protocol.ts';
import { errorFromWire } from '../transport/wire.ts';
import type { ClaimRing } from './claim-ring.ts';
import { startPoolWorker, type BaseInit, type PoolWorker, type WorkerKind } from './pool-worker.ts';
import type { FromWorker } from './protocol.ts';
import { publishWorkerState, workerChannel, WorkerCounts, workerState } from './stats.ts';
import { TaskFifo } from './task-fifo.ts';

export type { WorkerKind } from './pool-worker.ts';

/**
 * - `starting`: its initializer has not finished; it takes no tasks yet.
 * - `ready`: it takes tasks.
 * - `exclusive`: it runs a task that must run alone (one with a timeout or a signal).
 * - `retiring`: it ran `maxTasksPerChild` tasks; it finishes those it holds, then is stopped.
 * - `stopping`: the pool stopped it on purpose, so its exit is no death.
 */
export type SlotState = 'starting' | 'ready' | 'exclusive' | 'retiring' | 'stopping';

/** What a slot tells the engine; each gets the slot it came from. */
export interface SlotEvents {
  /** The initializer ran: the slot is `ready` now (unless it is being stopped). */
  ready(slot: WorkerSlot): void;
  initFailed(slot: WorkerSlot, error: unknown): void;
  /** Answers, `RESULT_FIELDS` entries each, in the order the tasks ran. */
  results(slot: WorkerSlot, results: readonly unknown[]): void;
  /** The worker is gone; see `PoolWorkerEvents.exit`. */
  exit(slot: WorkerSlot, exitCode: number, crash: unknown): void;
}

/** One worker of a pool, as the engine sees it. */
export class WorkerSlot {
  readonly name: string;
  /** The tasks sent and not yet answered, oldest first. */
  readonly running = new TaskFifo();
  /** Keys of the targets this worker has been sent the spec of. */
  readonly targets = new Set<number>();
  /** Modules of shared kinds this worker has been sent (protocol.ts `TasksMessage`). */
  readonly kindModules = new Set<string>();
  /** Tasks sent so far, for `maxTasksPerChild`. */
  sent = 0;
  /** When the worker last answered, or was sent work while idle: to time its tasks. */
  since = 0;
  /** An executor's worker: the claim words its tasks carry (`init.claims`); a pool's: `null`. */
  readonly claims: ClaimRing | null;
  readonly kind: WorkerKind;
  /** What `pool.stats()` reports of it (stats.ts). */
  readonly counts: WorkerCounts;
  #state: SlotState = 'starting';
  readonly #worker: PoolWorker;

  /** Starts the worker; `events` hears from it from the next turn of the event loop on. */
  constructor(
    name: string,
    kind: WorkerKind,
    init: BaseInit,
    claims: ClaimRing | null,
    resourceLimits: ResourceLimits | undefined,
    events: SlotEvents,
    id = 0,
  ) {
    this.name = name;
    this.claims = claims;
    this.kind = kind;
    this.counts = new WorkerCounts(id);
    // The worker cannot report before this constructor returns: `this` is complete by then.
    this.#worker = startPoolWorker(
      kind,
      init,
      {
        message: (message: FromWorker) => {
          switch (message.type) {
            case 'ready':
              if (this.#state === 'starting') this.#state = 'ready';
              if (workerChannel.hasSubscribers) this.publishState();
              events.ready(this);
              break;
            case 'init-failed':
              events.initFailed(this, errorFromWire(message.error));
              break;
            case 'results':
              events.results(this, message.results);
              break;
          }
        },
        exit: (exitCode, crash) => {
          events.exit(this, exitCode, crash);
        },
      },
      resourceLimits,
    );
  }

  get state(): SlotState {
    return this.#state;
  }

  /** The thread id or the process id. */
  get ident(): number {
    return this.#worker.ident;
  }

  /** Publishes its state on `multitask:worker`; call only when someone subscribes. */
  publishState(): void {
    const state = workerState(this);
    publishWorkerState({ source: 'pool', name: this.name, ident: this.ident, state });
  }

  /**
   * Whether the engine should count it as free for work when deciding to start another
   * worker: starting, or taking tasks and holding none.
   */
  get idle(): boolean {
    const state = this.#state;
    return (
      state === 'starting' ||
      ((state === 'ready' || state === 'exclusive') && this.running.size === 0)
    );
  }

  /** It was just sent a task that must run alone. */
  runExclusive(): void {
    if (this.#state === 'ready') this.#state = 'exclusive';
  }

  /**
   * It holds no task now (the engine calls this once every answer is in), or its exclusive
   * task is over (answered, or never sent): it takes tasks again.
   */
  endExclusive(): void {
    if (this.#state === 'exclusive') this.#state = 'ready';
    if (this.running.size === 0 && workerChannel.hasSubscribers) this.publishState();
  }

  /** It ran its `maxTasksPerChild` tasks: it takes no more. */
  retire(): void {
    if (this.#state === 'ready' || this.#state === 'exclusive') this.#state = 'retiring';
  }

  /**
   * Asks the worker to exit once it has finished the tasks it holds; a worker still starting
   * is killed, as it may never read the request. Does nothing if it is stopping already.
   */
  stop(): void {
    if (this.#state === 'stopping') return;
    const starting = this.#state === 'starting';
    this.#state = 'stopping';
    if (starting) this.#worker.kill();
    else this.#worker.post({ type: 'stop' }, null);
  }

  /** Stops the worker at once, whatever it runs: SIGTERM (`terminate`) or SIGKILL (`kill`). */
  kill(how: 'terminate' | 'kill' = 'terminate'): void {
    this.#state = 'stopping';
    this.#worker.kill(how);
  }

  /**
   * Posts a batch: `targets` the worker has not seen, then `tasks` (`TASK_FIELDS` entries
   * each). Throws if something in it cannot be cloned; then nothing was sent.
   */
  sendTasks(
    targets: readonly (readonly [number, TargetSpec])[],
    kindModules: readonly string[],
    tasks: readonly unknown[],
    transfer: readonly Transferable[] | null,
  ): void {
    this.#worker.post({ type: 'tasks', targets, kindModules, tasks }, transfer);
  }

  /** Whether the worker keeps the parent's event loop alive. */
  setActive(active: boolean): void {
    this.#worker.setActive(active);
  }

  /** Whether {@link WorkerSlot.awaitAnswer} can wait (threads only). */
  get canAwaitAnswer(): boolean {
    return this.#worker.awaitAnswer !== null;
  }

  /**
   * Waits up to `ms` for the worker's next message, spinning, and hands it to the events at
   * once; returns whether one came (see `PoolWorker.awaitAnswer`).
   */
  awaitAnswer(ms: number): boolean {
    return this.#worker.awaitAnswer?.(ms) ?? false;
  }
}
