/**
 * `multitask worker` processes serving a DistributedExecutor over a real, throwaway
 * redis-server: many tasks over two workers, each result exactly once; a worker killed with
 * SIGKILL mid-run, whose jobs BullMQ's stalled-job check gives to the other; a graceful
 * SIGTERM. Skipped, saying why, only where redis-server is not installed.
 */
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { setTimeout as delay } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { DistributedExecutor, taskModule } from '../../src/index.ts';
import { runScript, type ScriptRun } from '../helpers/scripts.ts';
import { NO_REDIS_REASON, REDIS_SERVER, startRedis, type RedisServer } from './redis.ts';

const CLI = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));
const TASKS = new URL('./tasks.ts', import.meta.url);
const tasks = taskModule<typeof import('./tasks.ts')>(TASKS);
const skip = REDIS_SERVER === null ? NO_REDIS_REASON : false;

interface WorkerProcess extends ScriptRun {
  readonly pid: number;
}

const running = new Set<ChildProcess>();

function startWorker(
  url: string,
  queue: string,
  concurrency = 4,
  shortLocks = false,
  extra: readonly string[] = [],
): WorkerProcess {
  const run = runScript(CLI, [
    'worker',
    '--redis',
    url,
    '--queue',
    queue,
    '--module',
    fileURLToPath(TASKS),
    '--concurrency',
    String(concurrency),
    // Short locks, so that a killed worker's jobs are taken over within seconds.
    ...(shortLocks ? ['--lock-duration', '1500', '--stalled-interval', '500'] : []),
    ...extra,
  ]);
  running.add(run.child);
  void run.done.then(() => running.delete(run.child));
  return { ...run, pid: run.child.pid ?? -1 };
}

after(() => {
  for (const child of running) child.kill('SIGKILL');
});

describe('multitask worker: a Redis server that is not there', () => {
  it('exits with code 1 and a clear message', async () => {
    const worker = startWorker('redis://127.0.0.1:1', 'q');
    const { code, stderr } = await worker.done;
    assert.equal(code, 1);
    assert.match(
      stderr,
      /Cannot reach the Redis server at redis:\/\/127\.0\.0\.1:1: .*ECONNREFUSED/,
    );
  });
});

describe('multitask worker --inline: a task it does not serve', () => {
  it('exits with code 1 naming it, before it connects', async () => {
    const worker = startWorker('redis://127.0.0.1:1', 'q', 1, false, ['--inline', 'tasks:nope']);
    const { code, stderr } = await worker.done;
    assert.equal(code, 1);
    assert.match(stderr, /Expected `inline` to name tasks this worker serves, got `"tasks:nope"`/);
  });
});

