/**
 * The course's prime-sum timing: the sum of the primes below N computed serially, then by
 * 4 and 10 threads, then by 4 and 10 processes, each worker taking one slice of the range,
 * then by a ThreadPool and a process Pool of `cpuCount()` workers mapping over 64 chunks
 * (every phase shows its progress: see ../progress.ts). Prints one table of times and speedups; the speedup
 * is bounded by `cpuCount()`.
 *
 * The threads and processes start from spares (`Thread.prestart`, `Process.prestart`),
 * started before each row's clock starts, as CPython's forkserver is started before the
 * processes it hands out: a row's time is the work, the hand-over and the join, not the
 * start-up of Node. The program says so under the table.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { cpuCount, Pool, Process, taskModule, Thread, ThreadPool } from '../../index.ts';
import { Progress, type ProgressStream, type ProgressUnit } from '../progress.ts';
import { splitRange, sumPrimes } from './primes.ts';

const tasks = taskModule<typeof import('./primes.js')>(new URL('./primes.js', import.meta.url));

/** The default N: the whole program takes well under a minute on a 2-core machine. */
export const DEFAULT_N = 20_000_000;

/** The chunks the pools map over. */
export const POOL_CHUNKS = 64;

export interface PrimesRow {
  readonly label: 'serial' | 'threads' | 'processes' | 'thread pool' | 'process pool';
  readonly workers: number;
  readonly seconds: number;
  readonly sum: number;
}

/** The progress of one row, shown on `stream`, labelled as the row. */
function rowProgress(
  stream: ProgressStream | null,
  label: PrimesRow['label'],
  workers: number,
  unit: ProgressUnit,
): Progress {
  // On a terminal the bar gives way to the row's line of the table.
  return new Progress(stream, { label: `${label} ${workers}`.padEnd(15), unit, clear: true });
}

/** Waits for every worker, showing how many have finished. */
async function joinAll(workers: readonly (Thread | Process)[], progress: Progress): Promise<void> {
  let joined = 0;
  progress.update(0, workers.length);
  try {
    await Promise.all(
      workers.map(async (worker) => {
        await worker.join();
        progress.update(++joined, workers.length);
      }),
    );
  } finally {
    progress.finish();
  }
}

/** The serial row, a chunk at a time so that its progress shows (the work is the same). */
function serially(n: number, stream: ProgressStream | null): number {
  const progress = rowProgress(stream, 'serial', 1, { one: 'chunk' });
  const chunks = splitRange(n, POOL_CHUNKS);
  let sum = 0;
  progress.update(0, chunks.length);
  chunks.forEach(([lo, hi], i) => {
    sum += sumPrimes(lo, hi);
    progress.update(i + 1, chunks.length);
  });
  progress.finish();
  return sum;
}

async function withThreads(
  n: number,
  count: number,
  stream: ProgressStream | null,
): Promise<number> {
  const results = new Float64Array(new SharedArrayBuffer(count * Float64Array.BYTES_PER_ELEMENT));
  const threads = splitRange(n, count).map(
    ([lo, hi], slot) =>
      new Thread({ target: tasks.sumPrimesIntoShared, args: [lo, hi, results, slot] }),
  );
  for (const thread of threads) thread.start();
  await joinAll(threads, rowProgress(stream, 'threads', count, { one: 'thread' }));
  assertAllSucceeded(threads);
  return results.reduce((total, part) => total + part, 0);
}

