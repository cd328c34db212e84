/**
 * The course's transfer deadlock: two accounts, each with its own `Lock`; clerk A moves
 * money from account 1 to account 2 and clerk B from 2 to 1, each transfer holding both
 * locks. Locking the source account first deadlocks (a barrier makes sure both hold their
 * first lock before reaching for the second, so it happens every time): acquire timeouts
 * detect it and the clerks back off. Locking the lower account id first cures it: every
 * transfer completes and the money is conserved. Once with threads, once with processes.
 */
import {
  Barrier,
  Lock,
  Process,
  Queue,
  setDeadlockDetection,
  setLockOrderChecking,
  taskModule,
  Thread,
  Value,
} from '../../index.ts';
import { startAll } from '../workers.ts';
import { amount, clerkName, type Account, type ClerkReport } from './tasks.ts';

const tasks = taskModule<typeof import('./tasks.js')>(new URL('./tasks.js', import.meta.url));

/** Options of {@link main}. The defaults run in a few seconds on a 2-core machine. */
export interface BankOptions {
  /**
   * Transfers per clerk thread once the locks are taken in order.
   * @default 10_000
   */
  readonly threadTransfers?: number;
  /**
   * Transfers per clerk process once the locks are taken in order. Fewer than for threads:
   * each lock and balance access from a process is a round trip to the parent's broker.
   * @default 200
   */
  readonly processTransfers?: number;
  /**
   * Milliseconds a clerk waits for its second lock, when locking the source first, before
   * it gives up.
   * @default 100
   */
  readonly timeoutMs?: number;
  /**
   * Each account's opening balance.
   * @default 100_000
   */
  readonly initial?: number;
  /**
   * The kinds of clerks, run in this order.
   * @default ['threads', 'processes']
   */
  readonly backends?: readonly ('threads' | 'processes')[];
  /**
   * Switch on deadlock detection (warn mode) and lock-order checking for the run, so that
   * the deadlock's cycle and the inverted lock order are reported on stderr as they happen.
   * `multitask demo bank` does; give `timeoutMs` a few hundred ms then, for the detector to
   * confirm the cycle before the clerks back off.
   * @default false
   */
  readonly diagnose?: boolean;
}

/** One strategy run by one kind of clerk. */
export interface BankRow {
  readonly backend: 'threads' | 'processes';
  /** False: each clerk locks its source account first; true: the lower account id first. */
  readonly ordered: boolean;
  /** How many clerks detected the deadlock (their second acquire timed out). */
  readonly deadlocks: number;
  /** Transfers completed by clerk A and clerk B. */
  readonly transfers: readonly [number, number];
  /** The balances of accounts 1 and 2 afterwards. */
  readonly balances: readonly [number, number];
  /** What the balances should be, given the opening balances and the transfers completed. */
  readonly expected: readonly [number, number];
}

const number = new Intl.NumberFormat('en-US');

/** One clerk's report, as printed. */
export function describeReport(report: ClerkReport): string {
  switch (report.event) {
    case 'holding':
      return `${report.clerk}: holds account ${report.held}, reaches for account ${report.wanted}`;
    case 'deadlock':
      return `${report.clerk}: deadlock detected (account ${report.wanted} still locked after ${report.timeoutMs} ms), backing off`;
    case 'transferred':
      return `${report.clerk}: ${number.format(report.count)} transfer${report.count === 1 ? '' : 's'} done`;
  }
}

/** The balances of `before` after clerk A made `a` transfers and clerk B made `b`. */
export function afterTransfers(
  before: readonly [number, number],
  a: number,
  b: number,
): [number, number] {
  let moved = 0; // from account 1 to account 2
  for (let i = 0; i < a; i++) moved += amount(0, i);
  for (let i = 0; i < b; i++) moved -= amount(1, i);
  return [before[0] - moved, before[1] + moved];
}

