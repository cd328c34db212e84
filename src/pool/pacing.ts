/**
 * How long tasks take, and the heuristics that follow from it: how many tasks a worker is
 * sent at once, whether the submitting thread spins briefly for an answer due any moment,
 * and how many idle worker threads may spin for work.
 */
import { performance } from 'node:perf_hooks';
import { cpuCount } from '../threading/current.ts';
import {
  ANSWER_SPIN_MS,
  ANSWER_TASK_MS,
  BATCH_SHARE_DIVISOR,
  LONG_TASK_BATCH,
  LONG_TASK_MS,
  MAX_BATCH,
  MAX_CHAINED_ANSWERS,
  TASK_MS_NEWEST,
} from './tuning.ts';
import type { WorkerKind, WorkerSlot } from './worker-slot.ts';

/** What the running average keeps of what it knew (exactly 0.7 for 0.3). */
const TASK_MS_KEPT = 1 - TASK_MS_NEWEST;

/**
 * The spin budget shared by a pool's worker threads: `count[0]` counts those busy or
 * spinning, and an idle one spins only while the count stays at most `max`, one less than
 * the CPUs, which leaves a CPU for the thread that submits. `null` (processes, or one CPU):
 * workers never spin.
 */
export function workerSpinBudget(
  kind: WorkerKind,
): { readonly count: SharedArrayBuffer; readonly max: number } | null {
  const spinners = cpuCount() - 1;
  return kind === 'thread' && spinners > 0
    ? { count: new SharedArrayBuffer(4), max: spinners }
    : null;
}

/** The timing of one pool's tasks. */
export class Pacing {
  /**
   * Whether the submitting thread may wait for an answer ({@link Pacing.expectAnswer}): a
   * thread pool whose workers spin; one that does not answers too late for the wait to pay.
   */
  readonly #awaits: boolean;
  /** The pool's workers (the engine's set, read here). */
  readonly #slots: ReadonlySet<WorkerSlot>;
  /** A running average of how long a task takes, from the workers' answers; 0: unknown. */
  #taskMs = 0;
  /** A microtask will wait for an expected answer (see {@link Pacing.expectAnswer}). */
  #expecting = false;
  /** Answers taken that way since the event loop last had a turn. */
  #chained = 0;

  constructor(kind: WorkerKind, slots: ReadonlySet<WorkerSlot>, spins = true) {
    this.#awaits = kind === 'thread' && spins;
    this.#slots = slots;
  }

  /** Times the tasks `slot` answered now: `count` of them, since `slot.since`. */
  answered(slot: WorkerSlot, count: number): void {
    const now = performance.now();
    if (count > 0) {
      // The worker held tasks all along since then (see `WorkerSlot.since`).
      slot.counts.busyMs += now - slot.since;
      const perTask = (now - slot.since) / count;
      this.#taskMs =
        this.#taskMs === 0 ? perTask : this.#taskMs * TASK_MS_KEPT + perTask * TASK_MS_NEWEST;
    }
    slot.since = now;
  }

  /**
   * The most tasks a worker should hold while `queued` tasks wait: a
   * {@link BATCH_SHARE_DIVISOR}th of its even share, at least 1, at most {@link MAX_BATCH},
   * and {@link LONG_TASK_BATCH} while tasks are long (one running, one waiting), so that the
   * last ones spread over every worker instead of queueing behind one.
   */
  window(queued: number, maxInFlight: number): number {
    const share = Math.ceil(queued / (BATCH_SHARE_DIVISOR * Math.max(1, this.#slots.size)));
    const cap = this.#taskMs > LONG_TASK_MS ? LONG_TASK_BATCH : MAX_BATCH;
    return Math.min(cap, maxInFlight, Math.max(1, share));
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
  expectAnswer(): void {
    if (this.#expecting || !this.#awaits) return;
    if (this.#taskMs > ANSWER_TASK_MS || this.#chained >= MAX_CHAINED_ANSWERS) return;
    this.#expecting = true;
    queueMicrotask(() => {
      this.#expecting = false;
      let holder: WorkerSlot | undefined;
      let running = 0;
      for (const slot of this.#slots) {
        running += slot.running.size;
        if (slot.running.size > 0) holder = slot;
      }
      if (running !== 1 || holder === undefined || !holder.canAwaitAnswer) return;
      if (this.#chained++ === 0) {
        setImmediate(() => {
          this.#chained = 0;
        });
      }
      holder.awaitAnswer(ANSWER_SPIN_MS);
    });
  }
}
