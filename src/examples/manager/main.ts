/**
 * The course's Manager program: ten processes change one dict and one list that a Manager
 * holds (`d.count` incremented, each worker's number appended), and the final contents are
 * printed. Without a lock the increments race (read, then write back) and updates are lost;
 * with a Manager's Lock held around each increment, none is.
 */
import { Manager, Process, taskModule } from '../../index.ts';
import { startAll } from '../workers.ts';

const tasks = taskModule<typeof import('./tasks.js')>(new URL('./tasks.js', import.meta.url));

/** Options of {@link main}. The defaults run in a few seconds on a 2-core machine. */
export interface ManagerDemoOptions {
  /**
   * How many worker processes.
   * @default 10
   */
  readonly workers?: number;
  /**
   * Increments of `count` by each worker.
   * @default 50
   */
  readonly times?: number;
}

/** One run: with or without the lock. */
export interface ManagerDemoRow {
  readonly locked: boolean;
  /** The final `count`: `workers × times` when no update was lost. */
  readonly count: number;
  /** Increments made in all. */
  readonly expected: number;
  /** The list's final contents, sorted: each worker's number once. */
  readonly list: readonly number[];
  /** The dict's keys, as the workers left them. */
  readonly keys: readonly string[];
}

function check(value: number, name: string): void {
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new RangeError(`Expected \`${name}\` to be an integer from 1 and up, got \`${value}\``);
  }
}

async function run(
  manager: Manager,
  locked: boolean,
  workers: number,
  times: number,
  write: (line: string) => void,
): Promise<ManagerDemoRow> {
  const d = await manager.dict<string, number>({ count: 0 });
  const l = await manager.list<number>();
  const lock = locked ? await manager.Lock() : null;
  const group = startAll(
    Array.from(
      { length: workers },
      (_, id) => new Process({ target: tasks.change, args: [d, l, id, times, lock] }),
    ),
  );
  await group.join();
  const count = (await d.get('count')) ?? 0;
  const list = await l.copy();
  const keys = await d.keys();
  write(`${locked ? 'With a Lock' : 'Without a lock'}:`);
  write(`  d = {${(await d.items()).map(([k, v]) => `'${k}': ${v}`).join(', ')}}`);
  write(`  l = [${list.join(', ')}]`);
  const expected = workers * times;
  write(
    count === expected
      ? `  count = ${count}: every one of the ${expected} increments is there`
      : `  count = ${count}, not ${expected}: ${expected - count} updates were lost`,
  );
  return { locked, count, expected, list: [...list].sort((a, b) => a - b), keys };
}

/**
 * Runs the program twice, without and with the lock, and returns both runs.
 * @example
 * ```ts
 * const [unlocked, locked] = await main(console.log, { workers: 10 });
 * ```
 */
export async function main(
  write: (line: string) => void,
  options: ManagerDemoOptions = {},
): Promise<ManagerDemoRow[]> {
  const { workers = 10, times = 50 } = options;
  check(workers, 'workers');
  check(times, 'times');
  await using manager = new Manager();
  await manager.start();
  write(
    `${workers} processes change one dict and one list held by a Manager (pid ${manager.pid ?? '?'}).`,
  );
  const rows = [
    await run(manager, false, workers, times, write),
    await run(manager, true, workers, times, write),
  ];
  return rows;
}
