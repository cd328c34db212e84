/**
 * Scenario 12: a lazy map. `imap` over a generator of N items (10,000,000 in the full run) on
 * two worker threads, in chunks of 10,000: items per second, and the process's peak RSS. The
 * map reads its input as results are taken, so the peak stays that of a few chunks, whatever
 * N is; a map that read its input at once would hold N numbers and their chunks.
 */
import { loadMultitask } from '../lib/multitask.ts';
import { benchUrl } from '../lib/paths.ts';
import { grouped } from '../lib/text.ts';
import { nowMs } from '../lib/timing.ts';
import type { Measurement, Scenario } from '../lib/types.ts';
import type { inc } from '../workers/tasks.ts';

type LazyMapParams = { items: number; chunksize: number; workers: number };

type Variant = 'imap' | 'imapUnordered' | 'executor';

function* naturals(count: number): Generator<number> {
  for (let i = 0; i < count; i++) yield i;
}

async function measure(variant: Variant, params: LazyMapParams): Promise<Measurement> {
  const { items, chunksize, workers } = params;
  const { ThreadPool, ThreadPoolExecutor, taskRef } = await loadMultitask();
  const task = taskRef<typeof inc>(benchUrl('workers/tasks'), 'inc');
  const pool = variant === 'executor' ? new ThreadPoolExecutor(workers) : new ThreadPool(workers);
  try {
    // Warm up: workers started and the task loaded before the clock starts.
    const warm = pool instanceof ThreadPool ? pool.map(task, [1, 2]) : pool.submit(task, 1);
    await warm;
    let sum = 0;
    let seen = 0;
    const start = nowMs();
    const results =
      pool instanceof ThreadPool
        ? variant === 'imap'
          ? pool.imap(task, naturals(items), { chunksize })
          : pool.imapUnordered(task, naturals(items), { chunksize })
        : pool.map(task, naturals(items), { chunksize });
    for await (const value of results) {
      sum += value;
      seen++;
    }
    const seconds = (nowMs() - start) / 1000;
    if (seen !== items || sum !== (items * (items + 1)) / 2) {
      throw new Error(`wrong results: ${seen} items, sum ${sum}`);
    }
    // The process's peak resident set, in kilobytes.
    const peakMb = process.resourceUsage().maxRSS / 1024;
    return { values: { throughput: items / seconds, peakRss: peakMb } };
  } finally {
    if (pool instanceof ThreadPool) await pool.terminate();
    else await pool.shutdown({ cancelFutures: true });
  }
}

const requires = { exports: ['ThreadPool', 'ThreadPoolExecutor', 'taskRef'], issue: 13 };

export const lazyMap: Scenario<LazyMapParams> = {
  id: '12-lazy-map',
  title: 'Lazy map over a generator',
  rounds: { quick: 2, full: 3 },
  params: (mode) =>
    mode === 'quick'
      ? { items: 1_000_000, chunksize: 10_000, workers: 2 }
      : { items: 10_000_000, chunksize: 10_000, workers: 2 },
  describe: ({ items, chunksize, workers }) =>
    `A generator of ${grouped(items)} numbers mapped through \`x + 1\` on ${workers} worker ` +
    `threads in chunks of ${grouped(chunksize)}, every result taken by \`for await\`; items ` +
    "per second, and the child process's peak RSS (`resourceUsage().maxRSS`, the whole " +
    'process: Node, the workers and the map). The input is read as results are taken.',
  timeoutMs: ({ items }) => 60_000 + items / 100,
  contenders: [
    {
      kind: 'node',
      id: 'multitask-threadpool-imap',
      label: 'multitask ThreadPool.imap',
      requires,
      measure: (p) => measure('imap', p),
    },
    {
      kind: 'node',
      id: 'multitask-threadpool-imap-unordered',
      label: 'multitask ThreadPool.imapUnordered',
      requires,
      measure: (p) => measure('imapUnordered', p),
    },
    {
      kind: 'node',
      id: 'multitask-threadpoolexecutor-map',
      label: 'multitask ThreadPoolExecutor.map',
      requires,
      measure: (p) => measure('executor', p),
    },
  ],
  table: {
    columns: [
      { key: 'throughput', header: 'throughput', unit: 'items/s', better: 'higher' },
      { key: 'peakRss', header: 'peak RSS', unit: 'MB', better: 'lower' },
    ],
    primary: 'throughput',
    ratios: [{ header: 'vs imap', ref: () => 'multitask-threadpool-imap' }],
  },
};
