/**
 * Scenario 7: start-up. How long from asking for a thread or a process to having it joined,
 * when it has nothing to do: multitask's `Thread` and `Process` (a task reference to a
 * function that returns at once), cold and from a warm spare (`prestart`), beside a raw
 * `new Worker()` and a raw `child_process.fork()` of an empty module, and CPython's
 * `threading.Thread` and `multiprocessing.Process` (fork, forkserver and spawn start
 * methods). A second column: from the request to the target running (multitask and CPython
 * rows; the target notes the time on the machine's monotonic clock).
 */
import { fork } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { cpython } from '../lib/python.ts';
import { loadMultitask } from '../lib/multitask.ts';
import { benchFile, benchUrl } from '../lib/paths.ts';
import { median } from '../lib/stats.ts';
import { monotonicMs } from '../lib/timing.ts';
import type { Measurement, RowSpec, Scenario } from '../lib/types.ts';

type StartupParams = { starts: number; warmup: number };

/**
 * `warmup` untimed starts, then `starts` timed ones, one after another: the medians of start
 * → join and of start → the child's code reached, in ms. `startAndJoin(path)` starts a child
 * that writes the time it was reached (monotonicMs) to `path`, and waits for its end;
 * `prepare` runs before each start, outside the clock.
 */
async function medianStartMs(
  { starts, warmup }: StartupParams,
  startAndJoin: (path: string) => Promise<void>,
  prepare: () => Promise<void> = () => Promise.resolve(),
): Promise<Measurement> {
  const dir = mkdtempSync(join(tmpdir(), 'multitask-bench-startup-'));
  const joins: number[] = [];
  const reaches: number[] = [];
  try {
    for (let i = 0; i < warmup + starts; i++) {
      const path = join(dir, `reached-${i}`);
      await prepare();
      const start = monotonicMs();
      await startAndJoin(path);
      const joined = monotonicMs();
      if (i < warmup) continue;
      joins.push(joined - start);
      reaches.push(Number(readFileSync(path, 'utf8')) - start);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return { values: { ms: median(joins) ?? null, reach: median(reaches) ?? null } };
}

async function exited(emitter: Worker | ReturnType<typeof fork>, what: string): Promise<void> {
  const [code] = (await once(emitter, 'exit')) as [number | null];
  if (code !== 0) throw new Error(`${what} exited with code ${code}`);
}

/** multitask's `kind`, cold or each from a spare prestarted before the clock starts. */
async function multitaskWorker(
  kind: 'Thread' | 'Process',
  params: StartupParams,
  spare: boolean,
): Promise<Measurement> {
  const multitask = await loadMultitask();
  const target = multitask.taskRef<(path: string) => void>(
    benchUrl('workers/startup-target'),
    'stampReached',
  );
  const Kind = multitask[kind];
  return medianStartMs(
    params,
    async (path) => {
      const worker = new Kind({ target, args: [path] });
      worker.start();
      await worker.join();
      if (worker.exitCode !== 0) throw new Error(`${kind} exited with code ${worker.exitCode}`);
    },
    spare ? () => Kind.prestart(1, { preload: [target] }) : undefined,
  );
}

const THREADS = new Set([
  'raw-worker',
  'multitask-thread',
  'multitask-thread-spare',
  'cpython-thread',
]);

export const startup: Scenario<StartupParams> = {
  id: '07-startup',
  title: 'Start-up: start → join of a worker that returns at once',
  rounds: { quick: 2, full: 5 },
  params: (mode) => ({ starts: mode === 'quick' ? 4 : 10, warmup: 2 }),
  describe: ({ starts, warmup }) =>
    `${starts} starts one after another (after ${warmup} untimed ones), each from the ` +
    'request to the join (exit observed); the median per child, then the median across ' +
    'rounds. Raw rows load a module that notes the time and ends; multitask rows run a ' +
    'task reference to a function that does the same, from dist/; a spare row prestarts one ' +
    "(preloading the target's module) " +
    'spare before each start, outside the clock. "start → target": from the request to ' +
    'the target running, on the monotonic clock every process shares. CPython forkserver: ' +
    'the server is started by the untimed starts.',
  timeoutMs: ({ starts }) => 30_000 + starts * 2_000,
  contenders: [
    {
      kind: 'node',
      id: 'raw-worker',
      label: 'raw new Worker()',
      measure: (params) =>
        medianStartMs(params, (path) =>
          exited(new Worker(benchFile('workers/stamp-at-once'), { workerData: path }), 'worker'),
        ),
    },
    {
      kind: 'node',
      id: 'multitask-thread',
      label: 'multitask Thread',
      requires: { exports: ['Thread', 'taskRef'], issue: 2 },
      measure: (params) => multitaskWorker('Thread', params, false),
    },
    {
      kind: 'node',
      id: 'multitask-thread-spare',
      label: 'multitask Thread, from a spare',
      requires: { exports: ['Thread', 'taskRef'], issue: 13 },
      measure: (params) => multitaskWorker('Thread', params, true),
    },
    cpython('cpython-thread', 'CPython threading.Thread'),
    {
      kind: 'node',
      id: 'raw-fork',
      label: 'raw child_process.fork()',
      measure: (params) =>
        medianStartMs(params, (path) =>
          exited(fork(benchFile('workers/stamp-at-once'), [path], { stdio: 'ignore' }), 'process'),
        ),
    },
    {
      kind: 'node',
      id: 'multitask-process',
      label: 'multitask Process',
      requires: { exports: ['Process', 'taskRef'], issue: 2 },
      measure: (params) => multitaskWorker('Process', params, false),
    },
    {
      kind: 'node',
      id: 'multitask-process-spare',
      label: 'multitask Process, from a spare',
      requires: { exports: ['Process', 'taskRef'], issue: 13 },
      measure: (params) => multitaskWorker('Process', params, true),
    },
    cpython('cpython-process-fork', 'CPython multiprocessing.Process (fork)'),
    cpython('cpython-process-forkserver', 'CPython multiprocessing.Process (forkserver)'),
    cpython('cpython-process-spawn', 'CPython multiprocessing.Process (spawn)'),
  ],
  table: {
    columns: [
      { key: 'ms', header: 'start → join', unit: 'ms', better: 'lower' },
      { key: 'reach', header: 'start → target', unit: 'ms', better: 'lower' },
    ],
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
