/**
 * Scenario 11: two workers each add 1 to one shared `Value` under its lock, N times: the
 * course's `with counter.get_lock(): counter.value += 1`, as threads and as processes. The
 * time runs from the first `start()` to the last `join()`, so it includes starting the two
 * workers; it is reported per increment. A multitask Process maps the Value and its lock
 * from the parent's arena (native addon) or reaches them through the parent's broker, which
 * makes fewer increments (every one is two round trips) but is reported the same way.
 */
import { loadMultitask } from '../lib/multitask.ts';
import { benchUrl } from '../lib/paths.ts';
import { cpython } from '../lib/python.ts';
import type { Measurement, RowSpec, Scenario } from '../lib/types.ts';
import type { increment } from '../workers/counter-tasks.ts';

type CounterParams = { increments: number; brokerIncrements: number };

async function twoWorkers(
  kind: 'thread' | 'process',
  backend: 'native' | 'broker',
  times: number,
): Promise<Measurement> {
  process.env.MULTITASK_SHARED_MEMORY = backend;
  const { Process, Thread, Value, taskRef } = await loadMultitask();
  const counter = new Value('i', 0);
  const target = taskRef<typeof increment>(benchUrl('workers/counter-tasks'), 'increment');
  const Worker = kind === 'thread' ? Thread : Process;
  const start = process.hrtime.bigint();
  const workers = [0, 1].map(() => new Worker({ target, args: [counter, times] }));
  for (const worker of workers) worker.start();
  for (const worker of workers) await worker.join();
  const elapsed = Number(process.hrtime.bigint() - start);
  for (const worker of workers) {
    if (worker.exitCode !== 0) throw new Error(`a worker exited with code ${worker.exitCode}`);
  }
  if (counter.value !== 2 * times) {
    throw new Error(
      `the counter ended at ${counter.value}, not ${2 * times}: an increment was lost`,
    );
  }
  return { values: { ns: elapsed / (2 * times) } };
}

const THREADS = 'multitask-threads';

export const sharedCounter: Scenario<CounterParams> = {
  id: '11-shared-counter',
  title: 'Two workers, one locked Value: increments',
  rounds: { quick: 2, full: 5 },
  params: (mode) =>
    mode === 'quick'
      ? { increments: 100_000, brokerIncrements: 500 }
      : { increments: 1_000_000, brokerIncrements: 2_000 },
  describe: ({ increments, brokerIncrements }) =>
    `Two workers each make ${increments.toLocaleString('en-US')} increments of one shared ` +
    "`Value('i')`, each under the Value's own lock (`acquireSync`, `value += 1`, " +
    '`release`), from the first `start()` to the last `join()` (start-up included), in ns ' +
    'per increment. multitask Threads; multitask Processes mapping the Value from the ' +
    "parent's arena (native addon); multitask Processes through the parent's broker " +
    `(${brokerIncrements.toLocaleString('en-US')} each: two round trips per increment); ` +
    "CPython's `multiprocessing.Process` pair with `with value.get_lock(): value.value += 1`. " +
    'The final count is checked.',
  timeoutMs: () => 120_000,
  contenders: [
    {
      kind: 'node',
      id: THREADS,
      label: 'multitask, 2 Threads',
      requires: { exports: ['Value', 'Thread', 'taskRef'], issue: 3 },
      measure: (p) => twoWorkers('thread', 'native', p.increments),
    },
    {
      kind: 'node',
      id: 'multitask-processes',
      label: 'multitask, 2 Processes, native',
      requires: { exports: ['Value', 'Process', 'taskRef'], issue: 12 },
      measure: (p) => twoWorkers('process', 'native', p.increments),
    },
    {
      kind: 'node',
      id: 'multitask-processes-broker',
      label: 'multitask, 2 Processes, broker',
      requires: { exports: ['Value', 'Process', 'taskRef'], issue: 3 },
      measure: (p) => twoWorkers('process', 'broker', p.brokerIncrements),
    },
    cpython('cpython-mp-value', 'CPython, 2 multiprocessing.Process'),
  ],
  table: {
    columns: [{ key: 'ns', header: 'increment', unit: 'ns', better: 'lower' }],
    primary: 'ns',
    ratios: [
      { header: 'vs 2 Threads', ref: (_row: RowSpec) => THREADS },
      { header: 'vs CPython', ref: (_row: RowSpec) => 'cpython-mp-value' },
    ],
  },
};
