/** The raw worker_threads + postMessage baseline as a pool (see baselines/raw-pool.ts). */
import { RawPool } from '../baselines/raw-pool.ts';
import type { PoolSpec } from './types.ts';

export const raw: PoolSpec = {
  kind: 'pool',
  id: 'raw-postmessage',
  label: 'raw worker_threads + postMessage',
  open: (workers) => RawPool.open(workers),
};
