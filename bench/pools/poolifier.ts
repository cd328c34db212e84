/** poolifier's FixedThreadPool with `workers` threads and its defaults otherwise. */
import { once } from 'node:events';
import { benchFile } from '../lib/paths.ts';
import { bounded } from '../lib/timing.ts';
import type { TaskResult } from '../workers/tasks.ts';
import type { PoolSpec } from './types.ts';

export const poolifier: PoolSpec = {
  kind: 'pool',
  id: 'poolifier',
  label: 'poolifier',
  packages: ['poolifier'],
  async open(workers) {
    const { FixedThreadPool } = await import('poolifier');
    const pool = new FixedThreadPool<unknown, unknown>(
      workers,
      benchFile('workers/poolifier-worker'),
    );
    if (!pool.info.ready && pool.emitter !== undefined) await once(pool.emitter, 'ready');
    return {
      run: (task, arg) => pool.execute(arg, task) as Promise<TaskResult<typeof task>>,
      close: async (ms = 1000) => {
        await bounded(pool.destroy(), ms);
      },
    };
  },
};
