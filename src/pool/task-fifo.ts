/**
 * The tasks one worker holds, in the order they were sent.
 */
import type { Task } from './task.ts';

/**
 * The tasks a worker holds, in the order they were sent. A worker runs its tasks in that
 * order and answers in it, so a result is nearly always for the task at the front: `take`
 * is O(1) then, and searches only for a task stopped out of turn.
 */
export class TaskFifo {
  #tasks: Task[] = [];
  #head = 0;

  /** How many tasks it holds. */
  get size(): number {
    return this.#tasks.length - this.#head;
  }

  /** The oldest task held, the one its worker runs (or will run next). */
  get first(): Task | undefined {
    return this.#tasks[this.#head];
  }

  /**
   * How many of its tasks are still `slot`'s: a task revoked and sent to another worker
   * stays here until this worker answers that it skipped it, but is the other's.
   */
  ownedBy(slot: Task['slot']): number {
    let count = 0;
    for (let i = this.#head; i < this.#tasks.length; i++) {
      if (this.#tasks[i]?.slot === slot) count++;
    }
    return count;
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
