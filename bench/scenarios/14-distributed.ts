/**
 * Scenario 14: the distributed executor beside BullMQ alone, on one throwaway redis-server
 * per measurement (no persistence, a free loopback port). Tiny tasks (`x + 1`) submitted at
 * once, at a concurrency of 1 and of 8: through `DistributedExecutor` and a
 * `DistributedWorker` (which runs each job on its local thread pool, or on its main thread
 * when the task is declared cheap with `inline`), and through a plain BullMQ `Queue` +
 * `Worker` whose processor does `x + 1` on its main thread, with `QueueEvents` telling the
 * submitter, as the executor's futures are told. Both sides add jobs with `addBulk`, with
 * the same job options (the executor's: removed on completion, failures kept a day). Then
 * the round trip of one task at a time, submit to result.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { loadMultitask } from '../lib/multitask.ts';
import { benchFile, benchUrl } from '../lib/paths.ts';
import { quantile } from '../lib/stats.ts';
import { grouped } from '../lib/text.ts';
import { nowMs } from '../lib/timing.ts';
import type { Measurement, RowSpec, Scenario } from '../lib/types.ts';
import type { inc } from '../workers/tasks.ts';

type DistParams = { jobs: number; warm: number; calls: number };

async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  server.close();
  await once(server, 'close');
  if (address === null || typeof address === 'string') throw new Error('no free port');
  return address.port;
}

/** Runs `body` against a fresh redis-server, stopped after. */
async function withRedis<T>(body: (url: string) => Promise<T>): Promise<T> {
  const port = await freePort();
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  try {
    await new Promise<void>((resolve, reject) => {
      let output = '';
      child.stdout.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        if (output.includes('Ready to accept connections')) resolve();
      });
      child.once('error', reject);
      child.once('exit', (code) => {
        reject(new Error(`redis-server exited (${code}): ${output}`));
      });
    });
    child.stdout.resume();
    return await body(`redis://127.0.0.1:${port}`);
  } finally {
    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    await exited;
  }
}

/** The sum of `runMany(n)`'s results, checked: 1 + 2 + … + n. */
async function checkedMany(runMany: (n: number) => Promise<number>, n: number): Promise<void> {
  const total = await runMany(n);
  if (total !== (n * (n + 1)) / 2) throw new Error(`wrong total ${total}`);
}

/**
 * Jobs/s of `jobs` submitted at once, and the process's CPU time per job meanwhile (the
 * submitter's and the worker's, all threads; not redis-server's); then the median and p99
 * of `calls` round trips.
 */
async function timeBoth(
  params: DistParams,
  runMany: (n: number) => Promise<number>,
  runOne: (x: number) => Promise<number>,
): Promise<Measurement> {
  // Warm-up: connections, pool, JIT. A burst too, as measured: one task at a time reaches
  // only the first of a pool's threads, and the others would compile their code on the clock.
  for (let i = 0; i < 50; i++) await runOne(i);
  await checkedMany(runMany, params.warm);
  const cpuBefore = process.cpuUsage();
  const start = nowMs();
  await checkedMany(runMany, params.jobs);
  const seconds = (nowMs() - start) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  const samples: number[] = [];
  for (let i = 0; i < params.calls; i++) {
    const t = nowMs();
    const value = await runOne(i);
    samples.push(nowMs() - t);
    if (value !== i + 1) throw new Error(`wrong result: inc(${i}) = ${value}`);
  }
  samples.sort((a, b) => a - b);
  return {
    values: {
      tps: params.jobs / seconds,
      cpu: (cpu.user + cpu.system) / params.jobs,
      median: quantile(samples, 0.5) ?? null,
      p99: quantile(samples, 0.99) ?? null,
    },
  };
}

function multitask(concurrency: number, inline: boolean) {
  return (params: DistParams): Promise<Measurement> =>
    withRedis(async (url) => {
      const { DistributedExecutor, DistributedWorker, taskRef } = await loadMultitask();
      const tasksUrl = benchUrl('workers/tasks');
      const task = taskRef<typeof inc>(tasksUrl, 'inc');
      const worker = await DistributedWorker.start({
        connection: url,
        queue: 'bench',
        modules: [fileURLToPath(tasksUrl)],
        concurrency,
        ...(inline ? { inline: ['tasks:inc'] } : {}),
      });
      const executor = new DistributedExecutor({ connection: url, queue: 'bench' });
      try {
        return await timeBoth(
          params,
          async (n) => {
            const futures = Array.from({ length: n }, (_, i) => executor.submit(task, i));
            let total = 0;
            for (const f of futures) total += await f;
            return total;
          },
          (x) => executor.submit(task, x).result(),
        );
      } finally {
        await executor.shutdown();
        await worker.close();
      }
    });
}

/**
 * BullMQ alone: its `Worker` runs `x + 1` on its main thread, or (`threads`) sandboxed in
 * worker threads of its own (`useWorkerThreads`, a processor file), BullMQ's way of keeping
 * a CPU-bound job off the thread that renews the job locks, as multitask's pool does.
 */
