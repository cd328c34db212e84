/**
 * The course's Manager program: with the Lock, no increment of the shared dict is lost and
 * every worker appears once in the shared list. Without it, lost updates are likely but not
 * certain, so that run is checked only for what always holds.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { main } from '../../src/examples/manager/main.ts';

it('main() - 3 processes x 20 increments: with the Lock, all 60 are there', async () => {
  const lines: string[] = [];
  const [unlocked, locked] = await main((line) => lines.push(line), { workers: 3, times: 20 });
  assert.ok(unlocked !== undefined && locked !== undefined);
  assert.equal(locked.locked, true);
  assert.equal(locked.count, 60);
  assert.equal(locked.expected, 60);
  assert.deepEqual(locked.list, [0, 1, 2]);
  assert.deepEqual([...locked.keys].sort(), ['count', 'worker 0', 'worker 1', 'worker 2']);
  assert.equal(unlocked.locked, false);
  // Lost updates can bring it as low as 2 (two workers interleaved just so), never lower.
  assert.ok(unlocked.count >= 2 && unlocked.count <= 60, `count ${unlocked.count}`);
  assert.deepEqual(unlocked.list, [0, 1, 2]);
  assert.ok(lines.includes('With a Lock:'));
  assert.ok(lines.includes('  count = 60: every one of the 60 increments is there'));
});

it('main() - refuses a worker count below 1', async () => {
  await assert.rejects(
    main(() => undefined, { workers: 0 }),
    {
      name: 'RangeError',
      message: 'Expected `workers` to be an integer from 1 and up, got `0`',
    },
  );
});