/** Runs clerks A and B of one kind with one strategy over `accounts`; returns the row. */
async function strategy(
  backend: BankRow['backend'],
  ordered: boolean,
  accounts: readonly [Account, Account],
  times: number,
  timeoutMs: number,
  write: (line: string) => void,
): Promise<BankRow> {
  const before = [accounts[0].balance.value, accounts[1].balance.value] as const;
  const meet = new Barrier(2);
  const reports = new Queue<ClerkReport>();
  const Worker = backend === 'threads' ? Thread : Process;
  const clerks = [0, 1].map((clerk) => {
    const [from, to] = clerk === 0 ? accounts : ([accounts[1], accounts[0]] as const);
    const name = `clerk ${clerkName(clerk)}`;
    return ordered
      ? new Worker({
          name,
          target: tasks.lowerFirst,
          args: [clerk, from, to, meet, times, reports],
        })
      : new Worker({
          name,
          target: tasks.sourceFirst,
          args: [clerk, from, to, meet, timeoutMs, reports],
        });
  });
  write(
    ordered
      ? `${backend}, both clerks locking the lower account id first:`
      : `${backend}, each clerk locking its source account first:`,
  );
  await startAll(clerks, () => {
    meet.abort();
  }).join();
  const transfers: [number, number] = [0, 0];
  let deadlocks = 0;
  while (!reports.empty()) {
    const report = reports.getNowait();
    write(`  ${describeReport(report)}`);
    if (report.event === 'deadlock') deadlocks++;
    if (report.event === 'transferred') transfers[report.clerk === 'A' ? 0 : 1] = report.count;
  }
  const balances = [accounts[0].balance.value, accounts[1].balance.value] as const;
  const [one, two] = balances;
  const total = number.format(one + two);
  write(
    `  balances ${number.format(one)} + ${number.format(two)} = ${total}` +
      (ordered ? ': every transfer done, no money created or lost' : ': no transfer done'),
  );
  return {
    backend,
    ordered,
    deadlocks,
    transfers,
    balances,
    expected: afterTransfers(before, ...transfers),
  };
}

/**
 * The program: for threads and then processes, the clerks lock the source account first
 * (both detect the deadlock and back off), then the lower account id first (every
 * transfer completes).
 * @returns For each backend, the row locking the source first, then the ordered one.
 * @throws {Error} when the deadlock is not detected by both clerks, an ordered run does not
 * complete every transfer or ends at other balances than the transfers made, or a clerk
 * fails.
 * @example
 * ```ts
 * await main(console.log);
 * // threads, each clerk locking its source account first:
 * //   A: holds account 1, reaches for account 2
 * //   B: holds account 2, reaches for account 1
 * //   A: deadlock detected (account 2 still locked after 100 ms), backing off
 * // ...
 * ```
 */
export async function main(
  write: (line: string) => void,
  options: BankOptions = {},
): Promise<BankRow[]> {
  const {
    threadTransfers = 10_000,
    processTransfers = 200,
    timeoutMs = 100,
    initial = 100_000,
    backends = ['threads', 'processes'],
    diagnose = false,
  } = options;
  if (diagnose) {
    // Before the locks are made: only locks made while it is on are checked.
    setDeadlockDetection({ mode: 'warn', afterMs: 0 });
    setLockOrderChecking(true);
  }
  try {
    return await run(write, backends, threadTransfers, processTransfers, timeoutMs, initial);
  } finally {
    if (diagnose) {
      setDeadlockDetection(false);
      setLockOrderChecking(false);
    }
  }
}

async function run(
  write: (line: string) => void,
  backends: readonly BankRow['backend'][],
  threadTransfers: number,
  processTransfers: number,
  timeoutMs: number,
  initial: number,
): Promise<BankRow[]> {
  write(
    `Bank: clerk A moves money from account 1 to account 2, clerk B from 2 to 1; each account has its own Lock, and a transfer holds both`,
  );
  const rows: BankRow[] = [];
  for (const backend of backends) {
    const times = backend === 'threads' ? threadTransfers : processTransfers;
    const accounts = [1, 2].map((id): Account => ({
      id,
      // Named, for the reports of deadlock detection and lock-order checking.
      lock: new Lock({ name: `account ${id}` }),
      // The account's own lock guards it: the Value needs none of its own.
      balance: new Value('i', initial, { lock: false }),
    })) as [Account, Account];
    for (const ordered of [false, true]) {
      const row = await strategy(backend, ordered, accounts, times, timeoutMs, write);
      rows.push(row);
      const [a, b] = row.transfers;
      if (!ordered && row.deadlocks !== 2) {
        throw new Error(`Locking the source first, ${row.deadlocks} of 2 ${backend} deadlocked`);
      }
      if (ordered && (a !== times || b !== times)) {
        throw new Error(`In order, the ${backend} made ${a} and ${b} of ${times} transfers`);
      }
      if (row.balances[0] !== row.expected[0] || row.balances[1] !== row.expected[1]) {
        throw new Error(
          `The ${backend} ended at balances ${row.balances.join(' and ')} instead of ${row.expected.join(' and ')}`,
        );
      }
    }
  }
  write(
    'Locking the accounts in one order, every transfer completed and the total stayed the same.',
  );
  return rows;
}
