/**
 * The course's producer-consumer: producers fill a bounded Queue, consumers empty it until
 * their sentinel; every item produced is consumed exactly once, with threads and with
 * processes: the counts and checksums are exact.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { expectedChecksum, main } from '../../src/examples/producer-consumer/main.ts';
import { itemValue } from '../../src/examples/producer-consumer/tasks.ts';
import { forEachBackend } from '../helpers/backends.ts';

forEachBackend(({ kind }) => {
  const backend = kind === 'thread' ? 'threads' : 'processes';
  const items = backend === 'threads' ? 2_000 : 120;

  it(`main() - ${backend}: 3 producers, 2 consumers, Queue(4): nothing lost or duplicated`, async () => {
    const lines: string[] = [];
    const runs = await main((line) => lines.push(line), {
      producers: 3,
      consumers: 2,
      threadItems: 2_000,
      processItems: 120,
      maxsize: 4,
      backends: [backend],
    });
    assert.equal(runs.length, 1);
    const [run] = runs;
    assert.ok(run !== undefined);
    const checksum = expectedChecksum(3, items);
    assert.equal(run.backend, backend);
    assert.deepEqual(run.produced, [items, items, items]);
    assert.equal(run.consumed.length, 2);
    assert.equal(
      run.consumed.reduce((a, b) => a + b, 0),
      3 * items,
    );
    assert.equal(run.producedChecksum, checksum);
    assert.equal(run.consumedChecksum, checksum);
    assert.equal(run.lost, 0);
    assert.equal(run.duplicated, 0);
    assert.equal(run.fullWaits.length, 3);
    for (const waits of run.fullWaits) assert.ok(waits >= 0 && waits <= items);

    const count = items.toLocaleString('en-US');
    const total = (3 * items).toLocaleString('en-US');
    const sum = checksum.toLocaleString('en-US');
    assert.deepEqual(lines, [
      'Producer-consumer: 3 producers put items into one Queue(maxsize 4), 2 consumers get them until they get null',
      `${backend}:`,
      ...[0, 1, 2].map(
        (i) =>
          `  producer ${i + 1}  put ${count} items, found the queue full ${(run.fullWaits[i] ?? 0).toLocaleString('en-US')} times`,
      ),
      ...[0, 1].map(
        (i) =>
          `  consumer ${i + 1}  got ${(run.consumed[i] ?? 0).toLocaleString('en-US')} items, then its null`,
      ),
      `  produced ${total} items, checksum ${sum}; consumed ${total}, checksum ${sum}; 0 lost, 0 duplicated`,
      'Every item produced was consumed exactly once.',
    ]);
  });
});

it('expectedChecksum() - the sum of every item value', () => {
  assert.equal(itemValue(0, 0), 1_000_000);
  assert.equal(itemValue(2, 7), 3_000_007);
  assert.equal(expectedChecksum(2, 3), 1_000_000 * 3 + 3 + 2_000_000 * 3 + 3);
  assert.equal(expectedChecksum(1, 0), 0);
});

it('main() - refuses a maxsize below 1, naming the option', async () => {
  await assert.rejects(
    main(() => undefined, { maxsize: 0 }),
    {
      name: 'RangeError',
      message: 'Expected `maxsize` to be an integer from 1 and up, got `0`',
    },
  );
});
