/**
 * The course's ticket office: with the Lock, buyers sell exactly the tickets that exist,
 * each once, and none remain. Without it, overselling is likely but not certain, so that
 * run is checked only for what always holds: every ticket is sold at least once (the file
 * only reaches 0 through every count above it) and none remain.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { main, verdict, type TicketsRow } from '../../src/examples/tickets/main.ts';
import { forEachBackend } from '../helpers/backends.ts';

forEachBackend(({ kind }) => {
  it(`main() - 4 buyers (${kind}) sell 30 tickets: with the Lock, each exactly once`, async () => {
    const lines: string[] = [];
    const backend = kind === 'thread' ? 'threads' : 'processes';
    const [unlocked, locked] = await main((line) => lines.push(line), {
      buyers: 4,
      tickets: 30,
      backend,
    });
    assert.ok(unlocked !== undefined && locked !== undefined);
    assert.equal(locked.locked, true);
    assert.equal(locked.total, 30);
    assert.equal(locked.remaining, 0);
    assert.equal(locked.duplicates, 0);
    assert.equal(locked.sold.length, 4);
    assert.equal(
      locked.sold.reduce((a, b) => a + b, 0),
      30,
    );
    assert.equal(unlocked.locked, false);
    assert.equal(unlocked.sold.length, 4);
    assert.ok(unlocked.total >= 30, `without the lock, only ${unlocked.total} sold`);
    assert.equal(unlocked.remaining, 0);

    assert.equal(lines.length, 10);
    assert.equal(
      lines[0],
      `Tickets: 4 ${backend} buy from a file holding { "remaining": 30 } until it is sold out, without and then with a Lock`,
    );
    assert.match(lines[1] ?? '', /^buyer\s+no lock\s+Lock$/);
    for (let buyer = 0; buyer < 4; buyer++) {
      assert.equal(
        lines[2 + buyer],
        `buyer ${buyer}`.padEnd(9) +
          `  ${String(unlocked.sold[buyer]).padStart(7)}  ${String(locked.sold[buyer]).padStart(6)}`,
      );
    }
    assert.match(lines[6] ?? '', new RegExp(`^total\\s+${unlocked.total}\\s+30$`));
    assert.match(lines[7] ?? '', /^remaining\s+0\s+0$/);
    assert.equal(lines[8], verdict(unlocked, 30));
    assert.equal(lines[9], 'with the Lock: 30 tickets sold for 30 seats, each once, 0 remaining');
  });
});

it('verdict() - oversold, or sold each once', () => {
  const row: TicketsRow = {
    locked: false,
    sold: [60, 57],
    total: 117,
    remaining: 0,
    duplicates: 17,
  };
  assert.equal(
    verdict(row, 100),
    'without a lock: 117 tickets sold for 100 seats (17 seats sold more than once): oversold by 17',
  );
  assert.equal(
    verdict({ ...row, sold: [60, 40], total: 100, duplicates: 0 }, 100),
    'without a lock: 100 tickets sold for 100 seats, each once, 0 remaining (no sale overlapped this time)',
  );
  assert.equal(
    verdict({ ...row, locked: true, sold: [60, 40], total: 100, duplicates: 0 }, 100),
    'with the Lock: 100 tickets sold for 100 seats, each once, 0 remaining',
  );
});

it('main() - refuses a buyer count below 1, naming the value', async () => {
  await assert.rejects(
    main(() => undefined, { buyers: 0 }),
    {
      name: 'RangeError',
      message: 'Expected `buyers` to be an integer from 1 and up, got `0`',
    },
  );
});
