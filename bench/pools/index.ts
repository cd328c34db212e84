/**
 * Every pool the pool scenarios (1, 2, 3, 8) compare, in table order.
 *
 * multitask's own pools are in multitask.ts.
 */
import { piscina } from './piscina.ts';
import { poolifier } from './poolifier.ts';
import { raw } from './raw.ts';
import { tinypool } from './tinypool.ts';
import {
  multitaskExecutor,
  multitaskProcessExecutor,
  multitaskProcessPool,
  multitaskThreadPool,
} from './multitask.ts';
import type { PlannedPool, PoolSpec } from './types.ts';
import { workerpool } from './workerpool.ts';

export { multitaskExecutor, multitaskProcessExecutor, multitaskProcessPool, multitaskThreadPool };

/** The peers, in table order. */
export const peerPools: readonly PoolSpec[] = [piscina, tinypool, workerpool, poolifier];

/** multitask's own pools, measured beside the peers. */
export const multitaskPools: readonly (PoolSpec | PlannedPool)[] = [
  multitaskThreadPool,
  multitaskExecutor,
];

/** The hand-written baseline. */
export const rawPool: PoolSpec = raw;