async function withProcesses(
  n: number,
  count: number,
  stream: ProgressStream | null,
): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'multitask-primes-'));
  try {
    const files = splitRange(n, count).map((_, i) => join(dir, `part-${i}`));
    const processes = splitRange(n, count).map(
      ([lo, hi], i) =>
        new Process({ target: tasks.sumPrimesIntoFile, args: [lo, hi, files[i] ?? ''] }),
    );
    for (const proc of processes) proc.start();
    await joinAll(
      processes,
      rowProgress(stream, 'processes', count, { one: 'process', many: 'processes' }),
    );
    assertAllSucceeded(processes);
    return files.reduce((total, file) => total + Number(readFileSync(file, 'utf8')), 0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function withPool(
  n: number,
  kind: 'thread pool' | 'process pool',
  stream: ProgressStream | null,
): Promise<number> {
  const progress = rowProgress(stream, kind, cpuCount(), { one: 'chunk' });
  // Shown from the start: the pool's workers start before the first chunk is done.
  progress.update(0, POOL_CHUNKS);
  await using pool = kind === 'thread pool' ? new ThreadPool(cpuCount()) : new Pool(cpuCount());
  try {
    const sums = await pool.starmap(tasks.sumPrimes, splitRange(n, POOL_CHUNKS), {
      chunksize: 1,
      onProgress: (done, total) => {
        progress.update(done, total);
      },
    });
    return sums.reduce((total, part) => total + part, 0);
  } finally {
    progress.finish();
  }
}

function assertAllSucceeded(workers: readonly (Thread | Process)[]): void {
  const failed = workers.filter((worker) => worker.exitCode !== 0);
  if (failed.length > 0) {
    const list = failed.map((worker) => `${worker.name} (exit code ${worker.exitCode})`).join(', ');
    throw new Error(`Workers failed: ${list}`);
  }
}

async function timed(
  label: PrimesRow['label'],
  workers: number,
  run: () => number | Promise<number>,
): Promise<PrimesRow> {
  const start = performance.now();
  const sum = await run();
  return { label, workers, seconds: (performance.now() - start) / 1000, sum };
}

/** Runs every variant and returns the rows, serial first; each shows its progress on `stream`. */
export async function runPrimes(
  n: number,
  onRow: (row: PrimesRow) => void = () => undefined,
  stream: ProgressStream | null = null,
): Promise<PrimesRow[]> {
  const rows: PrimesRow[] = [];
  const add = (row: PrimesRow): void => {
    rows.push(row);
    onRow(row);
  };
  add(await timed('serial', 1, () => serially(n, stream)));
  for (const count of [4, 10]) {
    await Thread.prestart(count, { preload: [tasks.sumPrimesIntoShared] });
    add(await timed('threads', count, () => withThreads(n, count, stream)));
  }
  for (const count of [4, 10]) {
    await Process.prestart(count, { preload: [tasks.sumPrimesIntoFile] });
    add(await timed('processes', count, () => withProcesses(n, count, stream)));
  }
  for (const kind of ['thread pool', 'process pool'] as const) {
    add(await timed(kind, cpuCount(), () => withPool(n, kind, stream)));
  }
  return rows;
}

const number = new Intl.NumberFormat('en-US');

/** Formats the table, with each row's speedup over the serial run. */
export function formatRow(row: PrimesRow, serialSeconds: number): string {
  const speedup = serialSeconds / row.seconds;
  return [
    row.label.padEnd(12),
    String(row.workers).padStart(7),
    row.seconds.toFixed(2).padStart(9),
    `${speedup.toFixed(2)}x`.padStart(9),
    number.format(row.sum).padStart(20),
  ].join('  ');
}

/**
 * The program: prints the table as the rows arrive, and checks that every sum agrees. Each
 * row's progress is shown on `progress` (a bar on a terminal, plain lines elsewhere).
 */
export async function main(
  n: number,
  write: (line: string) => void,
  progress: ProgressStream | null = null,
): Promise<PrimesRow[]> {
  write(`Sum of the primes below ${number.format(n)}; cpuCount() = ${cpuCount()}`);
  write(
    [
      'run'.padEnd(12),
      'workers'.padStart(7),
      'time (s)'.padStart(9),
      'speedup'.padStart(9),
      'sum'.padStart(20),
    ].join('  '),
  );
  let serialSeconds = 0;
  const rows = await runPrimes(
    n,
    (row) => {
      if (row.label === 'serial') serialSeconds = row.seconds;
      write(formatRow(row, serialSeconds));
    },
    progress,
  );
  const expected = rows[0]?.sum;
  const wrong = rows.filter((row) => row.sum !== expected);
  if (wrong.length > 0)
    throw new Error(
      `Sums disagree: ${wrong.map((row) => `${row.label}/${row.workers}`).join(', ')}`,
    );
  write(`Speedup is bounded by the ${cpuCount()} CPUs this process may use.`);
  write(
    'Threads and processes start from spares prestarted before each row is timed ' +
      '(Thread.prestart, Process.prestart), as a forkserver is started ahead.',
  );
  return rows;
}
