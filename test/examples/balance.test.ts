/**
 * The course's bank-balance program: with the lock, threads and processes end at exactly
 * the expected balance; without it, the program reports whatever balance it got (lost
 * updates are likely, not certain, so that result is only checked for its format).
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { formatRow, main } from '../../src/examples/balance/main.ts';

it('main() - threads then processes, unlocked then locked; locked runs are exact', async () => {
  const lines: string[] = [];
  const rows = await main((line) => lines.push(line), {
    workers: 3,
    threadOperations: 20_000,
    processOperations: 50,
    amount: 5,
    initial: 200,
  });
  // Two depositors and one withdrawer: the balance should grow by one worker's deposits.
  const expected = (operations: number): number => 200 + operations * 5;
  assert.deepEqual(
    rows.map((row) => [row.backend, row.locked, row.workers, row.operations, row.expected]),
    [
      ['threads', false, 3, 20_000, expected(20_000)],
      ['threads', true, 3, 20_000, expected(20_000)],
      ['processes', false, 3, 50, expected(50)],
      ['processes', true, 3, 50, expected(50)],
    ],
  );
  for (const row of rows.filter((r) => r.locked)) assert.equal(row.final, row.expected);
  assert.equal(lines.length, 7);
  assert.equal(
    lines[0],
    "Bank balance: 3 workers make deposits and withdrawals of 5 on one Value('i') opening at 200",
  );
  assert.match(
    lines[1] ?? '',
    /^workers\s+count\s+operations\s+lock\s+final balance\s+expected\s+time \(s\)\s+result$/,
  );
  assert.match(
    lines[2] ?? '',
    /^threads\s+3\s+20,000\s+no\s+-?[\d,]+\s+100,200\s+\d+\.\d\d\s+(off by -?[\d,]+: updates were lost|exact \(no update was lost this time\))$/,
  );
  assert.match(
    lines[3] ?? '',
    /^threads\s+3\s+20,000\s+yes\s+100,200\s+100,200\s+\d+\.\d\d\s+exact$/,
  );
  assert.match(lines[5] ?? '', /^processes\s+3\s+50\s+yes\s+450\s+450\s+\d+\.\d\d\s+exact$/);
  assert.equal(lines[6], 'With the lock, every run ends at exactly the expected balance.');
});

it('formatRow() - reports lost updates as the difference from the expected balance', () => {
  const row = {
    backend: 'threads',
    locked: false,
    workers: 4,
    operations: 100_000,
    final: -79_510,
    expected: 1_000,
    seconds: 0.084,
  } as const;
  assert.equal(
    formatRow(row),
    'threads          4     100,000  no          -79,510      1,000      0.08  off by -80,510: updates were lost',
  );
  assert.match(formatRow({ ...row, final: 1_000 }), / exact \(no update was lost this time\)$/);
  assert.match(formatRow({ ...row, locked: true, final: 1_000 }), / {2}yes .* exact$/);
});
