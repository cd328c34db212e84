/**
 * The lock scenario's process-side task: a multitask Process takes and gives back a Lock
 * its parent created (so every operation goes through the parent's broker), and writes the
 * nanoseconds per pair to `path`.
 */
import { writeFileSync } from 'node:fs';
import type { Lock } from '../../src/index.ts';
import { nsPerPair } from '../lib/pairs.ts';

export async function lockPairs(
  lock: Lock,
  form: 'sync' | 'async',
  batchMs: number,
  batches: number,
  path: string,
): Promise<void> {
  const ns =
    form === 'sync'
      ? await nsPerPair(batchMs, batches, (count) => {
          for (let i = 0; i < count; i++) {
            lock.acquireSync();
            lock.release();
          }
        })
      : await nsPerPair(batchMs, batches, async (count) => {
          for (let i = 0; i < count; i++) {
            await lock.acquire();
            lock.release();
          }
        });
  writeFileSync(path, JSON.stringify(ns));
}
