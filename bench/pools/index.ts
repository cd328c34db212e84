/**
 * Every pool the pool scenarios (1, 2, 3, 8) compare, in table order.
 *
 * multitask's pools arrive with issue 5. To add one: write a PoolSpec whose `open()` starts
 * it with `(await loadMultitask()).ThreadPool` (see piscina.ts for the shape, about fifteen
 * lines), give it `requires`, and put it in place of its PlannedPool below.
 */
import { piscina } from './piscina.ts';
import { poolifier } from './poolifier.ts';
import { raw } from './raw.ts';
import { tinypool } from './tinypool.ts';
import type { PlannedPool, PoolSpec } from './types.ts';
import { workerpool } from './workerpool.ts';

export const multitaskThreadPool: PlannedPool = {
  kind: 'planned',
  id: 'multitask-threadpool',
  label: 'multitask ThreadPool',
  requires: { exports: ['ThreadPool'], issue: 5 },
};

export const multitaskExecutor: PlannedPool = {
  kind: 'planned',
  id: 'multitask-threadpoolexecutor',
  label: 'multitask ThreadPoolExecutor',
  requires: { exports: ['ThreadPoolExecutor'], issue: 5 },
};

/** The peers, in table order. */
export const peerPools: readonly PoolSpec[] = [piscina, tinypool, workerpool, poolifier];

/** multitask's own pools, measured beside the peers once they exist. */
export const multitaskPools: readonly (PoolSpec | PlannedPool)[] = [
  multitaskThreadPool,
  multitaskExecutor,
];

/** The hand-written baseline. */
export const rawPool: PoolSpec = raw;
