/**
 * Scenario 8: recovery from a worker's death. A task calls `process.exit(1)` in its worker
 * thread; the figure is the time from that death to the task's settlement (rejected, one
 * hopes), and whether the pool then still runs a task. A pool that never settles the task is
 * reported as such, after a time limit.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cpython } from '../lib/python.ts';
import { bounded, describeError, monotonicMs } from '../lib/timing.ts';
import type { Measurement, Scenario } from '../lib/types.ts';
import { poolContenders } from '../pools/contenders.ts';
import { multitaskProcessPool, multitaskThreadPool, peerPools, rawPool } from '../pools/index.ts';
import type { PoolSpec } from '../pools/types.ts';

type RecoveryParams = { workers: number; limitMs: number };

function readDeathMs(path: string): number | undefined {
  try {
    return Number(BigInt(readFileSync(path, 'utf8'))) / 1e6;
  } catch {
    return undefined;
  }
}

async function measure(pool: PoolSpec, { workers, limitMs }: RecoveryParams): Promise<Measurement> {
  const dir = mkdtempSync(join(tmpdir(), 'multitask-bench-'));
  const path = join(dir, 'death');
  const adapter = await pool.open(workers);
  try {
    await Promise.all(Array.from({ length: workers * 2 }, (_, i) => adapter.run('inc', i)));
    // Note the settlement time in the handlers themselves, not after bounded()'s race.
    const task = adapter.run('die', { path }).then(
      () => ({ at: monotonicMs(), outcome: 'resolved (!)' }),
      (error: unknown) => ({ at: monotonicMs(), outcome: `rejected: ${describeError(error)}` }),
    );
    const settled = await bounded(task, limitMs);
    const deathMs = readDeathMs(path);
    let settleMs: number | null = null;
    let outcome: string;
    if (!settled.settled) outcome = `never settled (limit ${limitMs / 1000} s)`;
    else if (!settled.ok) outcome = `failed: ${describeError(settled.error)}`;
    else {
      outcome = settled.value.outcome;
      if (deathMs !== undefined) settleMs = settled.value.at - deathMs;
    }
    if (deathMs === undefined) outcome += '; the task never ran';
    const next = await bounded(adapter.run('inc', 41), limitMs);
    const works = next.settled && next.ok && next.value === 42 ? 1 : 0;
    return { values: { settle: settleMs, works }, notes: { outcome } };
  } finally {
    await adapter.close(1000);
    rmSync(dir, { recursive: true, force: true });
  }
}

const multitaskPools: readonly PoolSpec[] = [multitaskThreadPool, multitaskProcessPool];

export const recovery: Scenario<RecoveryParams> = {
  id: '08-recovery',
  title: "Recovery: a worker's death mid-task",
  rounds: { quick: 2, full: 3 },
  params: (mode) => ({ workers: 2, limitMs: mode === 'quick' ? 1_000 : 5_000 }),
  nullText: ({ limitMs }) => `never settled (limit ${limitMs / 1000} s)`,
  describe: ({ workers, limitMs }) =>
    `A pool of ${workers} workers, warmed up, runs a task that notes the time and calls ` +
    '`process.exit(1)` in its worker thread (CPython: `os._exit(1)` in its worker ' +
    'process); the time from that death to the task settling, and whether the pool then ' +
    `runs \`x + 1\` correctly. Each wait is limited to ${limitMs / 1000} s.`,
  timeoutMs: ({ limitMs }) => 30_000 + limitMs * 3,
  contenders: [
    ...poolContenders([rawPool, ...peerPools, ...multitaskPools], measure),
    cpython('cpython-processpoolexecutor', 'CPython ProcessPoolExecutor'),
    cpython('cpython-pool', 'CPython multiprocessing.Pool'),
  ],
  table: {
    columns: [
      { key: 'settle', header: 'death → settled', unit: 'ms', better: 'lower' },
      { key: 'works', header: 'pool runs the next task', unit: 'flag', better: 'none' },
    ],
    primary: 'settle',
    ratios: [],
    textColumns: [{ key: 'outcome', header: 'how the task settled' }],
  },
};
