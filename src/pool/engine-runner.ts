/**
 * A lazy map's {@link ChunkRunner} on a pool's engine: each chunk one task, sent while the
 * queue has room under `maxQueueSize`, until the pool stops.
 */
import { StateError } from '../errors.ts';
import { roomIn, type ChunkRunner } from './chunked-map.ts';
import type { PoolEngine } from './engine.ts';
import type { TaskMode } from './protocol.ts';

/** Sends a map's chunks of `mode` for the target `key` to `engine`. */
export function engineRunner(engine: PoolEngine, key: number, mode: TaskMode): ChunkRunner {
  return {
    send: (items, settled) => {
      const task = engine.submit(key, mode, items, { settle: settled });
      return () => {
        if (task !== null) engine.dropQueued(task);
      };
    },
    room: () => roomIn(engine),
    stopped: () =>
      engine.state === 'running'
        ? null
        : (engine.brokenError ??
          new StateError(
            'ERR_POOL_NOT_RUNNING',
            'the pool stopped before this map read its input',
          )),
  };
}
