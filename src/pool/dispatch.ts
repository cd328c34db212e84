/**
 * Batching: which queued tasks go to which worker, in one message each.
 *
 * A worker is sent up to a window of tasks at once (see `Pacing.window`) and topped up when
 * half of them are done, so it never waits a round trip for work. A task with a timeout or
 * an abort signal runs alone on its worker: its timer starts when it is sent, and stopping
 * it means stopping the worker, which must take nothing else with it.
 *
 * An executor's worker lends each task it is sent a claim word (claim-ring.ts), which the
 * worker claims just before running the task: the task's future stays pending, and
 * cancellable, while it waits in the batch. Once the queue is empty, an idle worker takes
 * back the newest unclaimed tasks of the busiest one ({@link Dispatcher.rebalance}).
 */
import { performance } from 'node:perf_hooks';
import type { Transferable } from 'node:worker_threads';
import type { TargetSpec } from '../runtime/protocol.ts';
import type { Pacing } from './pacing.ts';
import { publishSent, taskChannel, workerChannel } from './stats.ts';
import { CLAIM_SHIFT, TASK_FIELDS } from './protocol.ts';
import type { TargetTable } from './targets.ts';
import type { Task } from './task.ts';
import type { TaskQueue } from './task-queue.ts';
import type { WorkerSlot } from './worker-slot.ts';

/** The parts of the engine batching reads; the engine owns them all. */
export interface DispatchParts {
  readonly queue: TaskQueue;
  readonly slots: ReadonlySet<WorkerSlot>;
  readonly targets: TargetTable;
  readonly pacing: Pacing;
  /** Tasks a worker runs before it is replaced; `null`: no limit. */
  readonly maxTasksPerChild: number | null;
  /** The most tasks a worker holds at once, the one it runs included. */
  readonly maxInFlight: number;
  /** A task's `timeout` ran out while it ran. */
  readonly timedOut: (task: Task) => void;
}

/** Sends queued tasks to the workers that can take them. */
export class Dispatcher {
  readonly #queue: TaskQueue;
  readonly #slots: ReadonlySet<WorkerSlot>;
  readonly #targets: TargetTable;
  readonly #pacing: Pacing;
  readonly #limit: number | null;
  readonly #maxInFlight: number;
  readonly #timedOut: (task: Task) => void;

  constructor(parts: DispatchParts) {
    this.#queue = parts.queue;
    this.#slots = parts.slots;
    this.#targets = parts.targets;
    this.#pacing = parts.pacing;
    this.#limit = parts.maxTasksPerChild;
    this.#maxInFlight = parts.maxInFlight;
    this.#timedOut = parts.timedOut;
  }

  /** Deals `queued` waiting tasks out to the ready workers, a batch each. */
  dispatch(queued: number): void {
    const window = this.#pacing.window(queued, this.#maxInFlight);
    let sent = 0;
    for (const slot of this.#slots) {
      if (queued === 0) break;
      if (slot.state !== 'ready') continue;
      // Topped up only once half its batch is done.
      if (slot.running.size > window >> 1) continue;
      const taken = this.#fill(slot, window);
      queued -= taken;
      sent += taken;
    }
    if (sent === 1 && queued === 0) this.#pacing.expectAnswer();
  }

