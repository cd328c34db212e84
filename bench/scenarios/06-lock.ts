/**
 * Scenario 6: an uncontended lock, acquire + release, in nanoseconds per pair: the cost a
 * lock adds to every critical section when nobody else wants it. Sync forms (blocking
 * acquire) and async forms (an awaited acquire) are compared with the bare Atomics lock in
 * the same form; CPython's `threading.Lock` and `multiprocessing.Lock` run the same loop.
 * A multitask Lock used from a child process, on each shared-memory backend (the native
 * addon's arenas, or the parent's broker): its rows stand beside CPython's
 * `multiprocessing.Lock`.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AtomicsLock } from '../baselines/atomics-lock.ts';
import { loadMultithreading } from '../lib/multithreading.ts';
import { loadMultitask } from '../lib/multitask.ts';
import { nsPerPair } from '../lib/pairs.ts';
import { benchUrl } from '../lib/paths.ts';
import { cpython } from '../lib/python.ts';
import type { Measurement, RowSpec, Scenario } from '../lib/types.ts';
import type { lockPairs } from '../workers/lock-tasks.ts';

type LockParams = { batchMs: number; batches: number };

async function pairs(
  { batchMs, batches }: LockParams,
  loop: (count: number) => void | Promise<void>,
): Promise<Measurement> {
  return { values: { ns: await nsPerPair(batchMs, batches, loop) } };
}

/**
 * A multitask Process runs the loop on a Lock its parent created: mapped from the parent's
 * arena (`native`, which fails without the addon rather than measure the broker under its
 * name), or through the parent's broker (`broker`). Each measurement is a fresh process, and
 * the child inherits the variable.
 */
