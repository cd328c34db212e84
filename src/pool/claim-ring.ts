/**
 * An executor worker's claim words (memory/claim-word.ts) and the task each one is lent to.
 *
 * Words are lent in send order, round a ring as long as the most tasks a worker may hold:
 * a worker answers its tasks in the order they were sent, so when the engine sends the next
 * task, the word it lends was last lent to a task that is answered, which the worker will
 * never read again. The engine may also take back the newest tasks a busy worker has not
 * claimed yet ({@link ClaimRing.revoke}), to send them to an idle worker instead: as in
 * Python's `ThreadPoolExecutor`, no task waits behind a busy worker while another is idle.
 */
import { allocateShared, arenaReference, type ArenaReference } from '../memory/arena.ts';
import {
  CLAIM_BYTES,
  CLAIM_PENDING,
  CLAIM_REVOKED,
  CLAIM_RUNNING,
  claimAway,
  resetClaim,
} from '../memory/claim-word.ts';
import type { Task } from './task.ts';
import type { WorkerKind } from './worker-slot.ts';

/** The claim words of one worker, and the tasks they are lent to. */
export class ClaimRing {
  /** The words, shared with the worker. */
  readonly words: Int32Array;
  /** The task each word is lent to; `null` once it is answered. */
  readonly #held: (Task | null)[];
  /** Words lent so far; the next goes to index `#lent % size`. */
  #lent = 0;
  /** Words lent before this one are all answered. */
  #oldest = 0;

  /** @param buffer `size` words, shared with the worker. */
  constructor(buffer: SharedArrayBuffer) {
    this.words = new Int32Array(buffer);
    this.#held = new Array<Task | null>(this.words.length).fill(null);
  }

  /**
   * A new worker's ring of `size` words, and how its worker finds them (the init's
   * `claims`): the buffer itself for a thread, where its arena lies for a process (the
   * caller checked that the native addon is there).
   */
  static forWorker(
    kind: WorkerKind,
    size: number,
  ): { ring: ClaimRing; claims: SharedArrayBuffer | ArenaReference | null } {
    const bytes = size * CLAIM_BYTES;
    if (kind === 'thread') {
      const buffer = new SharedArrayBuffer(bytes);
      return { ring: new ClaimRing(buffer), claims: buffer };
    }
    const buffer = allocateShared(bytes);
    return { ring: new ClaimRing(buffer), claims: arenaReference(buffer) };
  }

  /** Lends the next word to `task`, pending; returns its index. */
  lend(task: Task): number {
    const index = this.#lent % this.#held.length;
    this.#lent++;
    resetClaim(this.words, index);
    this.#held[index] = task;
    return index;
  }

  /** `task` is answered (or was never sent): its word is free again. */
  release(task: Task): void {
    const held = this.#held;
    const size = held.length;
    // Nearly always the oldest word lent.
    for (let n = this.#oldest; n < this.#lent; n++) {
      const index = n % size;
      if (held[index] !== task) continue;
      held[index] = null;
      break;
    }
    while (this.#oldest < this.#lent && held[this.#oldest % size] === null) this.#oldest++;
  }

  /** The tasks lent a word and not yet answered, oldest first. */
  lentTasks(): Task[] {
    const tasks: Task[] = [];
    for (let n = this.#oldest; n < this.#lent; n++) {
      const task = this.#held[n % this.#held.length];
      if (task !== null && task !== undefined) tasks.push(task);
    }
    return tasks;
  }

  /**
   * Takes back up to `max` of the newest tasks that the worker has not claimed, and that
   * `own` says are still this worker's; returns them oldest first. The worker skips each,
   * and answers it so: its word stays lent until then.
   */
  revoke(max: number, own: (task: Task) => boolean): Task[] {
    const held = this.#held;
    const size = held.length;
    const taken: Task[] = [];
    for (let n = this.#lent - 1; n >= this.#oldest && taken.length < max; n--) {
      const index = n % size;
      const task = held[index];
      if (task === null || task === undefined || !own(task)) continue;
      const was = claimAway(this.words, index, CLAIM_REVOKED);
      // A worker runs its tasks in order: the ones before a claimed one are all claimed.
      if (was === CLAIM_RUNNING) break;
      if (was === CLAIM_PENDING) taken.push(task);
    }
    return taken.reverse();
  }
}
