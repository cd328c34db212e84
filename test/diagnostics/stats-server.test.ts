/**
 * The stats socket and `multitask top`: a program serves its stats on a unix socket
 * (`MULTITASK_DEBUG=top` or `serveStats()`); `multitask top PID` reads them and prints plain
 * lines when stdout is no terminal; the socket is removed at exit; a pid that serves nothing
 * gets a coded error. One body per backend.
 */
import assert from 'node:assert/strict';
import { existsSync, statSync } from 'node:fs';
import { describe, it } from 'node:test';
import { run } from '../../src/cli/main.ts';
import { StatsClient } from '../../src/diagnostics/stats-server.ts';
import { readStats, statsSocketPath, type PoolTotals } from '../../src/index.ts';
import { runScript } from '../helpers/scripts.ts';

for (const [kind, how] of [
  ['thread', 'env'],
  ['process', 'api'],
] as const) {
  describe(`stats socket (${kind} executor, served by ${how === 'env' ? 'MULTITASK_DEBUG=top' : 'serveStats()'})`, () => {
    it('serves the pool stats by pid, `top` prints them as plain lines, and the socket goes at exit', async () => {
      const script = runScript('stats-served.ts', [kind, how]);
      try {
        const [, path = '', json = ''] = await script.line(/serving (\S+) (\{.*\})\n/);
        const pid = script.child.pid ?? 0;
        assert.equal(path, statsSocketPath(pid));
        assert.equal(statSync(path).mode & 0o777, 0o600);
        const totals = JSON.parse(json) as PoolTotals;
        assert.deepEqual(totals, {
          submitted: 100,
          queued: 0,
          running: 0,
          done: 90,
          failed: 10,
          cancelled: 0,
        });

        const client = await StatsClient.connect(pid);
        try {
          const stats = await client.read();
          assert.equal(stats.pid, pid);
          assert.equal(stats.pools.length, 1);
          const [pool] = stats.pools;
          assert.equal(pool?.kind, kind);
          assert.deepEqual(pool.totals, totals);
          const workers = pool.workers;
          assert.equal(
            workers.reduce((sum, worker) => sum + worker.done, 0),
            90,
          );
          assert.equal(
            workers.reduce((sum, worker) => sum + worker.failed, 0),
            10,
          );
          // A second request on the same connection gets a fresh answer.
          assert.deepEqual((await client.read()).pools[0]?.totals, totals);
          assert.deepEqual((await readStats(pid)).pools[0]?.totals, totals);
        } finally {
          client.close();
        }

        const out: string[] = [];
        const err: string[] = [];
        const code = await run(
          ['top', String(pid), '-n', '2', '--interval', '50'],
          (line) => out.push(line),
          (line) => err.push(line),
          null,
        );
        assert.equal(code, 0, err.join('\n'));
        const text = out.join('\n');
        assert.equal(text.includes('\u001b'), false, 'plain lines, no terminal escapes');
        const name = kind === 'thread' ? 'ThreadPoolExecutor' : 'ProcessPoolExecutor';
        const head = `${name} (${kind === 'thread' ? 'threads' : 'processes'}, running): submitted 100, queued 0, running 0, done 90, failed 10, cancelled 0`;
        // Two refreshes, each with the pool's line and its table.
        assert.equal(out.filter((line) => line === head).length, 2, text);
        assert.equal(out.filter((line) => /^ {2}ID {2}NAME/.test(line)).length, 2, text);
        assert.equal(out.filter((line) => line.startsWith(`multitask top: pid ${pid},`)).length, 2);

        script.child.kill('SIGUSR2');
        const { code: exitCode, stdout, stderr } = await script.done;
        assert.equal(exitCode, 0, stderr);
        assert.match(stdout, /bye\n$/);
        assert.equal(existsSync(path), false, 'the socket is removed at exit');
      } finally {
        script.child.kill('SIGKILL');
        await script.done;
      }
    });
  });
}

describe('multitask top PID, for a pid that serves no stats', () => {
  it('StatsClient.connect() rejects with ERR_NO_STATS naming the pid; `top` exits 1', async () => {
    // This test process serves no stats.
    await assert.rejects(StatsClient.connect(process.pid), (error: unknown) => {
      assert.equal((error as { code?: string }).code, 'ERR_NO_STATS');
      assert.match(String(error), new RegExp(`pid ${process.pid} serves`));
      return true;
    });
    const err: string[] = [];
    const code = await run(
      ['top', String(process.pid)],
      () => undefined,
      (line) => err.push(line),
      null,
    );
    assert.equal(code, 1);
    assert.match(
      err.join('\n'),
      /^multitask top: No multitask program with pid \d+ serves its stats/,
    );
  });

  it('refuses a pid that is no positive integer (exit code 2)', async () => {
    const err: string[] = [];
    assert.equal(
      await run(
        ['top', 'abc'],
        () => undefined,
        (line) => err.push(line),
        null,
      ),
      2,
    );
    await assert.rejects(StatsClient.connect(0), { code: 'ERR_OUT_OF_RANGE' });
  });
});
