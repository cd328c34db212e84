/**
 * The live view of a program's pools, threads and processes: `multitask top <pid>` (another
 * program's stats, read from its socket: stats-server.ts) or `--top` on a CLI program (its
 * own). On a terminal the view is redrawn in place with log-update, which rewrites the lines
 * it drew last (and hides the cursor meanwhile, restoring it at exit); anywhere else each
 * refresh is printed as plain lines, so that the output can be piped, logged or read by a test.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { createLogUpdate } from 'log-update';
import type { PoolStats, WorkerStats } from '../pool/stats.ts';
import { programStats, type ProgramStats } from './stats-server.ts';

/** The view of one snapshot, as lines of text. */
export function renderStats(stats: ProgramStats): string[] {
  const lines = [
    `multitask top: pid ${stats.pid}, up ${stats.uptime.toFixed(1)} s: ${stats.command}`,
  ];
  if (stats.pools.length === 0) lines.push('no pools');
  for (const pool of stats.pools) lines.push('', ...renderPool(pool));
  if (stats.children.length > 0) {
    lines.push('', 'threads and processes:');
    for (const child of stats.children) {
      const on = child.waitsOn === null ? '' : ` on ${child.waitsOn}`;
      lines.push(`  ${child.name}  ${child.kind} ${child.ident ?? '-'}  ${child.state}${on}`);
    }
  }
  return lines;
}

const COLUMNS = ['ID', 'NAME', 'PID/TID', 'STATE', 'DONE', 'FAILED', 'HOLD', 'UTIL', 'TASK'];
/** Columns aligned left (the others are numbers, aligned right). */
const LEFT = new Set(['NAME', 'STATE', 'TASK']);

function renderPool(pool: PoolStats): string[] {
  const { totals } = pool;
  const head =
    `${pool.pool} (${pool.kind === 'thread' ? 'threads' : 'processes'}, ${pool.state}): ` +
    `submitted ${totals.submitted}, ` +
    `queued ${totals.queued}, running ${totals.running}, done ${totals.done}, ` +
    `failed ${totals.failed}, cancelled ${totals.cancelled}`;
  const rows = pool.workers.map(workerRow);
  return [head, ...table([COLUMNS, ...rows])];
}

function workerRow(worker: WorkerStats): string[] {
  return [
    String(worker.id),
    worker.name,
    String(worker.pid ?? worker.threadId ?? '-'),
    worker.state,
    String(worker.done),
    String(worker.failed),
    String(worker.holding),
    `${Math.round(worker.utilization * 100)}%`,
    worker.task ?? '',
  ];
}

function table(rows: readonly string[][]): string[] {
  const widths = COLUMNS.map((_, i) => Math.max(...rows.map((row) => (row[i] ?? '').length)));
  return rows.map((row) =>
    `  ${row
      .map((cell, i) => {
        const width = widths[i] ?? 0;
        return LEFT.has(COLUMNS[i] ?? '') ? cell.padEnd(width) : cell.padStart(width);
      })
      .join('  ')}`.trimEnd(),
  );
}

/** How {@link runTop} gets and shows the stats. */
export interface TopOptions {
  /** Reads a snapshot (another program's, through its socket, or this one's). */
  readonly read: () => Promise<ProgramStats>;
  /** Milliseconds between refreshes. */
  readonly intervalMs: number;
  /** How many snapshots to show; `Infinity`: until `signal` aborts or reading fails. */
  readonly count: number;
  /** A terminal to redraw the view on, or `null` to print plain lines with `write`. */
  readonly terminal: NodeJS.WriteStream | null;
  readonly write: (line: string) => void;
  readonly signal?: AbortSignal | undefined;
  /** Draw once more when `signal` aborts: the view ends on the final state. */
  readonly lastOnAbort?: boolean | undefined;
}

/**
 * Shows the stats every `intervalMs`, `count` times, until `signal` aborts. Rejects with
 * the reading's error (the program went away), after showing what it read before.
 */
export async function runTop(options: TopOptions): Promise<void> {
  const { read, intervalMs, count, terminal, write, signal } = options;
  const draw = terminal === null ? null : createLogUpdate(terminal);
  const show = async (first: boolean): Promise<void> => {
    const lines = renderStats(await read());
    if (draw !== null) draw(lines.join('\n'));
    else {
      if (!first) write('');
      for (const line of lines) write(line);
    }
  };
  const aborted = (): boolean => signal?.aborted === true;
  try {
    for (let shown = 0; shown < count && !aborted(); shown++) {
      await show(shown === 0);
      if (shown + 1 < count) await pause(intervalMs, signal);
      if (aborted() && options.lastOnAbort === true) await show(false);
    }
  } finally {
    draw?.done();
  }
}

async function pause(ms: number, signal: AbortSignal | undefined): Promise<void> {
  try {
    await sleep(ms, undefined, { signal });
  } catch {
    // Aborted: the loop sees it and ends.
  }
}

/** A live view of this program's own stats, as {@link showOwnStats} started it. */
export interface OwnStatsView {
  /** Stops the view after one last refresh, and leaves that drawing in place. */
  stop(): Promise<void>;
}

/**
 * Shows this program's own stats every `intervalMs` until stopped: redrawn on `terminal` when
 * it is a terminal, else printed as plain lines with `write` (for `--top` on CLI programs).
 */
export function showOwnStats(
  terminal: NodeJS.WriteStream,
  write: (line: string) => void,
  intervalMs = 1000,
): OwnStatsView {
  const controller = new AbortController();
  const running = runTop({
    read: () => Promise.resolve(programStats()),
    intervalMs,
    count: Infinity,
    terminal: terminal.isTTY ? terminal : null,
    write,
    signal: controller.signal,
    lastOnAbort: true,
  });
  return {
    stop: async () => {
      controller.abort();
      await running;
    },
  };
}
