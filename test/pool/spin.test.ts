/**
 * The `spin` pool option: idle worker threads that do not watch for work, and a submitting
 * thread that does not wait for a lone answer, for tasks that come spaced out.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ArgumentTypeError, Pool, taskModule, ThreadPool } from '../../src/index.ts';
import { Pacing } from '../../src/pool/pacing.ts';
import type { WorkerSlot } from '../../src/pool/worker-slot.ts';

const tasks = taskModule<typeof import('../fixtures/pool-tasks.ts')>(
  new URL('../fixtures/pool-tasks.ts', import.meta.url),
);

/** A slot running one task, which records the waits for its answer. */
function runningSlot(waits: number[]): WorkerSlot {
  return {
    running: { size: 1 },
    canAwaitAnswer: true,
    awaitAnswer(ms: number) {
      waits.push(ms);
      return false;
    },
  } as unknown as WorkerSlot;
}

/** Whether `expectAnswer()` made the thread wait for the lone slot's answer. */
async function waitsForAnswer(kind: 'thread' | 'process', spins: boolean): Promise<boolean> {
  const waits: number[] = [];
  const pacing = new Pacing(kind, new Set([runningSlot(waits)]), spins);
  pacing.expectAnswer();
  await Promise.resolve(); // The wait runs in a microtask.
  assert.ok(waits.length <= 1, `waited ${waits.length} times`);
  return waits.length === 1;
}

describe('pool option spin', () => {
  it('new ThreadPool({ spin }) refuses anything but a boolean, naming the value', () => {
    for (const spin of ['no', 0, null]) {
      assert.throws(
        () => new ThreadPool({ processes: 1, spin: spin as unknown as boolean }),
        (error: unknown) =>
          error instanceof ArgumentTypeError &&
          error.code === 'ERR_INVALID_ARG_TYPE' &&
          error.message.startsWith('Expected `spin` to be a boolean, got ') &&
          error.message.includes(JSON.stringify(spin)),
      );
    }
  });

  it('Pacing.expectAnswer() waits for a lone answer only in a thread pool that spins', async () => {
    assert.equal(await waitsForAnswer('thread', true), true);
    assert.equal(await waitsForAnswer('thread', false), false);
    assert.equal(await waitsForAnswer('process', true), false);
  });

  for (const Kind of [ThreadPool, Pool]) {
    it(`${Kind.name} with spin: false runs spaced and batched tasks in order`, async () => {
      const pool = new Kind({ processes: 2, spin: false });
      try {
        const one: number[] = [];
        for (let i = 0; i < 50; i++) one.push(await pool.apply(tasks.inc, [i]));
        assert.deepEqual(
          one,
          Array.from({ length: 50 }, (_, i) => i + 1),
        );
        const many = await pool.map(
          tasks.inc,
          Array.from({ length: 1000 }, (_, i) => i),
        );
        assert.deepEqual(
          many,
          Array.from({ length: 1000 }, (_, i) => i + 1),
        );
        // 50 applies, and the map in chunks of ⌈1000 / (4 × 2 workers)⌉ = 125 items.
        assert.equal(pool.stats().totals.done, 50 + 8);
      } finally {
        await pool.terminate();
      }
    });
  }
});
