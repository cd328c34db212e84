/** workerpool with exactly `workers` threads and its defaults otherwise. */
import { benchFile } from '../lib/paths.ts';
import { bounded } from '../lib/timing.ts';
import type { TaskResult } from '../workers/tasks.ts';
import type { PoolSpec } from './types.ts';

export const workerpool: PoolSpec = {
  kind: 'pool',
  id: 'workerpool',
  label: 'workerpool',
  packages: ['workerpool'],
  async open(workers) {
    const { default: wp } = await import('workerpool');
    const pool = wp.pool(benchFile('workers/workerpool-worker'), {
      minWorkers: workers,
      maxWorkers: workers,
      workerType: 'thread',
    });
    return {
      // workerpool returns its own Promise class; Promise.resolve adopts it.
      run: (task, arg) =>
        Promise.resolve(pool.exec(task, [arg])) as Promise<TaskResult<typeof task>>,
      close: async (ms = 1000) => {
        await bounded(Promise.resolve(pool.terminate(true)), ms);
      },
    };
  },
};