describe('multitask worker processes', { skip }, () => {
  let redis: RedisServer;
  let queues = 0;
  const nextQueue = (): string => `workers-${process.pid}-${++queues}`;
  before(async () => {
    redis = await startRedis();
  });
  after(async () => {
    await redis.stop();
  });

  it('two workers run 10,000 tasks, each exactly once', async () => {
    const queue = nextQueue();
    const workers = [startWorker(redis.url, queue, 8), startWorker(redis.url, queue, 8)];
    await Promise.all(workers.map((w) => w.line(/^worker ready/m)));
    const executor = new DistributedExecutor({ connection: redis.url, queue });
    const n = 10_000;
    const futures = Array.from({ length: n }, (_, i) => executor.submit(tasks.whereIs, i));
    const results = await Promise.all(futures);
    await executor.shutdown();
    assert.deepEqual(
      results.map(([x]) => x),
      Array.from({ length: n }, (_, i) => i),
    );
    const pids = new Set(results.map(([, pid]) => pid));
    assert.deepEqual([...pids].sort(), workers.map((w) => w.pid).sort());
    for (const w of workers) w.child.kill('SIGTERM');
    const ends = await Promise.all(workers.map((w) => w.done));
    const completed = ends.map(({ code, stdout }) => {
      assert.equal(code, 0, stdout);
      const match = /stopped: completed (\d+), failed 0/.exec(stdout);
      assert.ok(match !== null, stdout);
      return Number(match[1]);
    });
    // Each job ran once: the workers' counts add up to the tasks, no more.
    assert.equal(
      completed.reduce((a, b) => a + b, 0),
      n,
    );
    for (const [i, w] of workers.entries()) {
      assert.equal(completed[i], results.filter(([, pid]) => pid === w.pid).length);
    }
  });

  it('a worker killed with SIGKILL mid-run: its jobs go to the other, every future settles once', async () => {
    const queue = nextQueue();
    const [victim, survivor] = [
      startWorker(redis.url, queue, 4, true),
      startWorker(redis.url, queue, 4, true),
    ];
    await Promise.all([victim.line(/^worker ready/m), survivor.line(/^worker ready/m)]);
    const executor = new DistributedExecutor({ connection: redis.url, queue });
    const n = 80;
    const futures = Array.from({ length: n }, (_, i) => executor.submit(tasks.slowWhere, i, 100));
    // Killed once it has finished a job: it holds running ones then.
    await new Promise<void>((resolve) => {
      for (const f of futures) {
        f.addDoneCallback(() => {
          if (f.done() && !f.failed && victim.child.exitCode === null) {
            void f.result().then(([, pid]) => {
              if (pid === victim.pid) resolve();
            });
          }
        });
      }
    });
    victim.child.kill('SIGKILL');
    const results = await Promise.all(futures);
    await executor.shutdown();
    assert.deepEqual(
      results.map(([x]) => x),
      Array.from({ length: n }, (_, i) => i),
    );
    const { signal } = await victim.done;
    assert.equal(signal, 'SIGKILL');
    survivor.child.kill('SIGTERM');
    const end = await survivor.done;
    assert.equal(end.code, 0, end.stdout);
    const survived = Number(/stopped: completed (\d+)/.exec(end.stdout)?.[1]);
    // The survivor ran every job the victim did not finish, including those it held.
    assert.equal(survived, results.filter(([, pid]) => pid === survivor.pid).length);
    assert.ok(results.some(([, pid]) => pid === victim.pid));
    assert.equal(results.filter(([, pid]) => pid !== victim.pid && pid !== survivor.pid).length, 0);
  });

  it('--inline runs that task on the main thread of the worker, the others on its pool', async () => {
    const queue = nextQueue();
    const worker = startWorker(redis.url, queue, 2, false, ['--inline', 'tasks:whereRuns']);
    await worker.line(/^worker ready/m);
    const executor = new DistributedExecutor({ connection: redis.url, queue });
    try {
      assert.deepEqual(await executor.submit(tasks.whereRuns), { main: true, pid: worker.pid });
      assert.deepEqual(await executor.submit(tasks.busy, 0), { main: false, pid: worker.pid });
    } finally {
      await executor.shutdown();
      worker.child.kill('SIGTERM');
    }
    const { code, stdout } = await worker.done;
    assert.equal(code, 0);
    assert.match(stdout, /stopped: completed 2, failed 0/);
  });

  it('SIGTERM lets the running job finish, then the worker exits with code 0', async () => {
    const queue = nextQueue();
    const worker = startWorker(redis.url, queue, 1);
    await worker.line(/^worker ready/m);
    const executor = new DistributedExecutor({ connection: redis.url, queue });
    const future = executor.submit(tasks.slow, 42, 500);
    // The executor sees the job start ('active' event) before it can end.
    while (!future.running()) {
      assert.ok(!future.done(), 'the future finished without having been seen running');
      await delay(5);
    }
    worker.child.kill('SIGTERM');
    assert.equal(await future, 42);
    const { code, stdout } = await worker.done;
    await executor.shutdown();
    assert.equal(code, 0);
    assert.match(stdout, /stopping: letting 1 running jobs finish/);
    assert.match(stdout, /stopped: completed 1, failed 0, running 0/);
  });
});
