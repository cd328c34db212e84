/**
 * Scenario 13: a Manager's proxies, against CPython's `multiprocessing.Manager()`. First the
 * round trip: one process makes `d['k'] = i` then `d['k']` on a dict proxy, W times timed as
 * a whole (the cold rate: a fresh Node process runs this path interpreted until V8 has
 * compiled it, some thousands of calls), then N times in 5 batches it times one by one (the
 * median batch counts: a burst of load spoils one batch, not the round). Then the course's ten processes, each making M increments of `d['count']`
 * under the manager's Lock, from the first `start()` to the last `join()` (start-up included):
 * cold Processes, and Processes from spares started before the clock (`Process.prestart`,
 * multitask's counterpart of CPython's fork, which the CPython row uses).
 */
import { loadMultitask } from '../lib/multitask.ts';
import { benchUrl } from '../lib/paths.ts';
import type { Measurement, PythonContender, RowSpec, Scenario } from '../lib/types.ts';
import type { lockedIncrements, roundTrips } from '../workers/manager-tasks.ts';

type ManagerParams = {
  warmUp: number;
  roundTrips: number;
  workers: number;
  increments: number;
};

/** The two rows, with the ten processes started cold or taken from spares. */
async function measure(p: ManagerParams, spares: boolean): Promise<Measurement> {
  const { Manager, Process, Queue, taskRef } = await loadMultitask();
  const tasks = benchUrl('workers/manager-tasks');
  await using manager = new Manager();
  await manager.start();

  const d = await manager.dict<string, number>();
  const out = new Queue<[number, number]>();
  const client = new Process({
    target: taskRef<typeof roundTrips>(tasks, 'roundTrips'),
    args: [d, p.warmUp, p.roundTrips, out],
  });
  client.start();
  const [coldPairs, pairs] = await out.get();
  await client.join();
  if (client.exitCode !== 0) throw new Error(`the client exited with code ${client.exitCode}`);

  const counts = await manager.dict<string, number>({ count: 0 });
  const lock = await manager.Lock();
  const target = taskRef<typeof lockedIncrements>(tasks, 'lockedIncrements');
  if (spares) await Process.prestart(p.workers, { preload: [target] });
  const start = process.hrtime.bigint();
  const workers = Array.from(
    { length: p.workers },
    () => new Process({ target, args: [counts, lock, p.increments] }),
  );
  for (const worker of workers) worker.start();
  for (const worker of workers) await worker.join();
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  const count = await counts.get('count');
  if (count !== p.workers * p.increments) {
    throw new Error(`the count ended at ${count}, not ${p.workers * p.increments}`);
  }
  return { values: { coldPairs, pairs, lockedMs: ms } };
}

const CPYTHON: PythonContender = {
  kind: 'python',
  id: 'cpython-manager',
  label: 'CPython, multiprocessing.Manager()',
  script: 'manager.py',
};

export const managerScenario: Scenario<ManagerParams> = {
  id: '13-manager',
  title: 'Manager: dict proxy round trips, locked increments from ten processes',
  rounds: { quick: 2, full: 5 },
  params: (mode) =>
    mode === 'quick'
      ? { warmUp: 2_000, roundTrips: 2_000, workers: 10, increments: 200 }
      : { warmUp: 10_000, roundTrips: 10_000, workers: 10, increments: 1_000 },
  describe: ({ warmUp, roundTrips, workers, increments }) =>
    `One fresh process makes ${warmUp.toLocaleString('en-US')} \`d['k'] = i\` + ` +
    "`d['k']` pairs on a dict proxy from a fresh manager, timed as a whole (cold: a Node " +
    'process runs the path interpreted until V8 has compiled it), then ' +
    `${roundTrips.toLocaleString('en-US')} more (set+get pairs per second, timed in the ` +
    'process in 5 batches: the median batch); then ' +
    `${workers} processes each make ${increments.toLocaleString('en-US')} increments of ` +
    "`d['count']` under the manager's Lock, from the first `start()` to the last `join()` " +
    "(start-up included), in ms: multitask's Processes cold, or from spares prestarted " +
    "before the clock (CPython's fork start takes 2 ms; see scenario 7). multitask's " +
    '`Manager` (its Lock is the native shared Lock) ' +
    "beside CPython's `multiprocessing.Manager()` (its Lock a proxy to the server's). The " +
    'final count is checked.',
  timeoutMs: () => 300_000,
  contenders: [
    {
      kind: 'node',
      id: 'multitask-manager',
      label: 'multitask, Manager',
      requires: { exports: ['Manager', 'Process'], issue: 15 },
      measure: (p) => measure(p, false),
    },
    {
      kind: 'node',
      id: 'multitask-manager-spares',
      label: 'multitask, Manager, Processes from spares',
      requires: { exports: ['Manager', 'Process'], issue: 15 },
      measure: (p) => measure(p, true),
    },
    CPYTHON,
  ],
  table: {
    columns: [
      { key: 'pairs', header: 'set+get round trips', unit: 'items/s', better: 'higher' },
      { key: 'coldPairs', header: 'cold round trips', unit: 'items/s', better: 'higher' },
      { key: 'lockedMs', header: 'locked increments', unit: 'ms', better: 'lower' },
    ],
    primary: 'pairs',
    ratios: [{ header: 'vs CPython', ref: (_row: RowSpec) => 'cpython-manager' }],
  },
};
