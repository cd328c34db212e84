/**
 * The ticket office's buyers. The stock of tickets is a JSON file, `{ "remaining": N }`;
 * buying one is a read of the file, a moment's hesitation, and a write of one fewer. Each
 * buyer buys until it reads that none remain, twice: first from one file without a lock,
 * then from another with the office's `Lock` held around the read and the write.
 */
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import type { Barrier, Lock, Queue } from '../../index.ts';

/** The two stocks: one sold without the lock, one with it. */
export interface Stocks {
  /** The file sold without the lock. */
  readonly unlocked: string;
  /** The file sold with the lock held. */
  readonly locked: string;
  /** The number of tickets each file starts with. */
  readonly initial: number;
}

/** What one buyer bought: ticket numbers (1 is the first ticket sold) in each run. */
export interface Purchases {
  readonly buyer: number;
  readonly unlocked: readonly number[];
  readonly locked: readonly number[];
}

/** The number of tickets left in `file`. */
export function readRemaining(file: string): number {
  const { remaining } = JSON.parse(readFileSync(file, 'utf8')) as { remaining: unknown };
  if (typeof remaining !== 'number' || !Number.isSafeInteger(remaining)) {
    throw new TypeError(
      `Expected \`remaining\` in ${file} to be an integer, got ${String(remaining)}`,
    );
  }
  return remaining;
}

/**
 * Writes `remaining` to `file`. Through a file of the writer's own and a rename, so that a
 * reader sees the old content or the new, never a half-written file: the race this demo
 * shows is the one between a read and the write that follows it, not a torn write.
 */
export function writeRemaining(file: string, remaining: number, writer: number): void {
  const scratch = `${file}.${writer}`;
  writeFileSync(scratch, JSON.stringify({ remaining }));
  renameSync(scratch, file);
}

const pause = new Int32Array(new SharedArrayBuffer(Int32Array.BYTES_PER_ELEMENT));

/** Blocks the calling thread for `ms` milliseconds. */
function hesitate(ms: number): void {
  if (ms > 0) Atomics.wait(pause, 0, 0, ms);
}

/**
 * Buys one ticket from `file`: returns its number, or `null` when none remain. Between the
 * read and the write the buyer hesitates for `thinkMs`: another buyer who reads meanwhile
 * sees the same count, and sells the same ticket.
 */
function buyOne(file: string, initial: number, buyer: number, thinkMs: number): number | null {
  const remaining = readRemaining(file);
  if (remaining <= 0) return null;
  hesitate(thinkMs);
  writeRemaining(file, remaining - 1, buyer);
  return initial - remaining + 1;
}

/** Calls `buy` until it returns `null`; returns what it returned before. */
function buyAll(buy: () => number | null): number[] {
  const tickets: number[] = [];
  for (let ticket = buy(); ticket !== null; ticket = buy()) tickets.push(ticket);
  return tickets;
}

/**
 * A buyer: waits at `start` for the others, buys from `stocks.unlocked` until it is sold
 * out, waits again, buys from `stocks.locked` with `lock` held around each purchase, and
 * puts what it bought into `results`.
 */
export function buyTickets(
  buyer: number,
  stocks: Stocks,
  lock: Lock,
  start: Barrier,
  thinkMs: number,
  results: Queue<Purchases>,
): void {
  const { initial } = stocks;
  start.waitSync();
  const unlocked = buyAll(() => buyOne(stocks.unlocked, initial, buyer, thinkMs));
  start.waitSync();
  const locked = buyAll(() =>
    lock.withLockSync(() => buyOne(stocks.locked, initial, buyer, thinkMs)),
  );
  results.putSync({ buyer, unlocked, locked });
}
