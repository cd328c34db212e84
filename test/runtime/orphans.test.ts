/**
 * No orphans (issue 14): a child and a grandchild blocked in a synchronous wait, which no
 * event-loop check can interrupt, end once their parent is SIGKILLed. With the addon the
 * kernel kills them (PR_SET_PDEATHSIG); on the broker, a watchdog thread does. Each mode
 * runs in a program of its own, as `MULTITASK_SHARED_MEMORY` picks it at start.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { sharedMemoryBackend } from '../../src/index.ts';
import { goneWithin, isGone } from '../helpers/children.ts';

const PARENT = fileURLToPath(new URL('./fixtures/orphan-parent.ts', import.meta.url));

const modes: readonly ('native' | 'broker')[] =
  sharedMemoryBackend() === 'native' ? ['native', 'broker'] : ['broker'];

for (const mode of modes) {
  describe(`MULTITASK_SHARED_MEMORY=${mode}`, () => {
    it('a child and grandchild blocked in Atomics.wait end when their parent is SIGKILLed', async () => {
      const parent = spawn(process.execPath, ['--import', 'tsx', PARENT], {
        env: { ...process.env, MULTITASK_SHARED_MEMORY: mode },
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      const exited = new Promise((resolve) => parent.once('exit', resolve));
      let output = '';
      const match = await new Promise<RegExpExecArray>((resolve, reject) => {
        parent.stdout.setEncoding('utf8').on('data', (chunk: string) => {
          output += chunk;
          const found = /child (\d+) grandchild (\d+)/.exec(output);
          if (found !== null) resolve(found);
        });
        void exited.then(() => {
          reject(new Error(`parent ended first:\n${output}`));
        });
      });
      const [child, grandchild] = [Number(match[1]), Number(match[2])];
      assert.ok(child > 0 && grandchild > 0, output);
      assert.equal(isGone(child), false);
      assert.equal(isGone(grandchild), false);
      parent.kill('SIGKILL');
      await exited;
      // Bounded: the kernel's signal is immediate, the watchdog looks every 100 ms; the
      // margin is for a loaded machine, not for the mechanism.
      const childGone = await goneWithin(child, 5_000);
      const grandchildGone = await goneWithin(grandchild, 5_000);
      // Whatever the outcome, nothing is left behind.
      for (const pid of [child, grandchild]) {
        if (!isGone(pid)) process.kill(pid, 'SIGKILL');
      }
      assert.equal(childGone, true, `child ${child} outlived its parent`);
      assert.equal(grandchildGone, true, `grandchild ${grandchild} outlived its parent`);
    });
  });
}
