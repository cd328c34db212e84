/**
 * The course's bank-balance program: workers make deposits and withdrawals on one shared
 * balance, first without a lock (updates are lost: the final balance is off) and then with
 * the balance's lock (the final balance is exact). Once with threads, once with processes.
 */
import { performance } from 'node:perf_hooks';
import { Barrier, BrokenBarrierError, Process, taskModule, Thread, Value } from '../../index.ts';
import type { Balances } from './tasks.ts';

const tasks = taskModule<typeof import('./tasks.js')>(new URL('./tasks.js', import.meta.url));

/** Options of {@link main}. The defaults run in a few seconds on a 2-core machine. */
export interface BalanceOptions {
  /**
   * Workers of each kind; even-numbered ones deposit, odd-numbered ones withdraw.
   * @default 4
   */
  readonly workers?: number;
  /**
   * Deposits or withdrawals per thread.
   * @default 100_000
   */
  readonly threadOperations?: number;
  /**
   * Deposits or withdrawals per process. Fewer than for threads: a process reaches the
   * balance through the parent's broker, a round trip per read and per write.
   * @default 300
   */
  readonly processOperations?: number;
  /**
   * The amount of each deposit and withdrawal.
   * @default 10
   */
  readonly amount?: number;
  /**
   * The opening balance.
   * @default 1_000
   */
  readonly initial?: number;
}

/** One run: a kind of worker, with or without the lock. */
export interface BalanceRow {
  readonly backend: 'threads' | 'processes';
  readonly locked: boolean;
  readonly workers: number;
  readonly operations: number;
  readonly final: number;
  readonly expected: number;
  readonly seconds: number;
}

const number = new Intl.NumberFormat('en-US');

/**
 * Runs `workers` workers of one kind through both phases; returns the unlocked row, then the
 * locked one.
 */
async function run(
  backend: BalanceRow['backend'],
  workers: number,
  operations: number,
  amount: number,
  initial: number,
): Promise<[BalanceRow, BalanceRow]> {
  const balances: Balances = { unlocked: new Value('i', initial), locked: new Value('i', initial) };
  // The workers and this program: each phase starts when all have arrived.
  const phases = new Barrier(workers + 1);
  const Worker = backend === 'threads' ? Thread : Process;
  const running = Array.from(
    { length: workers },
    (_, i) =>
      new Worker({
        target: i % 2 === 0 ? tasks.deposit : tasks.withdraw,
        args: [balances, phases, operations, amount],
      }),
  );
  for (const worker of running) worker.start();
  // A worker that fails would leave the others (and this program) waiting at the barrier.
  const joined = running.map(async (worker) => {
    await worker.join();
    if (worker.exitCode !== 0) phases.abort();
  });
  const seconds: number[] = [];
  try {
    await phases.wait();
    for (let phase = 0; phase < 2; phase++) {
      const began = performance.now();
      await phases.wait();
      seconds.push((performance.now() - began) / 1000);
    }
  } catch (error) {
    // The barrier broke because a worker failed: reported below, once all have ended.
    if (!(error instanceof BrokenBarrierError)) throw error;
  }
  await Promise.all(joined);
  const failed = running.filter((worker) => worker.exitCode !== 0);
  if (failed.length > 0) {
    const list = failed.map((worker) => `${worker.name} (exit code ${worker.exitCode})`);
    throw new Error(`Workers failed: ${list.join(', ')}`);
  }
  const deposits = Math.ceil(workers / 2);
  const expected = initial + (deposits - (workers - deposits)) * operations * amount;
  const row = (locked: boolean): BalanceRow => ({
    backend,
    locked,
    workers,
    operations,
    final: (locked ? balances.locked : balances.unlocked).value,
    expected,
    seconds: seconds[locked ? 1 : 0] ?? Number.NaN,
  });
  return [row(false), row(true)];
}

/** Formats one row of the table. */
export function formatRow(row: BalanceRow): string {
  const off = row.final - row.expected;
  const verdict =
    off === 0
      ? row.locked
        ? 'exact'
        : 'exact (no update was lost this time)'
      : `off by ${number.format(off)}: updates were lost`;
  return [
    row.backend.padEnd(9),
    String(row.workers).padStart(7),
    number.format(row.operations).padStart(10),
    (row.locked ? 'yes' : 'no').padEnd(4),
    number.format(row.final).padStart(13),
    number.format(row.expected).padStart(9),
    row.seconds.toFixed(2).padStart(8),
    verdict,
  ].join('  ');
}

/**
 * The program: for threads and then processes, a run without the lock (its result is
 * reported, not checked: lost updates are likely, not certain) and a run with it.
 * @returns The four rows, in the order printed.
 * @throws {Error} when a run with the lock does not end at the expected balance, or a
 * worker fails.
 * @example
 * ```ts
 * await main(console.log);
 * // threads          4     100,000  no         -351,470    1,000      0.61  off by -352,470: updates were lost
 * // threads          4     100,000  yes           1,000    1,000      1.02  exact
 * // ...
 * ```
 */
export async function main(
  write: (line: string) => void,
  options: BalanceOptions = {},
): Promise<BalanceRow[]> {
  const {
    workers = 4,
    threadOperations = 100_000,
    processOperations = 300,
    amount = 10,
    initial = 1_000,
  } = options;
  write(
    `Bank balance: ${workers} workers make deposits and withdrawals of ${amount} on one Value('i') opening at ${number.format(initial)}`,
  );
  write(
    [
      'workers'.padEnd(9),
      'count'.padStart(7),
      'operations'.padStart(10),
      'lock'.padEnd(4),
      'final balance'.padStart(13),
      'expected'.padStart(9),
      'time (s)'.padStart(8),
      'result',
    ].join('  '),
  );
  const rows: BalanceRow[] = [];
  for (const [backend, operations] of [
    ['threads', threadOperations],
    ['processes', processOperations],
  ] as const) {
    for (const row of await run(backend, workers, operations, amount, initial)) {
      rows.push(row);
      write(formatRow(row));
      if (row.locked && row.final !== row.expected) {
        throw new Error(
          `With the lock, ${backend} ended at ${row.final} instead of ${row.expected}`,
        );
      }
    }
  }
  write('With the lock, every run ends at exactly the expected balance.');
  return rows;
}
