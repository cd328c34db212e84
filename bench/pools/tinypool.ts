/** tinypool with exactly `workers` threads and its defaults otherwise. */
import { benchFile } from '../lib/paths.ts';
import { bounded } from '../lib/timing.ts';
import type { TaskResult } from '../workers/tasks.ts';
import type { PoolSpec } from './types.ts';

export const tinypool: PoolSpec = {
  kind: 'pool',
  id: 'tinypool',
  label: 'tinypool',
  packages: ['tinypool'],
  async open(workers) {
    const { Tinypool } = await import('tinypool');
    const pool = new Tinypool({
      filename: benchFile('workers/tasks'),
      minThreads: workers,
      maxThreads: workers,
    });
    return {
      run: (task, arg) => pool.run(arg, { name: task }) as Promise<TaskResult<typeof task>>,
      close: async (ms = 1000) => {
        await bounded(pool.destroy(), ms);
      },
    };
  },
};
