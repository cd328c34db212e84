/**
 * Scenario 1: tiny-task throughput. A pool of two worker threads runs 100,000 tasks of
 * `x + 1`, all submitted at once; the figure is tasks completed per second. Nearly all the
 * time is the pool's own per-task cost: messaging, bookkeeping, waking threads.
 */
import { cpython } from '../lib/python.ts';
import { grouped } from '../lib/text.ts';
import { nowMs } from '../lib/timing.ts';
import type { Measurement, Scenario } from '../lib/types.ts';
import { poolContenders } from '../pools/contenders.ts';
import { multitaskPools, multitaskProcessExecutor, peerPools, rawPool } from '../pools/index.ts';
import type { PoolSpec } from '../pools/types.ts';

type TinyTaskParams = { tasks: number; workers: number; warmup: number };

async function measure(pool: PoolSpec, params: TinyTaskParams): Promise<Measurement> {
  const { tasks, workers, warmup } = params;
  const adapter = await pool.open(workers);
  try {
    await Promise.all(Array.from({ length: warmup }, (_, i) => adapter.run('inc', i)));
    const start = nowMs();
    const results = await Promise.all(
      Array.from({ length: tasks }, (_, i) => adapter.run('inc', i)),
    );
    const seconds = (nowMs() - start) / 1000;
    const total = results.reduce((sum, value) => sum + value, 0);
    if (total !== (tasks * (tasks + 1)) / 2) throw new Error(`wrong results: total ${total}`);
    return { values: { throughput: tasks / seconds } };
  } finally {
    await adapter.close();
  }
}

const peers = peerPools.map((pool) => pool.id);

export const tinyTasks: Scenario<TinyTaskParams> = {
  id: '01-tiny-tasks',
  title: 'Tiny-task throughput',
  rounds: { quick: 2, full: 4 },
  params: (mode) =>
    mode === 'quick'
      ? { tasks: 5_000, workers: 2, warmup: 500 }
      : { tasks: 100_000, workers: 2, warmup: 1_000 },
  describe: ({ tasks, workers, warmup }) =>
    `A pool of ${workers} workers runs ${grouped(tasks)} tasks of \`x + 1\` submitted at once ` +
    `(after ${grouped(warmup)} warm-up tasks); tasks completed per second. The ` +
    'ProcessPoolExecutor rows run on two processes. Peers use their ' +
    'defaults apart from the thread count; the raw baseline is two workers with one ' +
    '`postMessage` per request and per reply.',
  timeoutMs: ({ tasks }) => 30_000 + tasks * 2,
  contenders: [
    ...poolContenders(
      [rawPool, ...peerPools, ...multitaskPools, multitaskProcessExecutor],
      measure,
    ),
    cpython('cpython-threadpoolexecutor', 'CPython ThreadPoolExecutor'),
    cpython('cpython-pool', 'CPython multiprocessing.Pool'),
    cpython('cpython-processpoolexecutor', 'CPython ProcessPoolExecutor'),
  ],
  table: {
    columns: [{ key: 'throughput', header: 'throughput', unit: 'tasks/s', better: 'higher' }],
    primary: 'throughput',
    ratios: [
      { header: 'vs raw postMessage', ref: () => rawPool.id },
      { header: 'vs fastest peer', ref: { bestOf: peers } },
      { header: 'vs best', ref: 'best' },
    ],
  },
};