async function fromProcess(
  form: 'sync' | 'async',
  backend: 'native' | 'broker',
  params: LockParams,
): Promise<Measurement> {
  process.env.MULTITASK_SHARED_MEMORY = backend;
  const { Lock, Process, taskRef } = await loadMultitask();
  const dir = mkdtempSync(join(tmpdir(), 'multitask-bench-'));
  try {
    const path = join(dir, 'ns');
    const target = taskRef<typeof lockPairs>(benchUrl('workers/lock-tasks'), 'lockPairs');
    const child = new Process({
      target,
      args: [new Lock(), form, params.batchMs, params.batches, path],
    });
    child.start();
    await child.join();
    if (child.exitCode !== 0) throw new Error(`the process exited with code ${child.exitCode}`);
    return { values: { ns: JSON.parse(readFileSync(path, 'utf8')) as number | null } };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The sync pair with a diagnostic of issue 21 switched on through `MULTITASK_DEBUG` before
 * multitask loads: deadlock detection or all-asleep detection (nothing more on an uncontended
 * acquire), or lock-order checking (a per-realm list of held locks on each acquire and release).
 */
async function withDebug(flag: string, params: LockParams): Promise<Measurement> {
  process.env.MULTITASK_DEBUG = flag;
  const multitaskLock = new (await loadMultitask()).Lock();
  return pairs(params, (count) => {
    for (let i = 0; i < count; i++) {
      multitaskLock.acquireSync();
      multitaskLock.release();
    }
  });
}

const SYNC_ROWS = new Set([
  'bare-sync',
  'multithreading-sync',
  'multitask-lock-sync',
  'multitask-lock-sync-deadlock',
  'multitask-lock-sync-lockorder',
  'multitask-lock-sync-asleep',
]);
const ASYNC_ROWS = new Set([
  'bare-async',
  'multithreading-async',
  'async-mutex',
  'multitask-lock-async',
]);
const PROCESS_ROWS = new Set([
  'multitask-lock-process-sync',
  'multitask-lock-process-async',
  'multitask-lock-process-sync-broker',
  'multitask-lock-process-async-broker',
  'cpython-mp-lock',
]);

export const lock: Scenario<LockParams> = {
  id: '06-lock',
  title: 'Uncontended lock: acquire + release',
  rounds: { quick: 2, full: 5 },
  params: (mode) => ({ batchMs: mode === 'quick' ? 20 : 150, batches: 5 }),
  describe: ({ batchMs, batches }) =>
    'One thread takes and gives back a lock nobody else holds, in a loop, in batches sized ' +
    `to take about ${batchMs} ms each (calibrated, which also warms up); the median of ` +
    `${batches} batches, in ns per pair. Sync forms block; async forms \`await\` the ` +
    'acquire. From a Process, the multitask Lock is created by the parent; the child maps ' +
    "it from the parent's arena (native addon) or reaches it through the parent's broker " +
    '(`MULTITASK_SHARED_MEMORY=broker`). The rows "deadlock detection on", "lock-order ' +
    'checking on" and "all-asleep detection on" start with `MULTITASK_DEBUG=deadlock`, ' +
    '`=lockorder` or `=asleep`. The bare lock is two `Atomics.compareExchange` calls; its ' +
    'async form wraps the same in an async function. `multithreading` 0.3.52 reads ' +
    '`navigator.hardwareConcurrency` when it loads, which Node 20 lacks: the bench defines ' +
    'that one property before importing it.',
  timeoutMs: () => 60_000,
  contenders: [
    {
      kind: 'node',
      id: 'bare-sync',
      label: 'bare Atomics lock, sync',
      measure: (params) => {
        const atomicsLock = new AtomicsLock();
        return pairs(params, (count) => {
          for (let i = 0; i < count; i++) {
            atomicsLock.acquire();
            atomicsLock.release();
          }
        });
      },
    },
    {
      kind: 'node',
      id: 'multithreading-sync',
      label: 'multithreading Mutex, blockingLock()',
      packages: ['multithreading'],
      measure: async (params) => {
        const { Mutex } = await loadMultithreading();
        const mutex = new Mutex();
        return pairs(params, (count) => {
          for (let i = 0; i < count; i++) mutex.blockingLock().dispose();
        });
      },
    },
    {
      kind: 'node',
      id: 'multitask-lock-sync',
      label: 'multitask Lock, acquireSync()',
      requires: { exports: ['Lock'], issue: 3 },
      measure: async (params) => {
        const multitaskLock = new (await loadMultitask()).Lock();
        return pairs(params, (count) => {
          for (let i = 0; i < count; i++) {
            multitaskLock.acquireSync();
            multitaskLock.release();
          }
        });
      },
    },
    {
      kind: 'node',
      id: 'multitask-lock-sync-deadlock',
      label: 'multitask Lock, acquireSync(), deadlock detection on',
      requires: { exports: ['Lock', 'setDeadlockDetection'], issue: 21 },
      measure: (params) => withDebug('deadlock', params),
    },
    {
      kind: 'node',
      id: 'multitask-lock-sync-lockorder',
      label: 'multitask Lock, acquireSync(), lock-order checking on',
      requires: { exports: ['Lock', 'setLockOrderChecking'], issue: 21 },
      measure: (params) => withDebug('lockorder', params),
    },
    {
      kind: 'node',
      id: 'multitask-lock-sync-asleep',
      label: 'multitask Lock, acquireSync(), all-asleep detection on',
      requires: { exports: ['Lock', 'setAsleepDetection'], issue: 21 },
      measure: (params) => withDebug('asleep', params),
    },
    {
      kind: 'node',
      id: 'bare-async',
      label: 'bare Atomics lock, async',
      measure: (params) => {
        const atomicsLock = new AtomicsLock();
        return pairs(params, async (count) => {
          for (let i = 0; i < count; i++) {
            await atomicsLock.acquireAsync();
            atomicsLock.release();
          }
        });
      },
    },
    {
      kind: 'node',
      id: 'multithreading-async',
      label: 'multithreading Mutex, await lock()',
      packages: ['multithreading'],
      measure: async (params) => {
        const { Mutex } = await loadMultithreading();
        const mutex = new Mutex();
        return pairs(params, async (count) => {
          for (let i = 0; i < count; i++) (await mutex.lock()).dispose();
        });
      },
    },
    {
      kind: 'node',
      id: 'async-mutex',
      label: 'async-mutex Mutex, await acquire()',
      packages: ['async-mutex'],
      measure: async (params) => {
        const { Mutex } = await import('async-mutex');
        const mutex = new Mutex();
        return pairs(params, async (count) => {
          for (let i = 0; i < count; i++) {
            const release = await mutex.acquire();
            release();
          }
        });
      },
    },
    {
      kind: 'node',
      id: 'multitask-lock-async',
      label: 'multitask Lock, await acquire()',
      requires: { exports: ['Lock'], issue: 3 },
      measure: async (params) => {
        const multitaskLock = new (await loadMultitask()).Lock();
        return pairs(params, async (count) => {
          for (let i = 0; i < count; i++) {
            await multitaskLock.acquire();
            multitaskLock.release();
          }
        });
      },
    },
    cpython('cpython-threading-lock', 'CPython threading.Lock'),
    {
      kind: 'node',
      id: 'multitask-lock-process-sync',
      label: 'multitask Lock from a Process, acquireSync(), native',
      requires: { exports: ['Lock', 'Process', 'taskRef'], issue: 12 },
      measure: (params) => fromProcess('sync', 'native', params),
    },
    {
      kind: 'node',
      id: 'multitask-lock-process-async',
      label: 'multitask Lock from a Process, await acquire(), native',
      requires: { exports: ['Lock', 'Process', 'taskRef'], issue: 12 },
      measure: (params) => fromProcess('async', 'native', params),
    },
    {
      kind: 'node',
      id: 'multitask-lock-process-sync-broker',
      label: 'multitask Lock from a Process, acquireSync(), broker',
      requires: { exports: ['Lock', 'Process', 'taskRef'], issue: 3 },
      measure: (params) => fromProcess('sync', 'broker', params),
    },
    {
      kind: 'node',
      id: 'multitask-lock-process-async-broker',
      label: 'multitask Lock from a Process, await acquire(), broker',
      requires: { exports: ['Lock', 'Process', 'taskRef'], issue: 3 },
      measure: (params) => fromProcess('async', 'broker', params),
    },
    cpython('cpython-mp-lock', 'CPython multiprocessing.Lock'),
  ],
  table: {
    columns: [{ key: 'ns', header: 'pair', unit: 'ns', better: 'lower' }],
    primary: 'ns',
    ratios: [
      {
        header: 'vs bare Atomics, same form',
        ref: (row: RowSpec) =>
          SYNC_ROWS.has(row.id) ? 'bare-sync' : ASYNC_ROWS.has(row.id) ? 'bare-async' : undefined,
      },
      {
        header: 'vs CPython, same kind',
        ref: (row: RowSpec) =>
          PROCESS_ROWS.has(row.id) ? 'cpython-mp-lock' : 'cpython-threading-lock',
      },
    ],
  },
};
