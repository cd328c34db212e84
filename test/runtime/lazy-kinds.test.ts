/**
 * A child loads only the kinds of shared object it receives (kind-modules.ts): loading all
 * of them cost a new thread or process more than the rest of its start-up.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { Lock, taskModule, Value } from '../../src/index.ts';
import { forEachBackend, scratchDir } from '../helpers/backends.ts';

const tasks = taskModule<typeof import('./fixtures/kind-tasks.ts')>(
  new URL('./fixtures/kind-tasks.ts', import.meta.url),
);
const scratch = scratchDir();
let files = 0;

forEachBackend(({ kind, Worker }) => {
  async function kindsSeenWith(...extra: unknown[]): Promise<unknown> {
    const path = scratch.file(`${kind}-${++files}.json`);
    const worker = new Worker({
      target: tasks.writeLoadedKinds,
      args: [path, ...extra] as [string],
    });
    worker.start();
    await worker.join();
    assert.equal(worker.exitCode, 0);
    return scratch.read(path);
  }

  it('a child given no shared object loads no kind', async () => {
    assert.deepEqual(await kindsSeenWith(), []);
  });

  it('a child loads the kinds it receives, nested ones too, and no other', async () => {
    assert.deepEqual(await kindsSeenWith(new Lock()), ['Lock']);
    // A Value's lock is an RLock, rebuilt from the Value's own state (and the module of
    // RLock registers Lock as well).
    assert.deepEqual(await kindsSeenWith({ counter: new Value('i', 0) }), [
      'Lock',
      'RLock',
      'Value',
    ]);
  });
});
