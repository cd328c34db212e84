/**
 * Scenario 3: CPU-bound speedup. The sum of the primes below 2,000,000, split into 64 equal
 * ranges, on a pool of one worker and then on a pool of two; the speedup is the ratio of the
 * two times. With 64 chunks the last chunk (the costliest) bounds how close it gets to 2.
 */
import { splitRange } from '../../src/examples/primes/primes.ts';
import { cpython } from '../lib/python.ts';
import { grouped } from '../lib/text.ts';
import { nowMs } from '../lib/timing.ts';
import type { Measurement, Scenario } from '../lib/types.ts';
import { poolContenders } from '../pools/contenders.ts';
import { multitaskPools, multitaskProcessPool, peerPools, rawPool } from '../pools/index.ts';
import type { PoolSpec } from '../pools/types.ts';

type CpuParams = { n: number; chunks: number };

/** Known sums, to check every contender's answer. */
const EXPECTED: Readonly<Record<number, number>> = {
  600_000: 14_071_826_345,
  2_000_000: 142_913_828_922,
};

async function timeWith(pool: PoolSpec, workers: number, params: CpuParams): Promise<number> {
  const adapter = await pool.open(workers);
  try {
    // Warm-up: every worker up, the task module loaded and the prime test compiled by the
    // optimizing tier before the clock starts (each pool's workers are fresh threads).
    await Promise.all(
      Array.from({ length: workers * 4 }, () => adapter.run('sumPrimes', { lo: 0, hi: 50_000 })),
    );
    const ranges = splitRange(params.n, params.chunks);
    const start = nowMs();
    const sums = await Promise.all(ranges.map(([lo, hi]) => adapter.run('sumPrimes', { lo, hi })));
    const seconds = (nowMs() - start) / 1000;
    const total = sums.reduce((sum, value) => sum + value, 0);
    const expected = EXPECTED[params.n];
    if (expected !== undefined && total !== expected) {
      throw new Error(`wrong sum with ${workers} workers: ${total}, expected ${expected}`);
    }
    return seconds;
  } finally {
    await adapter.close();
  }
}

async function measure(pool: PoolSpec, params: CpuParams): Promise<Measurement> {
  const one = await timeWith(pool, 1, params);
  const two = await timeWith(pool, 2, params);
  return { values: { one, two, speedup: one / two } };
}

export const cpuSpeedup: Scenario<CpuParams> = {
  id: '03-cpu-speedup',
  title: 'CPU-bound speedup, 1 vs 2 workers',
  rounds: { quick: 2, full: 3 },
  params: (mode) => ({ n: mode === 'quick' ? 600_000 : 2_000_000, chunks: 64 }),
  describe: ({ n, chunks }) =>
    `The sum of the primes below ${grouped(n)} by trial division, in ${chunks} equal ranges ` +
    'submitted at once, on a pool of 1 worker and then of 2 (timed after the pool is up); ' +
    'speedup = 1-worker time / 2-worker time. multitask runs it on worker threads and, as ' +
    '`Pool`, on processes. CPython runs the same code in ' +
    '`multiprocessing.Pool(1)` and `Pool(2)` (`map`, chunksize 1).',
  timeoutMs: ({ n }) => 30_000 + n / 20,
  contenders: [
    ...poolContenders([rawPool, ...peerPools, ...multitaskPools, multitaskProcessPool], measure),
    cpython('cpython-pool', 'CPython multiprocessing.Pool'),
  ],
  table: {
    columns: [
      { key: 'one', header: '1 worker', unit: 's', better: 'lower' },
      { key: 'two', header: '2 workers', unit: 's', better: 'lower' },
      { key: 'speedup', header: 'speedup', unit: 'x', better: 'higher' },
    ],
    primary: 'two',
    ratios: [
      { header: '2 workers vs raw', ref: () => rawPool.id },
      { header: '2 workers vs CPython', ref: () => 'cpython-pool' },
    ],
  },
};
