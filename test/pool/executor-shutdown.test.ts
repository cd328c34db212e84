/**
 * Ending an executor the ways Python 3.14 has: `terminateWorkers()` and `killWorkers()` of
 * `ProcessPoolExecutor`, and submits refused once the process is exiting.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  BrokenProcessPoolError,
  CancelledError,
  Event,
  ProcessPoolExecutor,
  taskModule,
  type Future,
} from '../../src/index.ts';
import { runScript } from '../helpers/scripts.ts';

const tasks = taskModule<typeof import('../fixtures/pool-tasks.ts')>(
  new URL('../fixtures/pool-tasks.ts', import.meta.url),
);

for (const method of ['terminateWorkers', 'killWorkers'] as const) {
  const signal = method === 'killWorkers' ? 'SIGKILL' : 'SIGTERM';

  describe(`ProcessPoolExecutor.${method}() (Python 3.14)`, () => {
    it(`cancels the pending futures, ends the workers with ${signal}, and breaks the executor`, async () => {
      const executor = new ProcessPoolExecutor(2);
      const started = [new Event(), new Event()];
      const release = new Event();
      const running = started.map((s, i) => executor.submit(tasks.hold, s, release, i));
      await Promise.all(started.map((s) => s.wait()));
      const pending: Future<number>[] = [1, 2, 3].map((i) => executor.submit(tasks.inc, i));
      executor[method]();
      for (const f of pending) {
        assert.equal(f.cancelled(), true);
        await assert.rejects(f.result(), CancelledError);
      }
      for (const f of running) {
        const error = await f.exception();
        assert.ok(error instanceof BrokenProcessPoolError, String(error));
        assert.match(error.message, new RegExp(`terminated abruptly.*${signal}`));
      }
      assert.notEqual(await running[0]?.exception(), await running[1]?.exception());
      assert.throws(() => executor.submit(tasks.inc, 1), BrokenProcessPoolError);
      // The workers are gone: shutdown has nothing left to wait for.
      await executor.shutdown();
      assert.equal(release.isSet(), false);
      // Repeatable, as Python's: nothing is left to end.
      executor[method]();
    });
  });
}

describe('a submit while the process exits (Python: interpreter shutdown)', () => {
  for (const kind of ['thread', 'process'] as const) {
    it(`${kind}: throws StateError ERR_INTERPRETER_SHUTDOWN from an 'exit' handler`, async () => {
      const run = runScript('executor-exit-submit.ts', [kind]);
      const { code, stdout, stderr } = await run.done;
      assert.equal(code, 0, stderr);
      assert.deepEqual(stdout.trim().split('\n'), [
        'ran 2',
        'refused ERR_INTERPRETER_SHUTDOWN cannot schedule new futures after interpreter shutdown',
      ]);
    });
  }
});