function bullmq(concurrency: number, threads: boolean) {
  return (params: DistParams): Promise<Measurement> =>
    withRedis(async (url) => {
      const { Queue, QueueEvents, Worker } = await import('bullmq');
      const { Redis } = await import('ioredis');
      const client = new Redis(url, { maxRetriesPerRequest: null });
      const queue = new Queue('bench', { connection: client });
      const events = new QueueEvents('bench', { connection: client });
      const worker = threads
        ? new Worker('bench', benchFile('workers/bullmq-inc'), {
            connection: client,
            concurrency,
            useWorkerThreads: true,
          })
        : new Worker('bench', (job) => Promise.resolve((job.data as number) + 1), {
            connection: client,
            concurrency,
          });
      const waiting = new Map<string, (value: number) => void>();
      events.on('completed', ({ jobId, returnvalue }) => {
        waiting.get(jobId)?.(Number(returnvalue));
        waiting.delete(jobId);
      });
      await Promise.all([queue.waitUntilReady(), events.waitUntilReady()]);
      let id = 0;
      const submit = (xs: number[]): Promise<number>[] => {
        const jobs = xs.map((x) => ({
          name: 'inc',
          data: x,
          opts: { jobId: `j${++id}`, removeOnComplete: true, removeOnFail: { age: 24 * 3600 } },
        }));
        const results = jobs.map(
          (job) => new Promise<number>((resolve) => waiting.set(job.opts.jobId, resolve)),
        );
        void queue.addBulk(jobs);
        return results;
      };
      try {
        return await timeBoth(
          params,
          async (n) => {
            const results = await Promise.all(submit(Array.from({ length: n }, (_, i) => i)));
            return results.reduce((a, b) => a + b, 0);
          },
          async (x) => (await Promise.all(submit([x])))[0] ?? NaN,
        );
      } finally {
        await worker.close();
        await events.close();
        await queue.close();
        await client.quit();
      }
    });
}

const requires = { exports: ['DistributedExecutor', 'DistributedWorker'], issue: 18 };

export const distributed: Scenario<DistParams> = {
  id: '14-distributed',
  title: 'Distributed executor on BullMQ and Redis',
  rounds: { quick: 2, full: 3 },
  params: (mode) =>
    mode === 'quick'
      ? { jobs: 2_000, warm: 1_000, calls: 100 }
      : { jobs: 5_000, warm: 2_000, calls: 300 },
  describe: ({ jobs, warm, calls }) =>
    `${grouped(jobs)} tasks of \`x + 1\` submitted at once through one redis-server on ` +
    'loopback (a fresh one per child), at a concurrency of 1 and 8: `DistributedExecutor` ' +
    "with a `DistributedWorker` in the same process (each job runs on the worker's pool of " +
    "as many threads as the concurrency, or with `inline: ['tasks:inc']` on its main " +
    'thread; one Redis connection for the executor, one for the worker, each shared with ' +
    'its blocking duplicate), beside BullMQ alone (`Queue.addBulk`, a `Worker` doing ' +
    '`x + 1` on its main thread, `QueueEvents` for the results, all three on one Redis ' +
    'connection and its blocking duplicates; the same job options: removed on completion, ' +
    'failures kept a day), and BullMQ with its jobs sandboxed in worker threads of its own ' +
    '(`useWorkerThreads`, a processor file: what BullMQ offers to keep a job off the thread ' +
    "that renews the locks, as multitask's pool does). All " +
    'sides: one process, the submitter and the worker in it, warmed up by 50 tasks one at a ' +
    `time and a burst of ${grouped(warm)} (so that every thread of a pool ran the code ` +
    "before the clock starts); CPU time is the whole process's (all its threads, not " +
    "redis-server's) per task. Then the submit-to-result " +
    'time of one task at a time, ' +
    `${grouped(calls)} calls: median and p99, per child. Results are checked.`,
  timeoutMs: ({ jobs, warm }) => 60_000 + (jobs + warm) * 20,
  contenders: [1, 8].flatMap((c) => [
    {
      kind: 'node' as const,
      id: `bullmq-c${c}`,
      label: `BullMQ alone, concurrency ${c}`,
      packages: ['bullmq', 'ioredis'],
      measure: bullmq(c, false),
    },
    {
      kind: 'node' as const,
      id: `bullmq-threads-c${c}`,
      label: `BullMQ alone, concurrency ${c}, sandboxed in worker threads`,
      packages: ['bullmq', 'ioredis'],
      measure: bullmq(c, true),
    },
    {
      kind: 'node' as const,
      id: `multitask-c${c}`,
      label: `DistributedExecutor, concurrency ${c}, thread pool`,
      requires,
      measure: multitask(c, false),
    },
    {
      kind: 'node' as const,
      id: `multitask-inline-c${c}`,
      label: `DistributedExecutor, concurrency ${c}, inline`,
      requires,
      measure: multitask(c, true),
    },
  ]),
  table: {
    columns: [
      { key: 'tps', header: 'throughput', unit: 'tasks/s', better: 'higher' },
      { key: 'cpu', header: 'CPU per task', unit: 'µs', better: 'lower' },
      { key: 'median', header: 'round trip median', unit: 'ms', better: 'lower' },
      { key: 'p99', header: 'round trip p99', unit: 'ms', better: 'lower' },
    ],
    primary: 'tps',
    ratios: [
      {
        header: 'vs BullMQ alone',
        ref: (row: RowSpec) =>
          row.id.startsWith('multitask-')
            ? row.id.replace(/^multitask-(inline-)?/, 'bullmq-')
            : undefined,
      },
      {
        header: 'vs BullMQ in threads',
        ref: (row: RowSpec) =>
          /^multitask-c\d+$/.test(row.id)
            ? row.id.replace('multitask-', 'bullmq-threads-')
            : undefined,
      },
    ],
  },
};