  /** Sends `slot` up to `window` tasks in one message; returns how many it took. */
  #fill(slot: WorkerSlot, window: number): number {
    const queue = this.#queue;
    const out = new Outgoing();
    const limit = this.#limit;
    if (slot.running.size === 0) slot.since = performance.now();
    const publish = taskChannel.hasSubscribers || workerChannel.hasSubscribers;
    while (slot.running.size < window) {
      if (limit !== null && slot.sent >= limit) break;
      const task = queue.peek();
      if (task === undefined) break;
      if (task.exclusive && (slot.running.size > 0 || out.batch.length > 0)) break;
      queue.shift();
      if (task.callbacks.start?.() === false) {
        queue.finish(task, 'cancelled');
        continue;
      }
      queue.sent(task);
      this.#add(slot, task, out);
      if (task.exclusive) {
        slot.runExclusive();
        if (task.timeout !== Infinity) this.#armTimeout(task);
        break;
      }
    }
    queue.compact();
    this.#send(slot, out);
    if (publish && out.batch.length > 0) publishSent(slot, out.batch);
    return out.batch.length;
  }

  /** Puts `task` in `slot`'s outgoing batch, lending it a claim word if the worker has them. */
  #add(slot: WorkerSlot, task: Task, out: Outgoing): void {
    task.slot = slot;
    slot.running.push(task);
    slot.sent++;
    out.batch.push(task);
    if (!slot.targets.has(task.key)) {
      slot.targets.add(task.key);
      const spec = this.#targets.spec(task.key);
      if (spec !== undefined) out.targets.push([task.key, spec]);
    }
    if (task.kindModules !== null) {
      for (const module of task.kindModules) {
        if (slot.kindModules.has(module)) continue;
        slot.kindModules.add(module);
        out.kindModules.push(module);
      }
    }
    let mode = task.mode;
    const ring = slot.claims;
    if (ring !== null) {
      const index = ring.lend(task);
      task.callbacks.claimed?.(ring.words, index);
      mode |= (index + 1) << CLAIM_SHIFT;
    }
    out.tasks.push(task.id, task.key, mode, task.payload);
    if (task.transfer !== null) (out.transfer ??= []).push(...task.transfer);
  }

  /**
   * With claim words: an idle worker takes the newest tasks a busy one holds and has not
   * claimed yet, half of them, so that no task waits behind a long one while a worker is
   * idle (Python's threads take their next task from one shared queue). Call only once the
   * queue is empty.
   */
  rebalance(): void {
    const limit = this.#limit;
    for (const idle of this.#slots) {
      if (idle.state !== 'ready' || idle.running.size !== 0 || idle.claims === null) continue;
      if (limit !== null && idle.sent >= limit) continue;
      let busiest: WorkerSlot | null = null;
      for (const slot of this.#slots) {
        if (slot.claims === null || slot.running.size < 2) continue;
        if (busiest === null || slot.running.size > busiest.running.size) busiest = slot;
      }
      if (busiest === null) return;
      const victim = busiest;
      // Never past the idle worker's own limit: it runs every task it takes.
      const room = limit === null ? Infinity : limit - idle.sent;
      const max = Math.min(victim.running.size >> 1, room);
      const tasks = victim.claims?.revoke(max, (task) => task.slot === victim) ?? [];
      if (tasks.length === 0) continue;
      // Counted for `maxTasksPerChild` by the worker that runs them.
      victim.sent -= tasks.length;
      const out = new Outgoing();
      idle.since = performance.now();
      for (const task of tasks) this.#add(idle, task, out);
      this.#send(idle, out);
    }
  }

  #armTimeout(task: Task): void {
    const timer = setTimeout(() => {
      this.#timedOut(task);
    }, task.timeout);
    task.cancelTimer = () => {
      clearTimeout(timer);
    };
  }

  /** Posts a batch; if it cannot be cloned, sends its tasks one by one, failing the bad ones. */
  #send(slot: WorkerSlot, out: Outgoing): void {
    if (out.batch.length > 0) this.#post(slot, out);
    if (this.#limit !== null && slot.sent >= this.#limit) slot.retire();
  }

  #post(slot: WorkerSlot, out: Outgoing): void {
    const { targets, kindModules, tasks, batch, transfer } = out;
    try {
      slot.sendTasks(targets, kindModules, tasks, transfer);
      return;
    } catch {
      // Something the check let through cannot be cloned after all.
    }
    for (const [i, task] of batch.entries()) {
      const first = i === 0 ? targets : [];
      const modules = i === 0 ? kindModules : [];
      const at = i * TASK_FIELDS;
      try {
        slot.sendTasks(first, modules, tasks.slice(at, at + TASK_FIELDS), task.transfer);
      } catch (error) {
        slot.running.take(task.id);
        slot.claims?.release(task);
        if (task.exclusive) slot.endExclusive();
        this.#queue.finish(task, 'failed');
        task.callbacks.settle(false, error);
        // The targets and kinds rode with the first task: send them alone.
        if (i === 0 && (first.length > 0 || modules.length > 0)) {
          slot.sendTasks(first, modules, [], null);
        }
      }
    }
  }
}

/** One message's worth of tasks for a worker, as it is built. */
class Outgoing {
  readonly tasks: unknown[] = [];
  readonly targets: [number, TargetSpec][] = [];
  readonly kindModules: string[] = [];
  readonly batch: Task[] = [];
  transfer: Transferable[] | null = null;
}
