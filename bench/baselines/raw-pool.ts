/**
 * The hand-written baseline pool: raw `worker_threads`, one `postMessage` per request and one
 * per reply, requests dealt round-robin. No queue, no back-pressure, no options: the floor
 * under what any pool built on `postMessage` can do. A worker that exits rejects the requests
 * it held and is replaced, so the recovery scenario has a reference too.
 */
import { once } from 'node:events';
import { Worker } from 'node:worker_threads';
import { benchFile } from '../lib/paths.ts';
import { bounded } from '../lib/timing.ts';
import type { TaskArg, TaskName, TaskResult } from '../workers/tasks.ts';
import type { PoolAdapter } from '../pools/types.ts';

export interface RawRequest {
  readonly id: number;
  readonly task: TaskName;
  readonly arg: unknown;
}

export type RawReply =
  | { readonly id: number; readonly ok: true; readonly value: unknown }
  | { readonly id: number; readonly ok: false; readonly error: string };

interface Pending {
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: Error) => void;
}

interface Slot {
  worker: Worker;
  readonly pending: Map<number, Pending>;
}

export class RawPool implements PoolAdapter {
  readonly #slots: Slot[] = [];
  #nextSlot = 0;
  #nextId = 0;
  #closing = false;

  private constructor(count: number) {
    for (let i = 0; i < count; i++) {
      const slot: Slot = { worker: this.#spawn(), pending: new Map() };
      this.#watch(slot);
      this.#slots.push(slot);
    }
  }

  /** Starts `count` workers and resolves once every one of them is online. */
  static async open(count: number): Promise<RawPool> {
    const pool = new RawPool(count);
    await Promise.all(pool.#slots.map((slot) => once(slot.worker, 'online')));
    return pool;
  }

  #spawn(): Worker {
    return new Worker(benchFile('workers/raw-worker'));
  }

  #watch(slot: Slot): void {
    const { worker } = slot;
    worker.on('message', (reply: RawReply) => {
      const pending = slot.pending.get(reply.id);
      if (pending === undefined) return;
      slot.pending.delete(reply.id);
      if (reply.ok) pending.resolve(reply.value);
      else pending.reject(new Error(reply.error));
    });
    // 'exit' follows 'error' too, so this one listener settles everything the worker held.
    worker.on('error', () => undefined);
    worker.on('exit', (code) => {
      for (const { reject } of slot.pending.values()) {
        reject(new Error(`raw worker exited with code ${code}`));
      }
      slot.pending.clear();
      if (!this.#closing) {
        slot.worker = this.#spawn();
        this.#watch(slot);
      }
    });
  }

  run<K extends TaskName>(task: K, arg: TaskArg<K>): Promise<TaskResult<K>> {
    const slot = this.#slots[this.#nextSlot];
    if (slot === undefined) throw new Error('RawPool has no workers');
    this.#nextSlot = (this.#nextSlot + 1) % this.#slots.length;
    const id = this.#nextId++;
    return new Promise<TaskResult<K>>((resolve, reject) => {
      slot.pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      const request: RawRequest = { id, task, arg };
      slot.worker.postMessage(request);
    });
  }

  async close(ms = 1000): Promise<void> {
    this.#closing = true;
    await bounded(Promise.all(this.#slots.map((slot) => slot.worker.terminate())), ms);
  }
}
