/**
 * Turns pools into a scenario's contenders: a measured pool becomes a Node contender whose
 * child runs `measure(pool, params)`; a planned multitask pool stays a planned row.
 */
import type { Contender, Measurement, Params } from '../lib/types.ts';
import type { PlannedPool, PoolSpec } from './types.ts';

export function poolContenders<P extends Params>(
  pools: readonly (PoolSpec | PlannedPool)[],
  measure: (pool: PoolSpec, params: P) => Promise<Measurement>,
): Contender<P>[] {
  return pools.map((pool): Contender<P> => {
    const base = { id: pool.id, label: pool.label };
    if (pool.kind === 'planned') return { ...base, kind: 'planned', requires: pool.requires };
    return {
      ...base,
      kind: 'node',
      ...(pool.packages === undefined ? {} : { packages: pool.packages }),
      ...(pool.requires === undefined ? {} : { requires: pool.requires }),
      measure: (params: P) => measure(pool, params),
    };
  });
}
