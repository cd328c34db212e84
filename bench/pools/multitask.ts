/**
 * multitask's own pools as the pool scenarios measure them: the compiled library from dist/,
 * running the same task module as every peer.
 */
import { benchUrl } from '../lib/paths.ts';
import { loadMultitask } from '../lib/multitask.ts';
import { bounded } from '../lib/timing.ts';
import type { TaskArg, TaskName, TaskResult } from '../workers/tasks.ts';
import type { PoolAdapter, PoolSpec } from './types.ts';

type Runner = <K extends TaskName>(task: K, arg: TaskArg<K>) => Promise<TaskResult<K>>;

async function taskRefs(): Promise<(task: TaskName) => ReturnType<Multitask['taskRef']>> {
  const { taskRef } = await loadMultitask();
  const url = benchUrl('workers/tasks');
  const refs = new Map<TaskName, ReturnType<Multitask['taskRef']>>();
  return (task) => {
    let ref = refs.get(task);
    if (ref === undefined) {
      ref = taskRef(url, task);
      refs.set(task, ref);
    }
    return ref;
  };
}

type Multitask = Awaited<ReturnType<typeof loadMultitask>>;

function adapter(run: Runner, close: () => Promise<void>): PoolAdapter {
  return {
    run,
    close: async (ms = 1000) => {
      await bounded(close(), ms);
    },
  };
}

export const multitaskThreadPool: PoolSpec = {
  kind: 'pool',
  id: 'multitask-threadpool',
  label: 'multitask ThreadPool',
  requires: { exports: ['ThreadPool'], issue: 5 },
  async open(workers) {
    const { ThreadPool } = await loadMultitask();
    const ref = await taskRefs();
    const pool = new ThreadPool(workers);
    const run: Runner = (task, arg) =>
      pool.apply(ref(task), [arg]) as Promise<TaskResult<typeof task>>;
    return adapter(run, () => pool.terminate());
  },
};

export const multitaskExecutor: PoolSpec = {
  kind: 'pool',
  id: 'multitask-threadpoolexecutor',
  label: 'multitask ThreadPoolExecutor',
  requires: { exports: ['ThreadPoolExecutor'], issue: 5 },
  async open(workers) {
    const { ThreadPoolExecutor } = await loadMultitask();
    const ref = await taskRefs();
    const executor = new ThreadPoolExecutor({ maxWorkers: workers });
    const run: Runner = (task, arg) =>
      executor.submit(ref(task), arg).result() as Promise<TaskResult<typeof task>>;
    return adapter(run, () => executor.shutdown({ wait: true, cancelFutures: true }));
  },
};

/** The process executor: in the tiny-task scenario, beside CPython's ProcessPoolExecutor. */
export const multitaskProcessExecutor: PoolSpec = {
  kind: 'pool',
  id: 'multitask-processpoolexecutor',
  label: 'multitask ProcessPoolExecutor',
  requires: { exports: ['ProcessPoolExecutor'], issue: 13 },
  async open(workers) {
    const { ProcessPoolExecutor } = await loadMultitask();
    const ref = await taskRefs();
    const executor = new ProcessPoolExecutor({ maxWorkers: workers });
    const run: Runner = (task, arg) =>
      executor.submit(ref(task), arg).result() as Promise<TaskResult<typeof task>>;
    return adapter(run, () => executor.shutdown({ wait: true, cancelFutures: true }));
  },
};

/** The process pool: in the recovery scenario, whose dying task exits its process. */
export const multitaskProcessPool: PoolSpec = {
  kind: 'pool',
  id: 'multitask-pool',
  label: 'multitask Pool (processes)',
  requires: { exports: ['Pool'], issue: 5 },
  async open(workers) {
    const { Pool } = await loadMultitask();
    const ref = await taskRefs();
    const pool = new Pool(workers);
    const run: Runner = (task, arg) =>
      pool.apply(ref(task), [arg]) as Promise<TaskResult<typeof task>>;
    return adapter(run, () => pool.terminate());
  },
};
