/**
 * Scenario 2: sequential round-trip latency. One task at a time on a pool of one worker:
 * submit `x + 1`, await it, submit the next. Each round trip wakes a sleeping thread on
 * the other side and back, so this is the pool's latency floor.
 */
import { cpython } from '../lib/python.ts';
import { quantile } from '../lib/stats.ts';
import { grouped } from '../lib/text.ts';
import { nowMs } from '../lib/timing.ts';
import type { Measurement, Scenario } from '../lib/types.ts';
import { poolContenders } from '../pools/contenders.ts';
import { multitaskPools, peerPools, rawPool } from '../pools/index.ts';
import type { PoolSpec } from '../pools/types.ts';

type RoundTripParams = { calls: number; workers: number; warmup: number };

async function measure(pool: PoolSpec, params: RoundTripParams): Promise<Measurement> {
  const { calls, workers, warmup } = params;
  const adapter = await pool.open(workers);
  try {
    for (let i = 0; i < warmup; i++) await adapter.run('inc', i);
    const samples = new Float64Array(calls);
    for (let i = 0; i < calls; i++) {
      const start = nowMs();
      const value = await adapter.run('inc', i);
      samples[i] = (nowMs() - start) * 1000;
      if (value !== i + 1) throw new Error(`wrong result: inc(${i}) = ${value}`);
    }
    const sorted = [...samples];
    return {
      values: { median: quantile(sorted, 0.5) ?? null, p99: quantile(sorted, 0.99) ?? null },
    };
  } finally {
    await adapter.close();
  }
}

const peers = peerPools.map((pool) => pool.id);

export const roundTrip: Scenario<RoundTripParams> = {
  id: '02-round-trip',
  title: 'Sequential round-trip latency',
  rounds: { quick: 2, full: 5 },
  params: (mode) => ({ calls: mode === 'quick' ? 1_000 : 10_000, workers: 1, warmup: 200 }),
  describe: ({ calls, workers, warmup }) =>
    `One task of \`x + 1\` at a time on a pool of ${workers} worker, ${grouped(calls)} calls ` +
    `(after ${grouped(warmup)} warm-up calls): the median and the 99th percentile of the ` +
    'time from submitting to having the result, per child; then the median across rounds.',
  timeoutMs: ({ calls }) => 30_000 + calls * 5,
  contenders: [
    ...poolContenders([rawPool, ...peerPools, ...multitaskPools], measure),
    cpython('cpython-threadpoolexecutor', 'CPython ThreadPoolExecutor'),
    cpython('cpython-pool', 'CPython multiprocessing.Pool'),
  ],
  table: {
    columns: [
      { key: 'median', header: 'median', unit: 'µs', better: 'lower' },
      { key: 'p99', header: 'p99', unit: 'µs', better: 'lower' },
    ],
    primary: 'median',
    ratios: [
      { header: 'vs raw postMessage', ref: () => rawPool.id },
      { header: 'vs fastest peer', ref: { bestOf: peers } },
      { header: 'vs best', ref: 'best' },
    ],
  },
};
