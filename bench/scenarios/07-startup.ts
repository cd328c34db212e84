/**
 * Scenario 7: start-up. How long from asking for a thread or a process to having it joined,
 * when it has nothing to do: multitask's `Thread` and `Process` (a task reference to a
 * function that returns at once), beside a raw `new Worker()` and a raw
 * `child_process.fork()` of an empty module, and CPython's `threading.Thread` and
 * `multiprocessing.Process` (fork and spawn start methods).
 */
import { fork } from 'node:child_process';
import { once } from 'node:events';
import { Worker } from 'node:worker_threads';
import { cpython } from '../lib/python.ts';
import { loadMultitask } from '../lib/multitask.ts';
import { benchFile, benchUrl } from '../lib/paths.ts';
import { median } from '../lib/stats.ts';
import { nowMs } from '../lib/timing.ts';
import type { Measurement, RowSpec, Scenario } from '../lib/types.ts';

type StartupParams = { starts: number; warmup: number };

/** `warmup` untimed starts, then `starts` timed ones, one after another; the median, in ms. */
async function medianStartMs(
  { starts, warmup }: StartupParams,
  startAndJoin: () => Promise<void>,
): Promise<Measurement> {
  for (let i = 0; i < warmup; i++) await startAndJoin();
  const times: number[] = [];
  for (let i = 0; i < starts; i++) {
    const start = nowMs();
    await startAndJoin();
    times.push(nowMs() - start);
  }
  return { values: { ms: median(times) ?? null } };
}

async function exited(emitter: Worker | ReturnType<typeof fork>, what: string): Promise<void> {
  const [code] = (await once(emitter, 'exit')) as [number | null];
  if (code !== 0) throw new Error(`${what} exited with code ${code}`);
}

async function multitaskWorker(
  kind: 'Thread' | 'Process',
  params: StartupParams,
): Promise<Measurement> {
  const multitask = await loadMultitask();
  const target = multitask.taskRef<() => void>(benchUrl('workers/startup-target'), 'returnAtOnce');
  const Kind = multitask[kind];
  return medianStartMs(params, async () => {
    const worker = new Kind({ target });
    worker.start();
    await worker.join();
    if (worker.exitCode !== 0) throw new Error(`${kind} exited with code ${worker.exitCode}`);
  });
}

const THREADS = new Set(['raw-worker', 'multitask-thread', 'cpython-thread']);

export const startup: Scenario<StartupParams> = {
  id: '07-startup',
  title: 'Start-up: start → join of a worker that returns at once',
  rounds: { quick: 2, full: 5 },
  params: (mode) => ({ starts: mode === 'quick' ? 4 : 10, warmup: 2 }),
  describe: ({ starts, warmup }) =>
    `${starts} starts one after another (after ${warmup} untimed ones), each from the ` +
    'request to the join (exit observed); the median per child, then the median across ' +
    'rounds. Raw rows load an empty module; multitask rows run a task reference to a ' +
    'function that returns at once, from dist/.',
  timeoutMs: ({ starts }) => 30_000 + starts * 2_000,
  contenders: [
    {
      kind: 'node',
      id: 'raw-worker',
      label: 'raw new Worker()',
      measure: (params) =>
        medianStartMs(params, () =>
          exited(new Worker(benchFile('workers/exit-at-once')), 'worker'),
        ),
    },
    {
      kind: 'node',
      id: 'multitask-thread',
      label: 'multitask Thread',
      requires: { exports: ['Thread', 'taskRef'], issue: 2 },
      measure: (params) => multitaskWorker('Thread', params),
    },
    cpython('cpython-thread', 'CPython threading.Thread'),
    {
      kind: 'node',
      id: 'raw-fork',
      label: 'raw child_process.fork()',
      measure: (params) =>
        medianStartMs(params, () =>
          exited(fork(benchFile('workers/exit-at-once'), [], { stdio: 'ignore' }), 'process'),
        ),
    },
    {
      kind: 'node',
      id: 'multitask-process',
      label: 'multitask Process',
      requires: { exports: ['Process', 'taskRef'], issue: 2 },
      measure: (params) => multitaskWorker('Process', params),
    },
    cpython('cpython-process-fork', 'CPython multiprocessing.Process (fork)'),
    cpython('cpython-process-spawn', 'CPython multiprocessing.Process (spawn)'),
  ],
  table: {
    columns: [{ key: 'ms', header: 'start → join', unit: 'ms', better: 'lower' }],
    primary: 'ms',
    ratios: [
      {
        header: 'vs raw Node, same kind',
        ref: (row: RowSpec) => (THREADS.has(row.id) ? 'raw-worker' : 'raw-fork'),
      },
      {
        header: 'vs CPython, same kind',
        ref: (row: RowSpec) => (THREADS.has(row.id) ? 'cpython-thread' : 'cpython-process-spawn'),
      },
    ],
  },
};
