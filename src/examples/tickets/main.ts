/**
 * The course's ticket office: buyers (processes by default) buy tickets from one JSON file,
 * `{ "remaining": 100 }`, until it is sold out. Without a lock, two buyers who read the file
 * at the same time sell the same ticket: more tickets are sold than there are. With a
 * multitask `Lock` held from the read to the write, exactly the tickets that exist are sold,
 * each once.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Barrier, Lock, Process, Queue, taskModule, Thread } from '../../index.ts';
import { startAll } from '../workers.ts';
import { readRemaining, type Purchases, type Stocks } from './tasks.ts';

const tasks = taskModule<typeof import('./tasks.js')>(new URL('./tasks.js', import.meta.url));

/** Options of {@link main}. The defaults run in a few seconds on a 2-core machine. */
export interface TicketsOptions {
  /**
   * How many buyers.
   * @default 10
   */
  readonly buyers?: number;
  /**
   * How many tickets each file starts with.
   * @default 100
   */
  readonly tickets?: number;
  /**
   * Milliseconds a buyer hesitates between reading the file and writing it back.
   * @default 1
   */
  readonly thinkMs?: number;
  /**
   * What the buyers are.
   * @default 'processes'
   */
  readonly backend?: 'threads' | 'processes';
}

/** One run: with or without the lock. */
export interface TicketsRow {
  readonly locked: boolean;
  /** Tickets sold by each buyer, by buyer number. */
  readonly sold: readonly number[];
  /** Tickets sold in all. */
  readonly total: number;
  /** What the file says remains once every buyer has stopped. */
  readonly remaining: number;
  /** How many ticket numbers were sold more than once. */
  readonly duplicates: number;
}

function check(value: number, name: string, min: number): void {
  if (!Number.isSafeInteger(value) || value < min) {
    throw new RangeError(
      `Expected \`${name}\` to be an integer from ${min} and up, got \`${value}\``,
    );
  }
}

function row(locked: boolean, sold: readonly (readonly number[])[], file: string): TicketsRow {
  const times = new Map<number, number>();
  for (const ticket of sold.flat()) times.set(ticket, (times.get(ticket) ?? 0) + 1);
  return {
    locked,
    sold: sold.map((tickets) => tickets.length),
    total: sold.reduce((total, tickets) => total + tickets.length, 0),
    remaining: readRemaining(file),
    duplicates: [...times.values()].filter((n) => n > 1).length,
  };
}

/** The verdict on one run, as printed. */
export function verdict(row: TicketsRow, initial: number): string {
  const how = row.locked ? 'with the Lock' : 'without a lock';
  if (row.total > initial) {
    return `${how}: ${row.total} tickets sold for ${initial} seats (${row.duplicates} seats sold more than once): oversold by ${row.total - initial}`;
  }
  const tail = row.locked ? '' : ' (no sale overlapped this time)';
  return `${how}: ${row.total} tickets sold for ${initial} seats, each once, ${row.remaining} remaining${tail}`;
}

/**
 * The program: every buyer buys without the lock until sold out, then (from a fresh file)
 * with it. The run without the lock is reported, not checked: overselling is likely, not
 * certain.
 * @returns The run without the lock, then the run with it.
 * @throws {Error} when the run with the lock does not sell every ticket exactly once, or a
 * buyer fails.
 * @example
 * ```ts
 * await main(console.log);
 * // buyer      no lock    Lock
 * // buyer 0        103       5
 * // ...
 * // with the Lock: 100 tickets sold for 100 seats, each once, 0 remaining
 * ```
 */
export async function main(
  write: (line: string) => void,
  options: TicketsOptions = {},
): Promise<TicketsRow[]> {
  const { buyers = 10, tickets = 100, thinkMs = 1, backend = 'processes' } = options;
  check(buyers, 'buyers', 1);
  check(tickets, 'tickets', 0);
  const dir = mkdtempSync(join(tmpdir(), 'multitask-tickets-'));
  try {
    const stocks: Stocks = {
      unlocked: join(dir, 'unlocked.json'),
      locked: join(dir, 'locked.json'),
      initial: tickets,
    };
    for (const file of [stocks.unlocked, stocks.locked]) {
      writeFileSync(file, JSON.stringify({ remaining: tickets }));
    }
    write(
      `Tickets: ${buyers} ${backend} buy from a file holding { "remaining": ${tickets} } until it is sold out, without and then with a Lock`,
    );
    const lock = new Lock();
    // The buyers start each run together, to compete from the first ticket.
    const start = new Barrier(buyers);
    const results = new Queue<Purchases>();
    const Worker = backend === 'threads' ? Thread : Process;
    const group = startAll(
      Array.from(
        { length: buyers },
        (_, buyer) =>
          new Worker({
            name: `buyer ${buyer}`,
            target: tasks.buyTickets,
            args: [buyer, stocks, lock, start, thinkMs, results],
          }),
      ),
      () => {
        start.abort();
      },
    );
    await group.join();
    const purchases: Purchases[] = [];
    while (!results.empty()) purchases.push(results.getNowait());
    purchases.sort((a, b) => a.buyer - b.buyer);
    const rows = [
      row(
        false,
        purchases.map((p) => p.unlocked),
        stocks.unlocked,
      ),
      row(
        true,
        purchases.map((p) => p.locked),
        stocks.locked,
      ),
    ] as const;
    write(['buyer'.padEnd(9), 'no lock'.padStart(7), 'Lock'.padStart(6)].join('  '));
    const line = (label: string, [a, b]: readonly [number, number]): void => {
      write([label.padEnd(9), String(a).padStart(7), String(b).padStart(6)].join('  '));
    };
    for (let buyer = 0; buyer < buyers; buyer++) {
      line(`buyer ${buyer}`, [rows[0].sold[buyer] ?? 0, rows[1].sold[buyer] ?? 0]);
    }
    line('total', [rows[0].total, rows[1].total]);
    line('remaining', [rows[0].remaining, rows[1].remaining]);
    for (const r of rows) write(verdict(r, tickets));
    const locked = rows[1];
    if (locked.total !== tickets || locked.remaining !== 0 || locked.duplicates !== 0) {
      throw new Error(
        `With the Lock, ${locked.total} tickets were sold for ${tickets} (${locked.duplicates} more than once), ${locked.remaining} remaining`,
      );
    }
    return [...rows];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
