/**
 * The course's transfer deadlock: locking the source account first, both clerks hold one
 * lock and time out reaching for the other (a barrier makes it certain); locking the lower
 * account id first, every transfer completes and the money is conserved. With threads and
 * with processes.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { afterTransfers, describeReport, main } from '../../src/examples/bank/main.ts';
import { sharedMemoryBackend } from '../../src/index.ts';
import { forEachBackend } from '../helpers/backends.ts';
import { runScript } from '../helpers/scripts.ts';

forEachBackend(({ kind }) => {
  const backend = kind === 'thread' ? 'threads' : 'processes';

  it(`main() - ${backend}: the deadlock is detected by both, then cured by lock order`, async () => {
    const lines: string[] = [];
    const rows = await main((line) => lines.push(line), {
      threadTransfers: 3_000,
      processTransfers: 60,
      timeoutMs: 50,
      initial: 1_000,
      backends: [backend],
    });
    const times = backend === 'threads' ? 3_000 : 60;
    const [naive, ordered] = rows;
    assert.equal(rows.length, 2);
    assert.deepEqual(naive, {
      backend,
      ordered: false,
      deadlocks: 2,
      transfers: [0, 0],
      balances: [1_000, 1_000],
      expected: [1_000, 1_000],
    });
    assert.ok(ordered !== undefined);
    assert.equal(ordered.deadlocks, 0);
    assert.deepEqual(ordered.transfers, [times, times]);
    assert.deepEqual(ordered.balances, afterTransfers([1_000, 1_000], times, times));
    assert.equal(ordered.balances[0] + ordered.balances[1], 2_000);
    assert.notDeepEqual(ordered.balances, [1_000, 1_000]);

    assert.equal(lines.length, 14);
    assert.equal(lines[1], `${backend}, each clerk locking its source account first:`);
    // The two clerks report in either order; each holds one lock, then detects the deadlock.
    assert.deepEqual(lines.slice(2, 4).sort(), [
      '  A: holds account 1, reaches for account 2',
      '  B: holds account 2, reaches for account 1',
    ]);
    assert.deepEqual(lines.slice(4, 6).sort(), [
      '  A: deadlock detected (account 2 still locked after 50 ms), backing off',
      '  B: deadlock detected (account 1 still locked after 50 ms), backing off',
    ]);
    assert.deepEqual(lines.slice(6, 8).sort(), ['  A: 0 transfers done', '  B: 0 transfers done']);
    assert.equal(lines[8], '  balances 1,000 + 1,000 = 2,000: no transfer done');
    assert.equal(lines[9], `${backend}, both clerks locking the lower account id first:`);
    const done = `${times.toLocaleString('en-US')} transfers done`;
    assert.deepEqual(lines.slice(10, 12).sort(), [`  A: ${done}`, `  B: ${done}`]);
    assert.match(
      lines[12] ?? '',
      /^ {2}balances -?[\d,]+ \+ -?[\d,]+ = 2,000: every transfer done, no money created or lost$/,
    );
    assert.equal(
      lines[13],
      'Locking the accounts in one order, every transfer completed and the total stayed the same.',
    );
  });
});

forEachBackend(({ kind }) => {
  const backend = kind === 'thread' ? 'threads' : 'processes';
  // A clerk process served by the broker has no name of its own to report with, nor an
  // order graph shared with the other clerk: with the broker, threads only.
  const reach = backend === 'threads' || sharedMemoryBackend() === 'native';
  if (!reach) return;
  it(`main({ diagnose: true }) - ${backend}: the lock-order warning and the deadlock's cycle, named`, async () => {
    const { code, stdout, stderr } = await runScript('bank-diagnose.ts', [backend]).done;
    assert.equal(code, 0, stderr);
    assert.match(stdout, /every transfer done/);
    const member = (clerk: string): string =>
      backend === 'threads'
        ? `MainProcess/clerk ${clerk} \\(pid \\d+\\)`
        : `clerk ${clerk}/MainThread \\(pid \\d+\\)`;
    const [a, b] = [member('A'), member('B')];
    // Reported once each, whichever clerk saw it.
    const inversions = stderr.match(/multitask: lock order inversion/g) ?? [];
    assert.equal(inversions.length, 1, stderr);
    assert.match(
      stderr,
      new RegExp(
        `\\n  (${a}|${b}) takes Lock "account (1|2)" while holding Lock "account (1|2)"\\n  (${a}|${b}) took Lock "account \\3" while holding Lock "account \\2"\\n`,
      ),
    );
    assert.equal((stderr.match(/multitask: deadlock: 2 members/g) ?? []).length, 1, stderr);
    assert.match(stderr, new RegExp(`\\n  ${a} waits for Lock "account 2", held by ${b}\\n`));
    assert.match(stderr, new RegExp(`\\n  ${b} waits for Lock "account 1", held by ${a}\\n`));
  });
});

it('afterTransfers() - A moves 1 to 10 in turn, B 1 to 9', () => {
  assert.deepEqual(afterTransfers([100, 100], 0, 0), [100, 100]);
  assert.deepEqual(afterTransfers([100, 100], 1, 0), [99, 101]);
  assert.deepEqual(afterTransfers([100, 100], 10, 9), [100 - 55 + 45, 100 + 55 - 45]);
  assert.deepEqual(afterTransfers([100, 100], 11, 11), [100 - 56 + 48, 100 + 56 - 48]);
});

it('describeReport() - one line per event', () => {
  assert.equal(
    describeReport({ clerk: 'B', event: 'deadlock', held: 2, wanted: 1, timeoutMs: 100 }),
    'B: deadlock detected (account 1 still locked after 100 ms), backing off',
  );
  assert.equal(
    describeReport({ clerk: 'A', event: 'transferred', count: 1 }),
    'A: 1 transfer done',
  );
});
